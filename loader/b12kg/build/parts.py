"""The build's per-document work (read, check, model, sort), run for many documents at once on every core."""

from __future__ import annotations

import dataclasses
import heapq
import multiprocessing
import multiprocessing.pool
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import DefaultGraph

from b12kg.build.outputs import TMP_PREFIX, as_output_error
from b12kg.curation.read import Document, read_document
from b12kg.errors import B12kgError, CurationError
from b12kg.qc.validate import check_ids
from b12kg.rdf.document import document_quads
from b12kg.rdf.hpo import hpo_release
from b12kg.rdf.imports import used_curies
from b12kg.scratch import locked_folder, remove_dead
from b12kg.vocab import Curie
from b12kg.workers import die_with_parent

__all__ = ["worker_pool", "DocumentPart", "document_part", "document_parts", "merge_lines",
           "reduce_runs", "coverage_rows", "check_claim_ids", "scratch_folder", "FAN_IN"]

SAMPLES = 64  # subjects sampled from each document's sorted quads, to split the writing into even ranges
FAN_IN = 64  # sorted runs merged at once: open files stay bounded, whatever the number of documents


def worker_pool(processes: int) -> multiprocessing.pool.Pool:
    """A pool of forked worker processes that die with this one (they inherit what it loaded, such as HPO)."""
    return multiprocessing.get_context("fork").Pool(processes=processes, initializer=die_with_parent,
                                                    initargs=(os.getpid(),))


@dataclass(frozen=True)
class DocumentPart:
    """What one document contributes to a build; its quads are in sorted files, not in memory.

    `rows` holds the document's quads as "s p o g" lines (g empty for the default graph), sorted and unique, so
    that merging every document's file gives the build's canonical order; `named` holds its named-graph quads as
    "g s p o" lines (the TriG order); `claim_ids` its claim ids as "id<TAB>number<TAB>line" lines, to find
    a claim id used by two documents without holding every id in memory.
    """

    number: int
    path: Path
    id: str
    claims: int
    quads: int
    modalities: Counter[str]
    used: dict[str, tuple[Curie, str]]
    coverage: str
    rows: Path
    named: Path
    claim_ids: Path
    samples: tuple[str, ...] = ()  # subjects at even steps through `rows`: where to cut the writing into ranges


def coverage_rows(document: Document) -> str:
    """The coverage report's rows of one document: every sentence, with the claims quoting it or why it has none."""
    by_sentence: dict[int, list[str]] = {}
    for claim in document.claims:
        for index in claim.sentences:
            by_sentence.setdefault(index, []).append(claim.id)
    headings = {s.heading.index for s in document.sections if s.heading is not None}
    out: list[str] = []
    for sentence in document.sentences:
        if sentence.index in by_sentence:
            status, detail = "claims", " ".join(by_sentence[sentence.index])
        elif sentence.index in headings:
            status, detail = "heading", "section heading (scopes the paragraph below it)"
        else:
            reasons = [n.reason for n in document.non_claims
                       if sentence.start < n.span.end and n.span.start < sentence.end]
            status, detail = "no-claim", "; ".join(reasons)
        out.append(f"{document.id}\t{sentence.index}\t{sentence.line}\t{sentence.start}\t{sentence.end}\t"
                   f"{status}\t{detail}\t{sentence.text}\n")
    return "".join(out)


