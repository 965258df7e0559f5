"""SHACL over a subject-sorted N-Triples file in chunks of whole claims, each in a small in-memory store."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.vocab import ID, NS

if TYPE_CHECKING:
    from b12kg.qc.shacl_sparql import CompiledCheck

__all__ = ["run_chunked", "CHUNK_BYTES", "Unchunkable"]

# Bytes of claim lines per chunk: its in-memory store takes about 2.8x that (validate.ON_DISK_ABOVE's measure), so
# each worker holds ~25 MiB of store at a time, whatever the corpus's size.
CHUNK_BYTES = 8 * 1024 * 1024
_CLAIM = b"<" + (ID + "claim/").encode()
_TYPE = ("<" + NS["rdf"] + "type>").encode()
_SUBCLASS = ("<" + NS["rdfs"] + "subClassOf>").encode()
_KEY_END = re.compile(rb"[/>]")
# the characters that may follow a claim key in a sorted file before the key's last line (between "/" and ">")
_BETWEEN = frozenset(range(ord("/"), ord(">") + 1))


class Unchunkable(Exception):
    """The file cannot be split into independent chunks exactly (the caller validates it whole)."""


@dataclass
class _Survey:
    """What pass 0 learns outside the claims: every rdfs:subClassOf line, each other node's rdf:type lines."""

    schema: list[bytes] = field(default_factory=list)
    types: dict[bytes, list[bytes]] = field(default_factory=dict)
    read_by_sparql: set[bytes] = field(default_factory=set)  # nodes with a triple a SPARQL constraint may read
    claims: tuple[int, int] = (0, 0)  # byte offsets of the claim lines (contiguous in a sorted file)


