"""Read stage: parse a curated claims file and its source text into checked, typed records with offsets."""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

import yaml

from b12kg.errors import CurationError
from b12kg.vocab import Curie, is_valid_iri, parse_curie

__all__ = [
    "Span",
    "Sentence",
    "Window",
    "Frequency",
    "Text2",
    "Term",
    "Journal",
    "CitedIssue",
    "Reference",
    "Section",
    "Claim",
    "NonClaim",
    "Document",
    "read_document",
    "claim_files",
    "split_sentences",
    "near_match",
    "TERM_KINDS",
    "MODALITIES",
    "POPULATION_BASES",
    "FLAG_KINDS",
    "Flag",
    "ANCHORS",
    "UNITS",
    "MAX_ID_LENGTH",
    "MAX_BOUND",
]

SCHEMA = "b12kg-claims/1"
TERM_KINDS = ("condition", "manifestation", "substance", "diet", "intervention", "age-group", "population",
              "setting", "cause", "concept", "mechanism", "modifier", "frequency", "onset", "anatomy")
MODALITIES = ("asserted", "hedged", "hypothesis", "definition", "recommendation", "simile")
POPULATION_BASES = ("sentence", "heading", "curator")  # where a claim's population comes from
FLAG_KINDS = ("conflicts-with-literature", "translation-doubt")
# The relation for a manifestation that appears after treatment starts; RO:0002200 "has phenotype" is kept for
# features of the condition itself (issue: a treatment-emergent sign is not a plain feature of the deficiency).
TREATMENT_EMERGENT = "b12o:hasTreatmentEmergentManifestation"
ANCHORS = ("birth", "treatment-start", "treatment-end")
UNITS = ("day", "week", "month", "year")
# IDs, keys and numbers are ASCII: Python's \d and \w match every Unicode digit and letter (Arabic-Indic ٠-٩
# too), so patterns spell out [0-9] and [a-z].
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID_LENGTH = 100  # a slug names IRIs and export files (nanopubs/<claim>.trig): keep it well under NAME_MAX
MAX_BOUND = Decimal(100000)  # the largest window bound accepted (100,000 days is 274 years)
_ISSN = re.compile(r"[0-9]{4}-[0-9]{3}[0-9X]")
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_PMID = re.compile(r"[1-9][0-9]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")  # BCP 47 language tag, the common shape
_CONTEXT_CHARS = 32  # characters of oa:prefix / oa:suffix kept around each quote


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Span:
    """A stretch of the source text: [start, end) in Unicode code points."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    index: int
    line: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Text2:
    """A phrase in Arabic (the text's words) and English."""

    ar: str
    en: str


@dataclass(frozen=True)
class Window:
    anchor: str
    text: str
    lower: Decimal | None = None
    upper: Decimal | None = None
    unit: str | None = None
    text_en: str | None = None  # the window's words in English


@dataclass(frozen=True)
class Frequency:
    words: Text2
    category: Curie | None = None
    proportion: Decimal | None = None


@dataclass(frozen=True)
class Term:
    curie: Curie
    kind: str
    label: Text2
    text_labels: tuple[str, ...] = ()
    note: str | None = None
    exact_match: tuple[Curie, ...] = ()
    related: tuple[Curie, ...] = ()
    components: tuple[Curie, ...] = ()
    line: int = 0
    within: tuple[Curie, ...] = ()  # wider age groups this one lies in (b12o:withinAgeGroup)
    en_labels: tuple[str, ...] = ()  # everyday English names (e.g. "hand" for UBERON "manus"), as skos:altLabel


@dataclass(frozen=True)
class Flag:
    """A curator's warning on a claim: its kind, a note and the verified literature behind it."""

    kind: str
    note: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Journal:
    key: str
    title: str
    issn: str
    eissn: str | None
    publisher: str
    nlm_abbreviation: str
    note: str | None
    title_ar: str | None = None  # the journal's name in Arabic, for clean Arabic labels of its cited issues


@dataclass(frozen=True)
class CitedIssue:
    key: str
    journal: Journal
    year: int
    month: int
    cited_as: tuple[Span, ...]


@dataclass(frozen=True)
class Reference:
    key: str
    title: str
    journal: str
    year: int
    doi: str
    pmid: str | None


@dataclass(frozen=True)
class Section:
    id: str
    heading: Sentence | None
    heading_gloss: str | None
    population: Curie | None


@dataclass(frozen=True)
class Claim:
    id: str
    line: int
    section: Section
    quote: Span
    prefix: str
    suffix: str
    gloss: str
    subject: Curie
    relation: Curie
    object: Curie
    modality: str
    source: str  # "document" or a key of Document.sources
    sentences: tuple[int, ...]
    hedge: Text2 | None = None
    frequency: Frequency | None = None
    population: Curie | None = None
    setting: Curie | None = None
    onset: Window | None = None
    resolution: Window | None = None
    onset_category: Curie | None = None
    body_sites: tuple[Curie, ...] = ()
    condition_severity: Curie | None = None
    condition_duration: Curie | None = None
    condition_context: Curie | None = None
    intervention: Curie | None = None
    object_description: Text2 | None = None
    qualifier: Text2 | None = None
    curator_inference: str | None = None
    note: str | None = None
    references: tuple[str, ...] = ()
    population_basis: str | None = None  # sentence, heading or curator (None when the claim has no population)
    population_reason: str | None = None  # why the curator reads this population (basis curator)
    population_text: Text2 | None = None  # the text's words for the people, where they differ from the label
    resembles: Curie | None = None  # a phenotype the curator reads a simile as resembling (ECO:0000305)
    resemblance_reason: str | None = None
    paragraph_source: str | None = None  # a cited issue an earlier sentence of the same paragraph cites
    paragraph_sentence: int | None = None  # the index of that citing sentence
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class NonClaim:
    span: Span
    reason: str


@dataclass
class Document:
    id: str
    path: Path
    text_path: Path
    text: str
    sha256: str
    language: str
    title: Text2
    translation_of: dict[str, str]
    author: str
    note: str | None
    journals: dict[str, Journal]
    sources: dict[str, CitedIssue]
    references: dict[str, Reference]
    terms: dict[str, Term]
    sections: list[Section]
    claims: list[Claim]
    non_claims: list[NonClaim]
    sentences: list[Sentence]
    lines: int = 0
    term_lines: dict[str, int] = field(default_factory=dict)
    title_note: str | None = None  # who wrote the title, where the source text has none


# ---------------------------------------------------------------- YAML with line numbers


# libyaml's loader where PyYAML was built with it (several times faster); both keep line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.constructor.SafeConstructor()  # turns resolved scalar nodes into Python values


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[str, int]


_NO_ALIAS = "write the value out; aliases are not allowed in curated files"
_MAX_DEPTH = 32  # the curated schema nests 8 levels deep; deeper is a mistake (and recursion a risk)
# The tags plain YAML values resolve to. Everything else (!foo, !!python/..., !!binary, !!set, dates) is refused:
# the curated schema has text, numbers, true/false, lists and mappings only.
_TAG = "tag:yaml.org,2002:"
_VALUE_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
# Characters that are invisible or reorder how text displays (Unicode: zero-width space/joiners and
# directional marks U+200B-200F, bidi embeddings and overrides U+202A-202E, word joiner U+2060, bidi isolates
# U+2066-2069, BOM U+FEFF), and control characters other than tab and line feed. In a claims file they are
# refused unless the source text itself uses that character (ZWNJ U+200C is orthography in Persian and Urdu,
# for instance; the Arabic source here has none of them).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
                        "\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Refused in a source text (the Trojan Source problem, CVE-2021-42574): they make the displayed text differ
# from the stored characters, so a quote copied from the screen cannot match. The real source has none.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class _Invisible:
    """An invisible character found in a claims-file string, kept until the source text is known."""

    line: int
    char: str


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL CHARACTER')}"


def _load_yaml(path: Path) -> tuple[Any, list[_Invisible]]:
    """The file's data (mappings remember their lines) and the invisible characters its strings hold."""
    if not path.is_file():
        raise CurationError("the claims file is not a regular file", fix="use a plain file", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"cannot read the claims file: {exc}", fix="check the path and that it is UTF-8",
                            file=path) from exc
    try:
        _check_events(text, path)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CurationError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                            fix="correct the YAML syntax at that line (indentation, quotes, colons)",
                            file=path, line=line) from exc
    if node is None:
        raise CurationError("the claims file is empty", fix="start from an existing claims file", file=path)
    invisible: list[_Invisible] = []
    return _construct(node, path, invisible), invisible


