"""Literal values for the data checks: datatype ranges and functional-property value equality, term by term."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal, InvalidOperation

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from b12kg.vocab import NS

__all__ = ["DATATYPE_RANGES", "effective_datatype", "in_range", "value_key"]

_XSD, _RDF = NS["xsd"], NS["rdf"]
# Range datatypes: which literal datatypes (as Oxigraph stores them, see effective_datatype) are in their value
# space, and whether the value must also be >= 0 (XML Schema 1.1 part 2, §3.3 and §3.4.20).
DATATYPE_RANGES: dict[str, tuple[frozenset[str], bool]] = {
    _XSD + "decimal": (frozenset({_XSD + "decimal", _XSD + "integer"}), False),
    _XSD + "integer": (frozenset({_XSD + "integer"}), False),
    _XSD + "nonNegativeInteger": (frozenset({_XSD + "integer"}), True),
    _XSD + "boolean": (frozenset({_XSD + "boolean"}), False),
    _XSD + "string": (frozenset({_XSD + "string"}), False),
    _XSD + "date": (frozenset({_XSD + "date"}), False),
    _XSD + "dateTime": (frozenset({_XSD + "dateTime"}), False),
    _XSD + "anyURI": (frozenset({_XSD + "anyURI"}), False),
}
# XML Schema 1.1 part 2 §3.4.13-§3.4.25: the types derived from xsd:integer. Oxigraph (0.5, measured) stores a
# literal of any of them whose lexical form is an integer that fits 64 bits as an xsd:integer; so did the SPARQL
# checks this module replaces, and so do the checks here.
_INTEGER_DERIVED = frozenset(_XSD + n for n in (
    "integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long", "int",
    "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_I64 = (-(2 ** 63), 2 ** 63 - 1)
_KEY_MAX = 64  # longer value keys are hashed: the sort's lines stay short whatever the literal


def _integer(lexical: str) -> int | None:
    if not _INTEGER.fullmatch(lexical):
        return None
    value = int(lexical)
    return value if _I64[0] <= value <= _I64[1] else None


def effective_datatype(literal: Literal) -> str:
    """The literal's datatype as Oxigraph answers DATATYPE() for it once stored (integer-derived types fold)."""
    if literal.language:
        return _RDF + "langString"
    datatype: str = literal.datatype.value
    if datatype in _INTEGER_DERIVED and _integer(literal.value) is not None:
        return _XSD + "integer"
    return datatype


def in_range(term: NamedNode | BlankNode | Literal | Triple, datatype: str) -> bool:
    """Whether a data property's value is in its range datatype (one of DATATYPE_RANGES): a literal of an allowed
    datatype, and for xsd:nonNegativeInteger a well-formed integer >= 0."""
    if not isinstance(term, Literal):
        return False
    allowed, non_negative = DATATYPE_RANGES[datatype]
    if effective_datatype(term) not in allowed:
        return False
    if non_negative:
        value = _integer(term.value)
        return value is not None and value >= 0
    return True


def _number(literal: Literal, datatype: str) -> Decimal | None:
    try:
        if datatype in (_XSD + "integer", _XSD + "decimal"):
            return Decimal(literal.value) if _DECIMAL.fullmatch(literal.value) else None
        if datatype in (_XSD + "float", _XSD + "double"):
            number = float(literal.value)
            return Decimal(repr(number)) if number == number and abs(number) != float("inf") else None
    except (ValueError, InvalidOperation):
        return None
    return None


def value_key(term: NamedNode | BlankNode | Literal | Triple) -> str:
    """A newline- and space-free key equal for two values of a functional property exactly when SPARQL's `=` finds
    them equal (or they are the same term): numbers by value (1 and 1.0 are one value), booleans by value, any
    other term by itself (as SPARQL RDFterm-equal). Dates with different time zones are compared as terms."""
    if isinstance(term, Literal) and not term.language:
        datatype = effective_datatype(term)
        number = _number(term, datatype)
        if number is not None:
            return "n:" + ("0" if number == 0 else str(number.normalize()))
        if datatype == _XSD + "boolean" and term.value in ("true", "1", "false", "0"):
            return "b:" + ("1" if term.value in ("true", "1") else "0")
    key = "t:" + str(term)
    if len(key) > _KEY_MAX or " " in key or "\n" in key:
        return "h:" + hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    return key
