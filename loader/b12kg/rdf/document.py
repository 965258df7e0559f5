"""RDF of a document: its metadata, journals and cited issues, sections, sentences and terms, then its claims."""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from b12kg.curation.read import Document, Sentence, Term
from b12kg.rdf.claims import claim_quads
from b12kg.rdf.nodes import (
    DEFAULT,
    LABEL,
    RDF_TYPE,
    XSD_GYEAR,
    XSD_GYEARMONTH,
    XSD_INT,
    Out,
    ar,
    b,
    en,
    iri,
    n,
    nni,
)
from b12kg.vocab import ID

__all__ = ["document_quads"]

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


def document_quads(document: Document) -> Iterator[Quad]:
    """All quads of one document: its metadata, sentences, sections, sources, terms, then claim by claim."""
    out = Out()
    doc = NamedNode(f"{ID}document/{document.id}")
    _document_metadata(out, document, doc)
    yield from out.quads
    for sentence in document.sentences:
        yield from _sentence_quads(document, doc, sentence)
    for term in document.terms.values():
        yield from _term_quads(term)
    for claim in document.claims:
        yield from claim_quads(document, doc, claim)


def _document_metadata(out: Out, document: Document, doc: NamedNode) -> None:
    add = out.add
    add(doc, RDF_TYPE, b("SourceDocument"))
    add(doc, LABEL, en(document.title.en))
    add(doc, LABEL, ar(document.title.ar))
    add(doc, n("dcterms", "title"), en(document.title.en))
    add(doc, n("dcterms", "title"), ar(document.title.ar))
    add(doc, n("dcterms", "identifier"), Literal(document.id))
    add(doc, n("dcterms", "language"), Literal(document.language))
    add(doc, b("sha256"), Literal(document.sha256))
    add(doc, b("characterCount"), nni(len(document.text)))
    add(doc, b("lineCount"), nni(document.lines))
    add(doc, b("fullText"), Literal(document.text))
    add(doc, b("authorStatus"), b("Unidentified") if document.author == "unidentified" else Literal(document.author))
    if document.note:
        add(doc, n("skos", "note"), en(document.note.strip()))
    if document.title_note:
        add(doc, n("skos", "editorialNote"), en(" ".join(document.title_note.split())))
    original = NamedNode(document.translation_of["iri"])
    add(doc, b("translationOf"), original)
    add(original, RDF_TYPE, n("fabio", "WebPage"))
    add(original, LABEL, en(document.translation_of["title"]))
    add(original, n("dcterms", "title"), en(document.translation_of["title"]))
    add(original, n("dcterms", "language"), Literal(document.translation_of["language"]))
    add(original, b("authorStatus"), b("Unidentified"))
    for journal in document.journals.values():
        j = NamedNode(f"{ID}journal/{journal.key}")
        add(j, RDF_TYPE, b("Journal"))
        add(j, LABEL, en(journal.title))
        add(j, n("dcterms", "title"), en(journal.title))
        add(j, n("bibo", "issn"), Literal(journal.issn))
        if journal.eissn:
            add(j, n("bibo", "eissn"), Literal(journal.eissn))
        add(j, n("dcterms", "publisher"), Literal(journal.publisher))
        add(j, n("bibo", "shortTitle"), Literal(journal.nlm_abbreviation))
        if journal.note:
            add(j, n("skos", "note"), en(journal.note))
    for issue in document.sources.values():
        i = NamedNode(f"{ID}journal-issue/{issue.key}")
        add(doc, b("cites"), i)
        add(i, RDF_TYPE, b("JournalIssue"))
        add(i, LABEL, en(f"{issue.journal.title}, {_MONTHS[issue.month - 1]} {issue.year} issue"))
        if issue.journal.title_ar:  # a clean Arabic label; the text's own (machine-translated) wording is kept apart
            add(i, LABEL, ar(f"{issue.journal.title_ar}، عدد {_MONTHS_AR[issue.month - 1]} {issue.year}"))
        for cited in sorted({span.text for span in issue.cited_as}):
            add(i, n("skos", "altLabel"), ar(cited))
            add(i, b("citedAs"), Literal(cited))
        add(i, n("dcterms", "isPartOf"), NamedNode(f"{ID}journal/{issue.journal.key}"))
        add(i, n("dcterms", "date"), Literal(f"{issue.year:04d}-{issue.month:02d}", datatype=XSD_GYEARMONTH))
        add(i, b("publicationYear"), Literal(str(issue.year), datatype=XSD_INT))
        add(i, b("publicationMonth"), Literal(str(issue.month), datatype=XSD_INT))
        add(i, b("citedArticleStatus"), b("Unidentified"))
        add(i, n("skos", "note"), en("The document cites this journal issue; the specific article (title, authors, "
                                       "pages, PMID, DOI) could not be identified, and none is recorded."))
    for ref in document.references.values():
        r = NamedNode(f"https://doi.org/{ref.doi}")
        add(r, RDF_TYPE, n("bibo", "AcademicArticle"))
        add(r, LABEL, en(ref.title))
        add(r, n("dcterms", "title"), en(ref.title))
        add(r, n("bibo", "doi"), Literal(ref.doi))
        if ref.pmid:
            add(r, n("bibo", "pmid"), Literal(ref.pmid))
        add(r, n("dcterms", "date"), Literal(str(ref.year), datatype=XSD_GYEAR))
        add(r, n("dcterms", "bibliographicCitation"), Literal(f"{ref.title}. {ref.journal}, {ref.year}. "
                                                                 f"doi:{ref.doi}"))
    for section in document.sections:
        s = NamedNode(f"{ID}document/{document.id}/section/{section.id}")
        add(s, RDF_TYPE, b("DocumentSection"))
        add(s, n("dcterms", "isPartOf"), doc)
        add(s, n("dcterms", "identifier"), Literal(section.id))
        if section.heading is not None:
            add(s, b("heading"), _sentence_iri(document, section.heading))
            add(s, LABEL, ar(section.heading.text))
        if section.heading_gloss:
            add(s, LABEL, en(section.heading_gloss))
        if section.population is not None:
            add(s, b("scopedPopulation"), iri(section.population))


