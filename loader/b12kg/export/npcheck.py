"""Check nanopublication files: well-formed (four graphs, their links), well-typed, trusty, and signed.

The rules are the nanopublication guidelines' and nanopub-java's (NanopubImpl, TrustyNanopubUtils,
SignatureUtils), as the official test suite (tests/nanopub-testsuite/, MIT) exercises them:
- one head graph says `?np a np:Nanopublication` and names exactly one assertion, provenance and publication-info
  graph; the four graphs are distinct, none empty, their IRIs start with the nanopublication's IRI, and nothing
  lies outside them;
- the provenance says something about the assertion graph, the publication info about the nanopublication;
- literals of the XSD types below have a valid lexical form (as leniently as nanopub-java for xsd:dateTime, which
  takes a date alone: valid/trusty/fair-maturity-1);
- an IRI that ends with an RA artifact code is trusty: the code is the hash of the four graphs (b12kg.export.trusty);
- a signature (`?sig npx:hasSignatureTarget ?np`), where present, verifies with the key beside it (npsig).
A file may hold several nanopublications one after the other: a graph that comes back after others starts the next.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, parse

from b12kg.export.npsig import verify
from b12kg.export.trusty import ARTIFACT_CODE, TrustyError, artifact_code, normalised

__all__ = ["NanopubReport", "check_quads", "check_file", "read_nanopubs"]

NP = "http://www.nanopub.org/nschema#"
NPX = "http://purl.org/nanopub/x/"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INT = r"[+-]?[0-9]+"
_DEC = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
# Lexical spaces of XML Schema 1.1 Part 2 (§3.3) for the datatypes nanopublications use
_LEXICAL = {name: re.compile(pattern) for name, pattern in {
    "integer": _INT, "int": _INT, "long": _INT, "short": _INT, "byte": _INT,
    "nonNegativeInteger": r"\+?[0-9]+|-0+", "positiveInteger": r"\+?0*[1-9][0-9]*",
    "negativeInteger": r"-0*[1-9][0-9]*", "nonPositiveInteger": r"-[0-9]+|\+?0+",
    "decimal": _DEC, "double": rf"({_DEC}([eE]{_INT})?|[+-]?INF|NaN)", "float": rf"({_DEC}([eE]{_INT})?|[+-]?INF|NaN)",
    "boolean": r"true|false|1|0", "date": _DATE + _TZ, "time": _TIME + _TZ, "dateTime": rf"{_DATE}(T{_TIME})?{_TZ}",
    "dateTimeStamp": rf"{_DATE}T{_TIME}(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    "gYear": r"-?([1-9][0-9]{3,}|0[0-9]{3})" + _TZ, "anyURI": r"[^\s]*",
}.items()}


@dataclass
class NanopubReport:
    """What the checker found about one nanopublication."""

    iri: str
    problems: list[str] = field(default_factory=list)
    trusty: bool = False
    signed: bool = False

    @property
    def valid(self) -> bool:
        return not self.problems


def _v(term: object) -> str:
    return term.value if isinstance(term, NamedNode | BlankNode | Literal) else str(term)


def _lexical_ok(literal: Literal) -> bool:
    datatype = literal.datatype.value
    if not datatype.startswith(_XSD) or datatype[len(_XSD):] not in _LEXICAL:
        return True
    text = literal.value
    if not _LEXICAL[datatype[len(_XSD):]].fullmatch(text):
        return False
    date = re.match(r"-?(\d{4,})-(\d\d)-(\d\d)", text) if datatype[len(_XSD):] in ("date", "dateTime",
                                                                                  "dateTimeStamp") else None
    if date:
        year, month, day = (int(x) for x in date.groups())
        return day <= calendar.monthrange(year if 0 < year < 10000 else 2000 + year % 400, month)[1]
    return True


def _graphs(quads: list[Quad]) -> dict[str, list[Quad]]:
    out: dict[str, list[Quad]] = {}
    for quad in quads:
        key = quad.graph_name.value if isinstance(quad.graph_name, NamedNode) else ""
        out.setdefault(key, []).append(quad)
    return out


def check_quads(quads: list[Quad]) -> NanopubReport:
    """Check one nanopublication given as its quads."""
    graphs = _graphs(quads)
    heads = [(g, _v(q.subject)) for g, qs in graphs.items() for q in qs
             if q.predicate.value == _TYPE and q.object == NamedNode(NP + "Nanopublication")]
    if len(heads) != 1:
        return NanopubReport("", [f"{len(heads)} nanopublication declarations (`a np:Nanopublication`), not one"])
    head, iri = heads[0]
    report = NanopubReport(iri)
    problems = report.problems
    parts: dict[str, list[str]] = {p: [] for p in ("hasAssertion", "hasProvenance", "hasPublicationInfo")}
    for quad in graphs.get(head, []):
        name = quad.predicate.value.removeprefix(NP)
        if _v(quad.subject) == iri and name in parts and isinstance(quad.object, NamedNode):
            parts[name].append(_v(quad.object))
    for name, found in parts.items():
        if len(found) != 1:
            problems.append(f"the head names {len(found)} graphs with np:{name}, not one")
    if problems:
        return report
    assertion, provenance, pubinfo = (parts[p][0] for p in parts)
    names = [head, assertion, provenance, pubinfo]
    if len(set(names)) != 4 or "" in names:
        problems.append("the head, assertion, provenance and publication-info graphs are not four distinct graphs")
        return report
    for extra in sorted(set(graphs) - set(names)):
        problems.append(f"triples outside the four graphs (in {extra or 'the default graph'})")
    for label, name in (("assertion", assertion), ("provenance", provenance), ("publication info", pubinfo)):
        if not graphs.get(name):
            problems.append(f"the {label} graph is empty")
        if not name.startswith(iri):
            problems.append(f"the {label} graph <{name}> does not start with the nanopublication's IRI <{iri}>")
    if not head.startswith(iri):
        problems.append(f"the head graph <{head}> does not start with the nanopublication's IRI <{iri}>")
    if not any(_v(q.subject) == assertion for q in graphs.get(provenance, [])):
        problems.append("the provenance says nothing about the assertion graph")
    if not any(_v(q.subject) == iri for q in graphs.get(pubinfo, [])):
        problems.append("the publication info says nothing about the nanopublication")
    for quad in quads:
        if isinstance(quad.object, Literal) and not _lexical_ok(quad.object):
            problems.append(f"ill-typed literal {quad.object}")
    match = ARTIFACT_CODE.search(iri)
    code = match.group(0) if match and match.end() == len(iri) else None
    try:
        if code is not None:
            report.trusty = artifact_code(quads, code) == code
            if not report.trusty:
                problems.append(f"the artifact code {code} is not the hash of the nanopublication")
        _check_signature(report, quads, graphs.get(pubinfo, []), code)
    except TrustyError as exc:
        problems.append(str(exc))
    return report


def _check_signature(report: NanopubReport, quads: list[Quad], pubinfo: list[Quad], code: str | None) -> None:
    targets = [q.subject for q in pubinfo if q.predicate.value == NPX + "hasSignatureTarget"
               and _v(q.object) == report.iri]
    if not targets:
        return
    values: dict[str, list[Quad]] = {}
    for quad in pubinfo:
        if quad.subject == targets[0]:
            values.setdefault(quad.predicate.value.removeprefix(NPX), []).append(quad)
    found = {k: _v(v[0].object) for k, v in values.items() if len(v) == 1}
    if not {"hasSignature", "hasPublicKey", "hasAlgorithm"} <= found.keys():
        report.problems.append("a signature element without exactly one signature, public key and algorithm")
        return
    signature = values["hasSignature"][0]
    text = normalised((q for q in quads if q != signature), code or "\x00")
    report.signed = verify(text, found["hasSignature"], found["hasPublicKey"], found["hasAlgorithm"])
    if not report.signed:
        report.problems.append("the signature does not verify with the public key it names")


def _quads_of(path: Path) -> list[Quad]:
    if path.suffix == ".xml":  # TriX, which only rdflib reads
        import rdflib

        dataset = rdflib.Dataset()
        dataset.parse(path, format="trix")
        return list(parse(dataset.serialize(format="nquads"), format=RdfFormat.N_QUADS))
    fmt = RdfFormat.N_QUADS if path.suffix == ".nq" else RdfFormat.TRIG
    return list(parse(path=str(path), format=fmt))


def read_nanopubs(path: Path) -> Iterator[list[Quad]]:
    """The nanopublications in a file, in order: a graph that comes back after another graph starts the next."""
    group: list[Quad] = []
    seen: set[object] = set()
    current: object = None
    for quad in _quads_of(path):
        name = quad.graph_name if not isinstance(quad.graph_name, DefaultGraph) else None
        if name != current:
            if name in seen:
                yield group
                group, seen = [], set()
            seen.add(name)
            current = name
        group.append(quad)
    if group:
        yield group


def check_file(path: Path) -> list[NanopubReport]:
    """Check every nanopublication in a file; a file that cannot be parsed gives one report with the parse error."""
    try:
        return [check_quads(group) for group in read_nanopubs(path)] or [NanopubReport("", ["no quads"])]
    except Exception as exc:  # pyoxigraph's SyntaxError, rdflib's ParserError for TriX, OSError: a report, not a crash
        return [NanopubReport("", [f"cannot read {path}: {exc}"])]
