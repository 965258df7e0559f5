"""One pass over a build's merged, sorted lines writes N-Triples, N-Quads, Turtle, TriG and JSON-LD together."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from b12kg.vocab import ID, NS, OUTPUT_PREFIXES

__all__ = ["Figures", "Outputs", "JSONLD_TAIL", "write_graphs", "write_named_trig", "namespace_compactor",
           "turtle_term", "turtle_block", "turtle_block_parts", "jsonld_value"]

_RDF_TYPE = NS["rdf"] + "type"
_TYPE_TERM = f"<{_RDF_TYPE}>"
_XSD = NS["xsd"]
_XSD_STRING = _XSD + "string"
_CACHE_LIMIT = 1 << 16  # terms remembered per compactor; cleared when full, so memory stays bounded
# b12kg.vocab.compact's rule for a local name every written syntax accepts unescaped.
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?")


def namespace_compactor(prefixes: Mapping[str, str], *, local: re.Pattern[str] | None) -> Callable[[str], str | None]:
    """A fast `prefix:local` for IRIs: the longest namespace of `prefixes` the IRI starts with (as b12kg.vocab's
    curies converter finds it), its rest accepted by `local` (None: any non-empty rest); None when there is no
    such form. Namespaces end with "/", "#" or "_", so only the IRI's cuts after those characters are tried."""
    by_namespace = {ns: prefix for prefix, ns in prefixes.items()}
    ends = "".join(sorted({ns[-1] for ns in by_namespace}))
    cut = re.compile(f"[{re.escape(ends)}]")
    cache: dict[str, str | None] = {}

    def compact(iri: str) -> str | None:
        found = cache.get(iri, "")
        if found != "":
            return found
        found = None
        for match in reversed(list(cut.finditer(iri))):
            prefix = by_namespace.get(iri[:match.end()])
            if prefix is not None:
                rest = iri[match.end():]
                if not rest and local is None:
                    continue  # the namespace itself: a shorter one may give a name
                if rest and (local is None or local.fullmatch(rest)):
                    found = f"{prefix}:{rest}"
                break
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[iri] = found
        return found
    return compact


_turtle_compact = namespace_compactor(OUTPUT_PREFIXES, local=_LOCAL)


def turtle_term(term: str, *, predicate: bool = False) -> str:
    """A term (N-Triples form) as the build's Turtle writes it: `a`, `prefix:local`, `"v"^^xsd:T`, or as it is."""
    if term[0] == "<":
        iri = term[1:-1]
        if predicate and iri == _RDF_TYPE:
            return "a"
        return _turtle_compact(iri) or term
    if term[-1] == ">" and "^^<" in term:
        value, _, datatype = term.rpartition("^^")
        if datatype.startswith("<" + _XSD):
            return f"{value}^^xsd:{datatype[len(_XSD) + 1:-1]}"
    return term


def turtle_block(subject: str, pairs: Sequence[tuple[str, str]], indent: str) -> str:
    """One subject's Turtle block: rdf:type first, then each predicate with its objects, in canonical order.

    `pairs` are (predicate, object) in canonical order, as the sorted lines give them.
    """
    return "".join(turtle_block_parts(subject, pairs, indent))


def turtle_block_parts(subject: str, pairs: Iterable[tuple[str, str]], indent: str) -> Iterator[str]:
    """`turtle_block` in pieces, reading `pairs` once: a subject with very many statements (the service
    description's dataset has one sd:namedGraph per claim graph) is never held whole. Only the statements whose
    predicate sorts before rdf:type wait, to be written after the rdf:type ones."""
    waiting: list[tuple[str, str]] = []
    current = ""
    started = False

    def emit(p: str, o: str) -> Iterator[str]:
        nonlocal current, started
        if not started:
            yield f"{indent}{turtle_term(subject)} {turtle_term(p, predicate=True)} {turtle_term(o)}"
            started = True
        elif p != current:
            yield f" ;\n{indent}    {turtle_term(p, predicate=True)} {turtle_term(o)}"
        else:
            yield f" , {turtle_term(o)}"
        current = p

    passed = False  # past the place rdf:type has in the order
    for p, o in pairs:
        if not passed:
            if p < _TYPE_TERM:
                waiting.append((p, o))
                continue
            if p == _TYPE_TERM:
                yield from emit(p, o)
                continue
            passed = True
            for early in waiting:
                yield from emit(*early)
            waiting = []
        yield from emit(p, o)
    for early in waiting:
        yield from emit(*early)
    yield " .\n"


