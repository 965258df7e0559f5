"""The store stage's one HTTP client: authentication computed up front, retries with backoff, errors with fixes.

Every request to a store goes through `call`: Graph Store Protocol uploads (`send`) and SPARQL queries and updates
(`sparql_request`, which keeps SPARQLWrapper for the SPARQL protocol itself: building the request, parsing the
JSON results). The policy is `call`'s alone: connection errors, timeouts and 5xx answers are retried with
exponential backoff up to ``StoreConfig.retries`` times, 4xx answers never; a request ``once`` (the final swap of
a load) is never sent again, except after a 401 or 403 to a stale digest nonce, which means the store ran nothing.
"""

from __future__ import annotations

import base64
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, TypeVar

from b12kg.errors import StoreError
from b12kg.store.config import StoreConfig

__all__ = ["StoreRefused", "call", "send", "send_stream", "sparql_request", "count_triples", "graphs_with_prefix",
           "backoff", "CONNECTION_ERRORS"]

T = TypeVar("T")

# What a request that never got its answer raises: refused or reset connections, timeouts, a truncated answer.
CONNECTION_ERRORS = (urllib.error.URLError, ConnectionError, HTTPException, TimeoutError, OSError)


@dataclass
class StoreRefused(StoreError):
    """The store answered an HTTP error status (4xx, or 5xx after the retries): ``status`` says which."""

    status: int = 0


class _Answered(Exception):
    """One exchange's HTTP error answer, whichever library met it: the status and the start of the body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status, self.detail = status, detail


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, …): 1, 2, 4, then 8 at most."""
    return min(0.5 * 2.0 ** attempt, 8.0)


# ---------------------------------------------------------------- connections and authentication


def _opener(config: StoreConfig) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if not config.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


_CHALLENGES: dict[str, dict[str, str]] = {}  # URL (no query) -> the server's last digest challenge


def _authorization(config: StoreConfig, method: str, url: str, *, fresh: bool = False) -> str | None:
    """The Authorization header for a request, computed before it is sent.

    urllib answers a digest challenge by sending the request again, body and all; a server that refuses the first,
    unauthenticated request early (Virtuoso does) closes the connection while a large body is still being sent,
    and the upload dies with a broken pipe. So the challenge is fetched once with a body-less request, and every
    request carries its answer from the start.
    """
    if not config.user:
        return None
    if config.auth == "basic":
        token = base64.b64encode(f"{config.user}:{config.password or ''}".encode()).decode("ascii")
        return f"Basic {token}"
    key = urllib.parse.urlsplit(url)._replace(query="", fragment="").geturl()
    challenge = None if fresh else _CHALLENGES.get(key)
    if challenge is None:
        probe = urllib.request.Request(url, method="GET")
        try:
            with _opener(config).open(probe, timeout=config.timeout):
                return None  # the URL needs no authentication
        except urllib.error.HTTPError as exc:
            header = exc.headers.get("WWW-Authenticate", "") if exc.code == 401 else ""
            if not header.lower().startswith("digest "):
                return None
            challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
            _CHALLENGES[key] = challenge
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, config.user, config.password or "")
    request = urllib.request.Request(url, method=method, data=b"" if method != "GET" else None)
    answer = urllib.request.HTTPDigestAuthHandler(manager).get_authorization(request, challenge)
    return f"Digest {answer}" if answer else None


# ---------------------------------------------------------------- the one retry policy


def call(config: StoreConfig, method: str, url: str, exchange: Callable[[str | None], T], *, what: str,
         once: bool = False) -> T:
    """Run ``exchange`` (one HTTP request and its answer, given the Authorization header to send) under the policy.

    Retried with backoff on connection errors, timeouts and 5xx answers, up to ``config.retries`` times; never on
    a 4xx answer. With ``once`` the request is not sent again after any failure, but for a 401 (or a 403 with
    digest authentication: a nonce the store no longer accepts; it refused the request before running it). Failures
    before the request is sent (the body-less GET that fetches a digest challenge) are retried in either case.
    Raises `StoreError` with a fix.
    """
    attempt = 0
    fresh = False  # fetch a new digest challenge before sending
    renewed = False  # a 401 has been answered with a new challenge already (once per request)

    def again() -> bool:
        nonlocal attempt, fresh
        if attempt >= config.retries:
            return False
        attempt += 1
        fresh = True  # a store that went away and came back has forgotten its nonces
        time.sleep(backoff(attempt))
        return True

    while True:
        try:
            authorization = _authorization(config, method, url, fresh=fresh)
        except CONNECTION_ERRORS as exc:  # nothing of the request itself was sent
            if again():
                continue
            raise _unreachable(exc, config, url, what, f"{attempt + 1} tries") from exc
        try:
            try:
                return exchange(authorization)
            except urllib.error.HTTPError as exc:
                raise _Answered(exc.code, exc.read()[:300].decode("utf-8", errors="replace").strip()) from exc
        except _Answered as answer:
            # A digest nonce the store no longer accepts: 401, or 403 from Virtuoso after a few minutes (a load of
            # 10^4 claims met it). The store refused the request before running it: fetch a new challenge, once.
            stale = answer.status == 401 or (answer.status == 403 and config.auth == "digest")
            if stale and config.user and not renewed:
                renewed = fresh = True
                continue
            if answer.status >= 500 and not once and again():
                continue
            raise _refused(answer.status, url, what, answer.detail, config) from answer
        except CONNECTION_ERRORS as exc:
            if not once and again():
                continue
            raise _unreachable(exc, config, url, what, "sent once" if once else f"{attempt + 1} tries") from exc