def _sentence_iri(document: Document, sentence: Sentence) -> NamedNode:
    return NamedNode(f"{ID}document/{document.id}/sentence/{sentence.index}")


def _sentence_quads(document: Document, doc: NamedNode, sentence: Sentence) -> Iterator[Quad]:
    s = _sentence_iri(document, sentence)
    yield Quad(s, RDF_TYPE, b("Sentence"), DEFAULT)
    yield Quad(s, n("dcterms", "isPartOf"), doc, DEFAULT)
    yield Quad(s, b("sentenceIndex"), nni(sentence.index), DEFAULT)
    yield Quad(s, b("lineNumber"), nni(sentence.line), DEFAULT)
    yield Quad(s, b("startOffset"), nni(sentence.start), DEFAULT)
    yield Quad(s, b("endOffset"), nni(sentence.end), DEFAULT)
    yield Quad(s, b("text"), Literal(sentence.text), DEFAULT)
    for section in document.sections:
        if section.heading is not None and section.heading.index == sentence.index:
            yield Quad(s, b("nonClaimReason"), en("section heading (it scopes the paragraph below it)"), DEFAULT)
    for non_claim in document.non_claims:
        if sentence.start < non_claim.span.end and non_claim.span.start < sentence.end:
            yield Quad(s, b("nonClaimReason"), en(non_claim.reason), DEFAULT)


def _term_quads(term: Term) -> Iterator[Quad]:
    t = NamedNode(term.curie.iri)
    yield Quad(t, RDF_TYPE, b(_KIND_CLASS[term.kind]), DEFAULT)
    yield Quad(t, RDF_TYPE, n("owl", "NamedIndividual"), DEFAULT)
    yield Quad(t, LABEL, en(term.label.en), DEFAULT)
    yield Quad(t, LABEL, ar(term.label.ar), DEFAULT)
    if term.curie.prefix != "b12":
        yield Quad(t, n("dcterms", "identifier"), Literal(str(term.curie)), DEFAULT)
    for phrase in term.text_labels:
        yield Quad(t, n("skos", "altLabel"), ar(phrase), DEFAULT)
    for name in term.en_labels:
        yield Quad(t, n("skos", "altLabel"), en(name), DEFAULT)
    if term.note:
        yield Quad(t, n("skos", "note"), en(term.note.strip()), DEFAULT)
    for other in term.exact_match:
        yield Quad(t, n("skos", "exactMatch"), iri(other), DEFAULT)
    for other in term.related:
        yield Quad(t, n("skos", "relatedMatch"), iri(other), DEFAULT)
    for other in term.components:
        yield Quad(t, b("hasComponent"), iri(other), DEFAULT)
    for wider in term.within:
        yield Quad(t, b("withinAgeGroup"), iri(wider), DEFAULT)