# ------------------------------------------------------------------ JSON-LD

_PLAIN = re.compile(r'"([^"\\]*)"')
_TAGGED = re.compile(r'"([^"\\]*)"@([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)')
_TYPED = re.compile(r'"([^"\\]*)"\^\^<([^>]*)>')


def jsonld_value(term: str, iri: Callable[[str], str]) -> object:
    """A JSON-LD value of a term (N-Triples form): {"@id"}, a string, or {"@value", "@language" | "@type"}."""
    if term[0] == "<":
        return {"@id": iri(term[1:-1])}
    match = _PLAIN.fullmatch(term)
    if match:
        return match[1]
    match = _TAGGED.fullmatch(term)
    if match and "--" not in match[2]:
        return {"@value": match[1], "@language": match[2]}
    match = _TYPED.fullmatch(term)
    if match:
        return match[1] if match[2] == _XSD_STRING else {"@value": match[1], "@type": iri(match[2])}
    # escapes (or a base direction): pyoxigraph's N-Triples parser reads the literal
    literal = next(parse(f"<b12kg:s> <b12kg:p> {term} .\n", format=RdfFormat.N_TRIPLES)).object
    assert isinstance(literal, Literal | NamedNode)
    if isinstance(literal, NamedNode):
        return {"@id": iri(literal.value)}
    if literal.language:
        return {"@value": literal.value, "@language": literal.language}
    if literal.datatype.value != _XSD_STRING:
        return {"@value": literal.value, "@type": iri(literal.datatype.value)}
    return literal.value


def _jsonld_node(subject: str, pairs: Sequence[tuple[str, str]], iri: Callable[[str], str]) -> str:
    node: dict[str, object] = {"@id": iri(subject[1:-1])}
    current, same = "", list[str]()
    for p, o in [*pairs, ("", "")]:
        if p != current:
            if same:
                if current == _TYPE_TERM:
                    node["@type"] = [iri(x[1:-1]) for x in same]
                else:
                    node[iri(current[1:-1])] = [jsonld_value(x, iri) for x in same]
            current, same = p, []
        same.append(o)
    return json.dumps(node, ensure_ascii=False, sort_keys=True)


# ------------------------------------------------------------------ the pass