def _write_sorted(path: Path, lines: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(line + "\n" for line in sorted(lines))


def document_part(path: Path, *, number: int, relations: set[str], workdir: Path) -> DocumentPart:
    """Read and check one claims file, model it, and write its sorted quads to `workdir` (memory: one document)."""
    document = read_document(path)
    check_ids(document, relations)
    rows: set[str] = set()
    named: set[str] = set()
    for quad in document_quads(document):
        s, p, o = str(quad.subject), str(quad.predicate), str(quad.object)
        if isinstance(quad.graph_name, DefaultGraph):
            rows.add(f"{s} {p} {o} ")
        else:
            g = str(quad.graph_name)
            rows.add(f"{s} {p} {o} {g}")
            named.add(f"{g} {s} {p} {o}")
    stem = workdir / f"document-{number:07d}"
    ordered = sorted(rows)
    step = max(1, len(ordered) // SAMPLES)
    part = DocumentPart(
        number=number, path=path, id=document.id, claims=len(document.claims), quads=len(rows),
        modalities=Counter(c.modality for c in document.claims), used=used_curies([document]),
        coverage=coverage_rows(document), rows=stem.with_suffix(".rows"), named=stem.with_suffix(".named"),
        claim_ids=stem.with_suffix(".ids"), samples=tuple(line.split(" ", 1)[0] for line in ordered[::step]))
    with part.rows.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(line + "\n" for line in ordered)
    _write_sorted(part.named, named)
    _write_sorted(part.claim_ids, (f"{c.id}\t{number:07d}\t{c.line}" for c in document.claims))
    return part


# ------------------------------------------------------------------ running it in worker processes

_Job = tuple[int, Path, frozenset[str], Path]
_Outcome = tuple[DocumentPart | None, tuple[type[B12kgError], dict[str, object]] | None]


def _run(job: _Job) -> _Outcome:
    """One document in a worker; a B12kgError travels back as its class and fields (dataclass errors do not
    survive pickling as exceptions: their constructor needs the fields, Exception.__reduce__ gives none)."""
    number, path, relations, workdir = job
    try:
        return document_part(path, number=number, relations=set(relations), workdir=workdir), None
    except B12kgError as exc:
        return None, (type(exc), {f.name: getattr(exc, f.name) for f in dataclasses.fields(exc)})


def document_parts(files: Sequence[Path], *, relations: set[str], workdir: Path, workers: int = 1,
                   on_part: Callable[[DocumentPart], None] | None = None) -> Iterator[DocumentPart]:
    """Every file's part, in file order, `workers` documents at a time; the first bad file's error is raised.

    With more than one worker, forked processes do the work (they inherit the HPO release and the ontology the
    parent loaded); the parts come back in file order, so the build's bytes do not depend on `workers`.
    """
    jobs = [(number, path, frozenset(relations), workdir) for number, path in enumerate(files)]
    if workers <= 1 or len(files) <= 1:
        outcomes: Iterator[_Outcome] = map(_run, jobs)
        yield from _raise_first(outcomes, on_part)
        return
    hpo_release()  # loaded once here, shared with the forked workers (copy-on-write)
    with worker_pool(min(workers, len(files))) as pool:
        yield from _raise_first(pool.imap(_run, jobs), on_part)


def _raise_first(outcomes: Iterable[_Outcome],
                 on_part: Callable[[DocumentPart], None] | None) -> Iterator[DocumentPart]:
    for part, error in outcomes:
        if error is not None:
            kind, fields = error
            raise kind(**fields)  # type: ignore[arg-type]
        assert part is not None
        if on_part is not None:
            on_part(part)
        yield part


# ------------------------------------------------------------------ merging sorted files


def merge_lines(paths: Sequence[Path], *, first: Iterable[str] = ()) -> Iterator[str]:
    """The lines of sorted files (and of a sorted iterable `first`), merged in order, duplicates dropped.

    Lines keep their newline. Comparing lines with it orders them as the lines without it, because a line that is
    a prefix of another ("s p o " of "s p o g") is followed there by a character above the newline.
    """
    handles: list[IO[str]] = [path.open(encoding="utf-8", newline="\n") for path in paths]
    try:
        last = None
        for line in heapq.merge(first, *handles):
            if line != last:
                yield line
                last = line
    finally:
        for handle in handles:
            handle.close()


def _merge_into(job: tuple[list[Path], Path]) -> Path:
    paths, out = job
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(merge_lines(paths))
    for path in paths:
        path.unlink()
    return out


def reduce_runs(paths: Sequence[Path], *, workdir: Path, name: str, workers: int = 1,
                fan_in: int | None = None) -> list[Path]:
    """Merge sorted files in groups of `fan_in` (FAN_IN) until at most that many are left, `workers` groups at a
    time."""
    fan_in = fan_in or FAN_IN
    runs, level = list(paths), 0
    while len(runs) > fan_in:
        jobs = [(runs[i:i + fan_in], workdir / f"{name}-merge-{level}-{i // fan_in:06d}")
                for i in range(0, len(runs), fan_in)]
        if workers > 1:
            with worker_pool(min(workers, len(jobs))) as pool:
                runs = pool.map(_merge_into, jobs)
        else:
            runs = [_merge_into(job) for job in jobs]
        level += 1
    return runs


def check_claim_ids(parts: Sequence[DocumentPart], *, workdir: Path, workers: int = 1) -> None:
    """Refuse a claim id used by two documents (claim ids mint IRIs, so they are global): merged, not in memory."""
    by_number = {part.number: part for part in parts}
    runs = reduce_runs([part.claim_ids for part in parts], workdir=workdir, name="ids", workers=workers)
    last_id, last_number = None, -1
    for line in merge_lines(runs):
        claim_id, number, at = line.rstrip("\n").split("\t")
        if claim_id == last_id:
            raise CurationError(f"duplicate claim id {claim_id!r}: also in {by_number[last_number].path}",
                                fix="claim ids are global (they mint IRIs): rename one",
                                file=by_number[int(number)].path, line=int(at), claim=claim_id)
        last_id, last_number = claim_id, int(number)


_SCRATCH = TMP_PREFIX + "parts-"


@contextmanager
def scratch_folder(near: Path, *, avoid: Iterable[Path] = ()) -> Iterator[Path]:
    """A work folder for the documents' sorted files, removed afterwards: in `near` or its nearest existing parent
    (the outputs' filesystem) that is not one of the folders in `avoid` (the outputs' own folders, whose staging
    b12kg.build.outputs manages). It holds a lock while in use; the next build removes what a killed one left."""
    skip = {Path(os.path.abspath(p)) for p in avoid}
    folder = Path(os.path.abspath(near))
    while not folder.is_dir() or folder in skip:
        folder = folder.parent
    remove_dead(folder, prefix=_SCRATCH)
    try:
        with locked_folder(folder, prefix=_SCRATCH) as path:
            yield path
    except OSError as exc:  # a full disk while the documents are modelled: no output was touched yet
        clear = as_output_error(exc, [folder])
        if clear is None:
            raise
        raise clear from exc
