"""The release read as a stream of (store graph, quad): one pass over the built files, never the whole in memory.

`b12kg load` reads `b12kg.nq` (its default graph goes to the asserted graph) and `b12kg-inferred.nt` (to the
inferred graph) quad by quad, counting each graph's triples as they pass; the release's checksum is a SHA-256 of
the files' statement lines, so it is known without holding the release. The catalog graph is made from the counts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from b12kg.errors import B12kgError, MissingPrerequisite
from b12kg.sparql.engines import DATASET_FILE, INFERRED_FILE
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, ID, INFERRED_GRAPH, NS

__all__ = ["ReleaseSummary", "release_files", "files_checksum", "stream_release", "catalog_lines", "finish",
           "summarize", "RELEASE_CHECKSUM", "DATASET", "HAS_PART", "VOID_TRIPLES"]

RELEASE_CHECKSUM = CATALOG_GRAPH + "#releaseSha256"  # the catalog's statement of which release the store holds
DATASET = ID + "dataset"  # the catalog's subject: the release as a whole
HAS_PART = NS["dcterms"] + "hasPart"  # dataset -> each of its graphs
VOID_TRIPLES = NS["void"] + "triples"  # graph -> its size
_XSD_INTEGER = NS["xsd"] + "integer"
_INFERRED_MARK = b"# b12kg-inferred.nt\n"  # between the two files' lines in the checksum


@dataclass
class ReleaseSummary:
    """A release as a store sees it: each graph's size (catalog included, empty graphs too) and its checksum."""

    sizes: dict[str, int] = field(default_factory=dict)
    checksum: str = ""

    def expected(self) -> dict[str, int]:
        """What a store holding this release shows: every non-empty graph with its size."""
        return {graph: size for graph, size in self.sizes.items() if size}

    def triples(self) -> int:
        return sum(self.sizes.values())


def release_files(graphs_dir: Path, *, inferred: bool) -> list[Path]:
    """The built files a release is read from (b12kg.nq, and b12kg-inferred.nt with ``inferred``)."""
    dataset = graphs_dir / DATASET_FILE
    if not dataset.is_file():
        raise MissingPrerequisite(f"the built graph {dataset} is missing", fix="run `b12kg build` first")
    files = [dataset]
    if inferred:
        path = graphs_dir / INFERRED_FILE
        if not path.is_file():
            raise MissingPrerequisite(f"the inferred graph {path} is missing", fix="run `b12kg reason` first")
        files.append(path)
    return files


def files_checksum(graphs_dir: Path, *, inferred: bool) -> str:
    """SHA-256 of the release's statement lines as the files hold them (comment lines left out), read in 1 MiB
    blocks. `b12kg build` and `b12kg reason` write canonical, sorted files, so one release has one checksum; a
    header comment (the version that wrote it) does not change it."""
    digest = hashlib.sha256()
    for number, path in enumerate(release_files(graphs_dir, inferred=inferred)):
        if number:
            digest.update(_INFERRED_MARK)
        with path.open("rb") as handle:
            for line in handle:
                if not line.startswith(b"#"):
                    digest.update(line)
    return digest.hexdigest()


