"""The release read as a stream of (store graph, quad): one pass over the built files, never the whole in memory.

`b12kg load` reads `b12kg.nq` (its default graph goes to the asserted graph; `b12kg.rdf12.nq` for the RDF 1.2
edition), `b12kg.examples.ttl` (the query library as SPARQL examples, to the examples graph) and `b12kg-inferred.nt`
(to the inferred graph) quad by quad, counting each graph's triples as they pass; the release's checksum is a SHA-256 of
the files' statement lines, so it is known without holding the release. The catalog graph is made from the counts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from b12kg.errors import B12kgError, MissingPrerequisite
from b12kg.sparql.engines import INFERRED_FILE, edition_file
from b12kg.sparql.examples import EXAMPLES_FILE
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, EXAMPLES_GRAPH, ID, INFERRED_GRAPH, NS

__all__ = ["ReleaseSummary", "release_files", "files_checksum", "stream_release", "catalog_lines", "finish",
           "summarize", "RELEASE_CHECKSUM", "DATASET", "HAS_PART", "VOID_TRIPLES"]

RELEASE_CHECKSUM = CATALOG_GRAPH + "#releaseSha256"  # the catalog's statement of which release the store holds
DATASET = ID + "dataset"  # the catalog's subject: the release as a whole
HAS_PART = NS["dcterms"] + "hasPart"  # dataset -> each of its graphs
VOID_TRIPLES = NS["void"] + "triples"  # graph -> its size
_XSD_INTEGER = NS["xsd"] + "integer"
# Between the files' lines in the checksum: the file's name (so a statement moved from one file to another counts)
_MARKS = {EXAMPLES_GRAPH: f"# {EXAMPLES_FILE}\n".encode(), INFERRED_GRAPH: f"# {INFERRED_FILE}\n".encode()}


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


def release_files(graphs_dir: Path, *, inferred: bool, edition: str = "rdf11") -> list[tuple[Path, str | None]]:
    """The built files a release is read from, each with the store graph it fills (None: the dataset, whose
    default graph is the asserted graph): the edition's dataset, the examples (when built: a folder holding only
    the dataset still loads), and with ``inferred`` b12kg-inferred.nt."""
    dataset = graphs_dir / edition_file(edition)
    if not dataset.is_file():
        raise MissingPrerequisite(f"the built graph {dataset} is missing", fix="run `b12kg build` first")
    files: list[tuple[Path, str | None]] = [(dataset, None)]
    if (graphs_dir / EXAMPLES_FILE).is_file():
        files.append((graphs_dir / EXAMPLES_FILE, EXAMPLES_GRAPH))
    if inferred:
        path = graphs_dir / INFERRED_FILE
        if not path.is_file():
            raise MissingPrerequisite(f"the inferred graph {path} is missing", fix="run `b12kg reason` first")
        files.append((path, INFERRED_GRAPH))
    return files


def files_checksum(graphs_dir: Path, *, inferred: bool, edition: str = "rdf11") -> str:
    """SHA-256 of the release's statement lines as the files hold them (comment lines left out), read in 1 MiB
    blocks. `b12kg build` and `b12kg reason` write canonical, sorted files, so one release has one checksum; a
    header comment (the version that wrote it) does not change it."""
    digest = hashlib.sha256()
    for path, graph in release_files(graphs_dir, inferred=inferred, edition=edition):
        if graph is not None:
            digest.update(_MARKS[graph])
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


def stream_release(graphs_dir: Path, summary: ReleaseSummary, *, inferred: bool,
                   edition: str = "rdf11") -> Iterator[tuple[str, str]]:
    """Every statement of the release as (store graph IRI, "S P O" in N-Triples), in file order, counting into
    ``summary.sizes`` and setting ``summary.checksum`` (`files_checksum`) once the files are read.

    Lines in the build's canonical form are split with a regular expression (about 4x faster than making pyoxigraph
    objects); any other line (a triple term or a base direction of the RDF 1.2 edition included) is parsed by
    pyoxigraph, which also reports a syntax error with its line; the examples file is Turtle, parsed whole (it is
    small: one node per library query). The asserted graph (and, with ``inferred``, the inferred graph) are counted
    even when empty, as the catalog lists them. Blank nodes are refused: a batch, or a retried upload, would turn
    one blank node into several and the graph would change without its counts showing it. The files must hold each
    statement once (the build writes them so): a repeated line is counted twice and the staging check then reports
    the difference.
    """
    files = release_files(graphs_dir, inferred=inferred, edition=edition)
    sizes = summary.sizes
    sizes.setdefault(ASSERTED_GRAPH, 0)
    if inferred:
        sizes.setdefault(INFERRED_GRAPH, 0)
    digest = hashlib.sha256()
    match = _STATEMENT.match
    for path, fixed in files:
        if fixed is not None:
            digest.update(_MARKS[fixed])
        if fixed == EXAMPLES_GRAPH:
            with path.open("rb") as handle:
                for raw in handle:
                    if not raw.startswith(b"#"):
                        digest.update(raw)
            for triple in _turtle_triples(path):
                sizes[fixed] = sizes.get(fixed, 0) + 1
                yield fixed, triple
            continue
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
                    triple, graph = _parsed(text, path, line_number, triples_only=fixed is not None)
                else:
                    triple, graph = found.group(1), found.group(2)
                if fixed is not None and graph is not None:
                    raise B12kgError(f"{path}, line {line_number}: a quad in an N-Triples file",
                                     fix="rebuild with `b12kg reason`")
                graph = fixed or graph or ASSERTED_GRAPH
                sizes[graph] = sizes.get(graph, 0) + 1
                yield graph, triple
    summary.checksum = digest.hexdigest()


def _term(term: object) -> str:
    """A term in N-Triples 1.2: a triple term written `<<( s p o )>>`, anything else as pyoxigraph writes it."""
    from pyoxigraph import Triple

    if isinstance(term, Triple):
        return f"<<( {_term(term.subject)} {_term(term.predicate)} {_term(term.object)} )>>"
    return str(term)


def _refuse_blank(quad: object, path: Path, where: str) -> None:
    from pyoxigraph import BlankNode

    if isinstance(getattr(quad, "subject", None), BlankNode) or isinstance(getattr(quad, "object", None), BlankNode):
        raise B12kgError(f"{path} has a blank node ({where}): the loader cannot upload it in batches, or retry an "
                         "upload, without changing the graph",
                         fix="rebuild with `b12kg build` (it writes IRIs only), or skolemize the blank nodes")


def _turtle_triples(path: Path) -> Iterator[str]:
    """The distinct triples of a small Turtle file (the examples), as "S P O" N-Triples text."""
    from pyoxigraph import RdfFormat, parse

    seen: dict[str, None] = {}
    try:
        for triple in parse(path=str(path), format=RdfFormat.TURTLE):
            _refuse_blank(triple, path, f"`{triple}`")
            seen[f"{_term(triple.subject)} {_term(triple.predicate)} {_term(triple.object)}"] = None
    except SyntaxError as exc:
        raise B12kgError(f"{path}: {exc}", fix="rebuild with `b12kg build`") from exc
    yield from seen


def _parsed(text: str, path: Path, line: int, *, triples_only: bool) -> tuple[str, str | None]:
    """A statement line not in canonical form, parsed by pyoxigraph: its triple text and graph IRI (or None)."""
    from pyoxigraph import DefaultGraph, RdfFormat, parse

    try:
        (quad,) = list(parse(text, format=RdfFormat.N_TRIPLES if triples_only else RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise B12kgError(f"{path}, line {line}: {exc}", fix="rebuild the release with `b12kg build`") from exc
    _refuse_blank(quad, path, f"line {line}: `{text.strip()}`")
    graph = None if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value
    return f"{_term(quad.subject)} {_term(quad.predicate)} {_term(quad.object)}", graph


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


def summarize(graphs_dir: Path, *, inferred: bool, edition: str = "rdf11") -> ReleaseSummary:
    """The release's sizes and checksum, read in one streaming pass (nothing held but the per-graph counts)."""
    summary = ReleaseSummary()
    for _ in stream_release(graphs_dir, summary, inferred=inferred, edition=edition):
        pass
    return finish(summary, summary.checksum)
