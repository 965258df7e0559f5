"""The RDF 1.2 edition: each direct triple reified by its claim node, and Arabic literals with their direction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import IO

from pyoxigraph import Literal, NamedNode, Quad, Triple

from b12kg.build.writers import SORT_CHUNK, Row, write_nquads, write_trig
from b12kg.vocab import BASE, NS

__all__ = ["REIFIES", "RTL", "EditionRows", "rdf12_rows", "write_rdf12_nquads", "write_rdf12_trig", "to_rdf11",
           "triple_term"]

# RDF 1.2 Concepts (W3C Candidate Recommendation, 2025), §3.5 "triple terms" and §3.8: a reifier `r` of a triple
# `s p o` is stated as `r rdf:reifies <<( s p o )>>`; Turtle 1.2 writes the same as `<< s p o ~ r >>`.
REIFIES = NS["rdf"] + "reifies"
RTL = "rtl"  # RDF 1.2 Concepts §3.3: a language-tagged string may carry a base direction, "ltr" or "rtl"

_B12O = BASE + "ontology#"
_SUBJECT, _RELATION, _OBJECT = (f"<{_B12O}{name}>" for name in ("subject", "relation", "object"))
_DIRECT = f"<{_B12O}hasDirectTriple>"
_TRUE = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
# An Arabic language-tagged literal in N-Triples: the closing quote, then a tag whose primary subtag is "ar" (BCP 47).
# Only language-tagged strings can carry a direction (RDF 1.2 Concepts §3.3); the plain strings that hold source text
# (oa:exact, oa:prefix, oa:suffix, b12o:text …) stay plain, so that they remain the source's characters exactly.
_ARABIC = re.compile(r'"@(ar(?:-[A-Za-z0-9]{1,8})*)$')


def triple_term(subject: str, predicate: str, obj: str) -> str:
    """A triple term in N-Triples 1.2 (`<<( s p o )>>`) from three terms in N-Triples form."""
    return f"<<( {subject} {predicate} {obj} )>>"


def _with_direction(term: str) -> str:
    return _ARABIC.sub(lambda match: f'"@{match.group(1)}--{RTL}', term)


def rdf12_rows(rows: Iterable[Row]) -> Iterator[Row]:
    """The RDF 1.1 rows (canonical order) as the RDF 1.2 edition's rows, still in canonical order.

    Streams one subject at a time, so memory stays that of one subject's rows: Arabic literals get `--rtl`, and a
    claim with b12o:hasDirectTriple true gets `claim rdf:reifies <<( subject relation object )>>` in the default
    graph, beside the direct triple itself (which the RDF 1.1 edition already states).
    """
    reifies = f"<{REIFIES}>"
    for subject, group in groupby(rows, key=lambda r: r.s):
        members = [Row(r.s, r.p, _with_direction(r.o), r.g) for r in group]
        default = {r.p: r.o for r in members if not r.g}
        if default.get(_DIRECT) == _TRUE:
            members.append(Row(subject, reifies, triple_term(default[_SUBJECT], default[_RELATION],
                                                             default[_OBJECT]), ""))
        yield from sorted(members)


class EditionRows:
    """The edition's rows over a build's sorted rows: iterable any number of times (the TriG writer reads twice)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Row]:
        return rdf12_rows(self._rows)


def write_rdf12_nquads(out: IO[str], rows: Iterable[Row], header: Sequence[str]) -> None:
    """N-Quads 1.2 of the edition, one sorted line per statement (what stores load)."""
    write_nquads(out, EditionRows(rows), header)


def write_rdf12_trig(out: IO[str], rows: Iterable[Row], header: Sequence[str], *, workdir: Path | None = None,
                     chunk: int = SORT_CHUNK) -> None:
    """TriG 1.2 of the edition (reifiers in the `rdf:reifies <<( … )>>` form, which Turtle 1.2 defines)."""
    write_trig(out, EditionRows(rows), header, workdir=workdir, chunk=chunk)


def to_rdf11(quads: Iterable[Quad]) -> Iterator[Quad]:
    """The RDF 1.2 edition back as RDF 1.1: reifier statements dropped, base directions dropped.

    What is left must be the RDF 1.1 edition exactly (a test compares them); any other triple term is an error.
    """
    for quad in quads:
        obj = quad.object
        if isinstance(obj, Triple):
            if quad.predicate.value != REIFIES:
                raise ValueError(f"a triple term outside rdf:reifies: {quad}")
            continue
        if isinstance(obj, Literal) and obj.direction is not None:
            assert obj.language is not None  # a direction needs a language tag
            obj = Literal(obj.value, language=obj.language)
        assert isinstance(obj, NamedNode | Literal)  # the build writes no blank nodes
        yield Quad(quad.subject, quad.predicate, obj, quad.graph_name)
