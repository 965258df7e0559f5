"""The graph split for reasoning that scales: its schema (for HermiT, once), read in one pass over the file.

What HermiT infers about this project's data follows from few kinds of axiom, all of them read here: rdfs:subClassOf
between named classes, rdfs:subPropertyOf, rdfs:domain and rdfs:range (an individual gets the domain class of each
property it has and the range class of each object property it is the value of), owl:disjointWith,
owl:FunctionalProperty and owl:TransitiveProperty (OWL 2 Direct Semantics, https://www.w3.org/TR/owl2-direct-semantics/
§2.3). A schema with any other construct (restrictions, equivalences, inverses, nominals, …) is refused, so that the
streamed typing (b12kg.qc.abox_stream) never silently misses what HermiT would infer; `b12kg reason --engine
hermit-full` runs HermiT on everything.

What can make this ontology's data inconsistent (and what b12kg.qc.abox_stream checks, in one pass over the data):
- an individual in two disjoint classes (asserted, or entailed through the hierarchy, domains and ranges);
- two different values of a functional data property for one subject;
- a data property value outside its range datatype (OWL 2 datatype maps: a string where a decimal is due);
- two values of a functional object property: OWL has no unique-name assumption, so HermiT would make them one
  individual (merging their types, maybe into disjoint classes); the shapes allow one value, and this is reported
  rather than reasoned about.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, parse, serialize

from b12kg.errors import B12kgError
from b12kg.vocab import NS

__all__ = ["reachable", "Schema", "SchemaScan", "read_schema", "schema_of", "write_schema", "UnsupportedSchema",
           "MB", "BLOCK"]

_RDF, _RDFS, _OWL, _XSD = NS["rdf"], NS["rdfs"], NS["owl"], NS["xsd"]
_SCHEMA_PREDICATES = {_RDFS + "subClassOf", _RDFS + "subPropertyOf", _RDFS + "domain", _RDFS + "range",
                      _RDF + "first", _RDF + "rest"}
# owl: predicates and rdf:type objects the materialisation understands (the rest is refused: UnsupportedSchema).
_OWL_PREDICATES = {_OWL + n for n in ("disjointWith", "imports", "versionIRI", "versionInfo", "priorVersion",
                                      "deprecated", "backwardCompatibleWith", "incompatibleWith")}
_OWL_TYPES = {_OWL + n for n in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                 "FunctionalProperty", "TransitiveProperty", "Ontology", "NamedIndividual",
                                 "DeprecatedClass", "DeprecatedProperty")}
_TYPE = _RDF + "type"
# A line can hold a schema triple only if it names one of these (the predicates and rdf:type objects _is_schema
# accepts); the rest of the file is skipped without parsing. The graph is N-Triples as b12kg and rdflib write it:
# IRIs spelled out, not escaped (\u) — an escaped one would be skipped.
_MARKERS = (b"/2002/07/owl#", b"/2000/01/rdf-schema#", b"-rdf-syntax-ns#first", b"-rdf-syntax-ns#rest")
_BATCH = 20_000  # candidate lines parsed at once
BLOCK = 1 << 22  # bytes read at once (then to the end of the line)
MB = 1_000_000  # the schema pass's progress unit (bytes read)


class UnsupportedSchema(B12kgError):
    """The schema has a construct whose consequences for the data the streamed typing does not compute."""


@dataclass
class Schema:
    """The graph's schema triples and what the data typing reads from them."""

    triples: list[Triple]
    subclass: set[tuple[str, str]] = field(default_factory=set)  # asserted, between named classes
    domains: dict[str, set[str]] = field(default_factory=dict)  # property -> domain classes (via superproperties)
    ranges: dict[str, set[str]] = field(default_factory=dict)  # object property -> range classes
    datatype_ranges: dict[str, set[str]] = field(default_factory=dict)  # data property -> range datatypes
    disjoint: set[tuple[str, str]] = field(default_factory=set)
    functional_object: set[str] = field(default_factory=set)
    functional_data: set[str] = field(default_factory=set)



def reachable(start: str, edges: Mapping[str, Iterable[str]]) -> set[str]:
    """Every node reachable from `start` along `edges` (child -> parents): its ancestors in a hierarchy of classes
    or properties (`start` itself only through a cycle)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for parent in edges.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _is_schema(triple: Triple) -> bool:
    p = triple.predicate.value
    if p in _SCHEMA_PREDICATES or p.startswith(_OWL):
        return True
    return p == _TYPE and isinstance(triple.object, NamedNode) and triple.object.value.startswith((_OWL, _RDFS)) \
        and triple.object.value != _OWL + "NamedIndividual"


@dataclass(frozen=True)
class SchemaScan:
    """What the schema pass read: the schema, and the file's statement lines (count and digest)."""

    schema: Schema
    statements: int  # lines that are not comments (one triple each in N-Triples)
    digest: str  # SHA-256 of those lines (b12kg.qc.reason.statements_digest)


def _schema_triples(lines: list[bytes]) -> Iterator[Triple]:
    for quad in parse(b"".join(lines), format=RdfFormat.N_TRIPLES):
        if _is_schema(quad.triple):
            yield quad.triple