def _check_events(text: str, path: Path) -> None:
    """Refuse anchors, aliases, explicit tags and deep nesting before anything is built from the file.

    An alias repeats a node: nine levels of nine aliases expand to 9**9 values (the "billion laughs"), and an
    alias inside its own anchor is a cycle. Plain values need neither.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise CurationError(f"YAML alias *{event.anchor}", fix=_NO_ALIAS, file=path, line=line)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise CurationError(f"YAML anchor &{anchor}", fix=_NO_ALIAS, file=path, line=line)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _VALUE_TAGS:
            raise CurationError(f"YAML tag {tag!r} is not allowed in curated files",
                                fix="remove the tag: write plain text, numbers, lists and mappings", file=path,
                                line=line)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > _MAX_DEPTH:
                raise CurationError(f"the YAML nests more than {_MAX_DEPTH} levels deep",
                                    fix="flatten the structure as in the existing claims file", file=path, line=line)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _construct(node: yaml.Node, path: Path, invisible: list[_Invisible]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = _Map()
        result.line = line
        result.end_line = node.end_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, path, invisible)
            if not isinstance(key, str):
                raise CurationError(f"mapping key {key!r} is not a string", fix="quote the key",
                                    file=path, line=key_node.start_mark.line + 1)
            if key in result:
                raise CurationError(f"duplicate key {key!r}", fix="remove or rename one of them",
                                    file=path, line=key_node.start_mark.line + 1)
            result[key] = _construct(value_node, path, invisible)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path, invisible) for item in node.value]
    if node.tag not in _VALUE_TAGS:
        what = "a date" if node.tag == _TAG + "timestamp" else f"a value tagged {node.tag!r}"
        raise CurationError(f"{node.value!r} reads as {what}, which curated files do not use",
                            fix="quote it to make it text, or write a plain number", file=path, line=line)
    try:
        value = _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
    except (ValueError, TypeError, yaml.YAMLError) as exc:  # e.g. an integer beyond Python's 4300-digit limit
        raise CurationError(f"cannot read the value {node.value[:40]!r}: {exc}",
                            fix="write a plain number or quote the text", file=path, line=line) from exc
    if isinstance(value, str):
        for char in sorted(set(_INVISIBLE.findall(value))):
            invisible.append(_Invisible(line, char))
    return value


# ---------------------------------------------------------------- field access with good messages


class _Ctx:
    """Where we are in the file, for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, message: str, fix: str, line: int | None = None, claim: str | None = None) -> CurationError:
        return CurationError(message, fix=fix, file=self.path, line=line, claim=claim)

    def fields(self, value: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...],
               line: int | None = None, claim: str | None = None) -> _Map:
        if not isinstance(value, _Map):
            raise self.error(f"{what} must be a mapping", fix=f"write {what} as 'key: value' lines",
                             line=line, claim=claim)
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                raise self.error(f"unknown field {key!r} in {what}",
                                 fix=f"remove it or use one of: {', '.join(sorted(allowed))}",
                                 line=value.key_lines.get(key, value.line), claim=claim)
        for key in required:
            if key not in value or value[key] in (None, ""):
                raise self.error(f"missing field {key!r} in {what}", fix=f"add '{key}: ...' to {what}",
                                 line=value.line, claim=claim)
        return value

    def string(self, m: _Map, key: str, claim: str | None = None) -> str:
        value = m[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"field {key!r} must be non-empty text", fix=f"write {key} as text",
                             line=m.key_lines.get(key, m.line), claim=claim)
        return value

    def curie(self, m: _Map, key: str, claim: str | None = None, value: Any = None) -> Curie:
        raw = m[key] if value is None else value
        try:
            return parse_curie(raw)
        except ValueError as exc:
            raise self.error(f"field {key!r}: {exc}", fix="write a CURIE with a known prefix and a well-formed ID",
                             line=m.key_lines.get(key, m.line), claim=claim) from exc

    def curies(self, m: _Map, key: str, claim: str | None = None) -> tuple[Curie, ...]:
        raw = m.get(key) or []
        if not isinstance(raw, list):
            raise self.error(f"field {key!r} must be a list", fix=f"write {key}: [A:1, B:2]",
                             line=m.key_lines.get(key, m.line), claim=claim)
        return tuple(self.curie(m, key, claim, value=item) for item in raw)

    def text2(self, m: _Map, key: str, claim: str | None = None, extra: tuple[str, ...] = ()) -> _Map:
        value = self.fields(m[key], f"{key!r}", ("ar", "en"), extra, line=m.key_lines.get(key, m.line),
                            claim=claim)
        for lang in ("ar", "en"):
            self.string(value, lang, claim)
        return value

    def decimal(self, m: _Map, key: str, claim: str | None = None, high: Decimal = MAX_BOUND) -> Decimal:
        """A YAML number from 0 to ``high``: not text, not true/false, not .nan or .inf."""
        raw = m[key]
        line = m.key_lines.get(key, m.line)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise self.error(f"field {key!r} must be a number, not {raw!r}", fix=f"write {key} as a number",
                             line=line, claim=claim)
        if isinstance(raw, float) and not math.isfinite(raw):
            raise self.error(f"field {key!r} must be a finite number, not {raw!r}",
                             fix=f"write {key} as a number such as 3 or 0.5 (.nan and .inf are not values)",
                             line=line, claim=claim)
        number = Decimal(str(raw))
        if number < 0:
            raise self.error(f"field {key!r} must not be negative ({number})", fix="use a number >= 0",
                             line=line, claim=claim)
        if number > high:
            raise self.error(f"field {key!r} is {number}, above the largest accepted value {high}",
                             fix=f"write {key} as a number from 0 to {high}", line=line, claim=claim)
        return number

    def integer(self, m: _Map, key: str, low: int, high: int) -> int:
        raw = m[key]
        if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
            raise self.error(f"field {key!r} must be a whole number from {low} to {high}, not {raw!r}",
                             fix=f"write {key} as a whole number", line=m.key_lines.get(key, m.line))
        return raw

    def ident(self, m: _Map, key: str, what: str, claim: str | None = None) -> str:
        return self.slug(m[key], what, m.key_lines.get(key, m.line), claim)

    def slug(self, value: Any, what: str, line: int | None, claim: str | None = None) -> str:
        """An ASCII slug of at most MAX_ID_LENGTH characters (it names IRIs and files)."""
        if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_ID_LENGTH:
            shown = value if not isinstance(value, str) or len(value) <= 60 else value[:60] + "…"
            raise self.error(f"{what} id {shown!r} is not a slug of at most {MAX_ID_LENGTH} characters",
                             fix="use lower-case ASCII letters a-z, digits 0-9 and single hyphens",
                             line=line, claim=claim)
        return value

    def block(self, m: _Map, key: str) -> _Map:
        """A mapping-valued field (an empty mapping when absent or empty)."""
        value = m.get(key)
        if value is None:
            empty = _Map()
            empty.line, empty.end_line, empty.key_lines = m.line, m.line, {}
            return empty
        return self.fields(value, repr(key), (), tuple(value) if isinstance(value, _Map) else (),
                           line=m.key_lines.get(key, m.line))

    def items(self, m: _Map, key: str) -> list[Any]:
        """A list-valued field (empty when absent)."""
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"{key!r} must be a list", fix=f"write {key} as '- ...' items",
                             line=m.key_lines.get(key, m.line))
        return value

    def optional_string(self, m: _Map, key: str, claim: str | None = None) -> str | None:
        return self.string(m, key, claim) if m.get(key) is not None else None

    def strings(self, m: _Map, key: str, what: str, claim: str | None = None) -> tuple[str, ...]:
        """A list of non-empty strings (a lone string is refused: it is not a list of one)."""
        raw = m.get(key)
        if raw is None:
            return ()
        line = m.key_lines.get(key, m.line)
        if not isinstance(raw, list):
            raise self.error(f"field {key!r} must be a list of {what}, not {raw!r}",
                             fix=f"write {key}: [first, second] (a list, even of one)", line=line, claim=claim)
        for item in raw:
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"field {key!r}: {item!r} is not {what[:-1] if what.endswith('s') else what}",
                                 fix=f"write each item of {key} as non-empty text", line=line, claim=claim)
        return tuple(raw)