# One N-Quads/N-Triples statement as the build writes it: terms separated by one space, no blank nodes (a line
# with one, or written otherwise, is parsed by pyoxigraph instead). Groups: the triple's text, then the graph IRI.
_STATEMENT = re.compile(r'((?:<[^<>"{}|^`\\\s]*>) <[^<>"{}|^`\\\s]*> (?:<[^<>"{}|^`\\\s]*>|'
                        r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^<[^<>"{}|^`\\\s]*>)?))'
                        r'(?: <([^<>"{}|^`\\\s]*)>)? \.[ \t]*\r?\n?$')


def stream_release(graphs_dir: Path, summary: ReleaseSummary, *, inferred: bool) -> Iterator[tuple[str, str]]:
    """Every statement of the release as (store graph IRI, "S P O" in N-Triples), in file order, counting into
    ``summary.sizes`` and setting ``summary.checksum`` (`files_checksum`) once the files are read.

    Lines in the build's canonical form are split with a regular expression (about 4x faster than making pyoxigraph
    objects); any other line is parsed by pyoxigraph, which also reports a syntax error with its line. The asserted
    graph (and, with ``inferred``, the inferred graph) are counted even when empty, as the catalog lists them.
    Blank nodes are refused: a batch, or a retried upload, would turn one blank node into several and the graph
    would change without its counts showing it. The files must hold each statement once (the build writes them
    so): a repeated line is counted twice and the staging check then reports the difference.
    """
    files = release_files(graphs_dir, inferred=inferred)
    sizes = summary.sizes
    sizes.setdefault(ASSERTED_GRAPH, 0)
    if inferred:
        sizes.setdefault(INFERRED_GRAPH, 0)
    digest = hashlib.sha256()
    match = _STATEMENT.match
    for number, path in enumerate(files):
        if number:
            digest.update(_INFERRED_MARK)
        fixed = INFERRED_GRAPH if number else None
        with path.open("rb") as handle:
            for line_number, raw in enumerate(handle, start=1):
                if raw.startswith(b"#"):
                    continue
                digest.update(raw)
                text = raw.decode("utf-8")
                found = match(text)
                if found is None:
                    if not text.strip():
                        continue
                    triple, graph = _parsed(text, path, line_number, triples_only=bool(number))
                else:
                    triple, graph = found.group(1), found.group(2)
                if number and graph is not None:
                    raise B12kgError(f"{path}, line {line_number}: a quad in an N-Triples file",
                                     fix="rebuild with `b12kg reason`")
                graph = fixed or graph or ASSERTED_GRAPH
                sizes[graph] = sizes.get(graph, 0) + 1
                yield graph, triple
    summary.checksum = digest.hexdigest()


def _parsed(text: str, path: Path, line: int, *, triples_only: bool) -> tuple[str, str | None]:
    """A statement line not in canonical form, parsed by pyoxigraph: its triple text and graph IRI (or None)."""
    from pyoxigraph import BlankNode, DefaultGraph, RdfFormat, parse

    try:
        (quad,) = list(parse(text, format=RdfFormat.N_TRIPLES if triples_only else RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise B12kgError(f"{path}, line {line}: {exc}", fix="rebuild the release with `b12kg build`") from exc
    if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
        raise B12kgError(f"{path} has a blank node (line {line}: `{text.strip()}`): the loader cannot upload it in "
                         "batches, or retry an upload, without changing the graph",
                         fix="rebuild with `b12kg build` (it writes IRIs only), or skolemize the blank nodes")
    graph = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
    return f"{quad.subject} {quad.predicate} {quad.object}", graph


def catalog_lines(sizes: dict[str, int], checksum: str) -> Iterator[str]:
    """The catalog graph's N-Triples lines: the release's checksum, each graph and its size (``sizes`` without
    the catalog itself). Its size is ``1 + 2 * len(sizes)``."""
    yield f'<{DATASET}> <{RELEASE_CHECKSUM}> "{checksum}" .\n'
    for graph, size in sizes.items():
        if graph == CATALOG_GRAPH:
            continue
        yield f"<{DATASET}> <{HAS_PART}> <{graph}> .\n"
        yield f'<{graph}> <{VOID_TRIPLES}> "{size}"^^<{_XSD_INTEGER}> .\n'


def finish(summary: ReleaseSummary, checksum: str) -> ReleaseSummary:
    """Complete a summary once its statements have streamed: the checksum, and the catalog graph's size."""
    summary.checksum = checksum
    summary.sizes[CATALOG_GRAPH] = 1 + 2 * len([g for g in summary.sizes if g != CATALOG_GRAPH])
    return summary


def summarize(graphs_dir: Path, *, inferred: bool) -> ReleaseSummary:
    """The release's sizes and checksum, read in one streaming pass (nothing held but the per-graph counts)."""
    summary = ReleaseSummary()
    for _ in stream_release(graphs_dir, summary, inferred=inferred):
        pass
    return finish(summary, summary.checksum)
