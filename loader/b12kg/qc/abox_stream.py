"""The data pass of the scalable reasoning: every individual's types and the data problems, through an on-disk sort.

One pass over the N-Triples file turns each triple into short records keyed by the individual it is about —
an asserted rdf:type, a class entailed by a property's rdfs:domain (its subject) or rdfs:range (its IRI object),
one value of a functional property — and checks data property values against their range datatypes on the spot.
The records are sorted within a fixed memory budget (sorted runs spilled to disk and merged, b12kg.build.parts),
so that each individual's records arrive together, whatever the order of the file: its classes are closed over
the classified hierarchy, checked for disjointness, and what is not asserted is written out as inferred rdf:type.
Memory holds the schema and one sort chunk, never the graph: it does not grow with the number of claims.
"""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from b12kg.build.parts import merge_lines, reduce_runs
from b12kg.build.writers import Row, spill_run
from b12kg.qc.abox import Schema, reachable
from b12kg.qc.values import DATATYPE_RANGES, in_range, value_key
from b12kg.vocab import NS

__all__ = ["DataPass", "SortedTypes", "type_individuals", "class_closure", "REASON_SORT_CHUNK", "MAX_PROBLEMS",
           "TYPE_TERM"]

REASON_SORT_CHUNK = 100_000  # records sorted in memory at a time (some 20 MB); the rest is merged from disk
MAX_PROBLEMS = 20  # problems of one kind reported (per property and datatype for ranges), as the checks always did
TYPE_TERM = f"<{NS['rdf']}type>"
_TYPE = NS["rdf"] + "type"
_BUILTIN = (NS["owl"], NS["rdfs"], NS["rdf"], NS["xsd"])  # built-in vocabulary: not classes we materialise
_TICK = 1 << 16  # triples between two progress reports

Meter = Callable[[str, int, "int | None"], None]


class SortedTypes:
    """Inferred rdf:type pairs (individual, class) in canonical N-Triples order, in a file ("<i> <c>" lines).

    Iterable any number of times. With `folder` (a temporary folder holding the file), the folder is removed when
    the object goes.
    """

    def __init__(self, path: Path, count: int, *, folder: Path | None = None) -> None:
        self.path, self.count = path, count
        if folder is not None:
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for line in self.lines():
            individual, cls = line.split(" ")
            yield individual[1:-1], cls[1:-1]

    def __contains__(self, pair: object) -> bool:
        return any(pair == p for p in self)

    def lines(self) -> Iterator[str]:
        with self.path.open(encoding="utf-8", newline="\n") as handle:
            for line in handle:
                yield line[:-1]

    def rows(self) -> Iterator[Row]:
        """The pairs as rdf:type rows, in canonical order."""
        for line in self.lines():
            individual, cls = line.split(" ")
            yield Row(individual, TYPE_TERM, cls, "")


@dataclass(frozen=True)
class DataPass:
    """What the data pass found: the inferred types' count (written to the types file) and the data problems."""

    inferred: int
    problems: tuple[str, ...]
    merged: tuple[str, ...]  # functional object properties with two values (HermiT would merge individuals)


def _kept(iri: str) -> bool:
    return not iri.startswith(_BUILTIN)


def class_closure(parents: dict[str, set[str]]) -> Callable[[str], frozenset[str]]:
    """A class and its ancestors over the direct subclass pairs, built-ins left out (memoised: schema-sized)."""
    memo: dict[str, frozenset[str]] = {}

    def closure(cls: str) -> frozenset[str]:
        found = memo.get(cls)
        if found is None:
            found = memo[cls] = frozenset(c for c in {cls} | reachable(cls, parents) if _kept(c))
        return found
    return closure


@dataclass(frozen=True)
class _Rule:
    """What one predicate's triples give: classes (as record tokens) for subject and object, functional kind and
    number, datatype ranges to check."""

    domain: tuple[str, ...]
    range: tuple[str, ...]
    functional: str  # "" or "data"/"object"
    number: int  # the functional property's index in the sorted list of them
    datatypes: tuple[str, ...]


