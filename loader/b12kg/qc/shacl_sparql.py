"""SHACL shapes compiled to SPARQL queries over pyoxigraph: the same violations as pySHACL, at the store's speed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.errors import B12kgError

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

__all__ = ["CompiledCheck", "compile_shapes", "run_compiled", "SUPPORTED_COMPONENTS", "FOCUS_BATCH"]

SH = "http://www.w3.org/ns/shacl#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
# What a node must be to be an instance of a class, in SHACL (W3C SHACL §2.1.3.1, "SHACL instance"):
# rdf:type/rdfs:subClassOf* in the data graph.
_INSTANCE_OF = "<" + _RDF + "type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
# Lexical forms of the datatypes the shapes use (XML Schema 1.1 part 2, §3.3): sh:datatype also requires a
# well-formed literal (SHACL §4.1.2), which pySHACL checks by parsing it.
_LEXICAL = {
    _XSD + "integer": r"^[+-]?[0-9]+$",
    _XSD + "nonNegativeInteger": r"^(\+?[0-9]+|-0+)$",
    _XSD + "decimal": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    _XSD + "boolean": r"^(true|false|1|0)$",
    _XSD + "date": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
}
SUPPORTED_COMPONENTS = ("minCount", "maxCount", "nodeKind", "class", "datatype", "pattern", "languageIn",
                        "uniqueLang", "minLength", "minInclusive", "maxInclusive", "lessThan", "in", "hasValue",
                        "qualifiedValueShape", "sparql")
# Keys of a shape that are not constraints (or are read with the constraint they belong to).
_NOT_CONSTRAINTS = {"path", "message", "name", "description", "flags", "qualifiedMinCount", "qualifiedMaxCount",
                    "severity", "order", "group", "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode",
                    "target", "property", "declare", "prefixes"}


@dataclass(frozen=True)
class CompiledCheck:
    """One SPARQL SELECT that answers ?this (and maybe ?value) for each violation of one constraint component."""

    shape: str  # the named node shape
    path: str | None  # the property shape's path (an IRI), None for a node-level constraint
    component: str  # the constraint component's IRI (sh:MinCountConstraintComponent, …)
    message: str
    query: str
    # sh:datatype is checked on the parsed file, not in the store: Oxigraph stores every xsd:integer-derived literal
    # (xsd:int, xsd:nonNegativeInteger, ...) as xsd:integer (measured with pyoxigraph 0.5.13), so the query only
    # gives the focus nodes and the (path, datatype) pair is checked while the file streams past.
    datatype: str | None = None
    # The pieces run_compiled recombines: the shape's PREFIX lines and target pattern (as in `query`), and for a plain
    # sh:minCount / sh:maxCount its (path, "<" or ">", limit), so that one grouped query per shape answers them all.
    head: str = ""
    target: str = ""
    count: tuple[str, str, int] | None = None


def _n3(term: rdflib.term.Node) -> str:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return str(term.n3())
    raise B12kgError(f"shapes: a blank node {term} where an IRI or literal is needed",
                     fix="give the constraint an IRI or literal value")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _prefixes(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The PREFIX lines of an sh:select, from the sh:declare of the node its sh:prefixes names (SHACL §5.2.1)."""
    import rdflib

    sh = rdflib.Namespace(SH)
    lines = []
    for owner in shapes.objects(node, sh.prefixes):
        for declaration in shapes.objects(owner, sh.declare):
            prefix, namespace = shapes.value(declaration, sh.prefix), shapes.value(declaration, sh.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines)


def _select_body(select: str) -> str:
    """A SELECT query text as a sub-select (its PREFIX lines are put at the top of the outer query)."""
    return "{ " + select.strip() + " }"


