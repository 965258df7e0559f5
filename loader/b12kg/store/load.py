"""Load stage: put the release into any SPARQL 1.1 store (Graph Store Protocol or Update), atomically for readers."""

from __future__ import annotations

import hashlib
import json
import ssl
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import Callable, Iterable, Iterator

from b12kg.errors import B12kgError, MissingPrerequisite, MixedStoreState, PreviousReleaseKept, StoreError, \
    SwapOutcomeUnknown
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, GRAPH_BASE, INFERRED_GRAPH
from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import DATASET_FILE, INFERRED_FILE, dataset_query
from b12kg.sparql.library import library_queries, prepare

__all__ = [
    "sparql_request",
    "count_triples",
    "graphs_with_prefix",
    "layout_nquads",
    "GRAPH_BASE",
    "ASSERTED_GRAPH",
    "INFERRED_GRAPH",
    "CATALOG_GRAPH",
    "StoreConfig",
    "LoadReport",
    "StoreState",
    "release_graphs",
    "release_checksum",
    "read_state",
    "store_status",
    "store_preset",
    "load_release",
    "verify_store",
    "Verification",
    "STORE_TYPES",
]

# Where the release's graphs live in a store (documented in the README, "Loading into a triple store"):
STAGING_BASE = GRAPH_BASE + "staging/"  # temporary graphs of a replace, removed when it ends
RELEASE_SPACE = "https://w3id.org/b12kg/"  # every graph named under it (but staging) belongs to the loaded release
RELEASE_CHECKSUM = CATALOG_GRAPH + "#releaseSha256"  # the catalog's statement of which release the store holds
SWAP_GUARD = STAGING_BASE + "swap-guard"  # predicate of a load's guard triple; every statement of its swap needs it
_DATASET = "https://w3id.org/b12kg/id/dataset"
_HAS_PART = "http://purl.org/dc/terms/hasPart"
_VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
STORE_TYPES = ("oxigraph", "virtuoso", "generic")

Progress = Callable[[str], None]


