"""RDF of one claim: its statement node and qualifiers, evidence, curator inferences, direct triple and named graphs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from b12kg.curation.read import QUALIFIERS, Claim, Document, Window
from b12kg.rdf.nodes import (
    LABEL,
    RDF_TYPE,
    XSD_BOOL,
    XSD_DATE,
    Out,
    ar,
    b,
    claim_iri,
    dec,
    en,
    iri,
    n,
    nni,
)
from b12kg.rdf.policy import has_direct_triple
from b12kg.vocab import ID, Curie

__all__ = ["claim_quads", "claim_iri", "DAYS_PER_UNIT", "EVIDENCE_NAS", "EVIDENCE_TAS", "EVIDENCE_IC"]

# Days per OWL-Time unit, for b12o:approximateDays (months and years from the mean Gregorian year,
# 365.2425 days), so that windows in different units can be compared by number.
DAYS_PER_UNIT = {"day": Decimal(1), "week": Decimal(7), "month": Decimal("30.436875"), "year": Decimal("365.2425")}

# ECO codes (ontology-ids.md §6, advice 8): bare statements by the author, statements traced to a cited
# reference, and the curator's own mappings.
EVIDENCE_NAS = "ECO:0000303"
EVIDENCE_TAS = "ECO:0000304"
EVIDENCE_IC = "ECO:0000305"

_MODALITY = {"asserted": "Asserted", "hedged": "Hedged", "hypothesis": "Hypothesis", "definition": "Definition",
             "recommendation": "Recommendation", "simile": "Simile"}
_POPULATION_BASIS = {"sentence": "StatedInSentence", "heading": "FromSectionHeading", "curator": "CuratorReading"}
_FLAG_KIND = {"conflicts-with-literature": "ConflictsWithLiterature", "translation-doubt": "TranslationDoubt"}
_ANCHOR = {"birth": "Birth", "treatment-start": "TreatmentStart", "treatment-end": "TreatmentEnd"}


def claim_quads(document: Document, doc: NamedNode, claim: Claim) -> Iterator[Quad]:
    """The quads of one claim: its statement node and qualifiers, evidence, direct triple and named graphs."""
    out = Out()
    add = out.add
    base = claim_iri(claim.id)
    c = NamedNode(base)
    subject, relation, obj = iri(claim.subject), iri(claim.relation), iri(claim.object)
    add(c, RDF_TYPE, b("HealthClaim"))
    add(c, n("dcterms", "identifier"), Literal(claim.id))
    curator = claim.curated.orcid
    add(c, n("dcterms", "creator"), NamedNode(curator) if curator else Literal(claim.curated.by))
    add(c, n("dcterms", "created"), Literal(claim.curated.date.isoformat(), datatype=XSD_DATE))
    add(c, LABEL, en(claim.gloss.strip()))
    add(c, LABEL, ar(claim.quote.text))
    add(c, b("subject"), subject)
    add(c, b("relation"), relation)
    add(c, b("object"), obj)
    add(c, b("modality"), b(_MODALITY[claim.modality]))
    if claim.source == "document":
        add(c, b("attributedTo"), doc)
    else:
        issue = NamedNode(f"{ID}journal-issue/{claim.source}")
        add(c, b("attributedTo"), issue)
        add(c, n("prov", "hadPrimarySource"), issue)
    add(c, n("prov", "wasQuotedFrom"), doc)
    add(c, b("inSection"), NamedNode(f"{ID}document/{document.id}/section/{claim.section.id}"))
    for index in claim.sentences:
        add(c, b("statedInSentence"), NamedNode(f"{ID}document/{document.id}/sentence/{index}"))
    if claim.hedge:
        add(c, b("hedgeText"), ar(claim.hedge.ar))
        add(c, b("hedgeText"), en(claim.hedge.en))
    for qualifier in QUALIFIERS.values():  # the schema's declarative table: field -> b12o property
        value = getattr(claim, qualifier.name)
        for curie in value if qualifier.many else () if value is None else (value,):
            add(c, b(qualifier.rdf), iri(curie))
    if claim.object_description:
        add(c, b("objectDescription"), ar(claim.object_description.ar))
        add(c, b("objectDescription"), en(claim.object_description.en))
    if claim.qualifier:
        add(c, b("qualifierText"), ar(claim.qualifier.ar))
        add(c, b("qualifierText"), en(claim.qualifier.en))
    if claim.frequency:
        f = NamedNode(base + "/frequency")
        add(c, b("frequency"), f)
        add(f, RDF_TYPE, b("Frequency"))
        add(f, b("frequencyText"), ar(claim.frequency.words.ar))
        add(f, b("frequencyText"), en(claim.frequency.words.en))
        if claim.frequency.category is not None and claim.frequency.proportion is not None:
            add(f, b("frequencyCategory"), iri(claim.frequency.category))
            add(f, b("approximateProportion"), dec(claim.frequency.proportion))
    for name, prop in (("onset", "onsetWindow"), ("resolution", "resolutionWindow")):
        window = getattr(claim, name)
        if window is not None:
            _window(out, c, NamedNode(f"{base}/{name}"), b(prop), window)
    if claim.population_basis is not None:
        add(c, b("populationBasis"), b(_POPULATION_BASIS[claim.population_basis]))
    for group in _age_groups(document, claim.population):
        add(c, b("concernsAgeGroup"), iri(group))
    if claim.population_text:
        add(c, b("populationText"), ar(claim.population_text.ar))
        add(c, b("populationText"), en(claim.population_text.en))
    if claim.population_reason:
        _inference(out, c, b("populationInference"), NamedNode(base + "/population-inference"),
                   claim.population_reason)
    if claim.resembles is not None and claim.resemblance_reason:
        add(c, b("resembles"), iri(claim.resembles))
        _inference(out, c, b("resemblanceInference"), NamedNode(base + "/resemblance-inference"),
                   claim.resemblance_reason)
    if claim.paragraph_source is not None and claim.paragraph_sentence is not None:
        sentence = next(s for s in document.sentences if s.index == claim.paragraph_sentence)
        add(c, b("paragraphAttributedTo"), NamedNode(f"{ID}journal-issue/{claim.paragraph_source}"))
        _inference(out, c, b("attributionInference"), NamedNode(base + "/attribution-inference"),
                   f"Sentence {sentence.index} of the same paragraph (source line {sentence.line}) cites this journal "
                   f"issue; this claim's own sentence cites nothing, so the curator reads the claim as probably "
                   f"resting on the same article. The document remains the claim's direct source.")
    for number, flag in enumerate(claim.flags, start=1):
        node = NamedNode(f"{base}/flag/{number}")
        add(c, b("flag"), node)
        add(node, RDF_TYPE, b("ClaimFlag"))
        add(node, b("flagKind"), b(_FLAG_KIND[flag.kind]))
        add(node, n("skos", "note"), en(" ".join(flag.note.split())))
        for ref in flag.references:
            add(node, b("flagReference"), NamedNode(f"https://doi.org/{document.references[ref].doi}"))
    if claim.note:
        add(c, n("skos", "editorialNote"), en(claim.note.strip()))
    for ref in claim.references:
        add(c, b("curatorReference"), NamedNode(f"https://doi.org/{document.references[ref].doi}"))

    evidence = NamedNode(base + "/evidence")
    quote_selector = NamedNode(base + "/evidence/quote")
    position_selector = NamedNode(base + "/evidence/position")
    add(c, b("hasEvidence"), evidence)
    add(evidence, RDF_TYPE, b("TextEvidence"))
    add(evidence, n("oa", "hasSource"), doc)
    add(evidence, n("oa", "hasSelector"), quote_selector)
    add(evidence, n("oa", "hasSelector"), position_selector)
    add(evidence, b("gloss"), en(claim.gloss.strip()))
    add(evidence, b("evidenceCode"), iri(EVIDENCE_NAS if claim.source == "document" else EVIDENCE_TAS))
    add(quote_selector, RDF_TYPE, n("oa", "TextQuoteSelector"))
    add(quote_selector, n("oa", "exact"), Literal(claim.quote.text))
    add(quote_selector, n("oa", "prefix"), Literal(claim.prefix))
    add(quote_selector, n("oa", "suffix"), Literal(claim.suffix))
    add(position_selector, RDF_TYPE, n("oa", "TextPositionSelector"))
    add(position_selector, n("oa", "start"), nni(claim.quote.start))
    add(position_selector, n("oa", "end"), nni(claim.quote.end))
    if claim.curator_inference:
        inference = NamedNode(base + "/inference")
        add(c, b("curatorInference"), inference)
        add(inference, RDF_TYPE, b("CuratorInference"))
        add(inference, b("evidenceCode"), iri(EVIDENCE_IC))
        add(inference, n("skos", "note"), en(claim.curator_inference.strip()))

    direct = has_direct_triple(claim)  # the policy (b12kg.rdf.policy)
    add(c, b("hasDirectTriple"), Literal("true" if direct else "false", datatype=XSD_BOOL))
    if direct:
        add(subject, relation, obj)

    # Nanopublication-shaped named graphs: the assertion alone, and its provenance.
    assertion = NamedNode(base + "/assertion")
    provenance = NamedNode(base + "/provenance")
    add(c, b("assertionGraph"), assertion)
    add(c, b("provenanceGraph"), provenance)
    add(subject, relation, obj, assertion)
    add(assertion, n("prov", "wasDerivedFrom"), c, provenance)
    add(assertion, n("prov", "wasQuotedFrom"), doc, provenance)
    add(assertion, RDF_TYPE, b("AssertionGraph"), provenance)
    if claim.source != "document":
        add(assertion, n("prov", "hadPrimarySource"), NamedNode(f"{ID}journal-issue/{claim.source}"), provenance)
    return iter(out.quads)


def _age_groups(document: Document, population: Curie | None) -> list[Curie]:
    """The claim's age group and every age group it lies within, transitively (empty for other populations)."""
    found: list[Curie] = []
    todo = [population] if population is not None else []
    while todo:
        curie = todo.pop()
        term = document.terms.get(str(curie))
        if term is None or term.kind != "age-group" or curie in found:
            continue
        found.append(curie)
        todo.extend(term.within)
    return sorted(found, key=str)