# ---------------------------------------------------------------- text helpers


_SENTENCE = re.compile(r"[^.]+(?:\.(?!\d)|$)")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the text: each line is split after a full stop that is not inside a number."""
    sentences: list[Sentence] = []
    offset = 0
    for line_number, line in enumerate(text.split("\n"), start=1):
        for match in _SENTENCE.finditer(line):
            raw = match.group()
            stripped = raw.strip()
            if stripped:
                start = offset + match.start() + (len(raw) - len(raw.lstrip()))
                sentences.append(Sentence(len(sentences) + 1, line_number, start, start + len(stripped), stripped))
        offset += len(line) + 1
    return sentences


def _occurrences(text: str, needle: str) -> list[int]:
    found: list[int] = []
    start = text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


_TATWEEL = "\u0640"  # ARABIC TATWEEL: stretches a word when displayed, carries no letter

# The foldings tried, fewest first, to explain why a quote is not found: canonical Unicode equivalence (NFC/NFD:
# a letter with its marks composed or decomposed, marks in another order), tatweel, invisible characters, runs of
# white space.
_NFD, _NO_TATWEEL, _NO_INVISIBLE, _ONE_SPACE = _FOLDINGS = (
    "Unicode normalisation (NFC/NFD)", "removing tatweel (U+0640)",
    "removing invisible characters (U+200B-200F, U+202A-202E, U+2060, U+2066-2069, U+FEFF)",
    "treating runs of white space as one space")


def _fold(text: str, steps: frozenset[str]) -> tuple[str, list[int]]:
    """The text under the given foldings, with the offset in ``text`` of every folded character."""
    chars: list[tuple[str, int]] = []
    in_space = False
    for index, char in enumerate(text):
        if _NO_TATWEEL in steps and char == _TATWEEL:
            continue
        if _NO_INVISIBLE in steps and _INVISIBLE.match(char):
            continue
        if _ONE_SPACE in steps and char.isspace():
            if in_space:
                continue
            char, in_space = " ", True
        else:
            in_space = False
        chars.extend((d, index) for d in (unicodedata.normalize("NFD", char) if _NFD in steps else char))
    if _NFD in steps:  # canonical ordering (Unicode 15, section 3.11): a base's marks sorted by combining class
        i = 0
        while i < len(chars):
            j = i
            while j < len(chars) and unicodedata.combining(chars[j][0]):
                j += 1
            if j - i > 1:
                chars[i:j] = sorted(chars[i:j], key=lambda c: unicodedata.combining(c[0]))
            i = max(j, i + 1)
    return "".join(c for c, _ in chars), [i for _, i in chars]


def near_match(text: str, quote: str) -> tuple[int, int, str] | None:
    """Where a quote that is not in the text matches it after the fewest foldings: (start, end, which ones)."""
    subsets = sorted((frozenset(s for n, s in enumerate(_FOLDINGS) if mask >> n & 1)
                      for mask in range(1, 1 << len(_FOLDINGS))), key=len)
    for steps in subsets:
        folded_quote, _ = _fold(quote, steps)
        if not folded_quote.strip():
            continue
        folded_text, where = _fold(text, steps)
        at = folded_text.find(folded_quote)
        if at != -1:
            return (where[at], where[at + len(folded_quote) - 1] + 1,
                    " and ".join(s for s in _FOLDINGS if s in steps))
    return None


class _Locator:
    """Finds quotes in the source text and the sentences they lie in (sentences sorted by offset)."""

    def __init__(self, ctx: _Ctx, text: str, sentences: list[Sentence]) -> None:
        self.ctx, self.text, self.sentences = ctx, text, sentences
        self._starts = [s.start for s in sentences]

    def find(self, quote: Any, occurrence: Any, line: int, claim: str | None, what: str) -> Span:
        if not isinstance(quote, str) or not quote:
            raise self.ctx.error(f"{what} must be non-empty text", fix="copy the exact words from the source",
                                 line=line, claim=claim)
        hits = _occurrences(self.text, quote)
        if not hits:
            near = near_match(self.text, quote)
            if near is not None:
                start, end, steps = near
                found = self.text[start:end]
                raise self.ctx.error(
                    f"{what} is not an exact substring of the source text, but matches it after {steps}: "
                    f"{quote!r} differs from the source's {found!r} at offsets {start}-{end}",
                    fix=f"copy the exact text from the source at offsets {start}-{end} (source line "
                        f"{self.text.count(chr(10), 0, start) + 1}) into the quote", line=line, claim=claim)
            raise self.ctx.error(f"{what} is not an exact substring of the source text: {quote!r}",
                                 fix="copy the words exactly from the source (same letters, spaces, punctuation)",
                                 line=line, claim=claim)
        if occurrence is None:
            if len(hits) > 1:
                raise self.ctx.error(f"{what} occurs {len(hits)} times in the source: {quote!r}",
                                     fix=f"add 'occurrence: N' (1 to {len(hits)}) or lengthen the quote",
                                     line=line, claim=claim)
            start = hits[0]
        else:
            if not isinstance(occurrence, int) or isinstance(occurrence, bool) or not 1 <= occurrence <= len(hits):
                raise self.ctx.error(f"occurrence {occurrence!r} is out of range: the quote occurs {len(hits)} "
                                     f"time(s)", fix=f"use a whole number from 1 to {len(hits)}",
                                     line=line, claim=claim)
            start = hits[occurrence - 1]
        return Span(start, start + len(quote), quote)

    def sentences_of(self, span: Span) -> tuple[Sentence, ...]:
        first = max(bisect.bisect_right(self._starts, span.start) - 1, 0)
        found = []
        for sentence in self.sentences[first:]:
            if sentence.start >= span.end:
                break
            if sentence.end > span.start:
                found.append(sentence)
        return tuple(found)


# ---------------------------------------------------------------- the reader


def claim_files(directory: Path) -> list[Path]:
    """The curated claims files in a folder, one per source document, in name order."""
    return sorted(directory.glob("*.claims.yaml"))


def read_document(path: Path) -> Document:
    """Read and check one curated claims file (and the source text it names)."""
    ctx = _Ctx(path)
    data, invisible = _load_yaml(path)
    top = ctx.fields(data, "the file", ("schema", "document", "terms", "sections"),
                     ("journals", "sources", "references", "non_claims"))
    if top["schema"] != SCHEMA:
        raise ctx.error(f"unsupported schema {top['schema']!r}", fix=f"set 'schema: {SCHEMA}'",
                        line=top.key_lines["schema"])

    meta = ctx.fields(top["document"], "document",
                      ("id", "text", "sha256", "language", "title", "translation_of", "author"),
                      ("note", "title_note"), line=top.key_lines["document"])
    doc_id = ctx.ident(meta, "id", "document")
    text_path, text = _read_source(ctx, meta)
    _check_invisible(ctx, invisible, text, top)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != meta["sha256"]:
        raise ctx.error(f"the source text has sha256 {digest}, the claims file expects {meta['sha256']!r}",
                        fix="restore the source text, or re-check every quote and update 'sha256'",
                        line=meta.key_lines["sha256"])
    language = ctx.string(meta, "language")
    if not _LANGUAGE.fullmatch(language):
        raise ctx.error(f"language {language!r} is not a language tag", fix="write a BCP 47 tag such as ar or en",
                        line=meta.key_lines["language"])
    translation = ctx.fields(meta["translation_of"], "document.translation_of", ("iri", "title", "language"), (),
                             line=meta.key_lines["translation_of"])
    if not is_valid_iri(translation["iri"]):
        raise ctx.error(f"malformed IRI {translation['iri']!r}", fix="write an absolute IRI such as https://...",
                        line=translation.key_lines["iri"])
    for key in ("title", "language"):
        ctx.string(translation, key)
    if not _LANGUAGE.fullmatch(translation["language"]):
        raise ctx.error(f"language {translation['language']!r} is not a language tag",
                        fix="write a BCP 47 tag such as ar or en", line=translation.key_lines["language"])
    title = ctx.text2(meta, "title")
    ctx.string(meta, "author")
    ctx.optional_string(meta, "note")

    sentences = split_sentences(text)
    locator = _Locator(ctx, text, sentences)

    journals = _read_journals(ctx, ctx.block(top, "journals"))
    sources = _read_sources(ctx, ctx.block(top, "sources"), journals, locator)
    references = _read_references(ctx, ctx.block(top, "references"))
    terms = _read_terms(ctx, ctx.block(top, "terms"), text)

    non_claims = []
    for item in ctx.items(top, "non_claims"):
        entry = ctx.fields(item, "a non_claims entry", ("quote", "reason"), ("occurrence",),
                           line=top.key_lines["non_claims"])
        span = locator.find(entry["quote"], entry.get("occurrence"), entry.line, None, "non-claim quote")
        non_claims.append(NonClaim(span, ctx.string(entry, "reason")))

    lines = text.split("\n")
    sections: list[Section] = []
    claims: list[Claim] = []
    seen_ids: dict[str, int] = {}
    for raw_section in ctx.items(top, "sections"):
        entry = ctx.fields(raw_section, "a section", ("id", "claims"), ("heading", "heading_gloss", "population"),
                           line=top.key_lines["sections"])
        heading = None
        if entry.get("heading") is not None:
            wanted = ctx.string(entry, "heading")
            numbers = [n for n, line in enumerate(lines, start=1) if line.strip() == wanted]
            if len(numbers) != 1:
                raise ctx.error(f"heading {wanted!r} is not exactly one whole line of the source",
                                fix="copy the heading line exactly", line=entry.key_lines["heading"])
            heading = next(s for s in sentences if s.line == numbers[0])
            if "heading_gloss" not in entry:
                raise ctx.error("a section with a heading needs 'heading_gloss' (the heading in English)",
                                fix="add 'heading_gloss: ...'", line=entry.line)
        ctx.optional_string(entry, "heading_gloss")
        population = ctx.curie(entry, "population") if entry.get("population") else None
        section = Section(ctx.ident(entry, "id", "section"), heading, entry.get("heading_gloss"), population)
        sections.append(section)
        for raw_claim in ctx.items(entry, "claims"):
            claim = _read_claim(ctx, raw_claim, entry.key_lines["claims"], section, locator, sources, references)
            if claim.id in seen_ids:
                raise ctx.error(f"duplicate claim id {claim.id!r} (first at line {seen_ids[claim.id]})",
                                fix="give each claim a unique id", line=claim.line, claim=claim.id)
            seen_ids[claim.id] = claim.line
            claims.append(claim)

    document = Document(doc_id, path, text_path, text, digest, ctx.string(meta, "language"), Text2(title["ar"],
                        title["en"]), dict(translation), ctx.string(meta, "author"), meta.get("note"), journals,
                        sources, references, terms, sections, claims, non_claims, sentences, len(lines),
                        {curie: term.line for curie, term in terms.items()}, meta.get("title_note"))
    _check_terms_used(ctx, document)
    _check_coverage(ctx, document, top.key_lines.get("non_claims", top.key_lines["sections"]))
    return document


def _read_source(ctx: _Ctx, meta: _Map) -> tuple[Path, str]:
    """The source text named by 'document: text:': a file inside the claims file's folder, UTF-8, no BOM, no
    bidirectional controls."""
    line = meta.key_lines["text"]
    relative = ctx.string(meta, "text")
    folder = ctx.path.parent.resolve()
    fix = ("write a path relative to the claims file, inside its folder (e.g. sources/NAME.txt); put the text "
           "there rather than pointing outside")
    if Path(relative).is_absolute() or "\0" in relative:
        raise ctx.error(f"the source text path {relative!r} is absolute", fix=fix, line=line)
    candidate = ctx.path.parent / relative
    text_path = candidate.resolve()  # follows symbolic links: a link out of the folder is caught below
    if not text_path.is_relative_to(folder):
        raise ctx.error(f"the source text path {relative!r} leads outside the folder of the claims file "
                        f"({text_path})", fix=fix, line=line)
    if not text_path.is_file():
        raise ctx.error(f"the source text {relative!r} is missing or not a regular file",
                        fix="check 'document: text:' (a path relative to the claims file)", line=line)
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ctx.error(f"cannot read the source text {text_path}: {exc}",
                        fix="check 'document: text:' (a path relative to the claims file) and that it is UTF-8",
                        line=line) from exc
    if text.startswith("\ufeff"):
        raise CurationError("the source text starts with a byte order mark (U+FEFF), which would shift every "
                            "offset by one", fix="save the text as UTF-8 without BOM (remove its first three "
                            "bytes EF BB BF) and update 'sha256'", file=text_path, line=1)
    bidi = _BIDI_CONTROLS.search(text)
    if bidi:
        source_line = text.count("\n", 0, bidi.start()) + 1
        column = bidi.start() - (text.rfind("\n", 0, bidi.start()) + 1) + 1
        raise CurationError(f"the source text holds the bidirectional control {_char_name(bidi.group())} at "
                            f"column {column} (offset {bidi.start()}): it makes the displayed text differ from the "
                            "stored characters, so quotes copied from the screen cannot match",
                            fix="remove it from the source text and update 'sha256' in the claims file",
                            file=text_path, line=source_line)
    return text_path, text


def _check_invisible(ctx: _Ctx, invisible: list[_Invisible], text: str, top: _Map) -> None:
    """Refuse invisible characters in the claims file, except those the source text itself uses."""
    for found in invisible:
        if found.char not in text:
            raise ctx.error(f"invisible character {_char_name(found.char)} in the claims file; the source text "
                            "has none", fix="delete it (retype the text, or copy it from the source text)",
                            line=found.line, claim=_claim_at(top, found.line))


def _claim_at(top: _Map, line: int) -> str | None:
    """The id of the claim whose entry holds a line of the file, if any (for messages)."""
    sections = top.get("sections")
    for section in sections if isinstance(sections, list) else []:
        claims = section.get("claims") if isinstance(section, _Map) else None
        for claim in claims if isinstance(claims, list) else []:
            if isinstance(claim, _Map) and claim.line <= line <= claim.end_line:
                claim_id = claim.get("id")
                return claim_id if isinstance(claim_id, str) else None
    return None


def _read_journals(ctx: _Ctx, block: _Map) -> dict[str, Journal]:
    journals = {}
    for key, value in block.items():
        ctx.slug(key, "journal", block.key_lines[key])
        entry = ctx.fields(value, f"journal {key!r}", ("title", "issn", "publisher", "nlm_abbreviation"),
                           ("eissn", "note", "title_ar"), line=block.key_lines[key])
        for field_name in ("issn", "eissn"):
            if field_name in entry and not (isinstance(entry[field_name], str)
                                            and _ISSN.fullmatch(entry[field_name])):
                raise ctx.error(f"journal {key!r}: {field_name} {entry[field_name]!r} is not an ISSN (NNNN-NNNC)",
                                fix="write the ISSN as four digits, a hyphen, three digits and a check digit",
                                line=entry.key_lines[field_name])
        journals[key] = Journal(key, ctx.string(entry, "title"), entry["issn"], entry.get("eissn"),
                                ctx.string(entry, "publisher"), ctx.string(entry, "nlm_abbreviation"),
                                ctx.optional_string(entry, "note"), ctx.optional_string(entry, "title_ar"))
    return journals


def _read_sources(ctx: _Ctx, block: _Map, journals: dict[str, Journal], locator: _Locator) -> dict[str, CitedIssue]:
    sources = {}
    for key, value in block.items():
        if key == "document":
            raise ctx.error(f"source key {key!r} is not allowed", fix="use a slug other than 'document'",
                            line=block.key_lines[key])
        ctx.slug(key, "source", block.key_lines[key])
        entry = ctx.fields(value, f"source {key!r}", ("journal", "year", "month", "cited_as"), (),
                           line=block.key_lines[key])
        if not isinstance(entry["journal"], str) or entry["journal"] not in journals:
            raise ctx.error(f"source {key!r} names journal {entry['journal']!r}, which is not declared",
                            fix=f"declare it under 'journals' (known: {', '.join(journals) or 'none'})",
                            line=entry.key_lines["journal"])
        cited_all: list[Span] = []
        for phrase in entry["cited_as"] if isinstance(entry["cited_as"], list) else [entry["cited_as"]]:
            hits = _occurrences(locator.text, phrase) if isinstance(phrase, str) and phrase else []
            if not hits:
                raise ctx.error(f"source {key!r}: cited_as {phrase!r} is not in the source text",
                                fix="copy the citation's words exactly from the source",
                                line=entry.key_lines["cited_as"])
            cited_all.extend(Span(h, h + len(phrase), phrase) for h in hits)
        sources[key] = CitedIssue(key, journals[entry["journal"]], ctx.integer(entry, "year", 1800, 2100),
                                  ctx.integer(entry, "month", 1, 12), tuple(cited_all))
    return sources


def _read_references(ctx: _Ctx, block: _Map) -> dict[str, Reference]:
    references = {}
    for key, value in block.items():
        ctx.slug(key, "reference", block.key_lines[key])
        entry = ctx.fields(value, f"reference {key!r}", ("title", "journal", "year", "doi"), ("pmid",),
                           line=block.key_lines[key])
        if not isinstance(entry["doi"], str) or not _DOI.fullmatch(entry["doi"]):
            raise ctx.error(f"reference {key!r}: {entry['doi']!r} is not a DOI", fix="write it as 10.NNNN/...",
                            line=entry.key_lines["doi"])
        pmid = entry.get("pmid")
        if pmid is not None and (isinstance(pmid, bool) or not _PMID.fullmatch(str(pmid))):
            raise ctx.error(f"reference {key!r}: {pmid!r} is not a PMID", fix="write the PubMed ID digits",
                            line=entry.key_lines["pmid"])
        references[key] = Reference(key, ctx.string(entry, "title"), ctx.string(entry, "journal"),
                                    ctx.integer(entry, "year", 1800, 2100), entry["doi"],
                                    None if pmid is None else str(pmid))
    return references


def _read_terms(ctx: _Ctx, block: _Map, text: str) -> dict[str, Term]:
    terms = {}
    for key, value in block.items():
        line = block.key_lines[key]
        try:
            curie = parse_curie(key)
        except ValueError as exc:
            raise ctx.error(f"term {exc}", fix="write the term key as a CURIE", line=line) from exc
        entry = ctx.fields(value, f"term {key}", ("kind", "label"),
                           ("text_labels", "note", "exact_match", "related", "components", "within", "en_labels"),
                           line=line)
        if not isinstance(entry["kind"], str) or entry["kind"] not in TERM_KINDS:
            raise ctx.error(f"term {key}: unknown kind {entry['kind']!r}", fix=f"use one of: {', '.join(TERM_KINDS)}",
                            line=entry.key_lines["kind"])
        label = ctx.text2(entry, "label")
        text_labels = ctx.strings(entry, "text_labels", "the text's own words")
        for phrase in text_labels:
            if phrase not in text:
                raise ctx.error(f"term {key}: text label {phrase!r} is not in the source text",
                                fix="text_labels must be the text's own words, copied exactly",
                                line=entry.key_lines["text_labels"])
        terms[str(curie)] = Term(curie, entry["kind"], Text2(label["ar"], label["en"]), text_labels,
                                 ctx.optional_string(entry, "note"), ctx.curies(entry, "exact_match"),
                                 ctx.curies(entry, "related"), ctx.curies(entry, "components"), line,
                                 ctx.curies(entry, "within"), ctx.strings(entry, "en_labels", "everyday English names"))
        if terms[str(curie)].within and entry["kind"] != "age-group":
            raise ctx.error(f"term {key}: only an age group lies within another age group",
                            fix="remove 'within', or make the term kind age-group", line=entry.key_lines["within"])
    return terms


_CLAIM_REQUIRED = ("id", "quote", "gloss", "subject", "relation", "object", "modality", "source")
_CLAIM_OPTIONAL = ("occurrence", "hedge", "frequency", "population", "setting", "onset", "resolution",
                   "onset_category", "body_sites", "condition_severity", "condition_duration", "condition_context",
                   "intervention", "object_description", "qualifier", "curator_inference", "note", "references",
                   "population_basis", "population_reason", "population_text", "resembles", "paragraph_source",
                   "flags")


def _read_claim(ctx: _Ctx, raw: Any, list_line: int, section: Section, locator: _Locator,
                sources: dict[str, CitedIssue], references: dict[str, Reference]) -> Claim:
    claim_id = raw.get("id") if isinstance(raw, _Map) else None
    label = claim_id if isinstance(claim_id, str) and len(claim_id) <= MAX_ID_LENGTH else None
    entry = ctx.fields(raw, "a claim", _CLAIM_REQUIRED, _CLAIM_OPTIONAL, line=list_line, claim=label)
    cid = ctx.ident(entry, "id", "claim")
    line = entry.line

    span = locator.find(entry["quote"], entry.get("occurrence"), entry.key_lines["quote"], cid, "quote")
    sentences = locator.sentences_of(span)
    if not sentences:
        raise ctx.error(f"quote {span.text!r} lies between sentences (white space or a line break only)",
                        fix="quote the words of the sentence the claim comes from", line=entry.key_lines["quote"],
                        claim=cid)
    context_start, context_end = sentences[0].start, sentences[-1].end
    context = locator.text[context_start:context_end]

    modality = entry["modality"]
    if not isinstance(modality, str) or modality not in MODALITIES:
        raise ctx.error(f"unknown modality {modality!r}", fix=f"use one of: {', '.join(MODALITIES)}",
                        line=entry.key_lines["modality"], claim=cid)
    hedge = None
    if "hedge" in entry:
        h = ctx.text2(entry, "hedge", cid)
        if h["ar"] not in context:
            raise ctx.error(f"hedge {h['ar']!r} is not in the claim's sentence",
                            fix="the hedge must be the text's own words from the quoted sentence",
                            line=entry.key_lines["hedge"], claim=cid)
        hedge = Text2(h["ar"], h["en"])
    if modality in ("hedged", "hypothesis") and hedge is None:
        raise ctx.error(f"a {modality} claim must keep its hedge words", fix="add 'hedge: {ar: ..., en: ...}'",
                        line=line, claim=cid)
    if modality == "asserted" and hedge is not None:
        raise ctx.error("an asserted claim has no hedge", fix="set 'modality: hedged' or remove 'hedge'",
                        line=entry.key_lines["hedge"], claim=cid)

    source = entry["source"]
    if source != "document":
        if not isinstance(source, str) or source not in sources:
            raise ctx.error(f"claim cites source {source!r}, which is not declared",
                            fix=f"declare it under 'sources' or use 'document' (declared: "
                                f"{', '.join(sources) or 'none'})", line=entry.key_lines["source"], claim=cid)
        if not any(context_start <= c.start and c.end <= context_end for c in sources[source].cited_as):
            raise ctx.error(f"source {source!r} is not cited in the claim's sentence",
                            fix="attribute the claim to 'document', or quote the sentence that cites the source",
                            line=entry.key_lines["source"], claim=cid)

    frequency = None
    if "frequency" in entry:
        f = ctx.text2(entry, "frequency", cid, extra=("category", "proportion"))
        if f["ar"] not in context:
            raise ctx.error(f"frequency words {f['ar']!r} are not in the claim's sentence",
                            fix="keep the text's own frequency words", line=entry.key_lines["frequency"], claim=cid)
        category = ctx.curie(f, "category", cid) if "category" in f else None
        proportion = ctx.decimal(f, "proportion", cid) if "proportion" in f else None
        if (category is None) != (proportion is None):
            raise ctx.error("a frequency category needs the number the text gives, and a number needs its category",
                            fix="set both 'category' and 'proportion', or neither (words like 'common' stay words)",
                            line=entry.key_lines["frequency"], claim=cid)
        if proportion is not None and proportion > 1:
            raise ctx.error(f"proportion {proportion} is above 1", fix="write a proportion from 0 to 1 (0.5 = half)",
                            line=entry.key_lines["frequency"], claim=cid)
        frequency = Frequency(Text2(f["ar"], f["en"]), category, proportion)

    windows = {}
    for key in ("onset", "resolution"):
        if key in entry:
            windows[key] = _read_window(ctx, entry, key, span.text, cid)

    refs = ctx.strings(entry, "references", "reference keys", cid)
    for ref in refs:
        if ref not in references:
            raise ctx.error(f"reference {ref!r} is not declared", fix="declare it under 'references'",
                            line=entry.key_lines["references"], claim=cid)

    description, qualifier = None, None
    for key in ("object_description", "qualifier"):
        if key in entry:
            d = ctx.text2(entry, key, cid)
            if d["ar"] not in context:
                raise ctx.error(f"{key.replace('_', ' ')} {d['ar']!r} is not in the claim's sentence",
                                fix="use the text's own words", line=entry.key_lines[key], claim=cid)
            if key == "qualifier":
                qualifier = Text2(d["ar"], d["en"])
            else:
                description = Text2(d["ar"], d["en"])

    def opt(key: str) -> Curie | None:
        return ctx.curie(entry, key, cid) if entry.get(key) else None

    _check_relation_policy(ctx, entry, modality, windows, cid)
    basis, reason, population_text = _read_population(ctx, entry, section, context, cid)
    resembles, resemblance_reason = None, None
    if "resembles" in entry:
        r = ctx.fields(entry["resembles"], "'resembles'", ("term", "reason"), (), line=entry.key_lines["resembles"],
                       claim=cid)
        if modality != "simile":
            raise ctx.error("only a simile claim resembles a phenotype",
                            fix="set 'modality: simile', or remove 'resembles'", line=entry.key_lines["resembles"],
                            claim=cid)
        resembles, resemblance_reason = ctx.curie(r, "term", cid), ctx.string(r, "reason", cid)
    paragraph_source, paragraph_sentence = None, None
    if "paragraph_source" in entry:
        paragraph_source = entry["paragraph_source"]
        paragraph_sentence = _paragraph_citation(ctx, entry, sources, locator, sentences[0], source, cid)
    flags = _read_flags(ctx, entry, references, cid)

    text = locator.text
    return Claim(
        id=cid, line=line, section=section, quote=span,
        prefix=text[max(0, span.start - _CONTEXT_CHARS):span.start], suffix=text[span.end:span.end + _CONTEXT_CHARS],
        gloss=ctx.string(entry, "gloss", cid), subject=ctx.curie(entry, "subject", cid),
        relation=ctx.curie(entry, "relation", cid), object=ctx.curie(entry, "object", cid), modality=modality,
        source=source, sentences=tuple(s.index for s in sentences), hedge=hedge, frequency=frequency,
        population=opt("population") or section.population, setting=opt("setting"), onset=windows.get("onset"),
        resolution=windows.get("resolution"), onset_category=opt("onset_category"),
        body_sites=ctx.curies(entry, "body_sites", cid), condition_severity=opt("condition_severity"),
        condition_duration=opt("condition_duration"), condition_context=opt("condition_context"),
        intervention=opt("intervention"), object_description=description, qualifier=qualifier,
        curator_inference=ctx.optional_string(entry, "curator_inference", cid),
        note=ctx.optional_string(entry, "note", cid), references=refs,
        population_basis=basis, population_reason=reason, population_text=population_text, resembles=resembles,
        resemblance_reason=resemblance_reason, paragraph_source=paragraph_source,
        paragraph_sentence=paragraph_sentence, flags=flags,
    )


def _check_relation_policy(ctx: _Ctx, entry: _Map, modality: str, windows: dict[str, Window], cid: str) -> None:
    """Treatment-emergent manifestations and similes have their own relations, so no plain phenotype triple says
    what only holds after treatment starts, and no simile becomes a phenotype."""
    relation = str(entry["relation"])
    line = entry.key_lines["relation"]
    after_treatment = any(w.anchor.startswith("treatment") for w in windows.values())
    if relation == "RO:0002200" and after_treatment:
        raise ctx.error("a manifestation anchored to treatment is not a plain feature of the condition",
                        fix=f"use 'relation: {TREATMENT_EMERGENT}' (with 'intervention:' and the window)", line=line,
                        claim=cid)
    if relation == TREATMENT_EMERGENT and not (entry.get("intervention") and after_treatment):
        raise ctx.error(f"{TREATMENT_EMERGENT} needs the treatment and a window counted from it",
                        fix="add 'intervention:' and an 'onset' or 'resolution' anchored at treatment-start or "
                            "treatment-end", line=line, claim=cid)
    if (modality == "simile") != (relation == "b12o:describedAsLike"):
        raise ctx.error("a simile is stated with b12o:describedAsLike, and b12o:describedAsLike only by a simile",
                        fix="set both 'modality: simile' and 'relation: b12o:describedAsLike', or neither",
                        line=line, claim=cid)


def _read_population(ctx: _Ctx, entry: _Map, section: Section, context: str,
                     cid: str) -> tuple[str | None, str | None, Text2 | None]:
    """Where the claim's population comes from: its sentence, the heading above it, or the curator's reading."""
    own = "population" in entry
    basis = entry.get("population_basis")
    if not own:
        for key in ("population_basis", "population_reason", "population_text"):
            if key in entry:
                raise ctx.error(f"'{key}' without 'population'", fix="add 'population: ...' or remove the key",
                                line=entry.key_lines[key], claim=cid)
        return ("heading" if section.population is not None else None), None, None
    if basis not in ("sentence", "curator"):
        raise ctx.error(f"a claim's own population needs 'population_basis: sentence' or 'curator', not {basis!r}",
                        fix="say where the population comes from: 'sentence' (the sentence names it) or 'curator' "
                            "(your reading, with 'population_reason'); the heading's population is inherited "
                            "without a 'population' key", line=entry.key_lines.get("population_basis", entry.line),
                        claim=cid)
    reason = entry.get("population_reason")
    if basis == "curator" and not (isinstance(reason, str) and reason.strip()):
        raise ctx.error("a population of the curator's reading needs its reason",
                        fix="add 'population_reason: ...' (why the text means this population)",
                        line=entry.key_lines["population_basis"], claim=cid)
    if basis == "sentence" and reason is not None:
        raise ctx.error("'population_reason' is for the curator's reading only",
                        fix="remove it, or set 'population_basis: curator'", line=entry.key_lines["population_reason"],
                        claim=cid)
    population_text = None
    if "population_text" in entry:
        t = ctx.text2(entry, "population_text", cid)
        if t["ar"] not in context:
            raise ctx.error(f"population text {t['ar']!r} is not in the claim's sentence",
                            fix="use the text's own words for the people", line=entry.key_lines["population_text"],
                            claim=cid)
        population_text = Text2(t["ar"], t["en"])
    return basis, reason, population_text


def _paragraph_citation(ctx: _Ctx, entry: _Map, sources: dict[str, CitedIssue], locator: _Locator,
                        first: Sentence, source: str, cid: str) -> int:
    """The index of the earlier sentence, in the claim's paragraph (source line), that cites `paragraph_source`."""
    key = entry["paragraph_source"]
    line = entry.key_lines["paragraph_source"]
    if source != "document":
        raise ctx.error("a claim attributed to a cited issue needs no attribution by paragraph",
                        fix="remove 'paragraph_source'", line=line, claim=cid)
    if not isinstance(key, str) or key not in sources:
        raise ctx.error(f"paragraph_source {key!r} is not a declared source",
                        fix=f"use a key of 'sources' (declared: {', '.join(sources) or 'none'})", line=line,
                        claim=cid)
    citing = [s for s in locator.sentences if s.line == first.line and s.index < first.index
              and any(s.start <= c.start and c.end <= s.end for c in sources[key].cited_as)]
    if not citing:
        raise ctx.error(f"no earlier sentence of the claim's paragraph (source line {first.line}) cites {key!r}",
                        fix="attribution by paragraph needs the citation earlier in the same paragraph; remove "
                            "'paragraph_source'", line=line, claim=cid)
    return citing[-1].index