def _candidates(block: bytes) -> list[bytes]:
    """The lines of a block (whole lines, no comment among them) that name one of _MARKERS, in file order."""
    starts: dict[int, int] = {}
    for marker in _MARKERS:
        at = block.find(marker)
        while at >= 0:
            start = block.rfind(b"\n", 0, at) + 1
            end = block.find(b"\n", at)
            end = len(block) if end < 0 else end + 1
            starts[start] = end
            at = block.find(marker, end)
    return [block[start:starts[start]] for start in sorted(starts)]


def read_schema(graph_file: Path, *, meter: Callable[[str, int, int | None], None] | None = None,
                block_size: int = BLOCK) -> SchemaScan:
    """The graph's schema (checked by schema_of), read in one pass over the N-Triples file in constant memory
    (blocks of whole lines; only the lines that can hold a schema triple are parsed), with the digest and count
    of its statement lines (those that are not comments)."""
    digest, statements = hashlib.sha256(), 0
    triples: list[Triple] = []
    candidates: list[bytes] = []
    total, unread = -(-graph_file.stat().st_size // MB), 0
    with graph_file.open("rb") as handle:
        while block := handle.read(block_size):
            block += handle.readline()  # up to the end of its last line
            if block.startswith(b"#") or b"\n#" in block:  # a comment line (the header): line by line
                lines = [line for line in block.splitlines(keepends=True) if not line.startswith(b"#")]
                block = b"".join(lines)
            digest.update(block)
            statements += block.count(b"\n") + (0 if block.endswith(b"\n") or not block else 1)
            candidates += (line if line.endswith(b"\n") else line + b"\n" for line in _candidates(block))
            if len(candidates) >= _BATCH:
                triples.extend(_schema_triples(candidates))
                candidates = []
            if meter is not None:
                unread += len(block)
                meter("MB scanned for the schema", unread // MB, total)
                unread %= MB
    triples.extend(_schema_triples(candidates))
    return SchemaScan(schema_of(triples), statements, digest.hexdigest())


def schema_of(triples: Iterable[Triple]) -> Schema:
    """The schema among the triples (rdfs/owl axioms and declarations), checked to be of the supported kinds."""
    triples = list(dict.fromkeys(t for t in triples if _is_schema(t)))  # a repeated line is one triple
    unsupported = sorted({f"{t.predicate.value} {t.object}" for t in triples
                          if (t.predicate.value.startswith(_OWL) and t.predicate.value not in _OWL_PREDICATES)
                          or (t.predicate.value == _TYPE and isinstance(t.object, NamedNode)
                              and t.object.value.startswith(_OWL) and t.object.value not in _OWL_TYPES)
                          or (t.predicate.value in _SCHEMA_PREDICATES - {_RDF + "first", _RDF + "rest"}
                              and (isinstance(t.object, BlankNode) or isinstance(t.subject, BlankNode)))})
    if unsupported:
        raise UnsupportedSchema(f"the schema uses constructs the streamed typing does not reason with: "
                                f"{'; '.join(unsupported[:5])}", fix="use `b12kg reason --engine hermit-full` (HermiT "
                                "on ontology and data together), or extend b12kg.qc.abox and b12kg.qc.abox_stream")
    schema = Schema(triples)
    declared: dict[str, set[str]] = {}
    superproperties: dict[str, set[str]] = {}
    direct_domain: dict[str, set[str]] = {}
    direct_range: dict[str, set[str]] = {}
    for t in triples:
        if not isinstance(t.subject, NamedNode) or not isinstance(t.object, NamedNode):
            continue  # lists, and literals (versionInfo, …): nothing the typing reads
        s, p, o = t.subject.value, t.predicate.value, t.object.value
        if p == _TYPE:
            declared.setdefault(s, set()).add(o)
        elif p == _RDFS + "subClassOf":
            schema.subclass.add((s, o))
        elif p == _RDFS + "subPropertyOf":
            superproperties.setdefault(s, set()).add(o)
        elif p == _RDFS + "domain":
            direct_domain.setdefault(s, set()).add(o)
        elif p == _RDFS + "range":
            direct_range.setdefault(s, set()).add(o)
        elif p == _OWL + "disjointWith":
            schema.disjoint.add((s, o))
    for prop, kinds in declared.items():
        is_object, is_data = _OWL + "ObjectProperty" in kinds, _OWL + "DatatypeProperty" in kinds
        if not (is_object or is_data):
            continue  # annotation properties' domains and ranges have no semantics (OWL 2 mapping, §3.2)
        above = {prop} | reachable(prop, superproperties)
        domains = set().union(*(direct_domain.get(q, set()) for q in above))
        ranges = set().union(*(direct_range.get(q, set()) for q in above))
        if domains:
            schema.domains[prop] = domains
        if ranges and is_object:
            schema.ranges[prop] = ranges
        if ranges and is_data:
            schema.datatype_ranges[prop] = ranges
        if _OWL + "FunctionalProperty" in kinds:
            (schema.functional_object if is_object else schema.functional_data).add(prop)
    return schema


def write_schema(schema: Schema, target: Path) -> None:
    """The schema triples as N-Triples (HermiT's input for classifying it)."""
    with target.open("wb") as out:
        serialize(schema.triples, out, format=RdfFormat.N_TRIPLES)
