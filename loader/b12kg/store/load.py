"""Load stage: put the release into any SPARQL 1.1 store (Graph Store Protocol or Update), atomically for readers."""

from __future__ import annotations

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

from b12kg.errors import B12kgError, MissingPrerequisite, StoreError
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, GRAPH_BASE, INFERRED_GRAPH
from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import DATASET_FILE, INFERRED_FILE, dataset_query
from b12kg.sparql.library import library_queries, prepare

__all__ = [
    "layout_nquads",
    "GRAPH_BASE",
    "ASSERTED_GRAPH",
    "INFERRED_GRAPH",
    "CATALOG_GRAPH",
    "StoreConfig",
    "LoadReport",
    "release_graphs",
    "store_preset",
    "load_release",
    "verify_store",
    "Verification",
    "STORE_TYPES",
    "sparql_request",
    "count_triples",
    "graphs_with_prefix",
]

# Where the release's graphs live in a store (documented in the README, "Loading into a triple store"):
STAGING_BASE = GRAPH_BASE + "staging/"  # temporary graphs of a replace, removed when it ends
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
    retries: int = 3
    verify_tls: bool = True
    method: str = "auto"  # gsp, update, auto (gsp when a GSP URL is known)
    batch_size: int = 50_000

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
                             batch_size=20_000)  # Virtuoso stalls on very large Graph Store posts
    else:
        config = StoreConfig(query_url=base)
    for key, value in options.items():
        if value is not None:
            setattr(config, key, value)
    return config


# ---------------------------------------------------------------- the release, as graphs of N-Triples lines


def release_graphs(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True) -> dict[str, list[str]]:
    """The release as store graphs: {graph IRI: N-Triples lines}, the catalog graph last."""
    dataset = graphs_dir / DATASET_FILE
    if not dataset.is_file():
        raise MissingPrerequisite(f"the built graph {dataset} is missing", fix="run `b12kg build` first")
    from pyoxigraph import DefaultGraph, RdfFormat, parse

    graphs: dict[str, list[str]] = {ASSERTED_GRAPH: []}
    for quad in parse(path=str(dataset), format=RdfFormat.N_QUADS):
        line = f"{quad.subject} {quad.predicate} {quad.object} .\n"
        if isinstance(quad.graph_name, DefaultGraph):
            graphs[ASSERTED_GRAPH].append(line)
        else:
            graphs.setdefault(quad.graph_name.value, []).append(line)
    if inferred:
        path = graphs_dir / INFERRED_FILE
        if not path.is_file():
            raise MissingPrerequisite(f"the inferred graph {path} is missing", fix="run `b12kg reason` first")
        graphs[INFERRED_GRAPH] = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                                  if line.strip() and not line.startswith("#")]
    catalog = []
    for graph, lines in graphs.items():
        catalog.append(f"<{_DATASET}> <{_HAS_PART}> <{graph}> .\n")
        catalog.append(f'<{graph}> <{_VOID_TRIPLES}> "{len(lines)}"^^<{_XSD_INTEGER}> .\n')
    graphs[CATALOG_GRAPH] = catalog
    return graphs


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


def sparql_request(config: StoreConfig, text: str, *, update: bool = False, what: str = "query") -> dict:
    """Send a query (or with ``update`` an update) to the store, retrying as the config says: its JSON results ({} for an update)."""
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
        client.setQuery("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
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
            if attempt < config.retries:
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
            if attempt < config.retries:
                attempt += 1
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"{what}: cannot reach {url}: {reason} ({config.retries + 1} tries)",
                             fix="check that the store is running and the host and port are right") from exc


def count_triples(config: StoreConfig, graph: str) -> int:
    """How many triples the store's named graph holds."""
    result = sparql_request(config, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                            what=f"counting <{graph}>")
    return int(result["results"]["bindings"][0]["n"]["value"])