def _rules(schema: Schema, token: Callable[[str], str]) -> tuple[dict[str, _Rule], list[str]]:
    functional = sorted(schema.functional_data | schema.functional_object)
    properties = set(schema.domains) | set(schema.ranges) | set(functional) | set(schema.datatype_ranges)
    rules = {}
    for prop in properties:
        kind = "data" if prop in schema.functional_data else "object" if prop in schema.functional_object else ""
        datatypes = tuple(sorted(d for d in schema.datatype_ranges.get(prop, ()) if d in DATATYPE_RANGES))
        rules[prop] = _Rule(tuple(token(c) for c in sorted(schema.domains.get(prop, ()))),
                            tuple(token(c) for c in sorted(schema.ranges.get(prop, ()))),
                            kind, functional.index(prop) if kind else -1, datatypes)
    return rules, functional


def _records(graph_file: Path, rules: dict[str, _Rule], token: Callable[[str], str], ranges: dict[tuple[str, str],
             list[str]], meter: Meter | None, total: int | None) -> Iterator[str]:
    """The file's records, "<individual> KIND TOKEN [VALUE]": KIND a (asserted type), e (entailed type), f (value
    of functional property number TOKEN). Range problems go into `ranges` as they are met."""
    seen = 0
    for quad in parse(path=str(graph_file), format=RdfFormat.N_TRIPLES):
        seen += 1
        if seen == _TICK:
            if meter is not None:
                meter("triples typed", seen, total)
            seen = 0
        predicate, subject = quad.predicate.value, quad.subject
        if predicate == _TYPE:
            obj = quad.object
            if type(subject) is NamedNode and type(obj) is NamedNode and _kept(obj.value):
                yield f"{subject} a {token(obj.value)}"
        rule = rules.get(predicate)
        if rule is None:
            continue
        if rule.domain and type(subject) is NamedNode:
            term = str(subject)
            for cls in rule.domain:
                yield f"{term} e {cls}"
        if rule.range and type(quad.object) is NamedNode:
            term = str(quad.object)
            for cls in rule.range:
                yield f"{term} e {cls}"
        if rule.functional and " " not in (term := str(subject)):  # (a quoted-triple subject is no individual)
            yield f"{term} f {rule.number} {value_key(quad.object)}"
        for datatype in rule.datatypes:
            if not in_range(quad.object, datatype):
                found = ranges.setdefault((predicate, datatype), [])
                if len(found) < MAX_PROBLEMS:
                    found.append(f"{subject} <{predicate}> {quad.object}: not a value of the range <{datatype}>")
    if meter is not None and seen:
        meter("triples typed", seen, total)


def _sorted(records: Iterable[str], workdir: Path, chunk: int) -> Iterator[str]:
    """The records sorted and de-duplicated within `chunk` of them in memory (lines without newline)."""
    batch: set[str] = set()
    runs: list[Path] = []
    for record in records:
        batch.add(record)
        if len(batch) >= chunk:
            runs.append(spill_run(sorted(batch), workdir, len(runs)))
            batch = set()
    if not runs:
        yield from sorted(batch)
        return
    if batch:
        runs.append(spill_run(sorted(batch), workdir, len(runs)))
    del batch
    runs = reduce_runs(runs, workdir=workdir, name="records")
    for line in merge_lines(runs):
        yield line[:-1]
    for run in runs:
        run.unlink()