@dataclass
class StoreConfig:
    """How to reach a store: its SPARQL query and update URLs and its Graph Store Protocol URL."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    gsp_graph_param: str = "graph"  # "graph" in the GSP standard; Virtuoso's crud endpoint uses "graph-uri"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "digest"  # or "basic"
    timeout: float = 60.0
    retries: int = 3  # for uploads and reads; the final swap is sent once, never retried
    recovery_wait: float = 120.0  # after a failed swap: how long to keep trying to read the store back
    verify_tls: bool = True
    method: str = "auto"  # gsp, update, auto (gsp when a GSP URL is known)
    batch_size: int = 50_000
    # Put before every SPARQL Update. Virtuoso: "DEFINE sql:log-enable 1" (transaction log on, no row autocommit):
    # without it, Virtuoso 7.2.5 killed with SIGKILL came back, after its roll-forward, with the last swap partly
    # applied or partly lost (4 of 9 runs here; 0 of 6 with it; tests/test_load_faults.py kills it).
    update_prefix: str = ""

    def describe(self) -> str:
        return f"{self.query_url}" + (f" as {self.user}" if self.user else "")


def store_preset(kind: str, base_url: str, **options: object) -> StoreConfig:
    """The usual URLs of a store type under its base URL (e.g. http://127.0.0.1:7878 for Oxigraph server)."""
    base = base_url.rstrip("/")
    if kind == "oxigraph":
        config = StoreConfig(query_url=f"{base}/query", update_url=f"{base}/update", gsp_url=f"{base}/store")
    elif kind == "virtuoso":
        authenticated = bool(options.get("user"))
        config = StoreConfig(query_url=f"{base}/sparql-auth" if authenticated else f"{base}/sparql",
                             update_url=f"{base}/sparql-auth" if authenticated else f"{base}/sparql",
                             gsp_url=f"{base}/sparql-graph-crud-auth" if authenticated else
                             f"{base}/sparql-graph-crud", gsp_graph_param="graph-uri",
                             batch_size=20_000,  # Virtuoso stalls on very large Graph Store posts
                             update_prefix="DEFINE sql:log-enable 1\n")  # each update one logged transaction
    else:
        config = StoreConfig(query_url=base)
    for key, value in options.items():
        if value is not None:
            setattr(config, key, value)
    return config


# ---------------------------------------------------------------- the release, as graphs of N-Triples lines


def release_graphs(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True) -> dict[str, list[str]]:
    """The release as store graphs: {graph IRI: distinct N-Triples lines}, the catalog graph last.

    The catalog lists every graph with its size and states the release's checksum (`release_checksum`), so a
    store says which release it holds. Blank nodes are refused: a batch, or a retried upload, would turn one blank
    node into several and the graph would change without its counts showing it.
    """
    dataset = graphs_dir / DATASET_FILE
    if not dataset.is_file():
        raise MissingPrerequisite(f"the built graph {dataset} is missing", fix="run `b12kg build` first")
    from pyoxigraph import BlankNode, DefaultGraph, RdfFormat, parse

    def line(quad: object, path: Path) -> str:
        for term in (quad.subject, quad.object):  # type: ignore[attr-defined]
            if isinstance(term, BlankNode):
                raise B12kgError(f"{path} has a blank node ({term} in `{quad}`): the loader cannot upload it in "
                                 "batches, or retry an upload, without changing the graph",
                                 fix="rebuild with `b12kg build` (it writes IRIs only), or skolemize the blank nodes")
        return f"{quad.subject} {quad.predicate} {quad.object} .\n"  # type: ignore[attr-defined]

    graphs: dict[str, dict[str, None]] = {ASSERTED_GRAPH: {}}  # dicts: distinct lines, in file order
    for quad in parse(path=str(dataset), format=RdfFormat.N_QUADS):
        name = ASSERTED_GRAPH if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, {})[line(quad, dataset)] = None
    if inferred:
        path = graphs_dir / INFERRED_FILE
        if not path.is_file():
            raise MissingPrerequisite(f"the inferred graph {path} is missing", fix="run `b12kg reason` first")
        graphs[INFERRED_GRAPH] = {line(triple, path): None for triple in parse(path=str(path),
                                                                                format=RdfFormat.N_TRIPLES)}
    release = {graph: list(lines) for graph, lines in graphs.items()}
    catalog = [f'<{_DATASET}> <{RELEASE_CHECKSUM}> "{release_checksum(release)}" .\n']
    for graph, lines in release.items():
        catalog.append(f"<{_DATASET}> <{_HAS_PART}> <{graph}> .\n")
        catalog.append(f'<{graph}> <{_VOID_TRIPLES}> "{len(lines)}"^^<{_XSD_INTEGER}> .\n')
    release[CATALOG_GRAPH] = catalog
    return release


def release_checksum(graphs: dict[str, list[str]]) -> str:
    """SHA-256 of a release's content: each graph's name and its sorted N-Triples lines, graphs in name order.

    The catalog graph is left out (it is made from the others and states this checksum)."""
    digest = hashlib.sha256()
    for graph in sorted(g for g in graphs if g != CATALOG_GRAPH):
        digest.update(f"<{graph}>\n".encode("utf-8"))
        for line in sorted(set(graphs[graph])):
            digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def _expected(graphs: dict[str, list[str]]) -> dict[str, int]:
    """What a store holding this release shows: every non-empty graph with its size (empty graphs do not exist)."""
    return {graph: len(lines) for graph, lines in graphs.items() if lines}


def layout_nquads(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, default_graph: bool = True) -> str:
    """The release in the store layout every engine holds, as N-Quads: the named graphs `b12kg load` writes
    (asserted, inferred, catalog and one assertion and provenance graph per claim) and, with ``default_graph``,
    the asserted graph once more as the default graph (what FROM-less library files and W3C-manifest runners use)."""
    graphs = release_graphs(graphs_dir, inferred=inferred)
    parts = [f"{line[:-3]} <{graph}> .\n" for graph, lines in graphs.items() for line in lines]
    if default_graph:
        parts += graphs[ASSERTED_GRAPH]
    return "".join(parts)


# ---------------------------------------------------------------- HTTP with retries and clear errors


def _opener(config: StoreConfig) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if not config.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


