"""Deterministic N-Triples, N-Quads, Turtle and TriG writers for sorted quads, the JSON-LD context, atomic files."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from itertools import groupby
from pathlib import Path
from typing import IO, NamedTuple

from pyoxigraph import DefaultGraph, Quad, RdfFormat, parse

from b12kg.build.outputs import output_set
from b12kg.build.stream import turtle_block_parts, turtle_term
from b12kg.vocab import NS, OUTPUT_PREFIXES

__all__ = [
    "Row",
    "canonical_rows",
    "spilled_rows",
    "sorted_unique",
    "SortedRows",
    "SortedLines",
    "SORT_CHUNK",
    "spill_run",
    "write_ntriples",
    "write_nquads",
    "write_turtle",
    "write_trig",
    "write_jsonld_context",
    "staged_files",
]

_RDF_TYPE = NS["rdf"] + "type"
_XSD = NS["xsd"]


class Row(NamedTuple):
    """One quad as the canonical N-Triples form of each term; rows sort into canonical order.

    Rows hold strings only, which keeps a large build's memory small; `quad` parses the row back into terms for
    the few writers that need them.
    """

    s: str
    p: str
    o: str
    g: str  # "" for the default graph

    @property
    def line(self) -> str:
        return f"{self.s} {self.p} {self.o} {self.g} .\n" if self.g else f"{self.s} {self.p} {self.o} .\n"

    @property
    def quad(self) -> Quad:
        quad: Quad = next(parse(self.line, format=RdfFormat.N_QUADS))
        return quad


def canonical_rows(quads: Iterable[Quad]) -> list[Row]:
    """All quads, duplicates removed, sorted by (subject, predicate, object, graph) in their N-Triples form.

    In memory, for small sets (an ontology, an import module, one nanopublication): `spilled_rows` without a
    work folder. A whole build gives `spilled_rows` one, to sort the same way within a fixed memory budget.
    """
    return list(spilled_rows(quads, workdir=None))


# ------------------------------------------------------------------ sorting within a memory budget
#
# A row is kept as one line "s p o g" (g empty for the default graph). Subject, predicate and graph are IRIs in
# angle brackets, which hold no space and end with ">", so comparing lines compares (s, p, o, g) in that order:
# the lines sort exactly as the rows do. N-Triples terms never hold a raw newline, so a line is a record.

SORT_CHUNK = 1_000_000  # lines sorted in memory at a time (about 250 MB); beyond that, runs are merged from disk


class SortedLines:
    """Sorted, de-duplicated lines, in memory or in a file; iterable any number of times."""

    def __init__(self, *, lines: list[str] | None = None, path: Path | None = None, count: int = 0) -> None:
        self._lines, self._path = lines, path
        self.count = len(lines) if lines is not None else count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        if self._lines is not None:
            yield from self._lines
            return
        assert self._path is not None
        with self._path.open(encoding="utf-8", newline="\n") as handle:
            for line in handle:
                yield line[:-1]


def spill_run(lines: list[str], workdir: Path, number: int) -> Path:
    """Write one sorted run of the on-disk sort into workdir (run-NNNNNN.txt), for `sorted_unique` to merge."""
    path = workdir / f"run-{number:06d}.txt"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(line + "\n" for line in lines)
    return path


def sorted_unique(items: Iterable[str], *, workdir: Path | None, chunk: int = SORT_CHUNK) -> SortedLines:
    """Sort and de-duplicate newline-free strings: in memory up to `chunk`, else as merged runs in `workdir`."""
    batch: set[str] = set()
    runs: list[Path] = []
    for item in items:
        batch.add(item)
        if len(batch) >= chunk and workdir is not None:
            runs.append(spill_run(sorted(batch), workdir, len(runs)))
            batch = set()
    if not runs:
        return SortedLines(lines=sorted(batch))
    assert workdir is not None  # runs were spilled, so there is a workdir
    if batch:
        runs.append(spill_run(sorted(batch), workdir, len(runs)))
    merged = workdir / f"merged-{len(list(workdir.glob('merged-*')))}.txt"
    count, last = 0, None
    handles = [run.open(encoding="utf-8", newline="\n") for run in runs]
    try:
        with merged.open("w", encoding="utf-8", newline="\n") as out:
            for line in heapq.merge(*handles):
                if line != last:
                    out.write(line)
                    count, last = count + 1, line
    finally:
        for handle in handles:
            handle.close()
        for run in runs:
            run.unlink()
    return SortedLines(path=merged, count=count)


class SortedRows:
    """A build's rows in canonical order (see `spilled_rows`); iterable any number of times."""

    def __init__(self, lines: SortedLines, *, default_only: bool = False, count: int | None = None) -> None:
        self._lines, self._default_only = lines, default_only
        self.count = len(lines) if count is None else count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Row]:
        for line in self._lines:
            s, p, rest = line.split(" ", 2)
            o, g = rest.rsplit(" ", 1)
            if not (self._default_only and g):
                yield Row(s, p, o, g)

    def default(self) -> SortedRows:
        """The default-graph rows alone, in the same order."""
        count = sum(1 for line in self._lines if line.endswith(" "))
        return SortedRows(self._lines, default_only=True, count=count)


