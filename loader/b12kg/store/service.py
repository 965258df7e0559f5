"""The SPARQL 1.1 Service Description `b12kg serve` answers at its endpoint URL when asked without a query."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import NamedTuple

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from b12kg.store.release import DATASET, HAS_PART, VOID_TRIPLES
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, EXAMPLES_GRAPH, GRAPH_BASE, NS, OUTPUT_PREFIXES

__all__ = ["SD", "LISTED_GRAPHS", "Served", "listed", "service_description", "served_graphs", "is_bare_endpoint"]

# SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/), §2: "SPARQL services made
# available via the SPARQL Protocol should return a service description document at the service endpoint when
# dereferenced using the HTTP GET operation without any query parameter strings provided."
SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_XSD_INTEGER = NamedNode(NS["xsd"] + "integer")
_RDF12_PROBE = f"ASK {{ ?reifier <{NS['rdf']}reifies> ?triple }}"
# Named graphs the description lists one by one, at most: a release has two per claim (assertion, provenance), so a
# 10^6-claim one has 2·10^6, whose listing (5 triples each) would be a gigabyte of Turtle built at every start-up.
# Above it, only the release's own graphs (under GRAPH_BASE) are listed, and the catalog graph is named for the rest.
LISTED_GRAPHS = 10_000


class Served(NamedTuple):
    """What an endpoint serves, as its service description lists it (`listed`)."""

    graphs: dict[str, int]  # the named graphs to list: {IRI: triples}
    rdf12: bool  # the RDF 1.2 edition (a reifier is stated)
    unlisted: int  # named graphs the catalog holds besides those (0 up to LISTED_GRAPHS)


def is_bare_endpoint(path: str) -> bool:
    """A request for /query that carries no query: the service description is its answer."""
    split = urllib.parse.urlsplit(path)
    return split.path == "/query" and "query" not in urllib.parse.parse_qs(split.query)


def listed(sizes: dict[str, int], *, rdf12: bool, limit: int | None = None) -> Served:
    """What the description lists of a release's graph sizes (the catalog's: {IRI: triples}, the catalog itself
    left out): every graph, or above ``limit`` (default LISTED_GRAPHS) graphs the release's own and a count."""
    every = {graph: size for graph, size in sizes.items() if graph != CATALOG_GRAPH}
    if len(every) <= (LISTED_GRAPHS if limit is None else limit):
        return Served(every, rdf12, 0)
    own = {graph: size for graph, size in every.items() if graph.startswith(GRAPH_BASE)}
    return Served(own, rdf12, len(every) - len(own))


def served_graphs(query_url: str, *, timeout: float = 30.0, limit: int | None = None) -> Served:
    """What the endpoint holds, read from its catalog graph (every entry: for endpoints `serve` did not load
    itself; `load_location` returns the same from its own counts), as `listed` lists it."""
    def ask(text: str) -> dict:  # type: ignore[type-arg]
        body = urllib.parse.urlencode({"query": text}).encode()
        request = urllib.request.Request(query_url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            result: dict = json.loads(answer.read())  # type: ignore[type-arg]
            return result
    rows = ask(f"SELECT ?g ?n WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{DATASET}> <{HAS_PART}> ?g . "
               f"?g <{VOID_TRIPLES}> ?n }} }}")["results"]["bindings"]
    graphs = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    return listed(graphs, rdf12=bool(ask(_RDF12_PROBE).get("boolean")), limit=limit)


def service_description(query_url: str, graphs: dict[str, int], *, rdf12: bool, unlisted: int = 0) -> bytes:
    """Turtle: the service, its endpoint, languages and result formats, and its dataset (the asserted graph as the
    default graph; each named graph of ``graphs`` with its size, and a comment naming the catalog graph for the
    ``unlisted`` others; the SPARQL examples graph said to be one)."""
    service = NamedNode(query_url + "#service")
    dataset = NamedNode(query_url + "#dataset")
    rdf_type, comment = NamedNode(NS["rdf"] + "type"), NamedNode(NS["rdfs"] + "comment")
    triples = [
        Triple(service, rdf_type, NamedNode(SD + "Service")),
        Triple(service, NamedNode(SD + "endpoint"), NamedNode(query_url)),
        Triple(service, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
        Triple(service, NamedNode(SD + "defaultDataset"), dataset),
        Triple(service, comment, Literal(
            "b12kg serve: a read-only SPARQL endpoint (Oxigraph) over the b12kg release, "
            + ("RDF 1.2 edition (each direct triple reified by its claim; Arabic literals @ar--rtl)"
               if rdf12 else "RDF 1.1 edition")
            + f". The query library is in the named graph <{EXAMPLES_GRAPH}> as SPARQL examples.", language="en")),
        Triple(dataset, rdf_type, NamedNode(SD + "Dataset")),
    ]
    if unlisted:
        triples.append(Triple(dataset, comment, Literal(
            f"Besides the named graphs listed here, the dataset holds {unlisted:,} more (each claim's assertion and "
            f"provenance graphs), too many to list in this description: the catalog graph <{CATALOG_GRAPH}> lists "
            "each of them with its size (void:triples).", language="en")))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "N-Triples", "Turtle"):
        triples.append(Triple(service, NamedNode(SD + "resultFormat"), NamedNode(_FORMATS + fmt)))
    default = NamedNode(query_url + "#default-graph")
    triples += [Triple(dataset, NamedNode(SD + "defaultGraph"), default),
                Triple(default, rdf_type, NamedNode(SD + "Graph")),
                Triple(default, comment, Literal(f"the same triples as <{ASSERTED_GRAPH}>", language="en"))]
    if ASSERTED_GRAPH in graphs:
        triples.append(Triple(default, NamedNode(NS["void"] + "triples"),
                              Literal(str(graphs[ASSERTED_GRAPH]), datatype=_XSD_INTEGER)))
    for number, (name, size) in enumerate(sorted(graphs.items()), start=1):
        entry, graph = NamedNode(f"{query_url}#named-graph-{number}"), NamedNode(f"{query_url}#graph-{number}")
        triples += [Triple(dataset, NamedNode(SD + "namedGraph"), entry),
                    Triple(entry, rdf_type, NamedNode(SD + "NamedGraph")),
                    Triple(entry, NamedNode(SD + "name"), NamedNode(name)),
                    Triple(entry, NamedNode(SD + "graph"), graph),
                    Triple(graph, rdf_type, NamedNode(SD + "Graph")),
                    Triple(graph, NamedNode(NS["void"] + "triples"), Literal(str(size), datatype=_XSD_INTEGER))]
        if name == EXAMPLES_GRAPH:
            triples.append(Triple(entry, comment, Literal(
                "The query library as SPARQL examples (the SIB sparql-examples convention): each an "
                "sh:SPARQLExecutable with its text in sh:select, its question in rdfs:comment (English and Arabic), "
                "schema:keywords and schema:target this endpoint.", language="en")))
    prefixes = {**OUTPUT_PREFIXES, "sd": SD}
    data = serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None  # serialize returns bytes when given no output
    return data