_CHALLENGES: dict[str, dict[str, str]] = {}


def _authorization(config: StoreConfig, method: str, url: str, *, fresh: bool = False) -> str | None:
    """The Authorization header for a request, computed before it is sent.

    urllib answers a digest challenge by sending the request again, body and all; a server that refuses the first,
    unauthenticated request early (Virtuoso does) closes the connection while a large body is still being sent,
    and the upload dies with a broken pipe. So the challenge is fetched once with a body-less request, and every
    request carries its answer from the start.
    """
    import base64

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


def _request(config: StoreConfig, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None, what: str = "request") -> tuple[int, bytes]:
    """One HTTP request, retried with backoff on connection errors and 5xx answers (never on 4xx)."""
    attempt = 0
    fresh = False
    while True:
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            authorization = _authorization(config, method, url, fresh=fresh)
            if authorization:
                request.add_unredirected_header("Authorization", authorization)
            with _opener(config).open(request, timeout=config.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", errors="replace").strip()
            if exc.code == 401 and config.user and not fresh:
                fresh = True  # the server's nonce may have expired: ask for a new challenge once
                continue
            if exc.code >= 500 and attempt < config.retries:
                attempt += 1
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            raise _http_error(exc.code, url, what, detail, config) from exc
        except (urllib.error.URLError, ConnectionError, HTTPException, TimeoutError, OSError) as exc:
            if attempt < config.retries:
                attempt += 1
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise StoreError(f"{what}: {url} did not answer within {config.timeout:.0f} s "
                                 f"({config.retries + 1} tries)", fix="raise --timeout, or check the store") from exc
            raise StoreError(f"{what}: cannot reach {url}: {reason} ({config.retries + 1} tries)",
                             fix="check that the store is running and the host and port are right") from exc


def _http_error(code: int, url: str, what: str, detail: str, config: StoreConfig) -> StoreError:
    if code in (401, 403):
        who = f"user {config.user!r}" if config.user else "no user"
        return StoreError(f"{what}: {url} refused the credentials ({code}; {who})",
                          fix="check --user and the password (read from the environment variable named by "
                              "--password-env, or prompted), and that the user may write graphs")
    if code == 404:
        return StoreError(f"{what}: {url} does not exist on the server (404)",
                          fix="check the URL options (--query-url, --update-url, --gsp-url) or --store/--url")
    if code == 415:
        return StoreError(f"{what}: {url} rejects the format sent (415): {detail}",
                          fix="use --method update (SPARQL INSERT DATA) for this store")
    return StoreError(f"{what}: {url} answered HTTP {code}: {detail}", fix="see the store's log")


# ---------------------------------------------------------------- SPARQL through SPARQLWrapper


def sparql_request(config: StoreConfig, text: str, *, update: bool = False, what: str = "query", once: bool = False) -> dict:
    """Run a query or update; retried on connection errors, timeouts and 5xx unless ``once``.

    ``once`` is for a request that must not run twice (the final swap): it is sent again only when the server
    refused it before running it (a stale digest nonce, 401); any other failure is raised at once.
    """
    from urllib.error import URLError

    from SPARQLWrapper import JSON, POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, SPARQLWrapperException, \
        Unauthorized

    url = (config.update_url or config.query_url) if update else config.query_url
    attempt = 0
    while True:
        client = SPARQLWrapper(url)
        client.setMethod(POST)  # POST: no URL length limit (GET URLs of long queries are cut by some servers)
        # Updates go as the request body (application/sparql-update); queries as an HTML form (query=...):
        # Virtuoso 7.2 never answers a query POSTed directly as application/sparql-query.
        client.setRequestMethod(POSTDIRECTLY if update else URLENCODED)
        client.setTimeout(int(config.timeout))
        try:
            authorization = _authorization(config, "POST", url, fresh=attempt > 0)
        except (URLError, ConnectionError, HTTPException, TimeoutError, OSError) as exc:
            authorization = None
            if attempt >= config.retries:
                raise StoreError(f"{what}: cannot reach {url}: {getattr(exc, 'reason', exc)}",
                                 fix="check that the store is running and the host and port are right") from exc
        if authorization:  # computed up front, for the reason _authorization gives
            client.addCustomHttpHeader("Authorization", authorization)
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        client.setQuery(config.update_prefix + body if update else body)
        if not update:
            client.setReturnFormat(JSON)
        try:
            if update:
                client.query()
                return {}
            result = client.queryAndConvert()
            if not isinstance(result, dict):
                raise StoreError(f"{what}: {url} did not answer with SPARQL JSON results",
                                 fix="check --query-url: it must be the store's SPARQL query endpoint")
            return result
        except Unauthorized as exc:
            if attempt < 1 and config.user:
                attempt += 1  # a stale nonce: fetch a new challenge and try once more
                continue
            raise _http_error(401, url, what, "", config) from exc
        except EndPointNotFound as exc:
            raise _http_error(404, url, what, "", config) from exc
        except EndPointInternalError as exc:
            if attempt < config.retries and not once:
                attempt += 1
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            raise StoreError(f"{what}: {url} failed: {str(exc)[:400]}", fix="see the store's log") from exc
        except SPARQLWrapperException as exc:
            message = str(exc)
            if "403" in message:
                raise _http_error(403, url, what, "", config) from exc
            raise StoreError(f"{what}: {url} rejected the request: {message[:400]}",
                             fix="the store may not support this SPARQL 1.1 feature; see the README") from exc
        except (URLError, ConnectionError, HTTPException, TimeoutError, OSError) as exc:
            code = getattr(exc, "code", None)
            if isinstance(code, int) and 400 <= code < 500:
                raise _http_error(code, url, what, "", config) from exc
            if attempt < config.retries and not once:
                attempt += 1
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            reason = getattr(exc, "reason", exc)
            tries = "sent once" if once else f"{config.retries + 1} tries"
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise StoreError(f"{what}: {url} did not answer within {config.timeout:.0f} s ({tries})",
                                 fix="raise --timeout, or check the store") from exc
            raise StoreError(f"{what}: cannot reach {url}: {reason} ({tries})",
                             fix="check that the store is running and the host and port are right") from exc


def count_triples(config: StoreConfig, graph: str) -> int:
    result = sparql_request(config, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                     what=f"counting <{graph}>")
    return int(result["results"]["bindings"][0]["n"]["value"])


def graphs_with_prefix(config: StoreConfig, prefix: str) -> list[str]:
    result = sparql_request(config, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                             f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}', what="listing graphs")
    return sorted(b["g"]["value"] for b in result["results"]["bindings"])


@dataclass
class StoreState:
    """What a store holds under RELEASE_SPACE, read back: graph sizes, staging graphs, and what its catalog says."""

    graphs: dict[str, int]  # release graphs (all but staging) -> triples
    staging: dict[str, int]  # staging graphs -> triples
    checksums: list[str]  # the release checksum(s) the catalog states (one for a release, none for an empty store)
    catalog: dict[str, int]  # graph -> triples, as the catalog lists them

    def holds(self, graphs: dict[str, list[str]]) -> bool:
        """The store holds exactly this release, complete: every graph at its size, no other, the catalog agreeing."""
        return self.graphs == _expected(graphs) and self.checksums == [release_checksum(graphs)]

    def complete(self) -> bool:
        """The store holds one release as its catalog describes it (or nothing at all)."""
        if not self.graphs and not self.checksums:
            return True
        listed = {graph: size for graph, size in self.catalog.items() if size}
        return len(self.checksums) <= 1 and CATALOG_GRAPH in self.graphs and \
            {g: n for g, n in self.graphs.items() if g != CATALOG_GRAPH} == listed

    def release_id(self) -> str:
        return ", ".join(c[:12] for c in self.checksums) or ("none" if not self.graphs else "unknown")

    def describe(self, graphs: dict[str, list[str]] | None = None) -> str:
        if not self.graphs:
            return "no b12kg release"
        if graphs is not None and self.holds(graphs):
            return f"this release ({self.release_id()}), complete"
        if self.complete():
            return f"release {self.release_id()}, complete ({len(self.graphs)} graphs)"
        return f"a mixed or incomplete state: {self.difference()}"

    def difference(self, graphs: dict[str, list[str]] | None = None) -> str:
        """Where the store departs from a release (``graphs``, else the one its own catalog describes)."""
        if graphs is not None:
            want, checksums = _expected(graphs), [release_checksum(graphs)]
        else:
            want = {g: n for g, n in self.catalog.items() if n}
            want[CATALOG_GRAPH] = self.graphs.get(CATALOG_GRAPH, 0)
            checksums = self.checksums[:1]
        wrong = sorted(g for g in set(want) | set(self.graphs) if want.get(g, 0) != self.graphs.get(g, 0))
        parts = [f"<{g}> holds {self.graphs.get(g, 0)} triples, not {want.get(g, 0)}" for g in wrong[:3]]
        if len(wrong) > 3:
            parts.append(f"and {len(wrong) - 3} more graph(s)")
        if self.checksums != checksums:
            parts.append(f"the catalog names release(s) [{self.release_id()}]")
        return "; ".join(parts) or "nothing"


def read_state(config: StoreConfig) -> StoreState:
    """Read the store's b12kg graphs, their sizes and its catalog (three queries; retried like every read)."""
    result = sparql_request(config, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                             f'FILTER(STRSTARTS(STR(?g), "{RELEASE_SPACE}")) }} GROUP BY ?g',
                     what="reading the store's graphs")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in result["results"]["bindings"]}
    listed = sparql_request(config, f"SELECT ?g ?n WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{_DATASET}> <{_HAS_PART}> ?g "
                             f"OPTIONAL {{ ?g <{_VOID_TRIPLES}> ?n }} }} }}", what="reading the catalog graph")
    catalog = {b["g"]["value"]: int(b["n"]["value"]) if "n" in b else -1 for b in listed["results"]["bindings"]}
    stated = sparql_request(config, f"SELECT ?c WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{_DATASET}> <{RELEASE_CHECKSUM}> ?c }} }}",
                     what="reading the release checksum")
    return StoreState(graphs={g: n for g, n in sizes.items() if not g.startswith(STAGING_BASE)},
                      staging={g: n for g, n in sizes.items() if g.startswith(STAGING_BASE)},
                      checksums=sorted({b["c"]["value"] for b in stated["results"]["bindings"]}), catalog=catalog)


