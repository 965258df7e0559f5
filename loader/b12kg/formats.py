"""Deterministic writers for N-Triples, N-Quads, Turtle, TriG and JSON-LD from sorted quads, and atomic files."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import IO, Iterable, Iterator, NamedTuple, Sequence

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, parse

from b12kg.vocab import NS, OUTPUT_PREFIXES, compact

__all__ = [
    "Row",
    "canonical_rows",
    "default_rows",
    "write_ntriples",
    "write_nquads",
    "write_turtle",
    "write_trig",
    "write_jsonld",
    "staged_files",
]

_RDF_TYPE = NS["rdf"] + "type"
_XSD = NS["xsd"]


class Row(NamedTuple):
    """One quad as the canonical N-Triples form of each term; rows sort into canonical order.

    Rows hold strings only (the same IRI string shared by every row that names it), which keeps a large build's
    memory small; `quad` parses the row back into terms for the few writers that need them.
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
        return next(parse(self.line, format=RdfFormat.N_QUADS))


def _object_term(term: str) -> NamedNode | Literal:
    """A row's object as a term: IRIs directly, literals through the N-Triples parser (escapes and all)."""
    if term.startswith("<"):
        return NamedNode(term[1:-1])
    return next(parse(f"<b12kg:s> <b12kg:p> {term} .\n", format=RdfFormat.N_TRIPLES)).object


def canonical_rows(quads: Iterable[Quad]) -> list[Row]:
    """All quads, duplicates removed, sorted by (subject, predicate, object, graph) in their N-Triples form."""
    rows: set[Row] = set()
    shared: dict[str, str] = {}  # one string object per distinct IRI, however many rows name it
    for quad in quads:
        s, p, o = str(quad.subject), str(quad.predicate), str(quad.object)
        g = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)
        s, p, g = shared.setdefault(s, s), shared.setdefault(p, p), shared.setdefault(g, g)
        if o.startswith("<"):
            o = shared.setdefault(o, o)
        rows.add(Row(s, p, o, g))
    return sorted(rows)


def default_rows(rows: Sequence[Row]) -> list[Row]:
    return [row for row in rows if not row.g]


def _header(out: IO[str], header: Sequence[str]) -> None:
    for line in header:
        out.write(f"# {line}\n" if line else "#\n")


def write_ntriples(out: IO[str], rows: Iterable[Row], header: Sequence[str]) -> None:
    """Canonical N-Triples (or N-Quads, given rows with graphs): one sorted line per statement."""
    _header(out, header)
    out.writelines(row.line for row in rows)


write_nquads = write_ntriples


# ------------------------------------------------------------------ Turtle / TriG


def _turtle_term(term: str, *, predicate: bool = False) -> str:
    if term.startswith("<"):
        iri = term[1:-1]
        if predicate and iri == _RDF_TYPE:
            return "a"
        short = compact(iri)
        return short if short else term
    if term.startswith('"') and term.endswith(">") and "^^<" in term:
        value, _, datatype = term.rpartition("^^")
        iri = datatype[1:-1]
        if iri.startswith(_XSD):
            return f"{value}^^xsd:{iri[len(_XSD):]}"
    return term


def _prefix_lines() -> list[str]:
    return [f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in OUTPUT_PREFIXES.items()]


def _blocks(rows: Iterable[Row], indent: str) -> Iterator[str]:
    for subject, group in groupby(rows, key=lambda r: r.s):
        ordered = sorted(group, key=lambda r: (r.p != f"<{_RDF_TYPE}>", r.p, r.o))  # rdf:type first
        parts: list[str] = []
        for predicate, objects in groupby(ordered, key=lambda r: r.p):
            values = " , ".join(_turtle_term(r.o) for r in objects)
            parts.append(f"{_turtle_term(predicate, predicate=True)} {values}")
        body = f" ;\n{indent}    ".join(parts)
        yield f"{indent}{_turtle_term(subject)} {body} .\n"


