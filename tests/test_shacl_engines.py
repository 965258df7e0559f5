"""The shapes compiled to SPARQL (the default engine) report the same violations as pySHACL, case by case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

from b12kg.qc.shacl_sparql import compile_shapes
from b12kg.qc.validate import SHACL_ENGINES, run_shacl
from test_shapes import B12O, CASES, CLAIM, HALF, ID, OA, TIME

SH = "http://www.w3.org/ns/shacl#"


def _second_subject(g: rdflib.Graph) -> URIRef:  # maxCount
    g.add((CLAIM, B12O.subject, URIRef("http://purl.obolibrary.org/obo/HP_0001337")))
    return CLAIM


def _literal_subject(g: rdflib.Graph) -> URIRef:  # nodeKind (and maxCount)
    _drop_all(g, HALF, B12O.subject)
    g.add((HALF, B12O.subject, Literal("vitamin B12 deficiency")))
    return HALF


def _two_english_hedges(g: rdflib.Graph) -> URIRef:  # uniqueLang
    hedged = URIRef(ID + "claim/adults-involuntary-movements-after-treatment")
    g.add((hedged, B12O.hedgeText, Literal("perhaps, again", lang="en")))
    return hedged


def _unit_not_in_list(g: rdflib.Graph) -> URIRef:  # sh:in
    upper = URIRef(str(CLAIM) + "/onset/upper")
    _drop_all(g, upper, TIME.unitType)
    g.add((upper, TIME.unitType, TIME.unitSecond))
    return upper


def _wrong_datatype_start(g: rdflib.Graph) -> URIRef:  # datatype (an xsd:integer-derived type Oxigraph folds)
    position = URIRef(str(CLAIM) + "/evidence/position")
    _drop_all(g, position, OA.start)
    g.add((position, OA.start, Literal(5, datatype=rdflib.XSD.int)))
    return position


def _two_quote_selectors(g: rdflib.Graph) -> URIRef:  # qualifiedMaxCount
    evidence = URIRef(str(CLAIM) + "/evidence")
    extra = URIRef(str(evidence) + "/quote-2")
    g.add((evidence, OA.hasSelector, extra))
    g.add((extra, rdflib.RDF.type, OA.TextQuoteSelector))
    return evidence


def _empty_quote(g: rdflib.Graph) -> URIRef:  # minLength
    quote = URIRef(str(CLAIM) + "/evidence/quote")
    _drop_all(g, quote, OA.exact)
    g.add((quote, OA.exact, Literal("")))
    return quote


def _proportion_above_one(g: rdflib.Graph) -> URIRef:  # maxInclusive
    frequency = URIRef(str(HALF) + "/frequency")
    _drop_all(g, frequency, B12O.approximateProportion)
    g.add((frequency, B12O.approximateProportion, Literal("1.5", datatype=rdflib.XSD.decimal)))
    return frequency


def _untitled_language(g: rdflib.Graph) -> URIRef:  # languageIn on a gloss without a language
    evidence = URIRef(str(CLAIM) + "/evidence")
    _drop_all(g, evidence, B12O.gloss)
    g.add((evidence, B12O.gloss, Literal("no language tag")))
    return evidence


def _drop_all(g: rdflib.Graph, s: URIRef, p: URIRef) -> None:
    g.remove((s, p, None))


EXTRA: list[tuple[str, Callable[[rdflib.Graph], URIRef]]] = [
    ("ClaimShape", _second_subject), ("ClaimShape", _literal_subject), ("HedgedClaimShape", _two_english_hedges),
    ("DurationShape", _unit_not_in_list), ("PositionSelectorShape", _wrong_datatype_start),
    ("EvidenceShape", _two_quote_selectors), ("QuoteSelectorShape", _empty_quote),
    ("FrequencyShape", _proportion_above_one), ("EvidenceShape", _untitled_language),
]
ALL = CASES + EXTRA


def _keys(graph_file: Path, engine: str, *, on_disk: bool | None = None,
          workers: int | None = None) -> set[tuple[str, str | None, str]]:
    if on_disk and workers is None:
        workers = 2  # the on-disk store's checks in two processes (read-only opens), whatever the CPUs here
    return {(v.focus, v.path, v.component)
            for v in run_shacl(graph_file, engine=engine, on_disk=on_disk, workers=workers)}


def test_every_constraint_of_the_shapes_compiles(ontology_dir: Path) -> None:
    checks = compile_shapes(ontology_dir / "shapes.ttl")
    assert {c.component for c in checks} >= {SH + "MinCountConstraintComponent", SH + "ClassConstraintComponent",
                                             SH + "QualifiedMinCountConstraintComponent",
                                             SH + "SPARQLConstraintComponent"}
    assert SHACL_ENGINES[0] == "sparql"


def test_both_engines_find_the_article_graph_conforms(fresh_build: Path) -> None:
    assert _keys(fresh_build / "b12kg.nt", "sparql") == _keys(fresh_build / "b12kg.nt", "pyshacl") == set()
    assert _keys(fresh_build / "b12kg.nt", "sparql", on_disk=True) == set()
    assert not [p for p in fresh_build.iterdir() if p.name.startswith(".b12kg-shacl-")]  # its store was removed


@pytest.fixture(scope="module")
def release(fresh_build: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")


@pytest.mark.slow
@pytest.mark.parametrize("shape,breaker", ALL, ids=[f"{name}-{b.__name__.strip('_')}" for name, b in ALL])
def test_sparql_and_pyshacl_report_the_same_violations(release: rdflib.Graph, tmp_path: Path, shape: str,
                                                       breaker: Callable[[rdflib.Graph], URIRef]) -> None:
    graph = rdflib.Graph()
    for triple in release:
        graph.add(triple)
    focus = breaker(graph)
    broken = tmp_path / "broken.nt"
    graph.serialize(broken, format="nt", encoding="utf-8")
    compiled, reference = _keys(broken, "sparql"), _keys(broken, "pyshacl")
    assert compiled == reference
    assert _keys(broken, "sparql", on_disk=True) == compiled  # the on-disk store (big graphs) finds the same
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.nt"]  # and its scratch store is gone
    named = {v.shape for v in run_shacl(broken) if v.focus == str(focus)}
    assert "https://w3id.org/b12kg/shapes#" + shape in named, named


def test_the_violation_names_its_shape_message_and_component(release: rdflib.Graph, tmp_path: Path) -> None:
    graph = rdflib.Graph()
    for triple in release:
        graph.add(triple)
    graph.add((URIRef(ID + "journal-issue/pediatrics-1997-02"), rdflib.URIRef("http://purl.org/ontology/bibo/doi"),
               Literal("10.1542/invented")))
    broken = tmp_path / "broken.nt"
    graph.serialize(broken, format="nt", encoding="utf-8")
    (violation,) = run_shacl(broken)
    assert violation.shape.endswith("#JournalIssueShape")
    assert violation.message == "an unidentified cited article has no DOI"
    assert violation.component == SH + "MaxCountConstraintComponent"


def test_the_on_disk_store_loaded_in_small_chunks_finds_the_same(release: rdflib.Graph, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import b12kg.qc.shacl_sparql
    import b12kg.qc.validate

    graph = rdflib.Graph()
    for triple in release:
        graph.add(triple)
    focuses = {str(_wrong_datatype_start(graph)), str(_two_quote_selectors(graph)), str(_empty_quote(graph))}
    broken = tmp_path / "broken.nt"
    graph.serialize(broken, format="nt", encoding="utf-8")
    in_memory = _keys(broken, "sparql", on_disk=False)
    assert focuses <= {focus for focus, _, _ in in_memory}
    monkeypatch.setattr(b12kg.qc.validate, "LOAD_CHUNK", 4096)  # hundreds of bulk loads, cut at line ends
    assert broken.stat().st_size > 100 * 4096
    assert _keys(broken, "sparql", on_disk=True) == in_memory
    # one process, or three (more processes than shapes with violations): the same violations
    assert _keys(broken, "sparql", on_disk=True, workers=1) == _keys(broken, "sparql", on_disk=True, workers=3) \
        == in_memory
    # the focus nodes in batches of 7 (hundreds of batches per shape, a violation near every batch's edge)
    monkeypatch.setattr(b12kg.qc.shacl_sparql, "FOCUS_BATCH", 7)
    assert _keys(broken, "sparql", on_disk=False) == _keys(broken, "sparql", on_disk=True) == in_memory