def _read_until(config: StoreConfig, deadline: float, say: Progress) -> StoreState | None:
    """`read_state`, tried again (reads only) until it answers or ``deadline`` passes; None if it never did."""
    while True:
        try:
            return read_state(config)
        except StoreError as exc:
            if time.monotonic() >= deadline:
                return None
            say(f"the store does not answer yet ({exc.message[:120]}); trying again")
            time.sleep(min(2.0, max(deadline - time.monotonic(), 0)))


# ---------------------------------------------------------------- uploading


def _batches(lines: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(lines), size):
        yield lines[start:start + size]


class _Uploader:
    def __init__(self, config: StoreConfig, progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self.method = config.method if config.method != "auto" else ("gsp" if config.gsp_url else "update")
        if self.method == "gsp" and not config.gsp_url:
            raise B12kgError("--method gsp needs a Graph Store URL", fix="give --gsp-url, or use --method update")
        if self.method == "update" and not (config.update_url or config.query_url):
            raise B12kgError("--method update needs an update URL", fix="give --update-url")
        self.content_type = "application/n-triples"
        self.sent = 0
        self.started = time.monotonic()

    def upload(self, graph: str, lines: list[str], *, replace_first: bool) -> None:
        size = self.config.batch_size if self.method == "gsp" else min(self.config.batch_size, 1000)
        first = True
        for batch in _batches(lines, size):
            if self.method == "gsp":
                self._gsp(graph, batch, "PUT" if first and replace_first else "POST")
            else:
                body = "".join(batch)
                sparql_request(self.config, f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}", update=True,
                        what=f"INSERT DATA into <{graph}>")
            first = False
            self.sent += len(batch)
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress(f"sent {self.sent} triples ({self.sent / elapsed:,.0f} triples/s)")

    def _gsp(self, graph: str, batch: list[str], method: str) -> None:
        assert self.config.gsp_url
        separator = "&" if "?" in self.config.gsp_url else "?"
        url = f"{self.config.gsp_url}{separator}{self.config.gsp_graph_param}={urllib.parse.quote(graph, safe='')}"
        body = "".join(batch).encode("utf-8")
        try:
            _request(self.config, method, url, body, {"Content-Type": f"{self.content_type}; charset=utf-8"},
                     what=f"Graph Store {method} into <{graph}>")
        except StoreError as exc:
            if "(415)" in exc.message and self.content_type != "text/turtle":
                self.content_type = "text/turtle"  # N-Triples is Turtle: try the type every store reads
                self._gsp(graph, batch, method)
                return
            raise