@dataclass
class Figures:
    """What the description (b12kg.build.describe) states about the default graph, counted during the pass."""

    triples: int = 0
    quads: int = 0
    subjects: int = 0
    entities: int = 0
    properties: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    classes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)  # the smallest claim IRIs (claims, not their parts)
    example_count: int = 3

    def example(self, iri: str) -> None:
        if len(self.examples) < self.example_count or iri < self.examples[-1]:
            self.examples = sorted([*self.examples, iri])[:self.example_count]

    def add(self, other: Figures) -> None:
        """Add the figures of another range of subjects (ranges share no subject)."""
        self.triples += other.triples
        self.quads += other.quads
        self.subjects += other.subjects
        self.entities += other.entities
        for mine, theirs in ((self.properties, other.properties), (self.classes, other.classes)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        for iri in other.examples:
            self.example(iri)


@dataclass
class Outputs:
    """The open files one pass writes (None: not this pass; b12kg.build.pipeline writes JSON-LD in a pass of its
    own, on another core)."""

    ntriples: IO[str] | None = None
    nquads: IO[str] | None = None
    turtle: IO[str] | None = None
    trig: IO[str] | None = None
    jsonld: IO[str] | None = None


JSONLD_TAIL = "\n  ]\n}\n"


def _skip(text: str) -> int:
    return 0


def _prefix_lines() -> str:
    return "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in OUTPUT_PREFIXES.items())


def _header(out: IO[str], header: Sequence[str]) -> None:
    out.writelines(f"# {line}\n" if line else "#\n" for line in header)


def write_graphs(lines: Iterable[str], outputs: Outputs, *, headers: Mapping[str, Sequence[str]],
                 context: Mapping[str, object], figures: Figures, first: bool = True,
                 last: bool = True) -> Iterator[str]:
    """Write the five graph files from sorted "s p o g\\n" lines (g empty: default graph), in one pass.

    The TriG file gets its default graph here; `write_named_trig` adds the named graphs after. Yields the object
    of each default-graph triple (for the description's count of distinct objects) and fills `figures`. A range
    of subjects after the first (`first` False) is written without the files' heads, each JSON-LD node after a
    comma; all but the last (`last` False) without JSON-LD's closing lines: ranges are written apart, then joined.
    """
    if first:
        for name in ("ntriples", "nquads", "turtle", "trig"):
            if getattr(outputs, name) is not None:
                _header(getattr(outputs, name), headers[name])
        prefixes = _prefix_lines() + "\n"
        for handle in (outputs.turtle, outputs.trig):
            if handle is not None:
                handle.write(prefixes)
    jsonld_prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#", "_"))}
    short = namespace_compactor(jsonld_prefixes, local=None)

    def jsonld_iri(iri: str) -> str:
        return short(iri) or iri

    if outputs.jsonld is not None and first:
        outputs.jsonld.write('{\n  "@context": ')
        outputs.jsonld.write(json.dumps(context, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        outputs.jsonld.write(',\n  "@graph": [')
    nt, nq, ttl, trig, jsonld = (_skip if handle is None else handle.write for handle in (
        outputs.ntriples, outputs.nquads, outputs.turtle, outputs.trig, outputs.jsonld))
    blocks = outputs.turtle is not None or outputs.trig is not None
    nodes = outputs.jsonld is not None
    claim_prefix = f"<{NS['claim']}"
    entity_prefix = f"<{ID}"
    properties, classes = figures.properties, figures.classes
    subject, pairs = "", list[tuple[str, str]]()
    separator = "\n    " if first else ",\n    "

    def flush() -> None:
        nonlocal separator
        if blocks:
            block = turtle_block(subject, pairs, "")
            ttl(block)
            trig(block)
        if nodes:
            jsonld(separator + _jsonld_node(subject, pairs, jsonld_iri))
            separator = ",\n    "

    for line in lines:
        figures.quads += 1
        if line[-2] != " ":  # a named graph's quad: "s p o g\n"
            nq(line[:-1] + " .\n")
            continue
        text = line[:-1] + ".\n"
        nt(text)
        nq(text)
        s, p, rest = line.split(" ", 2)
        o = rest[:-2]
        figures.triples += 1
        if s != subject:
            if pairs:
                flush()
            subject, pairs = s, []
            figures.subjects += 1
            if s.startswith(entity_prefix):
                figures.entities += 1
                if s.startswith(claim_prefix) and "/" not in s[len(claim_prefix):]:
                    figures.example(s[1:-1])
        pairs.append((p, o))
        properties[p] += 1
        if p == _TYPE_TERM and o[0] == "<":
            classes[o] += 1
        yield o
    if pairs:
        flush()
    if last:
        jsonld(JSONLD_TAIL)


def write_named_trig(lines: Iterable[str], trig: IO[str]) -> Iterator[tuple[str, int]]:
    """Append the named graphs to the TriG file from sorted "g s p o\\n" lines; yield each graph's IRI and size."""
    graph, subject, pairs, count = "", "", list[tuple[str, str]](), 0
    for line in lines:
        g, s, rest = line.split(" ", 2)
        p, o = rest[:-1].split(" ", 1)
        if g != graph or s != subject:
            if pairs:
                trig.write(turtle_block(subject, pairs, "    "))
            if g != graph:
                if graph:
                    trig.write("}\n")
                    yield graph[1:-1], count
                trig.write(f"\n{turtle_term(g)} {{\n")
                graph, count = g, 0
            subject, pairs = s, []
        pairs.append((p, o))
        count += 1
    if pairs:
        trig.write(turtle_block(subject, pairs, "    "))
    if graph:
        trig.write("}\n")
        yield graph[1:-1], count