def spilled_rows(quads: Iterable[Quad], *, workdir: Path | None, chunk: int = SORT_CHUNK) -> SortedRows:
    """Like canonical_rows, for any number of quads: memory stays within `chunk` lines, the rest on disk."""
    def lines() -> Iterator[str]:
        for quad in quads:
            g = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)
            yield f"{quad.subject} {quad.predicate} {quad.object} {g}"
    return SortedRows(sorted_unique(lines(), workdir=workdir, chunk=chunk))


def named_graph_order(rows: Iterable[Row], *, workdir: Path | None, chunk: int = SORT_CHUNK) -> Iterator[Row]:
    """The named-graph rows sorted by (graph, subject, predicate, object), within the same memory budget."""
    for line in sorted_unique((f"{r.g} {r.s} {r.p} {r.o}" for r in rows if r.g), workdir=workdir, chunk=chunk):
        g, s, rest = line.split(" ", 2)
        p, o = rest.split(" ", 1)
        yield Row(s, p, o, g)


def _header(out: IO[str], header: Sequence[str]) -> None:
    for line in header:
        out.write(f"# {line}\n" if line else "#\n")


def write_ntriples(out: IO[str], rows: Iterable[Row], header: Sequence[str]) -> None:
    """Canonical N-Triples (or N-Quads, given rows with graphs): one sorted line per statement."""
    _header(out, header)
    out.writelines(row.line for row in rows)


write_nquads = write_ntriples


# ------------------------------------------------------------------ Turtle / TriG


def _prefix_lines() -> list[str]:
    return [f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in OUTPUT_PREFIXES.items()]


def _blocks(rows: Iterable[Row], indent: str) -> Iterator[str]:
    """One Turtle block per subject (b12kg.build.stream.turtle_block: rdf:type first, prefixed names), streamed:
    a subject with very many statements is not held whole."""
    for subject, group in groupby(rows, key=lambda r: r.s):
        yield from turtle_block_parts(subject, ((row.p, row.o) for row in group), indent)


def write_turtle(out: IO[str], rows: Iterable[Row], header: Sequence[str]) -> None:
    """Turtle of the default-graph rows: one block per subject, prefixes from vocab.OUTPUT_PREFIXES."""
    _header(out, header)
    out.writelines(_prefix_lines())
    out.write("\n")
    out.writelines(_blocks(rows, ""))


def write_trig(out: IO[str], rows: Iterable[Row], header: Sequence[str], *, workdir: Path | None = None,
               chunk: int = SORT_CHUNK) -> None:
    """TriG: the default graph first, then each named graph as a block, in canonical order.

    `rows` is read twice (default graph, then named graphs); with a `workdir`, the named graphs are sorted
    within the memory budget of `sorted_unique`.
    """
    _header(out, header)
    out.writelines(_prefix_lines())
    out.write("\n")
    out.writelines(_blocks((row for row in rows if not row.g), ""))
    named = named_graph_order(rows, workdir=workdir, chunk=chunk)
    for graph, group in groupby(named, key=lambda r: r.g):
        out.write(f"\n{turtle_term(graph)} {{\n")
        out.writelines(_blocks(group, "    "))
        out.write("}\n")


# ------------------------------------------------------------------ JSON-LD


def write_jsonld_context(out: IO[str], context: dict[str, str]) -> None:
    """The JSON-LD context document (ontology/b12kg.context.jsonld): ``{"@context": ...}``, two-space indents."""
    out.write(json.dumps({"@context": context}, ensure_ascii=False, indent=2) + "\n")


# ------------------------------------------------------------------ atomic output


def staged_files(targets: Sequence[Path]) -> AbstractContextManager[dict[Path, IO[str]]]:
    """Open a staged file for each target; on success replace all targets together, on error none.

    A thin form of `b12kg.build.outputs.output_set` for a few small files written side by side (every handle is open
    at once): the old outputs stay untouched until every new file is complete, and a failure part-way through
    the replacement puts them all back. Each handle's ``name`` is its staged file, so a finished file can be
    read back (for its checksum) before the swap.
    """
    return _staged_handles(list(targets))


@contextmanager
def _staged_handles(targets: list[Path]) -> Iterator[dict[Path, IO[str]]]:
    with output_set(files=targets) as outputs:
        yield {target: outputs.open(target) for target in targets}