def _unreachable(exc: BaseException, config: StoreConfig, url: str, what: str, tries: str) -> StoreError:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return StoreError(f"{what}: {url} did not answer within {config.timeout:.0f} s ({tries})",
                          fix="raise --timeout, or check the store")
    return StoreError(f"{what}: cannot reach {url}: {reason} ({tries})",
                      fix="check that the store is running and the host and port are right")


def _refused(code: int, url: str, what: str, detail: str, config: StoreConfig) -> StoreRefused:
    if code in (401, 403):
        who = f"user {config.user!r}" if config.user else "no user"
        return StoreRefused(f"{what}: {url} refused the credentials ({code}; {who})",
                            fix="check --user and the password (read from the environment variable named by "
                                "--password-env, or prompted), and that the user may write graphs", status=code)
    if code == 404:
        return StoreRefused(f"{what}: {url} does not exist on the server (404)",
                            fix="check the URL options (--query-url, --update-url, --gsp-url) or --store/--url",
                            status=code)
    if code == 415:
        return StoreRefused(f"{what}: {url} rejects the format sent (415): {detail}",
                            fix="use --method update (SPARQL INSERT DATA) for this store", status=code)
    if code in (400, 414):
        return StoreRefused(f"{what}: {url} rejected the request ({code}): {detail}",
                            fix="the store may not support this SPARQL 1.1 feature (see the README), or the data "
                                "sent; see the store's log", status=code)
    return StoreRefused(f"{what}: {url} answered HTTP {code}: {detail}", fix="see the store's log", status=code)


# ---------------------------------------------------------------- the two kinds of request


def send(config: StoreConfig, method: str, url: str, body: bytes | None = None, *,
         headers: dict[str, str] | None = None, what: str = "request") -> tuple[int, bytes]:
    """One plain HTTP request (a Graph Store Protocol upload), under `call`'s policy: (status, body)."""

    def exchange(authorization: str | None) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        if authorization:
            request.add_unredirected_header("Authorization", authorization)
        with _opener(config).open(request, timeout=config.timeout) as response:
            return response.status, response.read()

    return call(config, method, url, exchange, what=what)


def send_stream(config: StoreConfig, url: str, chunks: Callable[[], Iterator[bytes]], *, content_type: str,
                what: str, timeout: float | None = None) -> tuple[int, bytes]:
    """One POST whose body is streamed (chunked transfer encoding) from ``chunks()``, under `call`'s policy: a
    retry calls ``chunks`` again for a new body. ``timeout`` (default ``config.timeout``) bounds each socket wait."""

    def exchange(authorization: str | None) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=chunks(), method="POST",
                                         headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        if authorization:
            request.add_unredirected_header("Authorization", authorization)
        with _opener(config).open(request, timeout=timeout or config.timeout) as response:
            return response.status, response.read()

    return call(config, "POST", url, exchange, what=what)


def sparql_request(config: StoreConfig, text: str, *, update: bool = False, what: str = "query",
                   once: bool = False) -> dict[str, Any]:
    """Run a query (its SPARQL JSON results) or an update (``{}``) through SPARQLWrapper, under `call`'s policy.

    ``once`` is for a request that must not run twice (the final swap): it is sent again only when the server
    refused it before running it (a stale digest nonce, 401); any other failure is raised at once.
    """
    url = (config.update_url or config.query_url) if update else config.query_url
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return call(config, "POST", url, lambda authorization: _sparql_exchange(
        config, url, config.update_prefix + body if update else body, update=update, authorization=authorization,
        what=what), what=what, once=once)


def _sparql_exchange(config: StoreConfig, url: str, text: str, *, update: bool, authorization: str | None,
                     what: str) -> dict[str, Any]:
    """One SPARQL protocol request through SPARQLWrapper; its error answers as `_Answered`."""
    from SPARQLWrapper import JSON, POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import (
        EndPointInternalError,
        EndPointNotFound,
        QueryBadFormed,
        SPARQLWrapperException,
        Unauthorized,
        URITooLong,
    )

    client = SPARQLWrapper(url)
    client.setMethod(POST)  # POST: no URL length limit (GET URLs of long queries are cut by some servers)
    # Updates go as the request body (application/sparql-update); queries as an HTML form (query=...):
    # Virtuoso 7.2 never answers a query POSTed directly as application/sparql-query.
    client.setRequestMethod(POSTDIRECTLY if update else URLENCODED)
    client.setTimeout(int(config.timeout))
    if authorization:  # computed up front, for the reason _authorization gives
        client.addCustomHttpHeader("Authorization", authorization)
    client.setQuery(text)  # whole-line comments dropped: SPARQLWrapper guesses the form from any keyword
    if not update:
        client.setReturnFormat(JSON)
    try:
        if update:
            client.query()
            return {}
        result = client.queryAndConvert()
    except SPARQLWrapperException as exc:
        # SPARQLWrapper 2.0 turns these statuses into its own exceptions, and raises urllib's HTTPError for others
        status = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414,
                  EndPointInternalError: 500}.get(type(exc), 400)
        message = str(exc)
        raise _Answered(status, (message.partition("Response:\n")[2] or message)[:300].strip()) from exc
    if not isinstance(result, dict):
        raise StoreError(f"{what}: {url} did not answer with SPARQL JSON results",
                         fix="check --query-url: it must be the store's SPARQL query endpoint")
    return result


def count_triples(config: StoreConfig, graph: str) -> int:
    """How many triples the store's graph holds (0 for a graph it does not have)."""
    result = sparql_request(config, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                            what=f"counting <{graph}>")
    return int(result["results"]["bindings"][0]["n"]["value"])


def graphs_with_prefix(config: StoreConfig, prefix: str) -> list[str]:
    """The store's non-empty graphs whose IRI starts with ``prefix``, sorted."""
    result = sparql_request(config, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                                    f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}', what="listing graphs")
    return sorted(b["g"]["value"] for b in result["results"]["bindings"])
