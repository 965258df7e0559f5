"""Model stage: turn checked curated records into RDF quads, one claim at a time (a stream, linear in claims)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.curation.read import QUALIFIERS, Claim, Document, Sentence, Term, Window
from b12kg.rdf.policy import has_direct_triple
from b12kg.vocab import ID, NS, Curie, parse_curie

__all__ = [
    "document_quads",
    "claim_quads",
    "claim_iri",
    "DAYS_PER_UNIT",
    "EVIDENCE_NAS",
    "EVIDENCE_TAS",
    "EVIDENCE_IC",
]

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
_KIND_CLASS = {"condition": "MedicalCondition", "manifestation": "Manifestation", "substance": "Substance",
               "diet": "Diet", "intervention": "Intervention", "age-group": "AgeGroup", "population": "Population",
               "setting": "Setting", "cause": "CauseOrRiskFactor", "concept": "Concept", "mechanism": "Mechanism",
               "modifier": "ClinicalModifier", "frequency": "FrequencyCategory", "onset": "OnsetCategory",
               "anatomy": "AnatomicalSite"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# Month names as Arabic health writing in Egypt and the Gulf uses them (the source text writes فبراير, يونيو, مايو).
_MONTHS_AR = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
              "ديسمبر")
_DEFAULT = DefaultGraph()


def _n(prefix: str, local: str) -> NamedNode:
    return NamedNode(NS[prefix] + local)


RDF_TYPE = _n("rdf", "type")
LABEL = _n("rdfs", "label")
XSD_DECIMAL = _n("xsd", "decimal")
XSD_INT = _n("xsd", "integer")
XSD_NNI = _n("xsd", "nonNegativeInteger")
XSD_BOOL = _n("xsd", "boolean")
XSD_GYEARMONTH = _n("xsd", "gYearMonth")
XSD_GYEAR = _n("xsd", "gYear")
XSD_DATE = _n("xsd", "date")


def b(local: str) -> NamedNode:
    """A term of the b12kg ontology."""
    return _n("b12o", local)


def claim_iri(claim_id: str) -> str:
    return f"{ID}claim/{claim_id}"


def _iri(curie: Curie | str) -> NamedNode:
    return NamedNode((parse_curie(curie) if isinstance(curie, str) else curie).iri)


def _ar(text: str) -> Literal:
    return Literal(text, language="ar")


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _dec(value: Decimal) -> Literal:
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD_DECIMAL)


def _nni(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_NNI)


class _Out:
    """Collects quads for one subject area; every quad goes to the default graph unless a graph is given."""

    def __init__(self) -> None:
        self.quads: list[Quad] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal, g: NamedNode | DefaultGraph = _DEFAULT) -> None:
        self.quads.append(Quad(s, p, o, g))


def document_quads(document: Document) -> Iterator[Quad]:
    """All quads of one document: its metadata, sentences, sections, sources, terms, then claim by claim."""
    out = _Out()
    doc = NamedNode(f"{ID}document/{document.id}")
    _document_metadata(out, document, doc)
    yield from out.quads
    for sentence in document.sentences:
        yield from _sentence_quads(document, doc, sentence)
    for term in document.terms.values():
        yield from _term_quads(term)
    for claim in document.claims:
        yield from claim_quads(document, doc, claim)


def _document_metadata(out: _Out, document: Document, doc: NamedNode) -> None:
    add = out.add
    add(doc, RDF_TYPE, b("SourceDocument"))
    add(doc, LABEL, _en(document.title.en))
    add(doc, LABEL, _ar(document.title.ar))
    add(doc, _n("dcterms", "title"), _en(document.title.en))
    add(doc, _n("dcterms", "title"), _ar(document.title.ar))
    add(doc, _n("dcterms", "identifier"), Literal(document.id))
    add(doc, _n("dcterms", "language"), Literal(document.language))
    add(doc, b("sha256"), Literal(document.sha256))
    add(doc, b("characterCount"), _nni(len(document.text)))
    add(doc, b("lineCount"), _nni(document.lines))
    add(doc, b("fullText"), Literal(document.text))
    add(doc, b("authorStatus"), b("Unidentified") if document.author == "unidentified" else Literal(document.author))
    if document.note:
        add(doc, _n("skos", "note"), _en(document.note.strip()))
    if document.title_note:
        add(doc, _n("skos", "editorialNote"), _en(" ".join(document.title_note.split())))
    original = NamedNode(document.translation_of["iri"])
    add(doc, b("translationOf"), original)
    add(original, RDF_TYPE, _n("fabio", "WebPage"))
    add(original, LABEL, _en(document.translation_of["title"]))
    add(original, _n("dcterms", "title"), _en(document.translation_of["title"]))
    add(original, _n("dcterms", "language"), Literal(document.translation_of["language"]))
    add(original, b("authorStatus"), b("Unidentified"))
    for journal in document.journals.values():
        j = NamedNode(f"{ID}journal/{journal.key}")
        add(j, RDF_TYPE, b("Journal"))
        add(j, LABEL, _en(journal.title))
        add(j, _n("dcterms", "title"), _en(journal.title))
        add(j, _n("bibo", "issn"), Literal(journal.issn))
        if journal.eissn:
            add(j, _n("bibo", "eissn"), Literal(journal.eissn))
        add(j, _n("dcterms", "publisher"), Literal(journal.publisher))
        add(j, _n("bibo", "shortTitle"), Literal(journal.nlm_abbreviation))
        if journal.note:
            add(j, _n("skos", "note"), _en(journal.note))
    for issue in document.sources.values():
        i = NamedNode(f"{ID}journal-issue/{issue.key}")
        add(doc, b("cites"), i)
        add(i, RDF_TYPE, b("JournalIssue"))
        add(i, LABEL, _en(f"{issue.journal.title}, {_MONTHS[issue.month - 1]} {issue.year} issue"))
        if issue.journal.title_ar:  # a clean Arabic label; the text's own (machine-translated) wording is kept apart
            add(i, LABEL, _ar(f"{issue.journal.title_ar}، عدد {_MONTHS_AR[issue.month - 1]} {issue.year}"))
        for cited in sorted({span.text for span in issue.cited_as}):
            add(i, _n("skos", "altLabel"), _ar(cited))
            add(i, b("citedAs"), Literal(cited))
        add(i, _n("dcterms", "isPartOf"), NamedNode(f"{ID}journal/{issue.journal.key}"))
        add(i, _n("dcterms", "date"), Literal(f"{issue.year:04d}-{issue.month:02d}", datatype=XSD_GYEARMONTH))
        add(i, b("publicationYear"), Literal(str(issue.year), datatype=XSD_INT))
        add(i, b("publicationMonth"), Literal(str(issue.month), datatype=XSD_INT))
        add(i, b("citedArticleStatus"), b("Unidentified"))
        add(i, _n("skos", "note"), _en("The document cites this journal issue; the specific article (title, authors, "
                                       "pages, PMID, DOI) could not be identified, and none is recorded."))
    for ref in document.references.values():
        r = NamedNode(f"https://doi.org/{ref.doi}")
        add(r, RDF_TYPE, _n("bibo", "AcademicArticle"))
        add(r, LABEL, _en(ref.title))
        add(r, _n("dcterms", "title"), _en(ref.title))
        add(r, _n("bibo", "doi"), Literal(ref.doi))
        if ref.pmid:
            add(r, _n("bibo", "pmid"), Literal(ref.pmid))
        add(r, _n("dcterms", "date"), Literal(str(ref.year), datatype=XSD_GYEAR))
        add(r, _n("dcterms", "bibliographicCitation"), Literal(f"{ref.title}. {ref.journal}, {ref.year}. "
                                                                 f"doi:{ref.doi}"))
    for section in document.sections:
        s = NamedNode(f"{ID}document/{document.id}/section/{section.id}")
        add(s, RDF_TYPE, b("DocumentSection"))
        add(s, _n("dcterms", "isPartOf"), doc)
        add(s, _n("dcterms", "identifier"), Literal(section.id))
        if section.heading is not None:
            add(s, b("heading"), _sentence_iri(document, section.heading))
            add(s, LABEL, _ar(section.heading.text))
        if section.heading_gloss:
            add(s, LABEL, _en(section.heading_gloss))
        if section.population is not None:
            add(s, b("scopedPopulation"), _iri(section.population))


def _sentence_iri(document: Document, sentence: Sentence) -> NamedNode:
    return NamedNode(f"{ID}document/{document.id}/sentence/{sentence.index}")


def _sentence_quads(document: Document, doc: NamedNode, sentence: Sentence) -> Iterator[Quad]:
    s = _sentence_iri(document, sentence)
    yield Quad(s, RDF_TYPE, b("Sentence"), _DEFAULT)
    yield Quad(s, _n("dcterms", "isPartOf"), doc, _DEFAULT)
    yield Quad(s, b("sentenceIndex"), _nni(sentence.index), _DEFAULT)
    yield Quad(s, b("lineNumber"), _nni(sentence.line), _DEFAULT)
    yield Quad(s, b("startOffset"), _nni(sentence.start), _DEFAULT)
    yield Quad(s, b("endOffset"), _nni(sentence.end), _DEFAULT)
    yield Quad(s, b("text"), Literal(sentence.text), _DEFAULT)
    for section in document.sections:
        if section.heading is not None and section.heading.index == sentence.index:
            yield Quad(s, b("nonClaimReason"), _en("section heading (it scopes the paragraph below it)"), _DEFAULT)
    for non_claim in document.non_claims:
        if sentence.start < non_claim.span.end and non_claim.span.start < sentence.end:
            yield Quad(s, b("nonClaimReason"), _en(non_claim.reason), _DEFAULT)


def _term_quads(term: Term) -> Iterator[Quad]:
    t = NamedNode(term.curie.iri)
    yield Quad(t, RDF_TYPE, b(_KIND_CLASS[term.kind]), _DEFAULT)
    yield Quad(t, RDF_TYPE, _n("owl", "NamedIndividual"), _DEFAULT)
    yield Quad(t, LABEL, _en(term.label.en), _DEFAULT)
    yield Quad(t, LABEL, _ar(term.label.ar), _DEFAULT)
    if term.curie.prefix != "b12":
        yield Quad(t, _n("dcterms", "identifier"), Literal(str(term.curie)), _DEFAULT)
    for phrase in term.text_labels:
        yield Quad(t, _n("skos", "altLabel"), _ar(phrase), _DEFAULT)
    for name in term.en_labels:
        yield Quad(t, _n("skos", "altLabel"), _en(name), _DEFAULT)
    if term.note:
        yield Quad(t, _n("skos", "note"), _en(term.note.strip()), _DEFAULT)
    for other in term.exact_match:
        yield Quad(t, _n("skos", "exactMatch"), _iri(other), _DEFAULT)
    for other in term.related:
        yield Quad(t, _n("skos", "relatedMatch"), _iri(other), _DEFAULT)
    for other in term.components:
        yield Quad(t, b("hasComponent"), _iri(other), _DEFAULT)
    for wider in term.within:
        yield Quad(t, b("withinAgeGroup"), _iri(wider), _DEFAULT)


def claim_quads(document: Document, doc: NamedNode, claim: Claim) -> Iterator[Quad]:
    """The quads of one claim: its statement node and qualifiers, evidence, direct triple and named graphs."""
    out = _Out()
    add = out.add
    iri = claim_iri(claim.id)
    c = NamedNode(iri)
    subject, relation, obj = _iri(claim.subject), _iri(claim.relation), _iri(claim.object)
    add(c, RDF_TYPE, b("HealthClaim"))
    add(c, _n("dcterms", "identifier"), Literal(claim.id))
    curator = claim.curated.orcid
    add(c, _n("dcterms", "creator"), NamedNode(curator) if curator else Literal(claim.curated.by))
    add(c, _n("dcterms", "created"), Literal(claim.curated.date.isoformat(), datatype=XSD_DATE))
    add(c, LABEL, _en(claim.gloss.strip()))
    add(c, LABEL, _ar(claim.quote.text))
    add(c, b("subject"), subject)
    add(c, b("relation"), relation)
    add(c, b("object"), obj)
    add(c, b("modality"), b(_MODALITY[claim.modality]))
    if claim.source == "document":
        add(c, b("attributedTo"), doc)
    else:
        issue = NamedNode(f"{ID}journal-issue/{claim.source}")
        add(c, b("attributedTo"), issue)
        add(c, _n("prov", "hadPrimarySource"), issue)
    add(c, _n("prov", "wasQuotedFrom"), doc)
    add(c, b("inSection"), NamedNode(f"{ID}document/{document.id}/section/{claim.section.id}"))
    for index in claim.sentences:
        add(c, b("statedInSentence"), NamedNode(f"{ID}document/{document.id}/sentence/{index}"))
    if claim.hedge:
        add(c, b("hedgeText"), _ar(claim.hedge.ar))
        add(c, b("hedgeText"), _en(claim.hedge.en))
    for qualifier in QUALIFIERS.values():  # the schema's declarative table: field -> b12o property
        value = getattr(claim, qualifier.name)
        for curie in value if qualifier.many else () if value is None else (value,):
            add(c, b(qualifier.rdf), _iri(curie))
    if claim.object_description:
        add(c, b("objectDescription"), _ar(claim.object_description.ar))
        add(c, b("objectDescription"), _en(claim.object_description.en))
    if claim.qualifier:
        add(c, b("qualifierText"), _ar(claim.qualifier.ar))
        add(c, b("qualifierText"), _en(claim.qualifier.en))
    if claim.frequency:
        f = NamedNode(iri + "/frequency")
        add(c, b("frequency"), f)
        add(f, RDF_TYPE, b("Frequency"))
        add(f, b("frequencyText"), _ar(claim.frequency.words.ar))
        add(f, b("frequencyText"), _en(claim.frequency.words.en))
        if claim.frequency.category is not None and claim.frequency.proportion is not None:
            add(f, b("frequencyCategory"), _iri(claim.frequency.category))
            add(f, b("approximateProportion"), _dec(claim.frequency.proportion))
    for name, prop in (("onset", "onsetWindow"), ("resolution", "resolutionWindow")):
        window = getattr(claim, name)
        if window is not None:
            _window(out, c, NamedNode(f"{iri}/{name}"), b(prop), window)
    if claim.population_basis is not None:
        add(c, b("populationBasis"), b(_POPULATION_BASIS[claim.population_basis]))
    for group in _age_groups(document, claim.population):
        add(c, b("concernsAgeGroup"), _iri(group))
    if claim.population_text:
        add(c, b("populationText"), _ar(claim.population_text.ar))
        add(c, b("populationText"), _en(claim.population_text.en))
    if claim.population_reason:
        _inference(out, c, b("populationInference"), NamedNode(iri + "/population-inference"),
                   claim.population_reason)
    if claim.resembles is not None and claim.resemblance_reason:
        add(c, b("resembles"), _iri(claim.resembles))
        _inference(out, c, b("resemblanceInference"), NamedNode(iri + "/resemblance-inference"),
                   claim.resemblance_reason)
    if claim.paragraph_source is not None and claim.paragraph_sentence is not None:
        sentence = next(s for s in document.sentences if s.index == claim.paragraph_sentence)
        add(c, b("paragraphAttributedTo"), NamedNode(f"{ID}journal-issue/{claim.paragraph_source}"))
        _inference(out, c, b("attributionInference"), NamedNode(iri + "/attribution-inference"),
                   f"Sentence {sentence.index} of the same paragraph (source line {sentence.line}) cites this journal "
                   f"issue; this claim's own sentence cites nothing, so the curator reads the claim as probably "
                   f"resting on the same article. The document remains the claim's direct source.")
    for number, flag in enumerate(claim.flags, start=1):
        node = NamedNode(f"{iri}/flag/{number}")
        add(c, b("flag"), node)
        add(node, RDF_TYPE, b("ClaimFlag"))
        add(node, b("flagKind"), b(_FLAG_KIND[flag.kind]))
        add(node, _n("skos", "note"), _en(" ".join(flag.note.split())))
        for ref in flag.references:
            add(node, b("flagReference"), NamedNode(f"https://doi.org/{document.references[ref].doi}"))
    if claim.note:
        add(c, _n("skos", "editorialNote"), _en(claim.note.strip()))
    for ref in claim.references:
        add(c, b("curatorReference"), NamedNode(f"https://doi.org/{document.references[ref].doi}"))

    evidence = NamedNode(iri + "/evidence")
    quote_selector = NamedNode(iri + "/evidence/quote")
    position_selector = NamedNode(iri + "/evidence/position")
    add(c, b("hasEvidence"), evidence)
    add(evidence, RDF_TYPE, b("TextEvidence"))
    add(evidence, _n("oa", "hasSource"), doc)
    add(evidence, _n("oa", "hasSelector"), quote_selector)
    add(evidence, _n("oa", "hasSelector"), position_selector)
    add(evidence, b("gloss"), _en(claim.gloss.strip()))
    add(evidence, b("evidenceCode"), _iri(EVIDENCE_NAS if claim.source == "document" else EVIDENCE_TAS))
    add(quote_selector, RDF_TYPE, _n("oa", "TextQuoteSelector"))
    add(quote_selector, _n("oa", "exact"), Literal(claim.quote.text))
    add(quote_selector, _n("oa", "prefix"), Literal(claim.prefix))
    add(quote_selector, _n("oa", "suffix"), Literal(claim.suffix))
    add(position_selector, RDF_TYPE, _n("oa", "TextPositionSelector"))
    add(position_selector, _n("oa", "start"), _nni(claim.quote.start))
    add(position_selector, _n("oa", "end"), _nni(claim.quote.end))
    if claim.curator_inference:
        inference = NamedNode(iri + "/inference")
        add(c, b("curatorInference"), inference)
        add(inference, RDF_TYPE, b("CuratorInference"))
        add(inference, b("evidenceCode"), _iri(EVIDENCE_IC))
        add(inference, _n("skos", "note"), _en(claim.curator_inference.strip()))

    direct = has_direct_triple(claim)  # the policy (b12kg.rdf.policy)
    add(c, b("hasDirectTriple"), Literal("true" if direct else "false", datatype=XSD_BOOL))
    if direct:
        add(subject, relation, obj)

    # Nanopublication-shaped named graphs: the assertion alone, and its provenance.
    assertion = NamedNode(iri + "/assertion")
    provenance = NamedNode(iri + "/provenance")
    add(c, b("assertionGraph"), assertion)
    add(c, b("provenanceGraph"), provenance)
    add(subject, relation, obj, assertion)
    add(assertion, _n("prov", "wasDerivedFrom"), c, provenance)
    add(assertion, _n("prov", "wasQuotedFrom"), doc, provenance)
    add(assertion, RDF_TYPE, b("AssertionGraph"), provenance)
    if claim.source != "document":
        add(assertion, _n("prov", "hadPrimarySource"), NamedNode(f"{ID}journal-issue/{claim.source}"), provenance)
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


def _inference(out: _Out, claim: NamedNode, prop: NamedNode, node: NamedNode, reason: str) -> None:
    """A curator inference node (ECO:0000305 with its reason), linked from the claim by ``prop``."""
    out.add(claim, prop, node)
    out.add(node, RDF_TYPE, b("CuratorInference"))
    out.add(node, b("evidenceCode"), _iri(EVIDENCE_IC))
    out.add(node, _n("skos", "note"), _en(" ".join(reason.split())))


def _window(out: _Out, claim: NamedNode, node: NamedNode, prop: NamedNode, window: Window) -> None:
    out.add(claim, prop, node)
    out.add(node, RDF_TYPE, b("TimeWindow"))
    out.add(node, b("anchorEvent"), b(_ANCHOR[window.anchor]))
    out.add(node, b("windowText"), _ar(window.text))
    if window.text_en:
        out.add(node, b("windowText"), _en(window.text_en))
    for name, value in (("lower", window.lower), ("upper", window.upper)):
        if value is None or window.unit is None:
            continue
        duration = NamedNode(f"{node.value}/{name}")
        out.add(node, b(f"{name}Bound"), duration)
        out.add(duration, RDF_TYPE, _n("time", "Duration"))
        out.add(duration, _n("time", "numericDuration"), _dec(value))
        out.add(duration, _n("time", "unitType"), _n("time", "unit" + window.unit.capitalize()))
        out.add(duration, b("approximateDays"), _dec(value * DAYS_PER_UNIT[window.unit]))
