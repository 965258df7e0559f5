"""The checks a schema cannot express: words found in the text, keys declared, policies across fields, coverage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from b12kg.curation.records import CitedIssue, Claim, Document, Reference, Section, Sentence, Window, build
from b12kg.curation.schema import FIELD_KINDS, QUALIFIERS, ClaimCore, ClaimEntry, Text2
from b12kg.curation.text import Locator
from b12kg.curation.yamlsafe import Invisible, YamlMap, char_name
from b12kg.errors import CurationError
from b12kg.vocab import Curie

__all__ = ["Where", "TREATMENT_EMERGENT", "CONTEXT_CHARS", "claim_record", "claim_terms", "check_invisible",
           "check_terms_used", "check_coverage"]

# The relation for a manifestation that appears after treatment starts; RO:0002200 "has phenotype" is kept for
# features of the condition itself (issue: a treatment-emergent sign is not a plain feature of the deficiency).
TREATMENT_EMERGENT = "b12o:hasTreatmentEmergentManifestation"
CONTEXT_CHARS = 32  # characters of oa:prefix / oa:suffix kept around each quote
_QUALIFIERS = tuple(QUALIFIERS.values())
_CORE_FIELDS = tuple(name for name in ClaimCore.model_fields if name != "population")  # population: resolved


@dataclass(frozen=True)
class Where:
    """The claims file being read, for messages."""

    path: Path

    def error(self, message: str, *, fix: str, line: int | None = None, claim: str | None = None) -> CurationError:
        return CurationError(message, fix=fix, file=self.path, line=line, claim=claim)


@dataclass(frozen=True)
class _Claim:
    """One claim being checked: its schema entry, its mapping's key lines, its sentences' text."""

    where: Where
    entry: ClaimEntry
    raw: YamlMap
    context: str  # the text of the sentences the quote lies in

    def error(self, message: str, *, fix: str, key: str | None = None) -> CurationError:
        line = self.raw.key_lines.get(key, self.raw.line) if key else self.raw.line
        return self.where.error(message, fix=fix, line=line, claim=self.entry.id)

    def in_sentence(self, key: str, words: Text2 | None, what: str, fix: str) -> None:
        if words is not None and words.ar not in self.context:
            raise self.error(f"{what} {words.ar!r} {'are' if what.endswith('words') else 'is'} not in the claim's "
                             "sentence", fix=fix, key=key)


def claim_record(where: Where, entry: ClaimEntry, raw: YamlMap, *, section: Section, locator: Locator,
                 sources: dict[str, CitedIssue], references: dict[str, Reference]) -> Claim:
    """Check one claim against the text and the file's declarations, and build its record."""
    cid = entry.id
    span = locator.find(entry.quote, entry.occurrence, line=raw.key_lines["quote"], claim=cid, what="quote")
    sentences = locator.sentences_of(span)
    if not sentences:
        raise where.error(f"quote {span.text!r} lies between sentences (white space or a line break only)",
                          fix="quote the words of the sentence the claim comes from", line=raw.key_lines["quote"],
                          claim=cid)
    start, end = sentences[0].start, sentences[-1].end
    c = _Claim(where, entry, raw, locator.text[start:end])
    _check_hedge(c)
    _check_source(c, sources, start, end)
    c.in_sentence("frequency", entry.frequency.words if entry.frequency else None, "frequency words",
                  "keep the text's own frequency words")
    for key in ("onset", "resolution"):
        _check_window(c, key, getattr(entry, key), span.text)
    for ref in entry.references:
        if ref not in references:
            raise c.error(f"reference {ref!r} is not declared", fix="declare it under 'references'", key="references")
    c.in_sentence("object_description", entry.object_description, "object description", "use the text's own words")
    c.in_sentence("qualifier", entry.qualifier, "qualifier", "use the text's own words")
    _check_relation_policy(c)
    basis = _population_basis(c, section)
    if entry.resembles is not None and entry.modality != "simile":
        raise c.error("only a simile claim resembles a phenotype", fix="set 'modality: simile', or remove 'resembles'",
                      key="resembles")
    paragraph_sentence = _paragraph_citation(c, sources, locator, sentences[0]) if entry.paragraph_source else None
    for flag in entry.flags:
        for ref in flag.references:
            if ref not in references:
                raise c.error(f"flag reference {ref!r} is not declared", fix="declare it under 'references'",
                              key="flags")
    text = locator.text
    return build(
        Claim, **{name: getattr(entry, name) for name in _CORE_FIELDS},
        population=entry.population or section.population, line=raw.line, section=section, quote=span,
        prefix=text[max(0, span.start - CONTEXT_CHARS):span.start], suffix=text[span.end:span.end + CONTEXT_CHARS],
        sentences=tuple(s.index for s in sentences), population_basis=basis,
        resembles=entry.resembles.term if entry.resembles else None,
        resemblance_reason=entry.resembles.reason if entry.resembles else None,
        paragraph_source=entry.paragraph_source, paragraph_sentence=paragraph_sentence)


