"""The graph split for reasoning that scales: its schema (for HermiT, once) and its data (typed with SPARQL).

What HermiT infers about this project's data follows from few kinds of axiom, all of them read here: rdfs:subClassOf
between named classes, rdfs:subPropertyOf, rdfs:domain and rdfs:range (an individual gets the domain class of each
property it has and the range class of each object property it is the value of), owl:disjointWith,
owl:FunctionalProperty and owl:TransitiveProperty (OWL 2 Direct Semantics, https://www.w3.org/TR/owl2-direct-semantics/
§2.3). A schema with any other construct (restrictions, equivalences, inverses, nominals, …) is refused, so that the
SPARQL materialisation never silently misses what HermiT would infer; `b12kg reason --engine hermit-full` runs HermiT
on everything.

What can make this ontology's data inconsistent (and what data_problems checks, each a query over the data):
- an individual in two disjoint classes (asserted, or entailed through the hierarchy, domains and ranges);
- two different values of a functional data property for one subject;
- a data property value outside its range datatype (OWL 2 datatype maps: a string where a decimal is due);
- two values of a functional object property: OWL has no unique-name assumption, so HermiT would make them one
  individual (merging their types, maybe into disjoint classes); the shapes allow one value, and this is reported
  rather than reasoned about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Store, Triple, serialize

from b12kg.errors import B12kgError
from b12kg.vocab import NS

__all__ = ["Schema", "load_graph", "schema_of", "write_schema", "asserted_and_entailed_types", "data_problems",
           "UnsupportedSchema"]

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
# Range datatypes: which literal datatypes (as Oxigraph stores them: every xsd:integer-derived type folds into
# xsd:integer) are in their value space, and a bound on the value (XML Schema 1.1 part 2, §3.3).
_DATATYPE_RANGES: dict[str, tuple[tuple[str, ...], str]] = {
    _XSD + "decimal": ((_XSD + "decimal", _XSD + "integer"), ""),
    _XSD + "integer": ((_XSD + "integer",), ""),
    _XSD + "nonNegativeInteger": ((_XSD + "integer",), "?v >= 0"),
    _XSD + "boolean": ((_XSD + "boolean",), ""),
    _XSD + "string": ((_XSD + "string",), ""),
    _XSD + "date": ((_XSD + "date",), ""),
    _XSD + "dateTime": ((_XSD + "dateTime",), ""),
    _XSD + "anyURI": ((_XSD + "anyURI",), ""),
}


class UnsupportedSchema(B12kgError):
    """The schema has a construct whose consequences for the data the SPARQL materialisation does not compute."""


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


def load_graph(graph_file: Path) -> Store:
    """The graph file (N-Triples) in an in-memory pyoxigraph store, bulk-loaded."""
    store = Store()
    store.bulk_load(path=str(graph_file), format=RdfFormat.N_TRIPLES)
    return store


def _is_schema(triple: Triple) -> bool:
    p = triple.predicate.value
    if p in _SCHEMA_PREDICATES or p.startswith(_OWL):
        return True
    return p == _TYPE and isinstance(triple.object, NamedNode) and triple.object.value.startswith((_OWL, _RDFS)) \
        and triple.object.value != _OWL + "NamedIndividual"


def schema_of(store: Store) -> Schema:
    """The schema triples of the graph (rdfs/owl axioms and declarations), checked to be of the supported kinds."""
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, None) if _is_schema(q.triple)]
    unsupported = sorted({f"{t.predicate.value} {t.object}" for t in triples
                          if (t.predicate.value.startswith(_OWL) and t.predicate.value not in _OWL_PREDICATES)
                          or (t.predicate.value == _TYPE and isinstance(t.object, NamedNode)
                              and t.object.value.startswith(_OWL) and t.object.value not in _OWL_TYPES)
                          or (t.predicate.value in _SCHEMA_PREDICATES - {_RDF + "first", _RDF + "rest"}
                              and (isinstance(t.object, BlankNode) or isinstance(t.subject, BlankNode)))})
    if unsupported:
        raise UnsupportedSchema(f"the schema uses constructs the SPARQL materialisation does not reason with: "
                                f"{'; '.join(unsupported[:5])}", fix="use `b12kg reason --engine hermit-full` (HermiT "
                                "on ontology and data together), or extend b12kg.qc.abox")
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
        above, stack = {prop}, [prop]
        while stack:
            for parent in superproperties.get(stack.pop(), ()):
                if parent not in above:
                    above.add(parent)
                    stack.append(parent)
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


def _values(props: Iterable[tuple[str, str]]) -> str:
    return " ".join(f"(<{p}> <{c}>)" for p, c in sorted(props))


def asserted_and_entailed_types(store: Store, schema: Schema) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(asserted rdf:type, types from domains and ranges) of the named individuals, by SPARQL over the store.

    Neither is closed over the class hierarchy yet; built-in OWL/RDFS classes are left out of both.
    """
    asserted: set[tuple[str, str]] = set()
    for row in store.query(f"SELECT ?i ?c WHERE {{ ?i <{_TYPE}> ?c FILTER(isIRI(?i) && isIRI(?c)) }}"):  # type: ignore[union-attr]
        cls = row["c"].value
        if not cls.startswith((_OWL, _RDFS, _RDF, _XSD)):
            asserted.add((row["i"].value, cls))
    entailed: set[tuple[str, str]] = set()
    domain_pairs = [(p, c) for p, classes in schema.domains.items() for c in classes]
    range_pairs = [(p, c) for p, classes in schema.ranges.items() for c in classes]
    if domain_pairs:
        query = f"SELECT DISTINCT ?i ?c WHERE {{ VALUES (?p ?c) {{ {_values(domain_pairs)} }} ?i ?p ?x " \
                "FILTER(isIRI(?i)) }"
        entailed |= {(row["i"].value, row["c"].value) for row in store.query(query)}  # type: ignore[union-attr]
    if range_pairs:
        query = f"SELECT DISTINCT ?i ?c WHERE {{ VALUES (?p ?c) {{ {_values(range_pairs)} }} ?x ?p ?i " \
                "FILTER(isIRI(?i)) }"
        entailed |= {(row["i"].value, row["c"].value) for row in store.query(query)}  # type: ignore[union-attr]
    return asserted, entailed