def _target(shapes: rdflib.Graph, shape: rdflib.term.Node) -> tuple[str, str]:
    """(prefix lines, a group pattern that binds ?this to each focus node of the shape) (SHACL §2.1.3)."""
    import rdflib

    sh = rdflib.Namespace(SH)
    parts, prefixes = [], []
    for cls in shapes.objects(shape, sh.targetClass):
        parts.append(f"{{ ?this {_INSTANCE_OF} {_n3(cls)} }}")
    for prop in shapes.objects(shape, sh.targetSubjectsOf):
        parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this {_n3(prop)} ?any }} }}")
    for prop in shapes.objects(shape, sh.targetObjectsOf):
        parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?any {_n3(prop)} ?this }} }}")
    for node in shapes.objects(shape, sh.targetNode):
        parts.append(f"{{ VALUES ?this {{ {_n3(node)} }} }}")
    for target in shapes.objects(shape, sh.target):
        select = shapes.value(target, sh.select)
        if select is None:
            raise B12kgError(f"shapes: {shape} has a target that is not a SPARQL target",
                             fix="use sh:targetClass, sh:targetSubjectsOf, sh:targetObjectsOf, sh:targetNode or a "
                                 "sh:SPARQLTarget")
        prefixes.append(_prefixes(shapes, target))
        parts.append(_select_body(str(select)))
    if not parts:
        return "", ""
    return "\n".join(prefixes), "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _rdf_list(shapes: rdflib.Graph, head: rdflib.term.Node) -> list[rdflib.term.Node]:
    import rdflib

    return list(rdflib.collection.Collection(shapes, head))


def _value_filter(shapes: rdflib.Graph, key: str, value: rdflib.term.Node, var: str) -> str | None:
    """A SPARQL expression true when ?var satisfies the value-type/-range/-string constraint key = value."""
    if key == "class":
        return f"EXISTS {{ {var} {_INSTANCE_OF} {_n3(value)} }}"
    if key == "nodeKind":
        kinds = {"IRI": f"isIRI({var})", "BlankNode": f"isBlank({var})", "Literal": f"isLiteral({var})",
                 "BlankNodeOrIRI": f"(isIRI({var}) || isBlank({var}))",
                 "BlankNodeOrLiteral": f"(isBlank({var}) || isLiteral({var}))",
                 "IRIOrLiteral": f"(isIRI({var}) || isLiteral({var}))"}
        return kinds[str(value)[len(SH):]]
    if key == "datatype":
        test = f"(isLiteral({var}) && sameTerm(DATATYPE({var}), {_n3(value)})"
        lexical = _LEXICAL.get(str(value))
        return test + (f" && REGEX(STR({var}), {_quote(lexical)}))" if lexical else ")")
    if key == "pattern":
        return f"(!isBlank({var}) && REGEX(STR({var}), {_quote(str(value))}))"
    if key == "languageIn":
        tags = " || ".join(f"LANGMATCHES(LANG({var}), {_quote(str(tag))})" for tag in _rdf_list(shapes, value))
        return f"(isLiteral({var}) && ({tags or 'false'}))"
    if key == "minLength":
        return f"(!isBlank({var}) && STRLEN(STR({var})) >= {int(str(value))})"
    if key == "maxLength":
        return f"(!isBlank({var}) && STRLEN(STR({var})) <= {int(str(value))})"
    if key in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
        op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[key]
        return f"COALESCE({var} {op} {_n3(value)}, false)"  # not comparable: a violation (SHACL §4.3)
    if key == "in":
        members = " || ".join(f"sameTerm({var}, {_n3(m)})" for m in _rdf_list(shapes, value))
        return f"({members or 'false'})"
    return None


def _component(name: str) -> str:
    return SH + name[0].upper() + name[1:] + "ConstraintComponent"


