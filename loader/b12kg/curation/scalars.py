"""The claims format's value types: enums and checked scalars (slugs, CURIEs, numbers, dates) with their JSON Schema."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from b12kg.vocab import CURIE_PREFIXES, MAX_CURIE_LENGTH, Curie, is_valid_iri, parse_curie

__all__ = [
    "SCHEMA",
    "SchemaTag",
    "TermKind", "Modality", "PopulationBasis", "FlagKind", "Anchor", "Unit",
    "TERM_KINDS", "MODALITIES", "POPULATION_BASES", "FLAG_KINDS", "ANCHORS", "UNITS",
    "MAX_ID_LENGTH", "MAX_BOUND", "SLUG_PATTERN", "CURIE_PATTERN", "ORCID_PATTERN",
    "Text", "Quote", "Slug", "SourceKey", "CurieValue", "CurieKey", "RelationCurie", "Bound", "Proportion",
    "Year", "Month", "Occurrence", "Issn", "Doi", "Pmid", "LanguageTag", "Iri", "Sha256", "Curator", "IsoDate",
    "invalid", "is_orcid", "NAMED_SCHEMAS",
]

# The claims-file format tag: the type its `schema:` field has, and its one value (mypy checks they agree).
SchemaTag = Literal["b12kg-claims/1"]
SCHEMA: SchemaTag = "b12kg-claims/1"

# Enumerations. The tuples below are read from these Literal types, so each list of values is written once.
TermKind = Literal["condition", "manifestation", "substance", "diet", "intervention", "age-group", "population",
                   "setting", "cause", "concept", "mechanism", "modifier", "frequency", "onset", "anatomy"]
Modality = Literal["asserted", "hedged", "hypothesis", "definition", "recommendation", "simile"]
PopulationBasis = Literal["sentence", "heading", "curator"]  # where a claim's population comes from
FlagKind = Literal["conflicts-with-literature", "translation-doubt"]
Anchor = Literal["birth", "treatment-start", "treatment-end"]  # the event a time window is counted from
Unit = Literal["day", "week", "month", "year"]  # OWL-Time units (time:unitDay ... time:unitYear)
TERM_KINDS: tuple[str, ...] = get_args(TermKind)
MODALITIES: tuple[str, ...] = get_args(Modality)
POPULATION_BASES: tuple[str, ...] = get_args(PopulationBasis)
FLAG_KINDS: tuple[str, ...] = get_args(FlagKind)
ANCHORS: tuple[str, ...] = get_args(Anchor)
UNITS: tuple[str, ...] = get_args(Unit)

# IDs, keys and numbers are ASCII: Python's \d and \w match every Unicode digit and letter (Arabic-Indic ٠-٩
# too), so patterns spell out [0-9] and [a-z].
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID_LENGTH = 100  # a slug names IRIs and export files (nanopubs/<claim>.trig): keep it well under NAME_MAX
MAX_BOUND = Decimal(100000)  # the largest window bound accepted (100,000 days is 274 years)
# One alternative per known prefix (b12kg.vocab.CURIE_PREFIXES), for editors; Python checks with parse_curie.
CURIE_PATTERN = "^(?:" + "|".join(f"{re.escape(p)}:{spec.pattern.pattern}" for p, spec in CURIE_PREFIXES.items()) + ")$"
# ORCID iD as its https IRI; the last character is a check digit or X (ISO 7064 MOD 11-2, ORCID support:
# "Structure of the ORCID Identifier").
ORCID_PATTERN = r"^https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"
_ISSN = r"^[0-9]{4}-[0-9]{3}[0-9X]$"
_DOI = r"^10\.[0-9]{4,9}/\S+$"
_PMID = r"^[1-9][0-9]*$"
_LANGUAGE = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"  # BCP 47 language tag, the common shape
_SHA256 = r"^[0-9a-f]{64}$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_NAME = r"^(?!.*://)\s*\S.*$"  # a curator's name: text that is not an IRI
_TEXT = r"\S"


def invalid(tail: str, fix: str, *, key: str | None = None) -> PydanticCustomError:
    """A validation error in this project's words: the message after the field's name, and its fix.

    ``{key}`` in ``fix`` stands for the field's name (b12kg.curation.located fills it in); ``key`` names the field
    when a mapping's own validator reports it."""
    return PydanticCustomError("b12kg", "{tail}", {"tail": tail, "fix": fix, **({"key": key} if key else {})})