def _check_hedge(c: _Claim) -> None:
    modality, hedge = c.entry.modality, c.entry.hedge
    c.in_sentence("hedge", hedge, "hedge", "the hedge must be the text's own words from the quoted sentence")
    if modality in ("hedged", "hypothesis") and hedge is None:
        raise c.error(f"a {modality} claim must keep its hedge words", fix="add 'hedge: {ar: ..., en: ...}'")
    if modality == "asserted" and hedge is not None:
        raise c.error("an asserted claim has no hedge", fix="set 'modality: hedged' or remove 'hedge'", key="hedge")


def _check_source(c: _Claim, sources: dict[str, CitedIssue], start: int, end: int) -> None:
    source = c.entry.source
    if source == "document":
        return
    if source not in sources:
        raise c.error(f"claim cites source {source!r}, which is not declared",
                      fix=f"declare it under 'sources' or use 'document' (declared: {', '.join(sources) or 'none'})",
                      key="source")
    if not any(start <= cited.start and cited.end <= end for cited in sources[source].cited_as):
        raise c.error(f"source {source!r} is not cited in the claim's sentence",
                      fix="attribute the claim to 'document', or quote the sentence that cites the source",
                      key="source")


def _check_window(c: _Claim, key: str, window: Window | None, quote: str) -> None:
    if window is None:
        return
    raw = c.raw[key]
    if window.text not in quote:
        raise c.where.error(f"{key}: window text {window.text!r} is not in the quote",
                            fix="copy the window's words from the quote", line=raw.key_lines["text"], claim=c.entry.id)
    if window.lower is not None and window.upper is not None and window.lower > window.upper:
        raise c.where.error(f"{key}: the window starts after it ends ({window.lower} > {window.upper} {window.unit})",
                            fix="swap 'lower' and 'upper'", line=raw.line, claim=c.entry.id)


def _check_relation_policy(c: _Claim) -> None:
    """Treatment-emergent manifestations and similes have their own relations, so no plain phenotype triple says
    what only holds after treatment starts, and no simile becomes a phenotype."""
    entry = c.entry
    relation = str(entry.relation)
    windows = [w for w in (entry.onset, entry.resolution) if w is not None]
    after_treatment = any(w.anchor.startswith("treatment") for w in windows)
    if relation == "RO:0002200" and after_treatment:
        raise c.error("a manifestation anchored to treatment is not a plain feature of the condition",
                      fix=f"use 'relation: {TREATMENT_EMERGENT}' (with 'intervention:' and the window)",
                      key="relation")
    if relation == TREATMENT_EMERGENT and not (entry.intervention and after_treatment):
        raise c.error(f"{TREATMENT_EMERGENT} needs the treatment and a window counted from it",
                      fix="add 'intervention:' and an 'onset' or 'resolution' anchored at treatment-start or "
                          "treatment-end", key="relation")
    if (entry.modality == "simile") != (relation == "b12o:describedAsLike"):
        raise c.error("a simile is stated with b12o:describedAsLike, and b12o:describedAsLike only by a simile",
                      fix="set both 'modality: simile' and 'relation: b12o:describedAsLike', or neither",
                      key="relation")


def _population_basis(c: _Claim, section: Section) -> str | None:
    """Where the claim's population comes from: its sentence, the heading above it, or the curator's reading."""
    entry = c.entry
    if entry.population is None:
        for key in ("population_basis", "population_reason", "population_text"):
            if getattr(entry, key) is not None:
                raise c.error(f"'{key}' without 'population'", fix="add 'population: ...' or remove the key", key=key)
        return "heading" if section.population is not None else None
    basis = entry.population_basis
    if basis is None:
        raise c.error("a claim's own population needs 'population_basis: sentence' or 'curator', not None",
                      fix="say where the population comes from: 'sentence' (the sentence names it) or 'curator' "
                          "(your reading, with 'population_reason'); the heading's population is inherited "
                          "without a 'population' key")
    if basis == "curator" and entry.population_reason is None:
        raise c.error("a population of the curator's reading needs its reason",
                      fix="add 'population_reason: ...' (why the text means this population)", key="population_basis")
    if basis == "sentence" and entry.population_reason is not None:
        raise c.error("'population_reason' is for the curator's reading only",
                      fix="remove it, or set 'population_basis: curator'", key="population_reason")
    c.in_sentence("population_text", entry.population_text, "population text", "use the text's own words for the "
                  "people")
    return basis