def write_turtle(out: IO[str], rows: Sequence[Row], header: Sequence[str]) -> None:
    """Turtle of the default-graph rows: one block per subject, prefixes from vocab.OUTPUT_PREFIXES."""
    _header(out, header)
    out.writelines(_prefix_lines())
    out.write("\n")
    out.writelines(_blocks(rows, ""))


def write_trig(out: IO[str], rows: Sequence[Row], header: Sequence[str]) -> None:
    """TriG: the default graph first, then each named graph as a block, in canonical order."""
    _header(out, header)
    out.writelines(_prefix_lines())
    out.write("\n")
    out.writelines(_blocks(default_rows(rows), ""))
    named = sorted((row for row in rows if row.g), key=lambda r: (r.g, r.s, r.p, r.o))
    for graph, group in groupby(named, key=lambda r: r.g):
        out.write(f"\n{_turtle_term(graph)} {{\n")
        out.writelines(_blocks(group, "    "))
        out.write("}\n")


# ------------------------------------------------------------------ JSON-LD


def _jsonld_iri(iri: str, prefixes: dict[str, str], cache: dict[str, str] | None = None) -> str:
    if cache is not None and iri in cache:
        return cache[iri]
    best = None
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(prefixes[best])):
            best = prefix
    short = f"{best}:{iri[len(prefixes[best]):]}" if best else iri
    if cache is not None:
        cache[iri] = short
    return short


def _jsonld_value(term: NamedNode | Literal, prefixes: dict[str, str], cache: dict[str, str]) -> object:
    if isinstance(term, NamedNode):
        return {"@id": _jsonld_iri(term.value, prefixes, cache)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value != _XSD + "string":
        return {"@value": term.value, "@type": _jsonld_iri(term.datatype.value, prefixes, cache)}
    return term.value


def write_jsonld(out: IO[str], rows: Sequence[Row], context: dict[str, object]) -> None:
    """A JSON-LD document: the curated @context inline, and one node object per subject in sorted order."""
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#", "_"))}
    cache: dict[str, str] = {}
    out.write('{\n  "@context": ')
    out.write(json.dumps(context, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    out.write(',\n  "@graph": [')
    first = True
    for _, group in groupby(rows, key=lambda r: r.s):
        members = list(group)
        node: dict[str, object] = {"@id": _jsonld_iri(members[0].s[1:-1], prefixes, cache)}
        for _, objects in groupby(members, key=lambda r: r.p):
            same = list(objects)
            iri = same[0].p[1:-1]
            if iri == _RDF_TYPE:
                node["@type"] = [_jsonld_iri(r.o[1:-1], prefixes, cache) for r in same]
            else:
                node[_jsonld_iri(iri, prefixes, cache)] = [_jsonld_value(_object_term(r.o), prefixes, cache)
                                                           for r in same]
        out.write("" if first else ",")
        first = False
        out.write("\n    " + json.dumps(node, ensure_ascii=False, sort_keys=True))
    out.write("\n  ]\n}\n")


# ------------------------------------------------------------------ atomic output


@contextmanager
def staged_files(targets: Sequence[Path]) -> Iterator[dict[Path, IO[str]]]:
    """Open a temporary file beside each target; on success replace all targets, on error remove the temporaries.

    The old outputs stay untouched until every new file is complete, so a failed build leaves the last good
    outputs in place. Each handle's ``name`` is its temporary file, so a finished file can be read back (for
    its checksum) before the swap.
    """
    handles: dict[Path, IO[str]] = {}
    temps: dict[Path, str] = {}
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".b12kg-tmp-", suffix=target.suffix, dir=target.parent)
            os.close(fd)
            temps[target] = name
            handles[target] = open(name, "w", encoding="utf-8", newline="\n")  # .name: the temporary path
        yield handles
        for handle in handles.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        umask = os.umask(0)
        os.umask(umask)
        for target, name in temps.items():
            os.chmod(name, 0o666 & ~umask)
            os.replace(name, target)
    except BaseException:
        for handle in handles.values():
            if not handle.closed:
                handle.close()
        for name in temps.values():
            if os.path.exists(name):
                os.unlink(name)
        raise
