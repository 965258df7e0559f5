"""The release as store graphs: each graph's N-Triples lines, the catalog graph, the checksum, the N-Quads layout."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.errors import B12kgError, MissingPrerequisite
from b12kg.paths import GRAPHS_DIR
from b12kg.sparql.engines import INFERRED_FILE, edition_file
from b12kg.sparql.examples import EXAMPLES_FILE
from b12kg.vocab import ASSERTED_GRAPH, BASE, CATALOG_GRAPH, EXAMPLES_GRAPH, GRAPH_BASE, ID, INFERRED_GRAPH, NS

if TYPE_CHECKING:
    from pyoxigraph import Quad

__all__ = ["release_graphs", "release_checksum", "expected_sizes", "layout_nquads", "STAGING_BASE", "RELEASE_SPACE",
           "RELEASE_CHECKSUM", "DATASET", "HAS_PART", "VOID_TRIPLES"]

# Where the release's graphs live in a store (documented in the README, "Loading into a triple store"):
STAGING_BASE = GRAPH_BASE + "staging/"  # temporary graphs of a replace, removed when it ends
RELEASE_SPACE = BASE  # every graph named under it (but staging) belongs to the loaded release
RELEASE_CHECKSUM = CATALOG_GRAPH + "#releaseSha256"  # the catalog's statement of which release the store holds
DATASET = ID + "dataset"  # the catalog's subject: the release as a whole
HAS_PART = NS["dcterms"] + "hasPart"  # dataset -> each of its graphs
VOID_TRIPLES = NS["void"] + "triples"  # graph -> its size
_XSD_INTEGER = NS["xsd"] + "integer"


def release_graphs(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, edition: str = "rdf11"
                   ) -> dict[str, list[str]]:
    """The release as store graphs: {graph IRI: distinct N-Triples lines}, the catalog graph last.

    The catalog lists every graph with its size and states the release's checksum (`release_checksum`), so a
    store says which release it holds. Blank nodes are refused: a batch, or a retried upload, would turn one blank
    node into several and the graph would change without its counts showing it. ``edition`` "rdf12" reads the
    RDF 1.2 edition (b12kg.rdf12.nq) instead of b12kg.nq: only pyoxigraph and the Oxigraph server read its graphs.
    """
    dataset = graphs_dir / edition_file(edition)
    if not dataset.is_file():
        raise MissingPrerequisite(f"the built graph {dataset} is missing", fix="run `b12kg build` first")
    from pyoxigraph import BlankNode, DefaultGraph, RdfFormat, Triple, parse

    def line(quad: Quad, path: Path) -> str:
        for term in (quad.subject, quad.object):
            if isinstance(term, BlankNode):
                raise B12kgError(f"{path} has a blank node ({term} in `{quad}`): the loader cannot upload it in "
                                 "batches, or retry an upload, without changing the graph",
                                 fix="rebuild with `b12kg build` (it writes IRIs only), or skolemize the blank nodes")
        obj = quad.object
        written = f"<<( {obj.subject} {obj.predicate} {obj.object} )>>" if isinstance(obj, Triple) else str(obj)
        return f"{quad.subject} {quad.predicate} {written} .\n"

    graphs: dict[str, dict[str, None]] = {ASSERTED_GRAPH: {}}  # dicts: distinct lines, in file order
    for quad in parse(path=str(dataset), format=RdfFormat.N_QUADS):
        name = ASSERTED_GRAPH if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, {})[line(quad, dataset)] = None
    examples = graphs_dir / EXAMPLES_FILE  # the query library as SPARQL examples, in a graph of its own
    if examples.is_file():  # every build writes it; a folder holding only the dataset still loads without it
        graphs[EXAMPLES_GRAPH] = {line(triple, examples): None for triple in parse(path=str(examples),
                                                                                     format=RdfFormat.TURTLE)}
    if inferred:
        path = graphs_dir / INFERRED_FILE
        if not path.is_file():
            raise MissingPrerequisite(f"the inferred graph {path} is missing", fix="run `b12kg reason` first")
        graphs[INFERRED_GRAPH] = {line(triple, path): None for triple in parse(path=str(path),
                                                                                format=RdfFormat.N_TRIPLES)}
    release = {graph: list(lines) for graph, lines in graphs.items()}
    catalog = [f'<{DATASET}> <{RELEASE_CHECKSUM}> "{release_checksum(release)}" .\n']
    for graph, lines in release.items():
        catalog.append(f"<{DATASET}> <{HAS_PART}> <{graph}> .\n")
        catalog.append(f'<{graph}> <{VOID_TRIPLES}> "{len(lines)}"^^<{_XSD_INTEGER}> .\n')
    release[CATALOG_GRAPH] = catalog
    return release


def release_checksum(graphs: dict[str, list[str]]) -> str:
    """SHA-256 of a release's content: each graph's name and its sorted N-Triples lines, graphs in name order.

    The catalog graph is left out (it is made from the others and states this checksum)."""
    digest = hashlib.sha256()
    for graph in sorted(g for g in graphs if g != CATALOG_GRAPH):
        digest.update(f"<{graph}>\n".encode())
        for line in sorted(set(graphs[graph])):
            digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def expected_sizes(graphs: dict[str, list[str]]) -> dict[str, int]:
    """What a store holding this release shows: every non-empty graph with its size (empty graphs do not exist)."""
    return {graph: len(lines) for graph, lines in graphs.items() if lines}


def layout_nquads(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, default_graph: bool = True,
                  edition: str = "rdf11") -> str:
    """The release in the store layout every engine holds, as N-Quads: the named graphs `b12kg load` writes
    (asserted, inferred, catalog and one assertion and provenance graph per claim) and, with ``default_graph``,
    the asserted graph once more as the default graph (what FROM-less library files and W3C-manifest runners use)."""
    graphs = release_graphs(graphs_dir, inferred=inferred, edition=edition)
    parts = [f"{line[:-3]} <{graph}> .\n" for graph, lines in graphs.items() for line in lines]
    if default_graph:
        parts += graphs[ASSERTED_GRAPH]
    return "".join(parts)