def _paragraph_citation(c: _Claim, sources: dict[str, CitedIssue], locator: Locator, first: Sentence) -> int:
    """The index of the earlier sentence, in the claim's paragraph (source line), that cites `paragraph_source`."""
    key = str(c.entry.paragraph_source)
    if c.entry.source != "document":
        raise c.error("a claim attributed to a cited issue needs no attribution by paragraph",
                      fix="remove 'paragraph_source'", key="paragraph_source")
    if key not in sources:
        raise c.error(f"paragraph_source {key!r} is not a declared source",
                      fix=f"use a key of 'sources' (declared: {', '.join(sources) or 'none'})", key="paragraph_source")
    citing = [s for s in locator.sentences if s.line == first.line and s.index < first.index
              and any(s.start <= cited.start and cited.end <= s.end for cited in sources[key].cited_as)]
    if not citing:
        raise c.error(f"no earlier sentence of the claim's paragraph (source line {first.line}) cites {key!r}",
                      fix="attribution by paragraph needs the citation earlier in the same paragraph; remove "
                          "'paragraph_source'", key="paragraph_source")
    return citing[-1].index


def claim_terms(claim: Claim) -> Iterator[tuple[str, Curie]]:
    """Every term a claim names, with the field that names it (subject, object, the QUALIFIERS table, frequency
    category, resembled phenotype)."""
    yield "subject", claim.subject
    yield "object", claim.object
    for qualifier in _QUALIFIERS:
        value = getattr(claim, qualifier.name)
        if qualifier.many:
            for curie in value:
                yield qualifier.name, curie
        elif value is not None:
            yield qualifier.name, value
    if claim.frequency and claim.frequency.category:
        yield "frequency", claim.frequency.category
    if claim.resembles is not None:
        yield "resembles", claim.resembles


def check_terms_used(where: Where, document: Document) -> None:
    """Every term a claim names is declared, and of a kind its field accepts; term links name declared terms."""
    for claim in document.claims:
        for name, curie in claim_terms(claim):
            term = document.terms.get(str(curie))
            if term is None:
                raise where.error(f"{name} {curie} is not declared under 'terms'",
                                  fix=f"add a 'terms:' entry for {curie} with its kind and English and Arabic labels",
                                  line=claim.line, claim=claim.id)
            kinds = FIELD_KINDS.get(name)
            if kinds and term.kind not in kinds:
                raise where.error(f"{name} {curie} is a {term.kind} term",
                                  fix=f"use a term of kind {' or '.join(kinds)}", line=claim.line, claim=claim.id)
    for term in document.terms.values():
        for curie in term.within:
            wider = document.terms.get(str(curie))
            if wider is None or wider.kind != "age-group":
                raise where.error(f"term {term.curie} lies within {curie}, which is not a declared age group",
                                  fix=f"add a 'terms:' entry for {curie} of kind age-group", line=term.line)
        for curie in term.components + term.related:
            if curie.prefix == "b12" and str(curie) not in document.terms:
                raise where.error(f"term {term.curie} refers to {curie}, which is not declared",
                                  fix=f"add a 'terms:' entry for {curie}", line=term.line)


def check_coverage(where: Where, document: Document, *, line: int) -> None:
    """Every sentence of the text lies under a claim's quote, a heading or a non-claim."""
    covered: set[int] = set()
    for claim in document.claims:
        covered.update(claim.sentences)
    for section in document.sections:
        if section.heading is not None:
            covered.add(section.heading.index)
    for non_claim in document.non_claims:
        for sentence in document.sentences:
            if sentence.start < non_claim.span.end and non_claim.span.start < sentence.end:
                covered.add(sentence.index)
    for sentence in document.sentences:
        if sentence.index not in covered:
            raise where.error(f"sentence {sentence.index} (source line {sentence.line}) is not accounted for: "
                              f"{sentence.text[:60]!r}",
                              fix="add a claim whose quote lies in it, or list it under 'non_claims' with a reason",
                              line=line)


def check_invisible(where: Where, invisible: list[Invisible], text: str, top: YamlMap) -> None:
    """Refuse invisible characters in the claims file, except those the source text itself uses."""
    for found in invisible:
        if found.char not in text:
            raise where.error(f"invisible character {char_name(found.char)} in the claims file; the source text "
                              "has none", fix="delete it (retype the text, or copy it from the source text)",
                              line=found.line, claim=_claim_at(top, found.line))


def _claim_at(top: YamlMap, line: int) -> str | None:
    """The id of the claim whose entry holds a line of the file, if any (for messages)."""
    sections = top.get("sections")
    for section in sections if isinstance(sections, list) else []:
        claims = section.get("claims") if isinstance(section, YamlMap) else None
        for claim in claims if isinstance(claims, list) else []:
            if isinstance(claim, YamlMap) and claim.line <= line <= claim.end_line:
                claim_id = claim.get("id")
                return claim_id if isinstance(claim_id, str) else None
    return None