# ---------------------------------------------------------------- the load itself


@dataclass
class LoadReport:
    mode: str
    graphs: dict[str, tuple[int, int]]  # graph -> (triples in the release, triples in the store after)
    seconds: float
    removed: list[str] = field(default_factory=list)
    before: str = ""  # what the store held before the load (StoreState.describe)
    fault: str | None = None  # the swap's reply was lost, yet the store, read back, holds this release: why

    def ok(self) -> bool:
        return all(release == stored for release, stored in self.graphs.values()) if self.mode == "replace" else \
            all(stored >= release for release, stored in self.graphs.values())


def load_release(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, mode: str = "replace",
                 inferred: bool = True, progress: Progress | None = None) -> LoadReport:
    """Load the release into the store. Replace: stage every graph, check its size, then swap all in one update.

    The swap is sent once. If it fails in any way (lost or late reply, 5xx, reset, the store dying), the store is
    read back and the outcome told: the report's ``fault`` is set when this release is live; `PreviousReleaseKept`,
    `MixedStoreState` or `SwapOutcomeUnknown` is raised otherwise.
    """
    say = progress or (lambda message: None)
    started = time.monotonic()
    graphs = release_graphs(graphs_dir, inferred=inferred)
    uploader = _Uploader(config, say)
    if mode == "append":
        # Retrying an append's requests (Graph Store POST, INSERT DATA) is safe: sent twice, they add the same set
        # of triples again, which changes nothing (release_graphs refuses blank nodes, which would be copied).
        for graph, lines in graphs.items():
            uploader.upload(graph, lines, replace_first=False)
        counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
        return LoadReport(mode, counts, time.monotonic() - started)
    if mode != "replace":
        raise B12kgError(f"unknown mode {mode!r}", fix="use replace or append")

    checksum = release_checksum(graphs)
    first = read_state(config)
    before_text = first.describe(graphs)
    say(f"the store holds {before_text}; loading release {checksum[:12]}")
    if first.staging:
        say(f"removing {len(first.staging)} staging graph(s) left by an interrupted load")
        _drop(config, first.staging)  # also cancels that load's swap, should it still arrive (it needs its guard)
    run = uuid.uuid4().hex[:12]
    staging = {graph: f"{STAGING_BASE}{run}/{index}" for index, graph in enumerate(graphs)}
    guard = f"{STAGING_BASE}{run}/guard"
    try:
        for graph, lines in graphs.items():
            say(f"staging <{graph}> ({len(lines)} triples)")
            # POST only, no PUT: the staging graphs are new (this run's names), and a POST that arrives twice, or
            # late after its retry, adds the same triples again; a late PUT would wipe the batches posted after it.
            uploader.upload(staging[graph], lines, replace_first=False)
        for graph, lines in graphs.items():
            stored = count_triples(config, staging[graph])
            if stored != len(lines):
                raise StoreError(f"staging graph for <{graph}> holds {stored} triples, the release {len(lines)}",
                                 fix="the store changed or dropped triples on the way; see its log")
        sparql_request(config, f'INSERT DATA {{ GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{checksum}" }} }}',
                update=True, what="writing the swap's guard")
        before = read_state(config)
    except BaseException as exc:
        try:
            _drop(config, [guard, *staging.values()])  # DROP SILENT of this run's graphs: safe to retry
        except StoreError:
            pass
        if isinstance(exc, StoreError):
            exc.message += (" — nothing was replaced: the store still holds the graphs it had before this load "
                            "(staging graphs were removed where the store could be reached)")
        raise
    removed = sorted(g for g in before.graphs if g not in graphs)
    say(f"swapping {len(graphs)} graph(s) in one update request (sent once, never retried)")
    sources = {target: staging[target] if graphs[target] else None for target in graphs}
    try:
        sparql_request(config, _swap_update(sources, removed, guard, checksum), update=True, once=True,
                what="swapping the staged graphs in")
    except Exception as exc:  # noqa: BLE001 — whatever went wrong, the store is read back before anything is said
        fault = exc.message if isinstance(exc, B12kgError) else f"{type(exc).__name__}: {exc}"
        state = _recover(config, fault, guard=guard, staging=list(staging.values()), before=before, graphs=graphs,
                         say=say)
        counts = {g: (len(lines), state.graphs.get(g, 0)) for g, lines in graphs.items()}
        return LoadReport(mode, counts, time.monotonic() - started, removed, before_text, fault)
    counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
    return LoadReport(mode, counts, time.monotonic() - started, removed, before_text)