def _sparql_predicates(checks: list[CompiledCheck]) -> set[bytes] | None:
    """The IRIs the shapes' SPARQL constraints and targets mention (None: one reads any predicate)."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parserutils import CompValue

    from b12kg.qc.shacl_sparql import _dedupe_prefixes

    found: set[bytes] = set()
    texts = {check.query for check in checks if check.component.endswith("SPARQLConstraintComponent")}
    texts |= {f"{check.head}\nSELECT ?this WHERE {{ {check.target} }}" for check in checks if "SELECT" in check.target}
    variable = False

    def visit(node: object) -> None:
        nonlocal variable
        if isinstance(node, CompValue) and node.name == "BGP":
            for _, predicate, _ in node["triples"]:
                if isinstance(predicate, Variable):
                    variable = True
                elif isinstance(predicate, URIRef):
                    found.add(f"<{predicate}>".encode())
                else:  # a property path: its IRIs
                    found.update(f"<{iri}>".encode() for iri in re.findall(r"<([^>]*)>", predicate.n3()))

    for text in texts:
        traverse(prepareQuery(_dedupe_prefixes(text)).algebra, visitPre=visit)
    if variable:
        return None
    return found - {_TYPE, _SUBCLASS}


def _survey(data_file: Path, sparql_predicates: set[bytes]) -> _Survey:
    """Pass 0: check the file is subject-sorted N-Triples without blank nodes; collect what chunks need."""
    survey = _Survey()
    previous = b""
    start = end = -1
    offset = 0
    with data_file.open("rb") as handle:
        for line in handle:
            here, offset = offset, offset + len(line)
            if line[:1] != b"<":
                if line[:1] in (b"#", b"\n", b"") or not line.strip():
                    if start >= 0:  # a chunk holds triples only
                        raise Unchunkable("a comment or blank line among the triples")
                    continue
                raise Unchunkable("a blank node subject")
            if line < previous and line[:line.find(b" ")] != previous[:previous.find(b" ")]:
                raise Unchunkable("lines not sorted by subject")
            previous = line
            if line.startswith(_CLAIM):
                if start < 0:
                    start = here
                elif end >= 0:
                    raise Unchunkable("claim lines are not contiguous")
                continue
            if start >= 0 and end < 0:
                end = here
            subject, predicate, rest = line.split(b" ", 2)
            if rest.startswith(_CLAIM):
                raise Unchunkable("a node outside the claims points into them")
            if predicate == _SUBCLASS:
                survey.schema.append(line)
            elif predicate == _TYPE:
                survey.types.setdefault(subject, []).append(line)
            if predicate in sparql_predicates:
                survey.read_by_sparql.add(subject)
    if start >= 0 and end < 0:
        end = offset
    survey.claims = (max(start, 0), max(end, 0))
    return survey


def _claim_key(subject: bytes) -> bytes:
    rest = subject[len(_CLAIM):]
    match = _KEY_END.search(rest)
    return rest[:match.start()] if match else rest


def _has_line(chunk: bytearray, start: bytes) -> bool:
    """Whether a line of the sorted `chunk` (a line end, then lines) starts with `start`: a binary search."""
    low, high = 1, len(chunk)  # low: a line's first byte; the first line >= start begins in [low, high]
    while low < high:
        middle = (low + high) // 2
        begin = chunk.rfind(b"\n", 0, middle) + 1  # the line holding byte `middle`
        end = chunk.find(b"\n", begin)
        end = len(chunk) if end < 0 else end
        if chunk[begin:end] < start:
            low = end + 1
        else:
            high = begin
    return chunk[low:low + len(start)] == start


def _cut_ok(chunk: bytearray, next_line: bytes) -> bool:
    """Whether no claim key has lines both in `chunk` and from `next_line` on (sorted: such a key is a prefix of
    the next subject followed by a character between "/" and ">", and has a line in the chunk)."""
    rest = next_line[len(_CLAIM):next_line.find(b" ")]
    for end in range(1, len(rest)):
        if rest[end] in _BETWEEN:
            key = _CLAIM + rest[:end]
            if _has_line(chunk, key + b"/") or _has_line(chunk, key + b">"):
                return False
    return True


def _chunks(data_file: Path, start: int, end: int, size: int) -> Iterator[bytes]:
    """The claim lines in pieces of about `size` bytes, cut only between claims."""
    with data_file.open("rb") as handle:
        handle.seek(start)
        chunk = bytearray(b"\n")  # a line end before the first line, for _has_line
        left = end - start
        while left > 0:
            block = handle.read(min(size, left))
            left -= len(block)
            if not block.endswith(b"\n") and left > 0:
                more = handle.readline()
                left -= len(more)
                block += more
            chunk += block
            while left > 0:
                peek = handle.readline()
                left -= len(peek)
                if _cut_ok(chunk, peek):
                    yield bytes(chunk[1:])
                    chunk = bytearray(b"\n" + peek)
                    break
                chunk += peek
    if len(chunk) > 1:
        yield bytes(chunk[1:])


_STATE: dict[str, object] = {}  # in the (forked) workers: the survey and the checks, set before they start


def _validate_chunk(chunk: bytes) -> list[tuple[int, str]]:
    """One chunk's violations, as (index of the check, focus IRI), focus nodes among the chunk's own subjects."""
    from pyoxigraph import RdfFormat, Store

    from b12kg.qc.shacl_sparql import _badly_typed, _by_shape, _needed, _run_group

    survey: _Survey = _STATE["survey"]  # type: ignore[assignment]
    checks: list[CompiledCheck] = _STATE["checks"]  # type: ignore[assignment]
    typed = {(c.path or "", c.datatype) for c in checks if c.datatype is not None}
    typed_paths = {f"<{path}>".encode() for path, _ in typed}
    subjects: set[bytes] = set()
    keys: set[bytes] = set()
    extra: list[bytes] = list(survey.schema)
    seen: set[bytes] = set()
    typed_lines: list[bytes] = []
    for line in chunk.splitlines():
        subject, predicate, rest = line.split(b" ", 2)
        if subject not in subjects:
            if b"\\" in subject:
                raise Unchunkable("an escaped character in a claim's IRI")
            subjects.add(subject)
            keys.add(_claim_key(subject))
        if predicate in typed_paths:
            typed_lines.append(line)
        if rest[:1] == b"<":
            value = rest[:rest.find(b">") + 1]
            if value.startswith(_CLAIM):
                seen.add(value)  # checked below, once every key of the chunk is known
            elif value not in seen:
                seen.add(value)
                extra.extend(survey.types.get(value, ()))
                if value in survey.read_by_sparql:
                    raise Unchunkable("a claim points to a node whose triples a SPARQL constraint may read")
    for value in seen:
        if value.startswith(_CLAIM) and _claim_key(value) not in keys:
            raise Unchunkable("a claim points to a node of another claim")
    store = Store()
    store.bulk_load(input=chunk + b"\n" + b"".join(extra), format=RdfFormat.N_TRIPLES)
    bad = _badly_typed(b"\n".join(typed_lines), typed) if typed_lines else {pair: set() for pair in typed}
    index = {id(check): n for n, check in enumerate(checks)}
    groups = _by_shape(checks)
    untyped = [g for g in ([c for c in group if c.datatype is None] for group in groups) if g]
    found = []
    own = {s[1:-1].decode() for s in subjects}
    for group in untyped + _needed(groups, bad):
        for at, focus in _run_group(store, group, bad, None):
            if focus in own:
                found.append((index[id(group[at])], focus))
    return found


def run_chunked(data_file: Path, checks: list[CompiledCheck], found: Callable[[CompiledCheck, str], None],
                rest: Callable[[Path], None], *, scratch: Path, workers: int = 1,
                chunk_bytes: int = CHUNK_BYTES) -> None:
    """Validate a subject-sorted N-Triples file (as the build writes it) chunk by chunk; raise Unchunkable, having
    reported nothing, when the chunks would not give exactly the whole graph's violations.

    The claims' lines (contiguous: the file is sorted) are cut between claims into chunks of ~chunk_bytes; each
    is validated in an in-memory store holding the chunk, every rdfs:subClassOf line and the rdf:type lines of the
    other nodes its claims point to. Its focus nodes are its own subjects, whose triples are all in it. That is
    exact when no claim points into another claim or to a node whose other triples a SPARQL constraint may read,
    and no node outside the claims points into them: all checked here, else Unchunkable. The lines outside the
    claims (ontology, documents, terms: ~1% of a corpus) are written to a file in `scratch`, given to `rest`.
    """
    from b12kg.workers import process_executor

    predicates = _sparql_predicates(checks)
    if predicates is None:
        raise Unchunkable("a SPARQL constraint reads any predicate")
    survey = _survey(data_file, predicates)
    start, end = survey.claims
    others = scratch / "outside-claims.nt"
    with data_file.open("rb") as source, others.open("wb") as out:
        out.write(source.read(start))
        source.seek(end)
        while block := source.read(1 << 20):
            out.write(block)
    _STATE.update(survey=survey, checks=checks)
    results: list[tuple[int, str]] = []
    try:
        if workers <= 1:
            for chunk in _chunks(data_file, start, end, chunk_bytes):
                results.extend(_validate_chunk(chunk))
        else:
            from concurrent.futures import FIRST_COMPLETED, Future, wait

            with process_executor(workers) as pool:
                pending: set[Future[list[tuple[int, str]]]] = set()
                for chunk in _chunks(data_file, start, end, chunk_bytes):
                    pending.add(pool.submit(_validate_chunk, chunk))
                    while len(pending) >= 2 * workers:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            results.extend(future.result())
                for future in pending:
                    results.extend(future.result())
    finally:
        _STATE.clear()
    rest(others)
    for at, focus in results:
        found(checks[at], focus)