def _checked(kind: Any, check: Callable[[Any], Any], json_schema: dict[str, Any]) -> Any:
    """A type whose values ``check`` validates in Python and ``json_schema`` describes for editors."""
    return Annotated[kind, PlainValidator(check), WithJsonSchema(json_schema)]


def _shown(value: Any) -> str:
    return repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:60] + "…")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(" must be non-empty text", "write {key} as words (not a number, list or mapping)")
    return value


def _quote(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise invalid(" must be non-empty text", "copy the exact words from the source")
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(f" must be text, not {_shown(value)}", "write {key} as one slug (lower-case a-z, 0-9, hyphens)")
    if not re.fullmatch(SLUG_PATTERN, value) or len(value) > MAX_ID_LENGTH:
        raise invalid(f": {_shown(value)} is not a slug of at most {MAX_ID_LENGTH} characters",
                      "use lower-case ASCII letters a-z, digits 0-9 and single hyphens")
    return value


def _source_key(value: Any) -> str:
    if value == "document":
        raise invalid(": 'document' is not allowed as a source key", "use a slug other than 'document'")
    return _slug(value)


def _curie(value: Any) -> Curie:
    try:
        return parse_curie(value)
    except ValueError as exc:
        raise invalid(f": {exc}", "write a CURIE with a known prefix and a well-formed ID") from None


def _curie_key(value: Any) -> str:
    return str(_curie(value))


def _relation(value: Any) -> Curie:
    curie = _curie(value)
    if curie.prefix not in ("RO", "b12o"):
        raise invalid(f": {curie} is not an RO or b12o relation",
                      "use a relation the ontology declares (b12o:Relation members)")
    return curie


def _number(high: Decimal, fix: str) -> Callable[[Any], Decimal]:
    def check(raw: Any) -> Decimal:
        """A YAML number from 0 to ``high``: not text, not true/false, not .nan or .inf."""
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise invalid(f" must be a number, not {_shown(raw)}", "write {key} as a number")
        if isinstance(raw, float) and not math.isfinite(raw):
            raise invalid(f" must be a finite number, not {raw!r}",
                          "write {key} as a number such as 3 or 0.5 (.nan and .inf are not values)")
        number = Decimal(str(raw))
        if number < 0:
            raise invalid(f" must not be negative ({number})", "use a number >= 0")
        if number > high:
            raise invalid(f" is {number}, above the largest accepted value {high}", fix)
        return number
    return check


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def check(raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
            raise invalid(f" must be a whole number from {low} to {high}, not {_shown(raw)}",
                          "write {key} as a whole number")
        return raw
    return check


def _pattern(pattern: str, what: str, fix: str) -> Callable[[Any], str]:
    compiled = re.compile(pattern)

    def check(raw: Any) -> str:
        if not isinstance(raw, str) or not compiled.search(raw):
            raise invalid(f": {_shown(raw)} is not {what}", fix)
        return raw
    return check


def _pmid(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not re.fullmatch(_PMID, str(raw)):
        raise invalid(f": {_shown(raw)} is not a PMID", "write the PubMed ID digits")
    return str(raw)


def _iri(raw: Any) -> str:
    if not is_valid_iri(raw):
        raise invalid(f": malformed IRI {_shown(raw)}", "write an absolute IRI such as https://...")
    return str(raw)


def is_orcid(text: str) -> bool:
    """An ORCID iD IRI whose check character is right (ISO 7064 MOD 11-2)."""
    if not re.fullmatch(ORCID_PATTERN, text):
        return False
    digits = text.rsplit("/", 1)[1].replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def _curator(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise invalid(" must be non-empty text", "write the curator's ORCID iD (https://orcid.org/...) or name")
    if "://" in raw and not is_orcid(raw):
        raise invalid(f": {_shown(raw)} is not an ORCID iD with a valid check digit",
                      "write https://orcid.org/NNNN-NNNN-NNNN-NNNC as ORCID shows it, or the curator's name")
    return raw


def _date(raw: Any) -> date:
    """A day as a file writes it ("YYYY-MM-DD", quoted) or as Python code passes it (a datetime.date)."""
    fix = 'write the date as text, "YYYY-MM-DD" (quoted: an unquoted date is not plain data)'
    if isinstance(raw, date) and not isinstance(raw, datetime):
        day = raw
    elif not isinstance(raw, str) or not re.fullmatch(_DATE, raw):
        raise invalid(f": {_shown(raw)} is not a date YYYY-MM-DD", fix)
    else:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise invalid(f": {raw!r} is not a calendar date", fix) from None
    if day > date.today():
        raise invalid(f": {raw} is in the future", "write the day the claim was curated")
    return day


_STRING = {"type": "string"}
_TEXT_SCHEMA = {**_STRING, "pattern": _TEXT}
_SLUG_SCHEMA = {**_STRING, "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH}
Text = _checked(str, _text, _TEXT_SCHEMA)
Slug = _checked(str, _slug, _SLUG_SCHEMA)
Quote = _checked(str, _quote, {**_STRING, "minLength": 1})  # exact words of the text, spaces and all
SourceKey = _checked(str, _source_key, {**_STRING, "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH,
                                        "not": {"const": "document"}})
_CURIE_SCHEMA = {**_STRING, "pattern": CURIE_PATTERN, "maxLength": MAX_CURIE_LENGTH}
CurieValue = _checked(Curie, _curie, _CURIE_SCHEMA)
CurieKey = _checked(str, _curie_key, _CURIE_SCHEMA)
RelationCurie = _checked(Curie, _relation, {**_STRING, "pattern": "^(?:RO|b12o):", "maxLength": MAX_CURIE_LENGTH,
                                            "allOf": [{"pattern": CURIE_PATTERN}]})
Bound = _checked(Decimal, _number(MAX_BOUND, f"write {{key}} as a number from 0 to {MAX_BOUND}"),
                 {"type": "number", "minimum": 0, "maximum": int(MAX_BOUND)})
Proportion = _checked(Decimal, _number(Decimal(1), "write a proportion from 0 to 1 (0.5 = half)"),
                      {"type": "number", "minimum": 0, "maximum": 1})
Year = _checked(int, _whole(1800, 2100), {"type": "integer", "minimum": 1800, "maximum": 2100})
Month = _checked(int, _whole(1, 12), {"type": "integer", "minimum": 1, "maximum": 12})
Occurrence = _checked(int, _whole(1, 1000000), {"type": "integer", "minimum": 1})
Issn = _checked(str, _pattern(_ISSN, "an ISSN (NNNN-NNNC)",
                              "write the ISSN as four digits, a hyphen, three digits and a check digit"),
                {**_STRING, "pattern": _ISSN})
Doi = _checked(str, _pattern(_DOI, "a DOI", "write it as 10.NNNN/..."), {**_STRING, "pattern": _DOI})
Pmid = _checked(str, _pmid, {"anyOf": [{**_STRING, "pattern": _PMID}, {"type": "integer", "minimum": 1}]})
LanguageTag = _checked(str, _pattern(_LANGUAGE, "a language tag", "write a BCP 47 tag such as ar or en"),
                       {**_STRING, "pattern": _LANGUAGE})
Iri = _checked(str, _iri, {**_STRING, "format": "iri", "pattern": "^[A-Za-z][A-Za-z0-9+.\\-]*:[^\\s<>\"{}|\\\\^`]+$"})
Sha256 = _checked(str, _pattern(_SHA256, "a SHA-256 digest (64 lower-case hex digits)",
                                "write the digest `sha256sum` prints for the source text"),
                  {**_STRING, "pattern": _SHA256})
Curator = _checked(str, _curator, {"anyOf": [{**_STRING, "pattern": ORCID_PATTERN}, {**_STRING, "pattern": _NAME}]})
IsoDate = _checked(date, _date, {**_STRING, "format": "date", "pattern": _DATE})

# Scalar schemas the JSON Schema names once under $defs and refers to (b12kg.curation.schema.json_schema).
NAMED_SCHEMAS: dict[str, dict[str, Any]] = {"Curie": _CURIE_SCHEMA, "Slug": _SLUG_SCHEMA, "Text": _TEXT_SCHEMA}
