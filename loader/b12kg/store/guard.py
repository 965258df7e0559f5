"""What `b12kg serve` refuses before a request reaches Oxigraph: foreign Host/Origin headers and federated queries."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from email.message import Message
from urllib.parse import parse_qsl, urlsplit

__all__ = ["allowed_hosts", "foreign_request", "query_texts", "federation_problem", "uses_service"]

# Fetch Metadata (https://www.w3.org/TR/fetch-metadata/): browsers say where a request comes from; only a page of
# this endpoint itself ("same-origin") or the user typing the URL ("none") may query it.
_OWN_SITES = frozenset({"same-origin", "none"})
# Above this size a query that mentions "service" is refused unchecked, rather than spending the front's CPU on it.
PARSE_LIMIT = 100_000
_PARSE_LOCK = threading.Lock()  # pyparsing grammars are not documented as thread-safe
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")


def allowed_hosts(ip: str, port: int, *, loopback: bool) -> frozenset[str]:
    """The Host header values that name this endpoint: its address and port, and `localhost` on loopback."""
    address = f"[{ip}]" if ":" in ip else ip
    names = [address] + (["localhost"] if loopback else [])
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:  # a browser leaves out the default port (RFC 9110 §7.2)
        hosts |= set(names)
    return frozenset(host.lower() for host in hosts)


def foreign_request(headers: Message, allowed: frozenset[str]) -> str | None:
    """Why a request does not come from this endpoint's own address or page, or None when it does.

    A web page in the user's browser can send requests to 127.0.0.1: a cross-origin form POST carries that page's
    `Origin`; a DNS-rebound name carries its own `Host`. Both are refused here (the Oxigraph server checks neither).
    """
    hosts = headers.get_all("Host") or []
    if len(hosts) != 1:
        return "a request needs exactly one Host header naming this endpoint"
    if hosts[0].strip().lower() not in allowed:
        return (f"Host {hosts[0].strip()!r} is not this endpoint ({', '.join(sorted(allowed))}): "
                "requests that reach it under another name (DNS rebinding) are refused")
    for origin in headers.get_all("Origin") or []:
        if origin.strip().lower() not in {f"http://{host}" for host in allowed}:
            return (f"cross-origin request from {origin.strip()!r} refused: only pages of this endpoint may query it "
                    "from a browser")
    site = (headers.get("Sec-Fetch-Site") or "").strip().lower()
    if site and site not in _OWN_SITES:
        return f"request from another site refused (Sec-Fetch-Site: {site}): only pages of this endpoint may query it"
    return None


def query_texts(target: str, content_type: str | None, body: bytes) -> list[str]:
    """Every SPARQL query a request carries, wherever the Oxigraph server would look for one.

    Oxigraph reads `query=` from the URL, from a form body, and takes an `application/sparql-query` body whole
    (oxigraph cli/src/main.rs, `configure_and_evaluate_sparql_query`); its Content-Type test ignores parameters
    and case.
    """
    texts = [value for key, value in _form(urlsplit(target).query) if key == "query"]
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    if body and essence == "application/sparql-query":
        texts.append(body.decode("utf-8", errors="replace"))
    elif body and essence == "application/x-www-form-urlencoded":
        texts += [value for key, value in _form(body.decode("utf-8", errors="replace")) if key == "query"]
    return texts


def _form(encoded: str) -> list[tuple[str, str]]:
    return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="replace")


def federation_problem(texts: Iterable[str]) -> str | None:
    """Why these queries are refused for federation (SERVICE), or None when none of them uses it."""
    for text in texts:
        verdict = uses_service(text)
        if verdict == "service":
            return ("federated query (SERVICE) refused: this endpoint does not send requests to other servers; "
                    "restart it with `b12kg serve --allow-service` to allow it")
        if verdict == "unchecked":
            return ("the query mentions 'service' but could not be parsed to make sure it does not call SERVICE "
                    "(federated query, refused here); check its syntax, or restart with `b12kg serve --allow-service`")
    return None


def uses_service(text: str) -> str:
    """`"service"` if the query calls SERVICE, `"none"` if it does not, `"unchecked"` if that could not be decided.

    A query without the letters "service" (in any case, also after \\u escapes) cannot call SERVICE. Otherwise it is
    parsed with rdflib's SPARQL 1.1 grammar and searched for a ServiceGraphPattern, so that comments, strings and IRIs
    do not count. Two differences from Oxigraph's parser are evened out first: Oxigraph ends a comment at a carriage
    return (rdflib only at a line feed), and Oxigraph 0.5 does not expand \\u escapes outside strings (rdflib's
    `parseQuery` does), so both readings are checked. A query rdflib cannot parse stays unchecked (and is refused).
    """
    variants = [text] + ([_unescape(text)] if _ESCAPE.search(text) else [])
    if not any("service" in variant.casefold() for variant in variants):
        return "none"
    if len(text) > PARSE_LIMIT:
        return "unchecked"
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import Query

    verdicts = set()
    for variant in variants:
        try:
            with _PARSE_LOCK:
                tree = Query.parse_string(variant.replace("\r", "\n"), parse_all=True)
        except (ParseBaseException, RecursionError, ValueError):
            verdicts.add("unchecked")
            continue
        found = any(getattr(node, "name", None) == "ServiceGraphPattern" for node in _nodes(tree))
        verdicts.add("service" if found else "none")
    return next(verdict for verdict in ("service", "unchecked", "none") if verdict in verdicts)


def _unescape(text: str) -> str:
    """SPARQL 1.1 §19.2: \\uXXXX and \\UXXXXXXXX escapes expanded before parsing (invalid code points left as
    written)."""
    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)
    return _ESCAPE.sub(expand, text)


def _nodes(tree: object) -> Iterator[object]:
    """Every node of an rdflib parse tree (ParseResults, CompValue, lists), without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, str):
            continue
        if isinstance(node, dict):
            stack.extend(node.values())
        elif hasattr(node, "__iter__"):
            stack.extend(node)