def type_individuals(graph_file: Path, schema: Schema, subclass: Iterable[tuple[str, str]], *, types_file: Path,
                     workdir: Path, chunk: int = REASON_SORT_CHUNK, meter: Meter | None = None,
                     statements: int | None = None) -> DataPass:
    """Type every named individual of the graph (asserted types, domains, ranges, closed over the direct subclass
    pairs HermiT and the schema give), write what is not asserted to `types_file` in canonical order, and check
    the data (disjoint classes, functional properties, datatype ranges; b12kg.qc.abox says why that is all)."""
    parents: dict[str, set[str]] = {}
    for child, parent in subclass:
        parents.setdefault(child, set()).add(parent)
    closure = class_closure(parents)
    known = set(parents).union(*parents.values(), *schema.domains.values(), *schema.ranges.values())
    classes = sorted(known)
    numbers = {cls: str(i) for i, cls in enumerate(classes)}

    def token(cls: str) -> str:  # known classes travel as numbers, others as their N-Triples term
        return numbers.get(cls) or f"<{cls}>"

    rules, functional = _rules(schema, token)
    ranges: dict[tuple[str, str], list[str]] = {}
    disjoint = {(a, b) for a, b in schema.disjoint} | {(b, a) for a, b in schema.disjoint}
    disjoint_classes = {a for a, _ in disjoint}
    clashes: list[str] = []
    clash_count = 0
    two_values: dict[str, list[str]] = {"data": [], "object": []}
    inferred = 0
    records = _sorted(_records(graph_file, rules, token, ranges, meter, statements), workdir, chunk)
    with types_file.open("w", encoding="utf-8", newline="\n") as out:
        for individual, group in _groups(records):
            asserted: set[str] = set()
            direct: set[str] = set()
            values: dict[int, set[str]] = {}
            for kind, rest in group:
                if kind == "f":
                    index, key = rest.split(" ", 1)
                    values.setdefault(int(index), set()).add(key)
                    continue
                cls = classes[int(rest)] if rest[0] != "<" else rest[1:-1]
                direct.add(cls)
                if kind == "a":
                    asserted.add(cls)
            closed: set[str] = set().union(*(closure(c) for c in direct)) if direct else set()
            for cls in sorted(f"<{c}>" for c in closed - asserted):
                out.write(f"{individual} {cls}\n")
                inferred += 1
            if closed & disjoint_classes:
                clash = sorted((a, b) for a in closed for b in closed if (a, b) in disjoint and a < b)
                if clash:
                    clash_count += 1
                    if len(clashes) < MAX_PROBLEMS * 50:
                        clashes.append(f"{individual} is in disjoint classes <{clash[0][0]}> and <{clash[0][1]}>")
            for number in sorted(n for n, keys in values.items() if len(keys) > 1):
                prop = functional[number]
                kind = "data" if prop in schema.functional_data else "object"
                if len(two_values[kind]) < MAX_PROBLEMS:
                    two_values[kind].append(f"{individual} has two values of the functional {kind} property "
                                            f"<{prop}>" + (" (HermiT would make them one individual)"
                                                           if kind == "object" else ""))
    if clash_count > len(clashes):
        clashes.append(f"… and {clash_count - len(clashes):,} more individuals in disjoint classes")
    problems = clashes + two_values["data"] + two_values["object"]
    for prop, datatypes in sorted(schema.datatype_ranges.items()):
        for datatype in sorted(datatypes):
            if datatype == NS["rdfs"] + "Literal":
                continue
            if datatype not in DATATYPE_RANGES:
                problems.append(f"<{prop}> has the range <{datatype}>, which the data check does not know")
                continue
            problems.extend(ranges.get((prop, datatype), []))
    return DataPass(inferred, tuple(problems), tuple(two_values["object"]))


def _groups(records: Iterator[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The sorted records grouped by individual: (its N-Triples term, [(kind, rest)]). A term ends with ">" (or is a
    blank node label) and holds no space, so one individual's records are contiguous in the sorted order."""
    current: str | None = None
    group: list[tuple[str, str]] = []
    for record in records:
        individual, kind, rest = record.split(" ", 2)
        if individual != current:
            if current is not None:
                yield current, group
            current, group = individual, []
        group.append((kind, rest))
    if current is not None:
        yield current, group