def _property_checks(shapes: rdflib.Graph, shape: str, prop: rdflib.term.Node, head: str,
                     target: str) -> Iterator[CompiledCheck]:
    import rdflib

    sh = rdflib.Namespace(SH)
    path = shapes.value(prop, sh.path)
    if not isinstance(path, rdflib.URIRef):
        raise B12kgError(f"shapes: a property shape of {shape} has a path that is not one IRI ({path})",
                         fix="use a predicate path, or run `b12kg validate --shacl-engine pyshacl`")
    p = _n3(path)
    message = shapes.value(prop, sh.message)
    keys: dict[str, list[rdflib.term.Node]] = {}
    for predicate, value in shapes.predicate_objects(prop):
        if str(predicate).startswith(SH):
            keys.setdefault(str(predicate)[len(SH):], []).append(value)

    def check(component: str, where: str, default: str) -> CompiledCheck:
        return CompiledCheck(shape, str(path), _component(component), str(message) if message else default,
                             f"{head}\nSELECT DISTINCT ?this WHERE {{ {target} {where} }}", head=head, target=target)

    def grouped(component: str, pattern: str, having: str, default: str,
                count: tuple[str, str, int] | None = None) -> CompiledCheck:
        return CompiledCheck(shape, str(path), _component(component), str(message) if message else default,
                             f"{head}\nSELECT ?this WHERE {{ {target} OPTIONAL {{ {pattern} }} }} "
                             f"GROUP BY ?this HAVING ({having})", head=head, target=target, count=count)

    for key, values in keys.items():
        for value in values:
            if key == "minCount":
                yield grouped(key, f"?this {p} ?v", f"COUNT(DISTINCT ?v) < {int(str(value))}",
                              f"fewer than {int(str(value))} values of {path}", (p, "<", int(str(value))))
            elif key == "maxCount":
                yield grouped(key, f"?this {p} ?v", f"COUNT(DISTINCT ?v) > {int(str(value))}",
                              f"more than {int(str(value))} values of {path}", (p, ">", int(str(value))))
            elif key == "uniqueLang":
                if str(value) == "true":
                    yield check(key, f"?this {p} ?a, ?b . FILTER(!sameTerm(?a, ?b) && LANG(?a) != \"\" "
                                     f"&& LCASE(LANG(?a)) = LCASE(LANG(?b)))",
                                f"more than one value of {path} in one language")
            elif key == "lessThan":
                yield check(key, f"?this {p} ?v . ?this {_n3(value)} ?w . FILTER(!COALESCE(?v < ?w, false))",
                            f"a value of {path} is not less than {value}")
            elif key == "hasValue":
                yield check(key, f"FILTER NOT EXISTS {{ ?this {p} {_n3(value)} }}",
                            f"{path} lacks the value {value}")
            elif key == "qualifiedValueShape":
                inner = [_value_filter(shapes, str(k)[len(SH):], v, "?v")
                         for k, v in shapes.predicate_objects(value) if str(k).startswith(SH)]
                inner += [None] if any(str(k)[len(SH):] not in (
                    "class", "languageIn", "datatype", "nodeKind", "pattern", "in") for k, _ in
                    shapes.predicate_objects(value) if str(k).startswith(SH)) else []
                if None in inner or not inner:
                    raise B12kgError(f"shapes: a qualified value shape of {shape} uses a constraint the SPARQL "
                                     "engine does not compile", fix="run `b12kg validate --shacl-engine pyshacl`")
                conforms = " && ".join(str(f) for f in inner)
                for bound, op in (("qualifiedMinCount", "<"), ("qualifiedMaxCount", ">")):
                    for limit in keys.get(bound, []):
                        yield grouped(bound, f"?this {p} ?v . FILTER({conforms})",
                                      f"COUNT(DISTINCT ?v) {op} {int(str(limit))}",
                                      f"{'fewer' if op == '<' else 'more'} than {int(str(limit))} values of {path} "
                                      "conform to the qualified shape")
            elif key == "datatype":
                yield CompiledCheck(shape, str(path), _component(key),
                                    str(message) if message else f"a value of {path} is not a well-formed {value}",
                                    f"{head}\nSELECT DISTINCT ?this WHERE {{ {target} }}", str(value),
                                    head=head, target=target)
            elif key not in _NOT_CONSTRAINTS:
                condition = _value_filter(shapes, key, value, "?v")
                if condition is None:
                    raise B12kgError(f"shapes: {shape} uses sh:{key}, which the SPARQL engine does not compile",
                                     fix="run `b12kg validate --shacl-engine pyshacl`, or add sh:"
                                         f"{key} to b12kg.qc.shacl_sparql")
                yield check(key, f"?this {p} ?v . FILTER(!({condition}))",
                            f"a value of {path} violates sh:{key} {value}")


