"""The build's writing split by ranges of subjects: each range written on its own core, the parts joined in order."""

from __future__ import annotations

import heapq
import io
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from b12kg.build.parts import merge_lines, worker_pool
from b12kg.build.stream import Figures, Outputs, write_graphs
from b12kg.build.writers import Row, sorted_unique

__all__ = ["MergedRows", "split_points", "lines_from", "RangeJob", "write_range", "write_ranges", "GRAPH_FILES",
           "append_parts"]

GRAPH_FILES = ("ntriples", "nquads", "turtle", "trig", "jsonld")


def split_points(samples: Sequence[tuple[str, float]], ranges: int) -> list[str]:
    """`ranges - 1` subjects that cut the sampled lines into ranges of about equal weight, as line prefixes.

    `samples` are (subject, weight): subjects seen at even steps in each document's sorted lines, weighted by the
    lines each stands for. A cut is a subject followed by a space: every line of one subject falls on one side.
    """
    if ranges <= 1 or not samples:
        return []
    ordered = sorted(samples)
    total = sum(weight for _, weight in ordered)
    cuts: list[str] = []
    running, target = 0.0, 1
    for subject, weight in ordered:
        running += weight
        if running >= total * target / ranges and target < ranges:
            cut = subject + " "
            if not cuts or cut > cuts[-1]:
                cuts.append(cut)
            target += 1
    return cuts


def lines_from(path: Path, start: str | None) -> Iterator[str]:
    """The lines of a sorted file from the first one not below `start` (found by bisection on byte offsets)."""
    with path.open("rb") as raw:
        low = 0
        if start is not None:
            key = start.encode("utf-8")  # UTF-8 bytes sort as the code points do
            high = raw.seek(0, os.SEEK_END)
            # low is always a line's start with every line before it below the key
            while low < high:
                middle = (low + high) // 2
                raw.seek(middle)
                if middle:
                    raw.readline()  # the rest of the line `middle` falls in
                at = raw.tell()
                found = raw.readline()
                if found and found < key:
                    low = at + len(found)
                else:
                    high = middle
        raw.seek(low)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        lines = iter(text)
        for line in lines:
            if start is None or line >= start:
                yield line
                break
        yield from lines


class MergedRows:
    """The build's rows in canonical order, merged afresh from the documents' sorted files at each iteration (for
    a writer that needs the whole graph in one process, such as an edition written from the canonical rows)."""

    def __init__(self, runs: Sequence[Path], small: Sequence[str]) -> None:
        self.runs, self.small = list(runs), list(small)

    def __iter__(self) -> Iterator[Row]:
        for line in merge_lines(self.runs, first=iter(self.small)):
            s, p, rest = line.split(" ", 2)
            o, g = rest[:-1].rsplit(" ", 1)
            yield Row(s, p, o, g)


@dataclass(frozen=True)
class RangeJob:
    """One range of subjects [start, stop) to write: from the documents' sorted files and the small lines."""

    index: int
    start: str | None
    stop: str | None
    runs: tuple[Path, ...]
    small: tuple[str, ...]
    paths: dict[str, Path]  # one file per graph format: the staged outputs for range 0, part files for the others
    objects: Path  # the range's distinct objects, sorted
    workdir: Path
    headers: Mapping[str, Sequence[str]]
    context: Mapping[str, object]
    chunk: int
    last: bool


_COUNTER: list[object] = []  # a shared counter of lines written (multiprocessing.Value), set before forking


def write_range(job: RangeJob) -> Figures:
    """Write one range of subjects to its files; its figures, for the description."""
    small = [line for line in job.small if (job.start is None or line >= job.start)
             and (job.stop is None or line < job.stop)]
    lines = merge_lines([], first=heapq.merge(small, *(lines_from(run, job.start) for run in job.runs)))
    counter = _COUNTER[0] if _COUNTER else None
    figures = Figures()

    def in_range() -> Iterator[str]:
        count = 0
        for line in lines:
            if job.stop is not None and line >= job.stop:
                break
            count += 1
            if counter is not None and count % 10_000 == 0:
                with counter.get_lock():  # type: ignore[attr-defined]
                    counter.value += 10_000  # type: ignore[attr-defined]
            yield line
        if counter is not None:
            with counter.get_lock():  # type: ignore[attr-defined]
                counter.value += count % 10_000  # type: ignore[attr-defined]
    job.workdir.mkdir(exist_ok=True)
    handles = {name: job.paths[name].open("a" if job.index == 0 else "w", encoding="utf-8", newline="\n")
               for name in job.paths}
    try:
        outputs = Outputs(**handles)
        objects = sorted_unique(write_graphs(in_range(), outputs, headers=job.headers, context=job.context,
                                             figures=figures, first=job.index == 0, last=job.last),
                                workdir=job.workdir, chunk=job.chunk)
    finally:
        for handle in handles.values():
            handle.close()
    with job.objects.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(line + "\n" for line in objects)
    return figures


def write_ranges(jobs: Sequence[RangeJob], side: Sequence[tuple[Callable[..., None], tuple[object, ...]]], *,
                 workers: int, tick: Callable[[int], None]) -> list[Figures]:
    """Run the range jobs and the side jobs, `workers` at a time (forked), reporting lines written to `tick`."""
    if workers <= 1:
        for function, args in side:
            function(*args)
        return [write_range(job) for job in jobs]
    counter = multiprocessing.get_context("fork").Value("q", 0)
    _COUNTER[:] = [counter]
    try:
        with worker_pool(workers) as pool:
            pending = [pool.apply_async(write_range, (job,)) for job in jobs]
            others = [pool.apply_async(function, args) for function, args in side]
            seen = 0
            while not all(p.ready() for p in pending):
                time.sleep(0.2)
                now = counter.value
                tick(now - seen)
                seen = now
            tick(counter.value - seen)
            for other in others:
                other.get()
            return [p.get() for p in pending]
    finally:
        _COUNTER[:] = []


def append_parts(target: Path, parts: Sequence[Path], *, strip_first: bool = False, tail: str = "") -> None:
    """Append part files to a written file (in binary), then `tail`; `strip_first` drops the first part's first
    character (a JSON-LD comma before the first node of the file)."""
    with target.open("ab") as out:
        for number, part in enumerate(parts):
            with part.open("rb") as source:
                if strip_first and number == 0:
                    source.read(1)
                shutil.copyfileobj(source, out, 1 << 20)
            part.unlink()
        out.write(tail.encode("utf-8"))