def data_problems(store: Store, schema: Schema, types: dict[str, set[str]]) -> list[str]:
    """What would make ontology + data inconsistent (or merge individuals), found by queries over the data.

    types: every individual's classes, asserted and entailed, closed over HermiT's classification of the schema.
    """
    problems: list[str] = []
    disjoint = {(a, b) for a, b in schema.disjoint} | {(b, a) for a, b in schema.disjoint}
    disjoint_classes = {a for a, _ in disjoint}
    for individual, classes in types.items():
        if classes & disjoint_classes:
            clash = sorted((a, b) for a in classes for b in classes if (a, b) in disjoint and a < b)
            if clash:
                problems.append(f"<{individual}> is in disjoint classes <{clash[0][0]}> and <{clash[0][1]}>")
    for props, kind in ((schema.functional_data, "data"), (schema.functional_object, "object")):
        if not props:
            continue
        values = " ".join(f"<{p}>" for p in sorted(props))
        # two values that are not the same term; data values also not equal as values (1 and 1.0 are one value)
        same = "COALESCE(?a = ?b, false)" if kind == "data" else "false"
        query = f"SELECT DISTINCT ?s ?p WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?a, ?b " \
                f"FILTER(!sameTerm(?a, ?b) && !{same}) }} LIMIT 20"
        for row in store.query(query):  # type: ignore[union-attr]
            problems.append(f"{row['s']} has two values of the functional {kind} property <{row['p'].value}>"
                            + (" (HermiT would make them one individual)" if kind == "object" else ""))
    for prop, ranges in sorted(schema.datatype_ranges.items()):
        for datatype in sorted(ranges):
            if datatype == _RDFS + "Literal":
                continue
            if datatype not in _DATATYPE_RANGES:
                problems.append(f"<{prop}> has the range <{datatype}>, which the data check does not know")
                continue
            allowed, bound = _DATATYPE_RANGES[datatype]
            condition = " || ".join(f"sameTerm(DATATYPE(?v), <{d}>)" for d in allowed)
            if bound:
                condition = f"({condition}) && COALESCE({bound}, false)"
            query = f"SELECT ?s ?v WHERE {{ ?s <{prop}> ?v FILTER(!(isLiteral(?v) && ({condition}))) }} LIMIT 20"
            for row in store.query(query):  # type: ignore[union-attr]
                problems.append(f"{row['s']} <{prop}> {row['v']}: not a value of the range <{datatype}>")
    return problems
