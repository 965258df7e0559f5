"""The one prefix map (a curies.Converter) and everything derived from it: namespaces, CURIEs, output prefixes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import curies

__all__ = [
    "BASE",
    "ID",
    "ONTOLOGY_IRI",
    "GRAPH_BASE",
    "ASSERTED_GRAPH",
    "INFERRED_GRAPH",
    "CATALOG_GRAPH",
    "EXAMPLES_GRAPH",
    "PrefixRow",
    "PREFIX_TABLE",
    "CONVERTER",
    "NS",
    "CURIE_PREFIXES",
    "OUTPUT_PREFIXES",
    "JSONLD_CONTEXT",
    "RDFXML_PREFIXES",
    "sparql_prefixes",
    "Curie",
    "parse_curie",
    "MAX_CURIE_LENGTH",
    "is_valid_iri",
    "compact",
]

# The stable base the project mints IRIs under (documented in the README).
BASE = "https://w3id.org/b12kg/"
ID = BASE + "id/"
ONTOLOGY_IRI = BASE + "ontology"

# Where the release's graphs live in every store (embedded, `b12kg serve`, a store loaded by `b12kg load` or a bulk
# recipe): one layout, so one query text with FROM clauses answers the same everywhere (README, "One graph contract").
GRAPH_BASE = BASE + "graph/"
ASSERTED_GRAPH = GRAPH_BASE + "asserted"  # the release's default graph: ontology, imports, claims, direct triples
INFERRED_GRAPH = GRAPH_BASE + "inferred"  # graphs/b12kg-inferred.nt: what HermiT infers
CATALOG_GRAPH = GRAPH_BASE + "catalog"  # which graphs the loaded release holds, and their sizes
EXAMPLES_GRAPH = GRAPH_BASE + "examples"  # graphs/b12kg.examples.ttl: the query library as SPARQL examples

_OBO = "http://purl.obolibrary.org/obo/"

Role = Literal["identifiers", "vocabulary", "instances", "description"]


@dataclass(frozen=True)
class PrefixRow:
    """One prefix of the map: what it expands to, what it names, and (for a CURIE prefix) its IDs' shape.

    ``role``: ``identifiers`` — a CURIE prefix of an external ontology's IDs (HP:0004305), never written as an
    output prefix (the graph writes ``obo:HP_0004305``); ``vocabulary`` — classes and properties (RDF/XML, JSON-LD
    and Turtle output); ``instances`` — where the project mints its own IRIs (JSON-LD and Turtle output);
    ``description`` — the dataset description's vocabularies (graphs/b12kg.void.ttl; Turtle output only).
    """

    prefix: str
    expansion: str
    role: Role
    pattern: str | None = None  # the local part of a CURIE, as a regular expression (fully matched)
    example: str | None = None  # a good CURIE, named in the error message for a bad one

    @property
    def written(self) -> bool:
        """Declared in the Turtle, TriG and JSON-LD the project writes."""
        return self.role != "identifiers"


# THE prefix table: every prefix the project knows, once. Identifier prefixes come first (their order is the order
# an unknown-prefix error lists them in); the written ones follow in the order Turtle and TriG declare them.
#
# ID shapes follow each ontology's published identifier scheme (OBO Foundry ID policy: seven digits for
# HP, MONDO, UBERON, CL, MAXO, ECO, RO, ONS; ChEBI unpadded digits; NCIT "C" + digits). Digits are [0-9]: in
# Python's re, \d matches every Unicode digit, and UBERON:٠٠٠١٠١٦ (Arabic-Indic digits) is no UBERON ID.
PREFIX_TABLE: tuple[PrefixRow, ...] = (
    PrefixRow("HP", _OBO + "HP_", "identifiers", r"[0-9]{7}", "HP:0004305"),
    PrefixRow("MONDO", _OBO + "MONDO_", "identifiers", r"[0-9]{7}", "MONDO:0020696"),
    PrefixRow("UBERON", _OBO + "UBERON_", "identifiers", r"[0-9]{7}", "UBERON:0001016"),
    PrefixRow("CL", _OBO + "CL_", "identifiers", r"[0-9]{7}", "CL:0000540"),
    PrefixRow("CHEBI", _OBO + "CHEBI_", "identifiers", r"[1-9][0-9]*", "CHEBI:176843"),
    PrefixRow("MAXO", _OBO + "MAXO_", "identifiers", r"[0-9]{7}", "MAXO:0000760"),
    PrefixRow("NCIT", _OBO + "NCIT_", "identifiers", r"C[0-9]+", "NCIT:C27956"),
    PrefixRow("ONS", _OBO + "ONS_", "identifiers", r"[0-9]{7}", "ONS:0000080"),
    PrefixRow("ECO", _OBO + "ECO_", "identifiers", r"[0-9]{7}", "ECO:0000303"),
    PrefixRow("RO", _OBO + "RO_", "identifiers", r"[0-9]{7}", "RO:0002200"),
    PrefixRow("b12o", ONTOLOGY_IRI + "#", "vocabulary", r"[A-Za-z][A-Za-z0-9]*", "b12o:isKindOf"),
    PrefixRow("b12", ID, "instances", r"[a-z]+(?:-[a-z]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+",
              "b12:concept/serious-health-condition"),
    PrefixRow("claim", ID + "claim/", "instances"),
    PrefixRow("obo", _OBO, "vocabulary"),
    PrefixRow("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "vocabulary"),
    PrefixRow("rdfs", "http://www.w3.org/2000/01/rdf-schema#", "vocabulary"),
    PrefixRow("owl", "http://www.w3.org/2002/07/owl#", "vocabulary"),
    PrefixRow("xsd", "http://www.w3.org/2001/XMLSchema#", "vocabulary"),
    PrefixRow("skos", "http://www.w3.org/2004/02/skos/core#", "vocabulary"),
    PrefixRow("dcterms", "http://purl.org/dc/terms/", "vocabulary"),
    PrefixRow("prov", "http://www.w3.org/ns/prov#", "vocabulary"),
    PrefixRow("bibo", "http://purl.org/ontology/bibo/", "vocabulary"),
    PrefixRow("fabio", "http://purl.org/spar/fabio/", "vocabulary"),
    PrefixRow("oa", "http://www.w3.org/ns/oa#", "vocabulary"),
    PrefixRow("time", "http://www.w3.org/2006/time#", "vocabulary"),
    PrefixRow("vann", "http://purl.org/vocab/vann/", "vocabulary"),
    PrefixRow("void", "http://rdfs.org/ns/void#", "description"),
    PrefixRow("dcat", "http://www.w3.org/ns/dcat#", "description"),
    PrefixRow("sd", "http://www.w3.org/ns/sparql-service-description#", "description"),
    PrefixRow("spdx", "http://spdx.org/rdf/terms#", "description"),
)

# The converter over the whole table (curies checks that no prefix and no expansion is given twice).
CONVERTER = curies.Converter([
    curies.Record(prefix=row.prefix, uri_prefix=row.expansion,
                  pattern=None if row.pattern is None else f"^{row.pattern}$")
    for row in PREFIX_TABLE
])
# The written prefixes alone: what output IRIs are compacted with (obo:HP_0004305, never HP:0004305, in the graph
# files). curies keeps its records sorted by prefix, so every ordered view below follows PREFIX_TABLE's order.
_OUTPUT_CONVERTER = CONVERTER.get_subconverter(row.prefix for row in PREFIX_TABLE if row.written)


def _view(rows: Iterable[PrefixRow]) -> dict[str, str]:
    return {row.prefix: CONVERTER.prefix_map[row.prefix] for row in rows}


# Prefixes written in Turtle/TriG output, in this order; NS is the same map, for building IRIs in code.
OUTPUT_PREFIXES: dict[str, str] = _view(row for row in PREFIX_TABLE if row.written)
NS: dict[str, str] = OUTPUT_PREFIXES
# The JSON-LD @context (ontology/b12kg.context.jsonld, written by `b12kg build`): the graph's vocabularies and
# instance namespaces, not the dataset description's.
JSONLD_CONTEXT: dict[str, str] = _view(row for row in PREFIX_TABLE if row.role in ("vocabulary", "instances"))
# The namespaces declared in the RDF/XML of the ontology and its import modules (terms, no instances).
RDFXML_PREFIXES: dict[str, str] = _view(row for row in PREFIX_TABLE if row.role == "vocabulary")


def sparql_prefixes(names: Iterable[str]) -> str:
    """``PREFIX`` lines for the named prefixes, for a SPARQL text the tool writes itself."""
    return "".join(f"PREFIX {name}: <{CONVERTER.prefix_map[name]}>\n" for name in names)


@dataclass(frozen=True)
class _Prefix:
    expansion: str
    pattern: re.Pattern[str]
    example: str


# CURIE prefixes (those with an ID pattern), in table order.
CURIE_PREFIXES: dict[str, _Prefix] = {
    row.prefix: _Prefix(CONVERTER.prefix_map[row.prefix], re.compile(row.pattern), row.example or "")
    for row in PREFIX_TABLE if row.pattern is not None
}


@dataclass(frozen=True)
class Curie:
    """A validated compact IRI such as ``HP:0004305``."""

    prefix: str
    local: str

    def __str__(self) -> str:
        return f"{self.prefix}:{self.local}"

    @property
    def iri(self) -> str:
        return CONVERTER.expand_pair(self.prefix, self.local, strict=True)


MAX_CURIE_LENGTH = 200  # a CURIE names an IRI; longer than any real one, short enough for every store


def parse_curie(text: object) -> Curie:
    """Parse and check a CURIE; raise ValueError with a message that says what a good one looks like."""
    if not isinstance(text, str) or ":" not in text:
        raise ValueError(f"{text!r} is not a CURIE (expected PREFIX:ID, e.g. HP:0004305)")
    if len(text) > MAX_CURIE_LENGTH:
        raise ValueError(f"{text[:40]!r}… is {len(text)} characters long (at most {MAX_CURIE_LENGTH})")
    prefix, local = text.split(":", 1)
    spec = CURIE_PREFIXES.get(prefix)
    if spec is None:
        known = ", ".join(CURIE_PREFIXES)
        raise ValueError(f"{text!r} has an unknown prefix {prefix!r} (known: {known})")
    if not spec.pattern.fullmatch(local):
        raise ValueError(f"{text!r} is malformed for prefix {prefix} (expected an ID like {spec.example})")
    return Curie(prefix, local)


# RFC 3987 in brief: a scheme, then no spaces, angle brackets, quotes or the other characters N-Triples forbids.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")


def is_valid_iri(text: object) -> bool:
    """True for an absolute IRI that every RDF syntax can write."""
    return isinstance(text, str) and _IRI.fullmatch(text) is not None


# A local name every RDF syntax the project writes accepts unescaped (a subset of Turtle's PN_LOCAL).
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?")


@lru_cache(maxsize=1 << 20)  # the same IRIs recur on every line of a large graph
def compact(iri: str) -> str | None:
    """The ``prefix:local`` form of an IRI under OUTPUT_PREFIXES (longest match), or None when no safe form exists.

    No written namespace is a shorter namespace plus a local name that _LOCAL accepts (``claim:`` is ``b12:``
    plus ``claim/``), so the longest match is the only candidate.
    """
    found = _OUTPUT_CONVERTER.parse_uri(iri)
    if found is None or not _LOCAL.fullmatch(found.identifier):
        return None
    return f"{found.prefix}:{found.identifier}"