def graphs_with_prefix(config: StoreConfig, prefix: str) -> list[str]:
    """The store's non-empty named graphs whose IRI starts with prefix, sorted."""
    result = sparql_request(config, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                                    f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}', what="listing graphs")
    return sorted(b["g"]["value"] for b in result["results"]["bindings"])


def _catalog(config: StoreConfig) -> list[str]:
    result = sparql_request(config,
                            f"SELECT ?g WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{_DATASET}> <{_HAS_PART}> ?g }} }}",
                            what="reading the catalog graph")
    return sorted(b["g"]["value"] for b in result["results"]["bindings"])


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

    def ok(self) -> bool:
        return all(release == stored for release, stored in self.graphs.values()) if self.mode == "replace" else \
            all(stored >= release for release, stored in self.graphs.values())


def load_release(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, mode: str = "replace",
                 inferred: bool = True, progress: Progress | None = None) -> LoadReport:
    """Load the release into the store. Replace: stage every graph, check its size, then swap all in one update."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    graphs = release_graphs(graphs_dir, inferred=inferred)
    uploader = _Uploader(config, say)
    if mode == "append":
        for graph, lines in graphs.items():
            uploader.upload(graph, lines, replace_first=False)
        counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
        return LoadReport(mode, counts, time.monotonic() - started)
    if mode != "replace":
        raise B12kgError(f"unknown mode {mode!r}", fix="use replace or append")

    leftovers = graphs_with_prefix(config, STAGING_BASE)
    if leftovers:
        say(f"removing {len(leftovers)} staging graph(s) left by an interrupted load")
        _drop(config, leftovers)
    run = uuid.uuid4().hex[:12]
    staging = {graph: f"{STAGING_BASE}{run}/{index}" for index, graph in enumerate(graphs)}
    try:
        for graph, lines in graphs.items():
            say(f"staging <{graph}> ({len(lines)} triples)")
            uploader.upload(staging[graph], lines, replace_first=True)
        for graph, lines in graphs.items():
            stored = count_triples(config, staging[graph])
            if stored != len(lines):
                raise StoreError(f"staging graph for <{graph}> holds {stored} triples, the release {len(lines)}",
                                 fix="the store changed or dropped triples on the way; see its log")
        previous = _catalog(config)
        removed = [g for g in previous if g not in graphs]
        say(f"swapping {len(graphs)} graph(s) in one update request")
        _swap(config, staging, removed)
    except BaseException as exc:
        try:
            _drop(config, list(staging.values()))
        except StoreError:
            pass
        if isinstance(exc, StoreError):
            exc.message += (" — nothing was replaced: the store still holds the graphs it had before this load "
                            "(staging graphs were removed where the store could be reached)")
        raise
    counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
    return LoadReport(mode, counts, time.monotonic() - started, removed)


def _drop(config: StoreConfig, graphs: Iterable[str]) -> None:
    statements = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    if statements:
        sparql_request(config, statements, update=True, what="dropping staging graphs")


def _swap(config: StoreConfig, staging: dict[str, str], removed: list[str]) -> None:
    """One update request: readers see the old graphs or the new ones, never a mix (where the store runs a
    request as one transaction, as Oxigraph and Virtuoso do). MOVE where the store has it, else DROP + ADD."""
    drops = [f"DROP SILENT GRAPH <{g}>" for g in removed]
    moves = [f"MOVE <{source}> TO <{target}>" for target, source in staging.items()]
    try:
        sparql_request(config, " ;\n".join(drops + moves), update=True, what="swapping the staged graphs in")
    except StoreError as exc:
        if "MOVE" not in exc.message.upper() and "400" not in exc.message:
            raise
        adds = [f"DROP SILENT GRAPH <{t}> ;\nADD <{s}> TO <{t}> ;\nDROP SILENT GRAPH <{s}>" for t, s in staging.items()]
        sparql_request(config, " ;\n".join(drops + adds), update=True,
                       what="swapping the staged graphs in (DROP + ADD)")


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