def _drop(config: StoreConfig, graphs: Iterable[str]) -> None:
    """DROP SILENT each graph, in one request. Idempotent, so it may be retried; used for staging graphs only."""
    statements = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    if statements:
        sparql_request(config, statements, update=True, what="dropping staging graphs")


def _swap_update(sources: dict[str, str | None], removed: list[str], guard: str, checksum: str) -> str:
    """The swap: one SPARQL Update request that puts every staged graph in place and removes ``removed``.

    One request, so readers see the old graphs or the new ones, never a mix, where the store runs a request as one
    transaction (Oxigraph and Virtuoso do). Safe to run twice: every statement that changes a release graph holds
    only while this load's guard triple is in the store, and the request drops the guard last, so a replay (or a
    late copy) changes nothing. A target is cleared only if its staging graph is there (MOVE would not do this:
    Virtuoso 7.2's `MOVE <a> TO <b>` with no graph <a> empties <b>, see ../shared/reference/stack-notes.md), and
    triples are copied with INSERT … WHERE, which adds nothing from a graph that is not there. ``sources`` maps
    each target to its staging graph, or to None for a release graph without triples (its target is cleared).
    """
    condition = f'GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{checksum}" }}'
    statements = []
    for target, source in sources.items():
        present = f" FILTER(EXISTS {{ GRAPH <{source}> {{ ?a ?b ?c }} }})" if source else ""
        statements.append(f"DELETE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {condition}{present} "
                          f"GRAPH <{target}> {{ ?s ?p ?o }} }}")
        if source:
            statements.append(f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {condition} "
                              f"GRAPH <{source}> {{ ?s ?p ?o }} }}")
    statements += [f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {condition} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
                   for graph in removed]
    statements += [f"DROP SILENT GRAPH <{source}>" for source in sources.values() if source]
    statements.append(f"DROP SILENT GRAPH <{guard}>")  # last: until here, every statement above sees the guard
    return " ;\n".join(statements)