def compile_shapes(shapes_file: Path) -> list[CompiledCheck]:
    """One SPARQL query per constraint component of every node shape (and its property shapes) in a shapes file.

    The components the project's shapes use are compiled (SUPPORTED_COMPONENTS), with predicate paths; anything
    else raises B12kgError naming the shape, so that a new shape never goes unchecked silently.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    shapes = rdflib.Graph().parse(shapes_file, format="turtle")
    checks: list[CompiledCheck] = []
    for shape in sorted(set(shapes.subjects(rdflib.RDF.type, sh.NodeShape)), key=str):
        name = str(shape)
        head, target = _target(shapes, shape)
        if not target:
            continue
        for prop in shapes.objects(shape, sh.property):
            checks.extend(_property_checks(shapes, name, prop, head, target))
        for constraint in shapes.objects(shape, sh.sparql):
            select, message = shapes.value(constraint, sh.select), shapes.value(constraint, sh.message)
            prefixes = "\n".join(filter(None, [head, _prefixes(shapes, constraint)]))
            checks.append(CompiledCheck(name, None, SH + "SPARQLConstraintComponent", str(message or ""),
                                        f"{prefixes}\nSELECT DISTINCT ?this WHERE {{ {target} "
                                        f"{_select_body(str(select))} }}", head=head, target=target))
        node_level = {str(k)[len(SH):] for k in shapes.predicates(shape) if str(k).startswith(SH)} \
            - _NOT_CONSTRAINTS - {"sparql"}
        if node_level - {"closed", "ignoredProperties", "deactivated"}:
            raise B12kgError(f"shapes: {name} has node-level constraints ({', '.join(sorted(node_level))}) the "
                             "SPARQL engine does not compile", fix="run `b12kg validate --shacl-engine pyshacl`")
    return checks


def _dedupe_prefixes(query: str) -> str:
    seen: set[str] = set()
    lines = []
    for line in query.splitlines():
        if line.startswith("PREFIX "):
            if line in seen:
                continue
            seen.add(line)
        lines.append(line)
    return "\n".join(lines)


def _well_typed(term: object, datatype: str) -> bool:
    from pyoxigraph import Literal

    if not isinstance(term, Literal) or term.datatype.value != datatype:
        return False
    lexical = _LEXICAL.get(datatype)
    return lexical is None or re.match(lexical, term.value) is not None


def _badly_typed(data_file: Path | bytes, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """For each (path, datatype): the subjects with a value along path that is not a well-formed datatype literal
    (in a graph file, or in N-Triples given as bytes)."""
    from pyoxigraph import RdfFormat, parse

    wanted: dict[str, list[str]] = {}
    for path, datatype in pairs:
        wanted.setdefault(path, []).append(datatype)
    bad: dict[tuple[str, str], set[str]] = {pair: set() for pair in pairs}
    if isinstance(data_file, bytes):
        quads = parse(input=data_file, format=RdfFormat.N_TRIPLES)
    else:
        quads = parse(path=str(data_file), format=RdfFormat.N_TRIPLES if data_file.suffix == ".nt"
                      else RdfFormat.TURTLE)
    for quad in quads:
        datatypes = wanted.get(quad.predicate.value)
        if datatypes:
            for datatype in datatypes:
                if not _well_typed(quad.object, datatype):
                    bad[(quad.predicate.value, datatype)].add(str(quad.subject.value))
    return bad


FOCUS_BATCH = 5_000  # focus nodes per query, written in as VALUES: bounds each query's hash tables (GROUP BY, DISTINCT)


def _focus_nodes(store: pyoxigraph.Store, head: str, target: str) -> list[str] | None:
    """The target's focus nodes as N-Triples terms, listed once per shape; None if one is a blank node (a blank
    node cannot be named in VALUES: that shape's queries then keep the target pattern)."""
    from pyoxigraph import BlankNode

    nodes = []
    for row in store.query(_dedupe_prefixes(f"{head}\nSELECT DISTINCT ?this WHERE {{ {target} }}")):  # type: ignore[union-attr]
        node = row["this"]
        if isinstance(node, BlankNode):
            return None
        nodes.append(str(node))
    return nodes


