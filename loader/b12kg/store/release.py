"""The release as store graphs: each graph's N-Triples lines, the catalog graph, the checksum, the N-Quads layout."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

from b12kg.paths import GRAPHS_DIR
from b12kg.store.stream import (
    DATASET,
    HAS_PART,
    RELEASE_CHECKSUM,
    VOID_TRIPLES,
    ReleaseSummary,
    catalog_lines,
    stream_release,
)
from b12kg.vocab import ASSERTED_GRAPH, BASE, CATALOG_GRAPH, GRAPH_BASE, INFERRED_GRAPH

__all__ = ["release_graphs", "release_checksum", "release_summary", "expected_sizes", "layout_nquads", "write_layout",
           "STAGING_BASE", "RELEASE_SPACE", "RELEASE_CHECKSUM", "DATASET", "HAS_PART", "VOID_TRIPLES"]

# Where the release's graphs live in a store (documented in the README, "Loading into a triple store"):
STAGING_BASE = GRAPH_BASE + "staging/"  # temporary graphs of a replace, removed when it ends
RELEASE_SPACE = BASE  # every graph named under it (but staging) belongs to the loaded release
_CHECKSUM_LINE = re.compile(r'#releaseSha256> "([0-9a-f]{64})" \.$')


def release_graphs(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, edition: str = "rdf11"
                   ) -> dict[str, list[str]]:
    """The release as store graphs, held in memory: {graph IRI: distinct N-Triples lines}, the catalog graph last.

    For small releases and checks (verify, recipes, tests); `b12kg load` streams the same statements
    (b12kg.store.stream). The catalog lists every graph with its size and states the release's checksum
    (`files_checksum`), so a store says which release it holds. Blank nodes are refused (see `stream_release`).
    ``edition`` "rdf12" reads the RDF 1.2 edition (b12kg.rdf12.nq): only pyoxigraph and the Oxigraph server read it.
    """
    summary = ReleaseSummary()
    graphs: dict[str, dict[str, None]] = {}  # dicts: distinct lines, in file order
    for graph, triple in stream_release(graphs_dir, summary, inferred=inferred, edition=edition):
        graphs.setdefault(graph, {})[f"{triple} .\n"] = None
    release = {graph: list(graphs.get(graph, {})) for graph in summary.sizes}
    checksum = summary.checksum
    release[CATALOG_GRAPH] = list(catalog_lines({g: len(lines) for g, lines in release.items()}, checksum))
    return release


def release_checksum(graphs: dict[str, list[str]]) -> str:
    """The release checksum its catalog graph states (`files_checksum` of the files it was read from)."""
    for line in graphs.get(CATALOG_GRAPH, []):
        found = _CHECKSUM_LINE.search(line.rstrip("\n"))
        if found:
            return found.group(1)
    raise ValueError("the release has no catalog graph stating its checksum")


def release_summary(graphs: dict[str, list[str]]) -> ReleaseSummary:
    """A release held in memory (`release_graphs`) as sizes and checksum."""
    return ReleaseSummary({graph: len(lines) for graph, lines in graphs.items()}, release_checksum(graphs))


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


def write_layout(out: IO[str], graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True, default_graph: bool = True,
                 edition: str = "rdf11", inferred_default: bool = False) -> ReleaseSummary:
    """The same statements as `layout_nquads`, streamed to `out` (two passes over the files, nothing held but the
    per-graph counts, returned: the catalog's sizes, without the catalog, and the checksum): what `serve` and the
    embedded store load, whatever the release's size. Lines come in file
    order, not layout_nquads' order; the files hold each statement once (the build writes them so).
    ``inferred_default`` adds the inferred graph to the default graph too (the embedded store's layout)."""
    summary = ReleaseSummary()
    for graph, triple in stream_release(graphs_dir, summary, inferred=inferred, edition=edition):
        out.write(f"{triple} <{graph}> .\n")
    for line in catalog_lines(summary.sizes, summary.checksum):
        out.write(f"{line[:-3]} <{CATALOG_GRAPH}> .\n")
    if default_graph:
        into_default = {ASSERTED_GRAPH} | ({INFERRED_GRAPH} if inferred and inferred_default else set())
        for graph, triple in stream_release(graphs_dir, ReleaseSummary(), inferred=INFERRED_GRAPH in into_default,
                                            edition=edition):
            if graph in into_default:
                out.write(f"{triple} .\n")
    return summary
