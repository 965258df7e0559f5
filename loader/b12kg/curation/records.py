"""The checked records the rest of the pipeline reads: the schema's models, extended with what reading the text adds."""

# A record extends its schema model (b12kg.curation.schema) with what the reader computes: offsets in the source
# text, the sentences a quote lies in, the section a claim inherits its population from. Records are built by
# b12kg.curation.read from values the schema has already checked, so they are not validated a second time.

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from b12kg.curation.scalars import PopulationBasis
from b12kg.curation.schema import (
    ClaimCore,
    Curated,
    Flag,
    Frequency,
    JournalEntry,
    ReferenceEntry,
    TermEntry,
    Text2,
    Window,
)
from b12kg.vocab import Curie

R = TypeVar("R", bound=BaseModel)

_set = object.__setattr__  # how pydantic's model_construct fills a model

__all__ = [
    "Record", "Span", "Sentence", "Text2", "Window", "Frequency", "Flag", "Curated", "Term", "Journal",
    "CitedIssue", "Reference", "Section", "Claim", "NonClaim", "Document", "build",
]


class Record(BaseModel):
    """A record computed by the reader: read-only."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


@cache
def _defaults(cls: type[BaseModel]) -> tuple[dict[str, Any], set[str]]:
    defaults = {name: info.get_default(call_default_factory=True) for name, info in cls.model_fields.items()
                if not info.is_required()}
    return defaults, set(cls.model_fields)


def build(cls: type[R], **values: Any) -> R:
    """A record from values already checked: what pydantic's ``model_construct`` does (no second validation),
    without its per-call work, as the bench reads 10^5 claims. Defaults are immutable (None, (), 0). Every record
    of a class shares one set of field names as pydantic's "fields set" (records are frozen, and model_copy copies
    the set before changing it): a set per claim would cost 2 KiB."""
    defaults, names = _defaults(cls)
    record = cls.__new__(cls)
    _set(record, "__dict__", {**defaults, **values})
    _set(record, "__pydantic_fields_set__", names)
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


class Span(Record):
    """A stretch of the source text: [start, end) in Unicode code points."""

    start: int
    end: int
    text: str


class Sentence(Record):
    """A sentence of the source text: its 1-based index and line, and its offsets."""

    index: int
    line: int
    start: int
    end: int
    text: str


class Term(TermEntry):
    """A declared term, with its CURIE and the line that declares it."""

    curie: Curie
    line: int = 0


class Journal(JournalEntry):
    """A journal, under its key."""

    key: str


class CitedIssue(Record):
    """A journal issue the document cites, with every place in the text that cites it."""

    key: str
    journal: Journal
    year: int
    month: int
    cited_as: tuple[Span, ...]


class Reference(ReferenceEntry):
    """Verified literature, under its key."""

    key: str


class Section(Record):
    """A section of the document: its heading sentence (if any) and the population that heading scopes."""

    id: str
    heading: Sentence | None
    heading_gloss: str | None
    population: Curie | None


class Claim(ClaimCore):
    """A checked claim: the schema's fields, with the quote located in the text and the population resolved.

    ``population`` is the claim's own or, failing that, its section's; ``population_basis`` says which
    (sentence, curator or heading; None when the claim has no population)."""

    line: int
    section: Section
    quote: Span
    prefix: str  # text just before the quote (oa:prefix)
    suffix: str  # text just after it (oa:suffix)
    sentences: tuple[int, ...]  # indexes of the sentences the quote lies in
    population_basis: PopulationBasis | None = None
    resembles: Curie | None = None  # a phenotype the curator reads a simile as resembling (ECO:0000305)
    resemblance_reason: str | None = None
    paragraph_source: str | None = None  # a cited issue an earlier sentence of the same paragraph cites
    paragraph_sentence: int | None = None  # the index of that citing sentence


class NonClaim(Record):
    """Text that carries no claim, located, with the reason."""

    span: Span
    reason: str


class Document(BaseModel):
    """One curated source document: its text, sentences, terms, sections and claims."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

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
    term_lines: dict[str, int] = {}
    title_note: str | None = None  # who wrote the title, where the source text has none