def _inference(out: Out, claim: NamedNode, prop: NamedNode, node: NamedNode, reason: str) -> None:
    """A curator inference node (ECO:0000305 with its reason), linked from the claim by ``prop``."""
    out.add(claim, prop, node)
    out.add(node, RDF_TYPE, b("CuratorInference"))
    out.add(node, b("evidenceCode"), iri(EVIDENCE_IC))
    out.add(node, n("skos", "note"), en(" ".join(reason.split())))


def _window(out: Out, claim: NamedNode, node: NamedNode, prop: NamedNode, window: Window) -> None:
    out.add(claim, prop, node)
    out.add(node, RDF_TYPE, b("TimeWindow"))
    out.add(node, b("anchorEvent"), b(_ANCHOR[window.anchor]))
    out.add(node, b("windowText"), ar(window.text))
    if window.text_en:
        out.add(node, b("windowText"), en(window.text_en))
    for name, value in (("lower", window.lower), ("upper", window.upper)):
        if value is None or window.unit is None:
            continue
        duration = NamedNode(f"{node.value}/{name}")
        out.add(node, b(f"{name}Bound"), duration)
        out.add(duration, RDF_TYPE, n("time", "Duration"))
        out.add(duration, n("time", "numericDuration"), dec(value))
        out.add(duration, n("time", "unitType"), n("time", "unit" + window.unit.capitalize()))
        out.add(duration, b("approximateDays"), dec(value * DAYS_PER_UNIT[window.unit]))