def _counted(head: str, target: str, checks: list[CompiledCheck]) -> str:
    """One grouped query for every plain sh:minCount and sh:maxCount of a shape: (?this, ?p) pairs that violate one.

    The same condition per path as each check's own query (SHACL §4.2.1-2: the number of distinct value nodes),
    evaluated in one pass over the shape's focus nodes instead of one pass per constraint.
    """
    paths = sorted({check.count[0] for check in checks if check.count is not None})
    having = " || ".join(f"(sameTerm(?p, {path}) && COUNT(DISTINCT ?v) {op} {limit})"
                         for path, op, limit in sorted({c.count for c in checks if c.count is not None}))
    return _dedupe_prefixes(f"{head}\nSELECT ?this ?p (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} "
                            f"VALUES ?p {{ {' '.join(paths)} }} OPTIONAL {{ ?this ?p ?v }} }} "
                            f"GROUP BY ?this ?p HAVING ({having})")


def _run_group(store: pyoxigraph.Store, group: list[CompiledCheck], bad: dict[tuple[str, str], set[str]],
               focus: list[str] | None) -> list[tuple[int, str]]:
    """The violations of one shape's checks (all with the same target) among `focus` (a batch of its focus nodes;
    None: all of them, by its target pattern), as (index in group, focus) pairs.

    The plain min/max counts are answered by one grouped query; every other check runs its own query. A datatype
    check runs only when `bad` lists a badly typed value along its path (no focus node can violate it otherwise).
    """
    head, target = group[0].head, group[0].target
    scope = "{ VALUES ?this { " + " ".join(focus) + " } }" if focus is not None and target else target
    found: list[tuple[int, str]] = []
    by_path: dict[str, list[int]] = {}
    for index, check in enumerate(group):
        if check.count is not None:
            by_path.setdefault(check.count[0], []).append(index)
    if by_path:
        counted = [check for check in group if check.count is not None]
        for row in store.query(_counted(head, scope, counted)):  # type: ignore[union-attr]
            number = int(row["n"].value)
            for index in by_path[str(row["p"])]:
                _, op, limit = group[index].count  # type: ignore[misc]
                if (number < limit) if op == "<" else (number > limit):
                    found.append((index, str(row["this"].value)))
    for index, check in enumerate(group):
        if check.count is not None:
            continue
        wrong = bad.get((str(check.path), check.datatype), set()) if check.datatype is not None else None
        if wrong is not None and not wrong:
            continue
        query = check.query.replace(target, scope, 1) if target else check.query
        for row in store.query(_dedupe_prefixes(query)):  # type: ignore[union-attr]
            value = str(row["this"].value)
            if wrong is None or value in wrong:
                found.append((index, value))
    return found


_OPENED: dict[str, pyoxigraph.Store] = {}  # in a worker process: the read-only store it opened, by location


def _run_group_at(location: str, group: list[CompiledCheck], bad: dict[tuple[str, str], set[str]],
                  focus: list[str] | None) -> list[tuple[int, str]]:
    """_run_group in a worker process, on the on-disk store opened read-only once per process."""
    from pyoxigraph import Store

    if location not in _OPENED:
        _OPENED[location] = Store.read_only(location)
    return _run_group(_OPENED[location], group, bad, focus)


def _by_shape(checks: list[CompiledCheck]) -> list[list[CompiledCheck]]:
    """The checks grouped by their shape's target, the groups with most checks first."""
    shapes: dict[tuple[str, str], list[CompiledCheck]] = {}
    for check in checks:
        shapes.setdefault((check.head, check.target), []).append(check)
    return sorted(shapes.values(), key=len, reverse=True)


Unit = tuple[list[CompiledCheck], list[str] | None]  # a shape's checks, and a batch of its focus nodes (None: all)