def _recover(config: StoreConfig, fault: str, *, guard: str, staging: list[str], before: StoreState,
             graphs: dict[str, list[str]], say: Progress) -> StoreState:
    """After a failed swap: read the store back (reads only, retried up to ``config.recovery_wait``) and say what
    it holds. Returns the state when this release is live; raises `PreviousReleaseKept`, `MixedStoreState` or
    `SwapOutcomeUnknown` otherwise. Only idempotent requests are sent (reads, DROP SILENT of this load's graphs).
    """
    deadline = time.monotonic() + config.recovery_wait
    say(f"the swap failed ({fault.splitlines()[0][:200]}); reading the store back to learn what it holds")

    def read() -> StoreState:
        state = _read_until(config, deadline, say)
        if state is None:
            raise SwapOutcomeUnknown(
                f"the final swap failed ({fault}), and the store could not be read back within "
                f"{config.recovery_wait:.0f} s: whether it holds this release or its previous one is unknown",
                fix="when the store answers again, `b12kg load --status` (with the same store options) says which "
                    "release it holds; running `b12kg load` again is safe: it replaces whatever the store holds")
        return state

    state = read()
    # A guard still there: the swap has not run, or is still running (a late reply: the store may be busy with it).
    # Give it as long again as --timeout before cancelling it.
    settle = time.monotonic() + min(config.timeout, max(deadline - time.monotonic(), 0.0))
    while guard in state.staging and time.monotonic() < settle:
        say("the swap's guard is still in the store: waiting in case the store is still running the swap")
        time.sleep(1.0)
        state = read()
    if any(graph in state.staging for graph in [guard, *staging]):
        # Cancel: without its guard the swap changes nothing, even if it arrives or commits later. Where the store
        # runs updates one at a time (Virtuoso's locks) this settles it; Oxigraph runs each update on a snapshot,
        # so a swap still running after the wait above could still commit (all of it: a complete release).
        say("removing this load's guard and staging graphs (the swap did not happen)")
        while True:
            try:
                _drop(config, [guard, *staging])
                break
            except StoreError:
                if time.monotonic() >= deadline:
                    state = read()  # raises SwapOutcomeUnknown if the store is gone
                    break
                time.sleep(1.0)
        state = read()
    if state.holds(graphs):
        return state
    if state.graphs == before.graphs and state.checksums == before.checksums and \
            not any(graph in state.staging for graph in [guard, *staging]):
        raise PreviousReleaseKept(
            f"the final swap failed ({fault}); read back, the store still holds its previous state intact "
            f"({before.describe()}), and this load's staging graphs are removed",
            fix="run `b12kg load` again (raise --timeout if the swap timed out)")
    raise MixedStoreState(
        f"the final swap failed ({fault}); read back, the store holds a mixed state: {state.difference(graphs)}",
        fix="run `b12kg load` again (same options) to finish: it replaces every graph named under "
            f"{RELEASE_SPACE} with this release's")


