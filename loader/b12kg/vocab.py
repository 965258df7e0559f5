"""Namespaces, CURIE prefixes with their ID patterns, and the IRIs the graph is minted under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BASE",
    "ID",
    "ONTOLOGY_IRI",
    "NS",
    "CURIE_PREFIXES",
    "OUTPUT_PREFIXES",
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

NS = {
    "b12o": ONTOLOGY_IRI + "#",
    "b12": ID,
    "claim": ID + "claim/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    "fabio": "http://purl.org/spar/fabio/",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "obo": "http://purl.obolibrary.org/obo/",
    # dataset description (graphs/b12kg.void.ttl)
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "spdx": "http://spdx.org/rdf/terms#",
}

_OBO = NS["obo"]


@dataclass(frozen=True)
class _Prefix:
    expansion: str
    pattern: re.Pattern[str]
    example: str


# ID shapes follow each ontology's published identifier scheme (OBO Foundry ID policy: seven digits for
# HP, MONDO, UBERON, CL, MAXO, ECO, RO, ONS; ChEBI unpadded digits; NCIT "C" + digits). Digits are [0-9]: in
# Python's re, \d matches every Unicode digit, and UBERON:٠٠٠١٠١٦ (Arabic-Indic digits) is no UBERON ID.
CURIE_PREFIXES: dict[str, _Prefix] = {
    "HP": _Prefix(_OBO + "HP_", re.compile(r"[0-9]{7}"), "HP:0004305"),
    "MONDO": _Prefix(_OBO + "MONDO_", re.compile(r"[0-9]{7}"), "MONDO:0020696"),
    "UBERON": _Prefix(_OBO + "UBERON_", re.compile(r"[0-9]{7}"), "UBERON:0001016"),
    "CL": _Prefix(_OBO + "CL_", re.compile(r"[0-9]{7}"), "CL:0000540"),
    "CHEBI": _Prefix(_OBO + "CHEBI_", re.compile(r"[1-9][0-9]*"), "CHEBI:176843"),
    "MAXO": _Prefix(_OBO + "MAXO_", re.compile(r"[0-9]{7}"), "MAXO:0000760"),
    "NCIT": _Prefix(_OBO + "NCIT_", re.compile(r"C[0-9]+"), "NCIT:C27956"),
    "ONS": _Prefix(_OBO + "ONS_", re.compile(r"[0-9]{7}"), "ONS:0000080"),
    "ECO": _Prefix(_OBO + "ECO_", re.compile(r"[0-9]{7}"), "ECO:0000303"),
    "RO": _Prefix(_OBO + "RO_", re.compile(r"[0-9]{7}"), "RO:0002200"),
    "b12": _Prefix(ID, re.compile(r"[a-z]+(?:-[a-z]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+"), "b12:concept/serious-health-condition"),
    "b12o": _Prefix(NS["b12o"], re.compile(r"[A-Za-z][A-Za-z0-9]*"), "b12o:isKindOf"),
}

# Prefixes written in Turtle/TriG/JSON-LD output, in this order.
OUTPUT_PREFIXES: dict[str, str] = {
    k: NS[k]
    for k in ("b12o", "b12", "claim", "obo", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "prov", "bibo",
              "fabio", "oa", "time", "vann", "void", "dcat", "sd", "spdx")
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
        return CURIE_PREFIXES[self.prefix].expansion + self.local


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


_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?")


@lru_cache(maxsize=1 << 20)  # the same IRIs recur on every line of a large graph
def compact(iri: str) -> str | None:
    """The ``prefix:local`` form of an IRI under OUTPUT_PREFIXES, or None when no safe form exists."""
    best: str | None = None
    best_len = -1
    for prefix, ns in OUTPUT_PREFIXES.items():
        if iri.startswith(ns) and len(ns) > best_len:
            local = iri[len(ns):]
            if _LOCAL.fullmatch(local):
                best, best_len = f"{prefix}:{local}", len(ns)
    return best