def _units(store: pyoxigraph.Store, groups: list[list[CompiledCheck]]) -> Iterator[Unit]:
    """Each shape's checks over batches of FOCUS_BATCH of its focus nodes: the memory of every query is bounded
    (not its time: in one store of a big graph each batch costs more as the store grows; validate splits big
    graphs into chunks of whole claims instead, b12kg.qc.shacl_chunks). A shape whose
    focus nodes cannot be listed runs whole."""
    for group in groups:
        target = group[0].target
        focus = _focus_nodes(store, group[0].head, target) if target else None
        if focus is None:
            yield group, None
            continue
        for start in range(0, len(focus), FOCUS_BATCH):
            yield group, focus[start:start + FOCUS_BATCH]


def _needed(groups: list[list[CompiledCheck]], bad: dict[tuple[str, str], set[str]]) -> list[list[CompiledCheck]]:
    """Per shape, the sh:datatype checks whose path has a badly typed value in the data (the others cannot fail)."""
    return [g for g in ([c for c in group if c.datatype is not None and bad.get((str(c.path), c.datatype))]
                        for group in groups) if g]


def run_compiled(store: pyoxigraph.Store | None, data_file: Path, checks: list[CompiledCheck],
                 found: Callable[[CompiledCheck, str], None], *, location: Path | None = None,
                 workers: int = 1) -> None:
    """Run the compiled checks on the store (loaded from data_file) and call found(check, focus) per violation.

    Each shape's target is listed once and its checks run over batches of its focus nodes (FOCUS_BATCH at a time,
    as VALUES): memory per query is bounded (time linear in the claims comes from b12kg.qc.shacl_chunks).
    With workers > 1 and the location of an on-disk store (closed by the caller: no process may write it
    meanwhile), the batches run in that
    many worker processes, each with the store opened read-only, while one of them scans the data file for badly
    typed values; the violations are the same as in one process.
    """
    typed = {(str(c.path), c.datatype) for c in checks if c.datatype is not None}
    groups = _by_shape(checks)
    untyped = [g for g in ([c for c in group if c.datatype is None] for group in groups) if g]
    if workers <= 1 or location is None:
        if store is None:
            raise ValueError("run_compiled needs a store, or a location and workers > 1")
        bad = _badly_typed(data_file, typed) if typed else {}
        for group, focus in _units(store, untyped + _needed(groups, bad)):
            for index, node in _run_group(store, group, bad, focus):
                found(group[index], node)
        return
    _run_in_workers(data_file, groups, untyped, typed, found, location=location, workers=workers)


def _run_in_workers(data_file: Path, groups: list[list[CompiledCheck]], untyped: list[list[CompiledCheck]],
                    typed: set[tuple[str, str]], found: Callable[[CompiledCheck, str], None], *, location: Path,
                    workers: int) -> None:
    """run_compiled's batches in worker processes, at most two per worker in flight (the focus lists of one shape
    at a time are held, not the corpus's)."""
    from concurrent.futures import FIRST_COMPLETED, Future, wait
    from concurrent.futures.process import BrokenProcessPool

    from pyoxigraph import Store

    from b12kg.workers import process_executor

    lister = Store.read_only(str(location))
    try:
        with process_executor(workers) as pool:
            scan = pool.submit(_badly_typed, data_file, typed) if typed else None

            def units() -> Iterator[tuple[Unit, dict[tuple[str, str], set[str]]]]:
                for unit in _units(lister, untyped):
                    yield unit, {}
                bad = scan.result() if scan is not None else {}
                for unit in _units(lister, _needed(groups, bad)):
                    yield unit, bad

            pending: dict[Future[list[tuple[int, str]]], list[CompiledCheck]] = {}
            for (group, focus), known in units():
                pending[pool.submit(_run_group_at, str(location), group, known, focus)] = group
                while len(pending) >= 2 * workers:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        for index, node in future.result():
                            found(pending[future][index], node)
                        del pending[future]
            for future, group in pending.items():
                for index, node in future.result():
                    found(group[index], node)
    except BrokenProcessPool as exc:
        raise B12kgError("SHACL: a worker process running the shapes' queries died (killed, or out of memory)",
                         fix="run `b12kg validate` again; if memory is short, close other programs") from exc
