"""The shapes compiled to SPARQL (the default engine) report the same violations as pySHACL, case by case."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

import b12kg.paths
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


def _sorted_copy(graph: rdflib.Graph, path: Path) -> Path:
    """The graph as the build writes N-Triples: one triple per line, lines sorted (so subjects are contiguous)."""
    lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode().splitlines()) - {""})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _chunked(graph_file: Path, tmp_path: Path, *, chunk_bytes: int,
             workers: int = 1) -> set[tuple[str, str | None, str]] | None:
    """The chunked engine's violations (the lines outside the claims validated whole), None if it refuses."""
    from b12kg.qc.shacl_chunks import Unchunkable, run_chunked
    from b12kg.qc.validate import _run_whole

    checks = compile_shapes(Path(b12kg.paths.ONTOLOGY_DIR) / "shapes.ttl")
    found: set[tuple[str, str | None, str]] = set()

    def add(check: object, focus: str) -> None:
        found.add((focus, check.path, check.component))  # type: ignore[attr-defined]

    scratch = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        run_chunked(graph_file, checks, add, lambda rest: _run_whole(rest, checks, add, on_disk=False, workers=1),
                    scratch=scratch, workers=workers, chunk_bytes=chunk_bytes)
    except Unchunkable:
        return None
    return found


def test_claims_validated_in_chunks_give_the_whole_graphs_violations(release: rdflib.Graph, tmp_path: Path) -> None:
    """Every breaker's graph, sorted as the build writes it: chunks of a few claims (hundreds of cuts, claim IDs
    that are prefixes of others) find exactly what one store over the whole graph finds."""
    refused = []
    for _, breaker in ALL:
        graph = rdflib.Graph()
        for triple in release:
            graph.add(triple)
        focus = breaker(graph)
        data = _sorted_copy(graph, tmp_path / f"{breaker.__name__.strip('_')}.nt")
        whole = _keys(data, "sparql", on_disk=False)
        assert str(focus) in {f for f, _, _ in whole}, breaker.__name__  # the breaker breaks something
        chunked = _chunked(data, tmp_path, chunk_bytes=3000)
        if chunked is None:
            refused.append(breaker.__name__)
            continue
        assert chunked == whole, breaker.__name__
        assert _chunked(data, tmp_path, chunk_bytes=40_000, workers=2) == whole, breaker.__name__
        assert {(v.focus, v.path, v.component) for v in run_shacl(data, chunk_bytes=3000, workers=2)} == whole
    assert refused == [], refused  # none of them points a claim into another: every one runs in chunks


def test_a_graph_the_chunks_cannot_split_exactly_is_validated_whole(release: rdflib.Graph, tmp_path: Path) -> None:
    graph = rdflib.Graph()
    for triple in release:
        graph.add(triple)
    other = URIRef(ID + "claim/adults-involuntary-movements-after-treatment")
    graph.add((HALF, B12O.hasEvidence, URIRef(str(other) + "/evidence")))  # a claim pointing into another claim
    data = _sorted_copy(graph, tmp_path / "cross.nt")
    whole = _keys(data, "sparql", on_disk=False)
    assert _chunked(data, tmp_path, chunk_bytes=3000) is None
    assert {(v.focus, v.path, v.component) for v in run_shacl(data, chunk_bytes=3000)} == whole
    unsorted = tmp_path / "unsorted.nt"
    unsorted.write_text("".join(reversed(data.read_text(encoding="utf-8").splitlines(keepends=True))),
                        encoding="utf-8")
    assert _chunked(unsorted, tmp_path, chunk_bytes=3000) is None
    assert {(v.focus, v.path, v.component) for v in run_shacl(unsorted, chunk_bytes=3000)} == whole
    plain = _sorted_copy(release, tmp_path / "plain.nt")
    assert _chunked(plain, tmp_path, chunk_bytes=3000) == set()  # it runs in chunks, and conforms
    lines = plain.read_text(encoding="utf-8").splitlines(keepends=True)
    spaced = tmp_path / "spaced.nt"
    spaced.write_text("".join(lines[:len(lines) // 2] + ["\n"] + lines[len(lines) // 2:]), encoding="utf-8")
    assert _chunked(spaced, tmp_path, chunk_bytes=3000) is None  # a blank line among the claims' lines
    assert run_shacl(spaced, chunk_bytes=3000) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".b12kg-shacl-")] == []


def test_chunks_never_split_a_claim_whose_id_is_a_prefix_of_others(tmp_path: Path) -> None:
    from b12kg.qc.shacl_chunks import _chunks

    claim = ID + "claim/"
    subjects = [f"<{claim}{key}{tail}>" for key in ("x", "x0", "x1", "x-2", "x/", "y") for tail in ("/a", "/b", "")]
    lines = sorted(f"{s} <{B12O.text}> \"t\" .\n" for s in subjects if not s.endswith("//a>"))
    data = tmp_path / "claims.nt"
    data.write_text("".join(lines), encoding="utf-8")
    for size in (1, 50, 200, 400):
        chunks = list(_chunks(data, 0, data.stat().st_size, size))
        assert b"".join(chunks).decode() == "".join(lines)
        owner: dict[str, int] = {}
        for number, chunk in enumerate(chunks):
            for line in chunk.decode().splitlines():
                key = line[len(claim) + 1:].split(">")[0].split("/")[0]
                assert owner.setdefault(key, number) == number, (size, key)
        assert size > 50 or len(chunks) == 3  # x-2 | x with x0 and x1 (nested in its lines) | y