def _read_flags(ctx: _Ctx, entry: _Map, references: dict[str, Reference], cid: str) -> tuple[Flag, ...]:
    if "flags" not in entry:
        return ()
    if not isinstance(entry["flags"], list):
        raise ctx.error("'flags' must be a list", fix="write '- kind: ..., note: ...' items",
                        line=entry.key_lines["flags"], claim=cid)
    flags = []
    for raw in entry["flags"]:
        f = ctx.fields(raw, "a flag", ("kind", "note"), ("references",), line=entry.key_lines["flags"], claim=cid)
        if f["kind"] not in FLAG_KINDS:
            raise ctx.error(f"unknown flag kind {f['kind']!r}", fix=f"use one of: {', '.join(FLAG_KINDS)}",
                            line=f.key_lines["kind"], claim=cid)
        refs = ctx.strings(f, "references", "keys of 'references'", cid)
        for ref in refs:
            if ref not in references:
                raise ctx.error(f"flag reference {ref!r} is not declared", fix="declare it under 'references'",
                                line=f.key_lines["references"], claim=cid)
        flags.append(Flag(f["kind"], ctx.string(f, "note", cid), refs))
    return tuple(flags)


def _read_window(ctx: _Ctx, entry: _Map, key: str, quote: str, cid: str) -> Window:
    w = ctx.fields(entry[key], f"{key!r}", ("anchor", "text", "text_en"), ("lower", "upper", "unit"),
                   line=entry.key_lines[key], claim=cid)
    if not isinstance(w["anchor"], str) or w["anchor"] not in ANCHORS:
        raise ctx.error(f"{key}: unknown anchor event {w['anchor']!r}", fix=f"use one of: {', '.join(ANCHORS)}",
                        line=w.key_lines["anchor"], claim=cid)
    if ctx.string(w, "text", cid) not in quote:
        raise ctx.error(f"{key}: window text {w['text']!r} is not in the quote",
                        fix="copy the window's words from the quote", line=w.key_lines["text"], claim=cid)
    lower = ctx.decimal(w, "lower", cid) if "lower" in w else None
    upper = ctx.decimal(w, "upper", cid) if "upper" in w else None
    unit = w.get("unit")
    if (lower is not None or upper is not None) and unit not in UNITS:
        raise ctx.error(f"{key}: a window with bounds needs a unit, not {unit!r}",
                        fix=f"add 'unit:' with one of: {', '.join(UNITS)}", line=w.line, claim=cid)
    if lower is None and upper is None and unit is not None:
        raise ctx.error(f"{key}: a unit without bounds", fix="remove 'unit' or add 'lower'/'upper'",
                        line=w.key_lines["unit"], claim=cid)
    if lower is not None and upper is not None and lower > upper:
        raise ctx.error(f"{key}: the window starts after it ends ({lower} > {upper} {unit})",
                        fix="swap 'lower' and 'upper'", line=w.line, claim=cid)
    return Window(w["anchor"], w["text"], lower, upper, unit, ctx.string(w, "text_en", cid))


