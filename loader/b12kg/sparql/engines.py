"""The engines a query runs on: the embedded pyoxigraph store (in the store layout), rdflib, or a remote endpoint."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.errors import B12kgError, MissingPrerequisite, StoreError
from b12kg.paths import GRAPHS_DIR
from b12kg.sparql.answers import Answer, answer_from_json
from b12kg.sparql.form import read_query_form
from b12kg.sparql.library import WHERE_OPEN
from b12kg.vocab import ASSERTED_GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    from pyoxigraph import Store

__all__ = ["DATASET_FILE", "INFERRED_FILE", "RDF12_FILE", "EDITIONS", "edition_file", "open_store",
           "dataset_query", "with_dataset", "run_sparql",
           "run_remote", "run_rdflib"]

DATASET_FILE = "b12kg.nq"
INFERRED_FILE = "b12kg-inferred.nt"
RDF12_FILE = "b12kg.rdf12.nq"  # the RDF 1.2 edition (b12kg.build.rdf12): pyoxigraph and the Oxigraph server read it
# The editions of the release dataset: RDF 1.1 (every engine) and RDF 1.2 (reifiers and base directions added).
EDITIONS = {"rdf11": DATASET_FILE, "rdf12": RDF12_FILE}
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.I)


def edition_file(edition: str) -> str:
    """The dataset file of an edition ("rdf11" or "rdf12"), or an error naming the editions."""
    if edition not in EDITIONS:
        raise B12kgError(f"there is no {edition!r} edition", fix=f"use one of: {', '.join(EDITIONS)}")
    return EDITIONS[edition]


def open_store(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = False, edition: str = "rdf11",
               location: Path | None = None) -> Store:
    """An in-memory pyoxigraph store holding the release dataset (default graph and named graphs), and with
    ``inferred`` the reasoner's inferences (graphs/b12kg-inferred.nt) added to the default graph. ``edition``
    "rdf12" holds the RDF 1.2 edition (graphs/b12kg.rdf12.nq) in the same layout.

    With ``location``, the same store on disk in that folder (memory stays small whatever the release's size):
    loaded from the release on first use, reused (read-only) while it holds this release (its checksum and
    options, recorded beside it), loaded anew when the release changed."""
    from pyoxigraph import RdfFormat, Store

    from b12kg.store.release import write_layout

    path = graphs_dir / edition_file(edition)
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    extra = graphs_dir / INFERRED_FILE
    if inferred and not extra.is_file():
        raise MissingPrerequisite(f"the inferred graph {extra} is missing", fix="run `b12kg reason` first")
    if location is not None:
        return _on_disk(location, graphs_dir, inferred=inferred, edition=edition)
    store = Store()
    # the same named graphs as a loaded store (so FROM <…/graph/asserted> answers here too), and the asserted graph
    # as the default graph
    with tempfile.TemporaryDirectory(prefix="b12kg-layout-") as tmp:  # streamed to a file: never a string of it all
        data = Path(tmp) / "layout.nq"
        with data.open("w", encoding="utf-8", newline="\n") as out:
            write_layout(out, graphs_dir, inferred=extra.is_file(), edition=edition)
        store.bulk_load(path=str(data), format=RdfFormat.N_QUADS)
    if inferred:
        store.bulk_load(path=str(extra), format=RdfFormat.N_TRIPLES)
    return store


_MARK = ".b12kg-release"  # in an on-disk store's folder: which release (checksum, options) it holds


def _on_disk(location: Path, graphs_dir: Path, *, inferred: bool, edition: str) -> Store:
    import shutil

    from pyoxigraph import Store

    from b12kg.store.serve import load_location
    from b12kg.store.stream import files_checksum

    wanted = f"{files_checksum(graphs_dir, inferred=inferred, edition=edition)} inferred={inferred} {edition}\n"
    mark = location / _MARK
    if not (mark.is_file() and mark.read_text(encoding="utf-8") == wanted):
        if location.exists():
            if not (mark.is_file() or location.is_dir() and not any(location.iterdir())):
                raise B12kgError(f"{location} is not an empty folder nor a store b12kg made",
                                 fix="give a new folder (or remove this one) for the on-disk store")
            shutil.rmtree(location)
        staged = location.with_name(location.name + ".loading")
        shutil.rmtree(staged, ignore_errors=True)
        load_location(staged, graphs_dir, inferred=inferred, edition=edition, inferred_default=inferred)
        (staged / _MARK).write_text(wanted, encoding="utf-8")
        staged.rename(location)  # complete, or not there: a killed load leaves only the .loading folder
    return Store.read_only(str(location))


def dataset_query(sparql: str, *, inferred: bool) -> str:
    """The query with FROM clauses naming the release's graphs (asserted, and inferred where it needs it), unless
    it names its dataset itself: the one text that answers the same on every engine holding the store layout."""
    code = "\n".join(line.split("#", 1)[0] for line in sparql.splitlines())
    if _FROM.search(code):
        return sparql
    return with_dataset(sparql, [ASSERTED_GRAPH] + ([INFERRED_GRAPH] if inferred else []))


def with_dataset(sparql: str, graphs: Sequence[str]) -> str:
    """The query with FROM clauses naming the graphs its default graph is made of (for stores that keep the
    release in named graphs, see b12kg.store.release)."""
    where = WHERE_OPEN.search(sparql)
    if where is None:
        raise B12kgError("the query has no 'WHERE {' clause to put FROM clauses before", fix="add WHERE { ... }")
    start = sparql.rfind("\n", 0, where.start()) + 1
    clauses = "".join(f"FROM <{graph}>\n" for graph in graphs)
    return sparql[:start] + clauses + sparql[start:]


def run_sparql(store: Store, sparql: str) -> Answer:
    """Run a SELECT or ASK query on the store's default graph."""
    from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples

    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise B12kgError(f"the query is not valid SPARQL: {exc}", fix="correct the query") from exc
    if isinstance(result, QueryBoolean):
        return Answer([], [], bool(result))
    if isinstance(result, QueryTriples):
        return Answer([], [], triples=list(result))
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Answer(variables, rows)
    raise B12kgError("only SELECT and ASK queries are supported here", fix="rewrite the query as SELECT")


def run_remote(endpoint: str, sparql: str, *, timeout: float = 60.0) -> Answer:
    """Send a query to any SPARQL 1.1 endpoint through SPARQLWrapper (POST, JSON results)."""
    from urllib.error import HTTPError, URLError

    from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint)
    # POST (an HTML form, query=...): long queries do not hit URL length limits, and every store reads it
    # (Virtuoso 7.2 never answers a query POSTed directly as application/sparql-query).
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    # A real parse decides what is sent, not SPARQLWrapper's keyword guess: an update is refused before any request.
    form = read_query_form(sparql)
    graph_answer = form in ("CONSTRUCT", "DESCRIBE")
    client.setReturnFormat(TURTLE if graph_answer else JSON)
    client.setTimeout(int(timeout))
    # Whole-line comments are dropped before sending: SPARQLWrapper guesses the query form from the first keyword
    # it finds, and a header comment such as "involuntary movements" made it guess MOVE (an update).
    client.setQuery("\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#")))
    client.queryType = form
    try:
        if graph_answer:
            from pyoxigraph import RdfFormat, parse

            body = client.query().response.read()
            return Answer([], [], triples=list(parse(body, format=RdfFormat.TURTLE)))
        result = client.queryAndConvert()
    except SyntaxError as exc:
        raise StoreError(f"the endpoint {endpoint} answered a graph that is not Turtle: {exc}",
                         fix="check the endpoint's CONSTRUCT/DESCRIBE support") from exc
    except SPARQLWrapperException as exc:
        raise StoreError(f"the endpoint {endpoint} answered an error: {exc}".strip(),
                         fix="check the query, and that the URL is the endpoint's query URL") from exc
    except HTTPError as exc:
        raise StoreError(f"the endpoint {endpoint} answered HTTP {exc.code} {exc.reason}",
                         fix="check the URL (for `b12kg serve` it ends in /query)") from exc
    except (URLError, ConnectionError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"cannot reach the endpoint {endpoint}: {reason}",
                         fix="start it (`b12kg serve`) or check the host and port") from exc
    if not isinstance(result, dict):
        raise StoreError(f"the endpoint {endpoint} did not answer with SPARQL JSON results",
                         fix="use the endpoint's SPARQL query URL")
    return answer_from_json(result)


def run_rdflib(graphs_dir: Path, sparql: str, *, inferred: bool = False) -> Answer:
    """Run a SELECT or ASK query with rdflib's SPARQL engine on the release dataset (its default graph, and with
    ``inferred`` the reasoner's inferences added to it). Slow, but it keeps every literal as the data writes it,
    so the library's expected results are computed with it (pyoxigraph answers canonical forms: 3 for 3.0)."""
    import rdflib

    path = graphs_dir / DATASET_FILE
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    dataset = rdflib.Dataset()
    dataset.parse(path, format="nquads")
    if inferred:
        dataset.default_graph.parse(graphs_dir / INFERRED_FILE, format="nt")
    try:
        result = dataset.query(sparql)
    except Exception as exc:  # rdflib raises pyparsing's errors for syntax
        raise B12kgError(f"rdflib could not run the query: {exc}", fix="correct the query") from exc
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        from pyoxigraph import RdfFormat, parse

        data = result.serialize(format="nt")
        return Answer([], [], triples=list(parse(data or b"", format=RdfFormat.N_TRIPLES)))
    return answer_from_json(json.loads(result.serialize(format="json") or b"{}"))
