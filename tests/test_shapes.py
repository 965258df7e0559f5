"""SHACL: the release conforms, and each shape reports its own violation on a graph broken just for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

from b12kg.qc.validate import run_shacl

B12O = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
SH = "https://w3id.org/b12kg/shapes#"
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")
BIBO = rdflib.Namespace("http://purl.org/ontology/bibo/")
ID = "https://w3id.org/b12kg/id/"
CLAIM = URIRef(ID + "claim/children-involuntary-movements-3-to-5-days-after-treatment")
HALF = URIRef(ID + "claim/infants-about-half-have-involuntary-movements")
DOC = URIRef(ID + "document/b12-involuntary-movements-ar")


def _drop(graph: rdflib.Graph, s: URIRef, p: URIRef) -> None:
    graph.remove((s, p, None))


def _remove_modality(g: rdflib.Graph) -> URIRef:
    _drop(g, CLAIM, B12O.modality)
    return CLAIM


def _remove_curation_date(g: rdflib.Graph) -> URIRef:
    _drop(g, CLAIM, rdflib.DCTERMS.created)
    return CLAIM


def _remove_hedge(g: rdflib.Graph) -> URIRef:
    hedged = URIRef(ID + "claim/adults-involuntary-movements-after-treatment")
    _drop(g, hedged, B12O.hedgeText)
    return hedged


def _remove_position_selector(g: rdflib.Graph) -> URIRef:
    evidence = URIRef(str(CLAIM) + "/evidence")
    g.remove((evidence, OA.hasSelector, URIRef(str(evidence) + "/position")))
    return evidence


def _remove_prefix(g: rdflib.Graph) -> URIRef:
    quote = URIRef(str(CLAIM) + "/evidence/quote")
    _drop(g, quote, OA.prefix)
    return quote


def _start_after_end(g: rdflib.Graph) -> URIRef:
    position = URIRef(str(CLAIM) + "/evidence/position")
    _drop(g, position, OA.start)
    g.add((position, OA.start, Literal(99999, datatype=rdflib.XSD.nonNegativeInteger)))
    return position


def _lower_above_upper(g: rdflib.Graph) -> URIRef:
    lower = URIRef(str(CLAIM) + "/onset/lower")
    _drop(g, lower, B12O.approximateDays)
    g.add((lower, B12O.approximateDays, Literal("30.0", datatype=rdflib.XSD.decimal)))
    return URIRef(str(CLAIM) + "/onset")


def _negative_duration(g: rdflib.Graph) -> URIRef:
    upper = URIRef(str(CLAIM) + "/onset/upper")
    _drop(g, upper, TIME.numericDuration)
    g.add((upper, TIME.numericDuration, Literal("-5.0", datatype=rdflib.XSD.decimal)))
    return upper


def _proportion_without_category(g: rdflib.Graph) -> URIRef:
    frequency = URIRef(str(HALF) + "/frequency")
    _drop(g, frequency, B12O.frequencyCategory)
    return frequency


def _bad_sha256(g: rdflib.Graph) -> URIRef:
    _drop(g, DOC, B12O.sha256)
    g.add((DOC, B12O.sha256, Literal("not-a-digest")))
    return DOC


def _sentence_without_text(g: rdflib.Graph) -> URIRef:
    sentence = URIRef(str(DOC) + "/sentence/3")
    _drop(g, sentence, B12O.text)
    return sentence


def _invented_doi(g: rdflib.Graph) -> URIRef:
    issue = URIRef(ID + "journal-issue/pediatrics-1997-02")
    g.add((issue, BIBO.doi, Literal("10.1542/invented")))
    return issue


def _bad_issn(g: rdflib.Graph) -> URIRef:
    journal = URIRef(ID + "journal/pediatrics")
    _drop(g, journal, BIBO.issn)
    g.add((journal, BIBO.issn, Literal("31-4005")))
    return journal


def _missing_arabic_label(g: rdflib.Graph) -> URIRef:
    tremor = URIRef("http://purl.obolibrary.org/obo/HP_0001337")
    for label in list(g.objects(tremor, rdflib.RDFS.label)):
        if label.language == "ar":
            g.remove((tremor, rdflib.RDFS.label, label))
    return tremor


SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
COMMON_SIGN = URIRef(ID + "claim/children-involuntary-movements-common-sign")
DANCING = URIRef(ID + "claim/children-movements-like-dancing")
TREMORS = URIRef(ID + "claim/children-tremors")
STOPS = URIRef(ID + "claim/post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops")


def _population_without_basis(g: rdflib.Graph) -> URIRef:
    _drop(g, HALF, B12O.populationBasis)
    return HALF


def _curator_reading_without_reason(g: rdflib.Graph) -> URIRef:
    _drop(g, COMMON_SIGN, B12O.populationInference)
    return COMMON_SIGN


def _inference_without_note(g: rdflib.Graph) -> URIRef:
    inference = URIRef(str(COMMON_SIGN) + "/population-inference")
    _drop(g, inference, SKOS.note)
    return inference


def _simile_with_direct_triple(g: rdflib.Graph) -> URIRef:
    _drop(g, DANCING, B12O.hasDirectTriple)
    g.add((DANCING, B12O.hasDirectTriple, Literal(True)))
    return DANCING


def _resembles_without_inference(g: rdflib.Graph) -> URIRef:
    _drop(g, DANCING, B12O.resemblanceInference)
    return DANCING


def _paragraph_attribution_without_inference(g: rdflib.Graph) -> URIRef:
    _drop(g, TREMORS, B12O.attributionInference)
    return TREMORS


def _flag_without_kind(g: rdflib.Graph) -> URIRef:
    flag = URIRef(str(STOPS) + "/flag/1")
    _drop(g, flag, B12O.flagKind)
    return flag


CASES: list[tuple[str, Callable[[rdflib.Graph], URIRef]]] = [
    ("PopulationBasisShape", _population_without_basis),
    ("CuratorReadingShape", _curator_reading_without_reason),
    ("CuratorInferenceShape", _inference_without_note),
    ("SimileShape", _simile_with_direct_triple),
    ("ResemblesShape", _resembles_without_inference),
    ("ParagraphAttributionShape", _paragraph_attribution_without_inference),
    ("ClaimFlagShape", _flag_without_kind),
    ("ClaimShape", _remove_modality),
    ("ClaimShape", _remove_curation_date),
    ("HedgedClaimShape", _remove_hedge),
    ("EvidenceShape", _remove_position_selector),
    ("QuoteSelectorShape", _remove_prefix),
    ("PositionSelectorShape", _start_after_end),
    ("TimeWindowShape", _lower_above_upper),
    ("DurationShape", _negative_duration),
    ("FrequencyShape", _proportion_without_category),
    ("SourceDocumentShape", _bad_sha256),
    ("SentenceShape", _sentence_without_text),
    ("JournalIssueShape", _invented_doi),
    ("JournalShape", _bad_issn),
    ("TermLabelShape", _missing_arabic_label),
]


@pytest.fixture(scope="module")
def release(fresh_build: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")


def test_the_release_conforms(fresh_build: Path) -> None:
    assert run_shacl(fresh_build / "b12kg.nt") == []


def test_every_shape_has_a_breaking_case(ontology_dir: Path) -> None:
    shapes = rdflib.Graph().parse(ontology_dir / "shapes.ttl", format="turtle")
    declared = {str(s)[len(SH):] for s in shapes.subjects(rdflib.RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape"))
                if str(s).startswith(SH)}
    assert declared == {name for name, _ in CASES}


@pytest.mark.slow
@pytest.mark.parametrize("shape,breaker", CASES,
                         ids=[f"{name}-{breaker.__name__.strip('_')}" for name, breaker in CASES])
def test_a_broken_graph_is_reported_with_the_right_shape_and_focus_node(
        release: rdflib.Graph, tmp_path: Path, shape: str, breaker: Callable[[rdflib.Graph], URIRef]) -> None:
    graph = rdflib.Graph()
    for triple in release:
        graph.add(triple)
    focus = breaker(graph)
    broken = tmp_path / "broken.nt"
    graph.serialize(broken, format="nt", encoding="utf-8")
    violations = run_shacl(broken)
    assert violations, "the broken graph was not reported"
    assert any(v.shape == SH + shape and v.focus == str(focus) for v in violations), violations