# Which term kinds each claim field accepts.
_FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "population": ("age-group", "population"),
    "setting": ("setting",),
    "onset_category": ("onset",),
    "body_sites": ("anatomy",),
    "condition_severity": ("modifier",),
    "condition_duration": ("modifier",),
    "condition_context": ("condition",),
    "intervention": ("intervention",),
    "frequency": ("frequency",),
    "resembles": ("manifestation",),
}


def _claim_terms(claim: Claim) -> Iterator[tuple[str, Curie]]:
    yield "subject", claim.subject
    yield "object", claim.object
    for name in ("population", "setting", "onset_category", "condition_severity", "condition_duration",
                 "condition_context",
                 "intervention"):
        value = getattr(claim, name)
        if value is not None:
            yield name, value
    for site in claim.body_sites:
        yield "body_sites", site
    if claim.frequency and claim.frequency.category:
        yield "frequency", claim.frequency.category
    if claim.resembles is not None:
        yield "resembles", claim.resembles


def _check_terms_used(ctx: _Ctx, document: Document) -> None:
    for claim in document.claims:
        for name, curie in _claim_terms(claim):
            term = document.terms.get(str(curie))
            if term is None:
                raise ctx.error(f"{name} {curie} is not declared under 'terms'",
                                fix=f"add a 'terms:' entry for {curie} with its kind and English and Arabic labels",
                                line=claim.line, claim=claim.id)
            kinds = _FIELD_KINDS.get(name)
            if kinds and term.kind not in kinds:
                raise ctx.error(f"{name} {curie} is a {term.kind} term", fix=f"use a term of kind {' or '.join(kinds)}",
                                line=claim.line, claim=claim.id)
        if claim.relation.prefix not in ("RO", "b12o"):
            raise ctx.error(f"relation {claim.relation} is not an RO or b12o relation",
                            fix="use a relation the ontology declares (b12o:Relation members)",
                            line=claim.line, claim=claim.id)
    for term in document.terms.values():
        for curie in term.within:
            wider = document.terms.get(str(curie))
            if wider is None or wider.kind != "age-group":
                raise ctx.error(f"term {term.curie} lies within {curie}, which is not a declared age group",
                                fix=f"add a 'terms:' entry for {curie} of kind age-group", line=term.line)
        for curie in term.components + term.related:
            if curie.prefix == "b12" and str(curie) not in document.terms:
                raise ctx.error(f"term {term.curie} refers to {curie}, which is not declared",
                                fix=f"add a 'terms:' entry for {curie}", line=term.line)


def _check_coverage(ctx: _Ctx, document: Document, line: int) -> None:
    covered: set[int] = set()
    for claim in document.claims:
        covered.update(claim.sentences)
    for section in document.sections:
        if section.heading is not None:
            covered.add(section.heading.index)
    starts = {s.index: s for s in document.sentences}
    for non_claim in document.non_claims:
        for sentence in document.sentences:
            if sentence.start < non_claim.span.end and non_claim.span.start < sentence.end:
                covered.add(sentence.index)
    for index, sentence in starts.items():
        if index not in covered:
            raise ctx.error(f"sentence {index} (source line {sentence.line}) is not accounted for: "
                            f"{sentence.text[:60]!r}",
                            fix="add a claim whose quote lies in it, or list it under 'non_claims' with a reason",
                            line=line)
