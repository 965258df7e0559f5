"""Reasoning that scales: HermiT on the schema once plus SPARQL typing equals HermiT on ontology and data together."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib

from b12kg.build.pipeline import build
from b12kg.errors import B12kgError
from b12kg.qc.abox import read_schema
from b12kg.qc.reason import hermit_full_inference, hermit_inference, type_data
from benchcorpus import synthetic_curated

pytestmark = pytest.mark.slow  # HermiT (a JVM)

B12O = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
ID = "https://w3id.org/b12kg/id/"
CLAIM = rdflib.URIRef(ID + "claim/infants-about-half-have-involuntary-movements")
SYNTHETIC_CLAIMS = 1000


def _same(graph_file: Path) -> None:
    scalable, full = hermit_inference(graph_file), hermit_full_inference(graph_file)
    assert scalable.subclass == full.subclass
    assert set(scalable.types) == full.types
    assert len(scalable.types) == len(full.types)
    assert scalable.engine == full.engine == "hermit"
    assert full.types, "HermiT inferred no types: the comparison would prove nothing"


def test_the_scalable_typing_equals_hermit_on_the_article(fresh_build: Path) -> None:
    _same(fresh_build / "b12kg.nt")


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of 1,000 claims in 4 documents, generated as bench/corpus.py generates the benchmark's corpora."""
    results = tmp_path_factory.mktemp("bench")
    curated = synthetic_curated(results, SYNTHETIC_CLAIMS, per_document=250)
    out = results / "graphs"
    build(curated_dir=curated, out_dir=out, ontology_out_dir=out)
    return out


def test_the_scalable_typing_equals_hermit_on_a_synthetic_corpus(synthetic_build: Path) -> None:
    _same(synthetic_build / "b12kg.nt")


def _broken(fresh_build: Path, tmp_path: Path, *triples: tuple[rdflib.URIRef, rdflib.URIRef, rdflib.term.Node]) \
        -> Path:
    graph = rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")
    for triple in triples:
        graph.add(triple)
    target = tmp_path / "broken.nt"
    graph.serialize(target, format="nt", encoding="utf-8")
    return target


def _problems(graph_file: Path) -> list[str]:
    return list(type_data(graph_file).problems)


def test_the_article_has_no_data_problem(fresh_build: Path) -> None:
    assert _problems(fresh_build / "b12kg.nt") == []


def test_a_claim_that_is_also_a_sentence_is_reported_and_hermit_agrees(fresh_build: Path, tmp_path: Path) -> None:
    broken = _broken(fresh_build, tmp_path, (CLAIM, rdflib.RDF.type, B12O.Sentence))
    problems = _problems(broken)
    assert any("disjoint" in p and str(CLAIM) in p for p in problems), problems
    from b12kg.qc.hermit import run_hermit

    assert not run_hermit(broken).consistent


def test_a_string_where_a_decimal_is_due_is_reported(fresh_build: Path, tmp_path: Path) -> None:
    frequency = rdflib.URIRef(str(CLAIM) + "/frequency")
    broken = _broken(fresh_build, tmp_path, (frequency, B12O.approximateProportion, rdflib.Literal("half")))
    problems = _problems(broken)
    assert any("approximateProportion" in p and "range" in p for p in problems), problems


def test_a_second_value_of_a_functional_property_is_refused_by_reason(fresh_build: Path, tmp_path: Path) -> None:
    broken = _broken(fresh_build, tmp_path,
                     (CLAIM, B12O.modality, B12O.Hedged))
    with pytest.raises(B12kgError, match="one individual"):
        hermit_inference(broken)


def test_a_schema_with_a_restriction_is_refused(fresh_build: Path, tmp_path: Path) -> None:
    restriction = rdflib.BNode()
    broken = _broken(fresh_build, tmp_path, (B12O.HealthClaim, rdflib.RDFS.subClassOf, restriction),
                     (restriction, rdflib.RDF.type, rdflib.OWL.Restriction))
    with pytest.raises(B12kgError, match="hermit-full"):
        read_schema(broken)
    shutil.rmtree(tmp_path, ignore_errors=True)
