"""The ontology: labelled in both languages, defined, well-headed; HermiT finds it and the data consistent."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, URIRef

from b12kg import __version__
from b12kg.qc.hermit import run_hermit

B12O = "https://w3id.org/b12kg/ontology#"


@pytest.fixture(scope="module")
def ontology(ontology_dir: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir / "b12kg.ttl", format="turtle")


def _langs(graph: rdflib.Graph, node: URIRef, prop: URIRef) -> set[str]:
    return {o.language for o in graph.objects(node, prop) if isinstance(o, rdflib.Literal)}


def test_every_class_and_property_has_english_and_arabic_labels_and_a_definition(ontology: rdflib.Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    ours = {t for t in terms if str(t).startswith(B12O)}
    assert len(ours) > 60
    for term in terms:
        assert {"en", "ar"} <= _langs(ontology, term, RDFS.label), term
        assert "en" in _langs(ontology, term, SKOS.definition), term
    for term in ours:  # the ontology's own terms are defined in both languages
        assert {"en", "ar"} <= _langs(ontology, term, SKOS.definition), term


def test_object_properties_of_the_claim_have_domain_and_range(ontology: rdflib.Graph) -> None:
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if str(prop).startswith(B12O) and (prop, RDF.type, URIRef(B12O + "Relation")) not in ontology:
            assert ontology.value(prop, RDFS.domain) is not None or ontology.value(prop, RDFS.range) is not None, prop


def test_ontology_header(ontology: rdflib.Graph) -> None:
    header = URIRef("https://w3id.org/b12kg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) == URIRef(f"https://w3id.org/b12kg/ontology/{__version__}")
    assert str(ontology.value(header, OWL.versionInfo)) == __version__
    for prop in (rdflib.DCTERMS.title, rdflib.DCTERMS.description):
        assert {"en", "ar"} <= _langs(ontology, header, prop)
    assert ontology.value(header, rdflib.DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(header, rdflib.DCTERMS.creator) is not None


def test_every_ontology_term_the_data_uses_is_declared(ontology: rdflib.Graph, fresh_build: Path) -> None:
    data = rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")
    used = {t for triple in data for t in triple if isinstance(t, URIRef) and str(t).startswith(B12O)}
    declared = set(ontology.subjects())
    assert used - declared == set()


def _quiet_hermit(path: Path, imports: Path):  # type: ignore[no-untyped-def]
    with contextlib.redirect_stderr(io.StringIO()):
        return run_hermit(path, imports)


@pytest.mark.slow
def test_hermit_finds_the_ontology_consistent(fresh_build: Path) -> None:
    report = _quiet_hermit(fresh_build / "b12kg.owl", fresh_build / "imports")
    assert report.consistent and report.unsatisfiable == ()


@pytest.mark.slow
def test_hermit_finds_ontology_and_data_consistent(fresh_build: Path) -> None:
    report = _quiet_hermit(fresh_build / "b12kg.nt", fresh_build / "imports")
    assert report.consistent and report.unsatisfiable == ()


@pytest.mark.slow
def test_hermit_would_catch_a_contradiction(fresh_build: Path, tmp_path: Path) -> None:
    """The check can fail: a claim node that is also a sentence (disjoint classes) makes HermiT say so."""
    broken = tmp_path / "broken.nt"
    claim = "<https://w3id.org/b12kg/id/claim/children-tremors>"
    broken.write_text((fresh_build / "b12kg.nt").read_text(encoding="utf-8") +
                      f"{claim} <{RDF.type}> <{B12O}Sentence> .\n", encoding="utf-8")
    assert not _quiet_hermit(broken, fresh_build / "imports").consistent


def test_hermit_names_an_unsatisfiable_class(fresh_build: Path, tmp_path: Path) -> None:
    """A class under two disjoint classes (a claim that is a sentence) is unsatisfiable; the graph stays consistent."""
    broken = tmp_path / "unsatisfiable.nt"
    odd = "https://w3id.org/b12kg/id/test/ClaimSentence"
    broken.write_text((fresh_build / "b12kg.nt").read_text(encoding="utf-8") +
                      f"<{odd}> <{RDF.type}> <{OWL.Class}> .\n"
                      f"<{odd}> <{RDFS.subClassOf}> <{B12O}Sentence> .\n"
                      f"<{odd}> <{RDFS.subClassOf}> <{B12O}HealthClaim> .\n", encoding="utf-8")
    report = _quiet_hermit(broken, fresh_build / "imports")
    assert report.consistent and report.unsatisfiable == (odd,)


def test_one_hermit_path() -> None:
    """`b12kg validate` and `b12kg reason` run HermiT through b12kg.qc.hermit alone."""
    package = Path(__file__).resolve().parents[1] / "loader" / "b12kg"
    users = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                   if any(word in p.read_text(encoding="utf-8") for word in ("HermiT.jar", "sync_reasoner")))
    assert users == ["qc/hermit.py"]


@pytest.mark.slow
def test_committed_inferred_graph_is_hermits_and_up_to_date(fresh_build: Path, committed: Path, tmp_path: Path) -> None:
    from b12kg.qc.reason import hermit_inference, write_inferred

    inference = hermit_inference(fresh_build / "b12kg.nt")
    write_inferred(inference, out_dir=tmp_path)
    for name in ("b12kg-inferred.nt", "b12kg-inferred.ttl"):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), \
            f"graphs/{name} is stale — run `b12kg reason` and commit graphs/"
    # the hierarchy HPO gives is in it: tremor and chorea are kinds of abnormality of the nervous system
    obo = "http://purl.obolibrary.org/obo/"
    assert (obo + "HP_0001337", obo + "HP_0000707") in inference.subclass
    assert (obo + "HP_0002072", obo + "HP_0000707") in inference.subclass


@pytest.mark.slow
def test_owl_rl_and_hermit_infer_the_same_hierarchy(fresh_build: Path) -> None:
    """The pure-Python OWL 2 RL path (owlrl) and HermiT agree on the class hierarchy and on instance types.

    They could differ: OWL 2 RL does not reason by cases (no union or existential reasoning on the super-class
    side), so an ontology using owl:unionOf or someValuesFrom superclasses would give HermiT more subclass
    triples. This ontology and its import modules use only named subclasses, domains, ranges, disjointness and
    functional properties, where both are complete, so the sets must be equal.
    """
    from b12kg.qc.reason import hermit_inference, owlrl_inference

    hermit = hermit_inference(fresh_build / "b12kg.nt")
    rl = owlrl_inference(fresh_build / "b12kg.nt")
    assert hermit.subclass, "HermiT inferred no subclass triples: the comparison would prove nothing"
    assert rl.subclass == hermit.subclass, (sorted(rl.subclass - hermit.subclass)[:10],
                                            sorted(hermit.subclass - rl.subclass)[:10])
    hermit_types = set(hermit.types)
    assert rl.types == hermit_types, (sorted(rl.types - hermit_types)[:10], sorted(hermit_types - set(rl.types))[:10])
