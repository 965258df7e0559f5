"""Comparing SPARQL results across engines: what counts as the same answer."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["normalise"]

_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("decimal", "integer", "double", "float", "int", "long",
                                                             "nonNegativeInteger")}


def _value(term: dict[str, str]) -> str:
    """Numbers compare by value: engines may write 3.0 as "3" (a documented engine difference)."""
    if term.get("datatype") in _NUMERIC:
        return format(Decimal(term["value"]).normalize(), "f")
    return term["value"]


def _datatype(term: dict[str, str]) -> str | None:
    """Numbers compare as numbers: pyoxigraph answers xsd:nonNegativeInteger values as xsd:integer, rdflib
    keeps the declared type (a documented engine difference)."""
    return "number" if term.get("datatype") in _NUMERIC else term.get("datatype")


def normalise(bindings: list[dict[str, dict[str, str]]], variables: list[str]) -> list[tuple]:
    rows = []
    for binding in bindings:
        row = []
        for var in variables:
            term = binding.get(var)
            row.append(None if term is None else (term["type"].replace("typed-literal", "literal"), _value(term),
                                                  term.get("xml:lang"), _datatype(term)))
        rows.append(tuple(row))
    return rows