def store_status(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True) -> tuple[str, StoreState]:
    """Which release the store holds: ("this", …) this release complete; ("other", …) another complete release or
    none; ("mixed", …) graphs of more than one release, or an incomplete one. Staging graphs left by an
    interrupted load (``state.staging``) are not part of a release; the next load removes them."""
    graphs = release_graphs(graphs_dir, inferred=inferred)
    state = read_state(config)
    if state.holds(graphs):
        return "this", state
    if state.complete():
        return "other", state
    return "mixed", state


# ---------------------------------------------------------------- checking the store after a load


@dataclass
class Verification:
    counts: dict[str, tuple[int, int]]
    arabic_identical: bool
    queries: dict[str, bool]

    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values()) and self.arabic_identical and all(self.queries.values())


def verify_store(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True,
                 queries_dir: Path = QUERIES_DIR, progress: Progress | None = None) -> Verification:
    """Per-graph counts, Arabic literals byte for byte, and the whole query library against its expected results."""
    say = progress or (lambda message: None)
    graphs = release_graphs(graphs_dir, inferred=inferred)
    counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
    from pyoxigraph import Literal, RdfFormat, parse

    wanted = sorted({q.object.value for q in parse("".join(graphs[ASSERTED_GRAPH]), format=RdfFormat.N_TRIPLES)
                     if isinstance(q.object, Literal) and q.object.language == "ar"})
    result = sparql_request(config, f'SELECT DISTINCT ?o WHERE {{ GRAPH <{ASSERTED_GRAPH}> {{ ?s ?p ?o '
                             f'FILTER(LANG(?o) = "ar") }} }}', what="reading Arabic literals back")
    got = sorted(b["o"]["value"] for b in result["results"]["bindings"])
    queries: dict[str, bool] = {}
    for path in library_queries(queries_dir):
        _, sparql, needs = prepare(str(path), queries_dir=queries_dir)
        data = [ASSERTED_GRAPH] + ([INFERRED_GRAPH] if needs else [])
        answer = sparql_request(config, dataset_query(sparql, inferred=needs), what=f"query {path.name}")
        expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
        queries[path.stem] = same_results(expected, answer, ordered="ORDER BY" in sparql.upper())
        say(f"{path.stem}: {'same answer' if queries[path.stem] else 'DIFFERENT answer'}")
    return Verification(counts, got == wanted, queries)
