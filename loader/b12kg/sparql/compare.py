"""Whether two engines answered a query alike: SPARQL 1.1 JSON results compared term by term, numbers by value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

__all__ = ["normalise_results", "same_results"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {_XSD + t for t in ("decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger")}


# One term of a row, compared by (kind, value, language, datatype); numbers by value; None for unbound.
NormalTerm = tuple[str, str, str | None, str | None] | None


def _normal_term(term: dict[str, str] | None) -> NormalTerm:
    """What makes two engines' answers the same: numbers compare by value and as numbers (pyoxigraph writes 3.0 as
    "3" and answers xsd:nonNegativeInteger values as xsd:integer; rdflib keeps both as written)."""
    if term is None:
        return None
    kind = term["type"].replace("typed-literal", "literal")
    datatype = term.get("datatype")
    if datatype in _NUMERIC:
        return kind, format(Decimal(term["value"]).normalize(), "f"), None, "number"
    language = term.get("xml:lang")
    if language is not None and "its:dir" in term:  # an RDF 1.2 base direction is part of the term ("ar--rtl")
        language = f"{language}--{term['its:dir']}"
    return kind, term["value"], language, datatype


def normalise_results(results: dict[str, Any], variables: Sequence[str]) -> list[tuple[NormalTerm, ...]]:
    """Each row of SPARQL 1.1 JSON results as a tuple of normalised terms, in the order of ``variables``."""
    return [tuple(_normal_term(binding.get(v)) for v in variables) for binding in results["results"]["bindings"]]


def same_results(expected: dict[str, Any], got: dict[str, Any], *, ordered: bool) -> bool:
    """Whether two SPARQL 1.1 JSON results agree (in order when the query has ORDER BY, as multisets otherwise)."""
    variables = expected["head"]["vars"]
    if got.get("head", {}).get("vars") != variables:
        return False
    want, have = normalise_results(expected, variables), normalise_results(got, variables)
    return have == want if ordered else Counter(have) == Counter(want)
