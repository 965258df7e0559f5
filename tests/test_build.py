"""The build: reproducible bytes, committed outputs up to date, formats that agree, atomic replacement."""

from __future__ import annotations

import difflib
import filecmp
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from b12kg.build import writers as formats
from b12kg.build.pipeline import OUTPUT_NAMES, build
from b12kg.errors import CurationError
from b12kg.paths import ONTOLOGY_DIR

REBUILD = "run `b12kg build` and commit graphs/ and ontology/"


def _graph_diff_message(expected: rdflib.Graph, actual: rdflib.Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(only_expected)[:20]]
    lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(only_actual)[:20]]
    return "\n".join(lines)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(fresh_build: Path, tmp_path: Path) -> None:
    build(out_dir=tmp_path, ontology_out_dir=tmp_path)
    assert _snapshot(fresh_build) == _snapshot(tmp_path)
    # + ontology RDF/XML, its JSON-LD context, its HTML docs, 3 import modules x 2, the build record
    # (b12kg.build.json), and the explorer (its own folder: tests/test_explorer.py checks what is in it)
    files = _snapshot(tmp_path)
    assert len([name for name in files if not name.startswith("explorer/")]) == len(OUTPUT_NAMES) + 10


def test_a_build_that_sorts_on_disk_writes_the_same_bytes(fresh_build: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the in-memory sort budget, runs are spilled and merged: force that with a tiny budget (it bounds the
    main process's sorts: distinct objects and the description; each document is sorted on its own)."""
    spill_dirs: list[Path] = []
    original = formats.spill_run

    def spying_spill(lines, workdir, number):  # type: ignore[no-untyped-def]
        spill_dirs.append(workdir)
        return original(lines, workdir, number)

    monkeypatch.setattr(formats, "spill_run", spying_spill)
    build(out_dir=tmp_path, ontology_out_dir=tmp_path, sort_chunk=500)
    assert len(spill_dirs) > 5, "the tiny budget did not make the build sort on disk"
    assert _snapshot(fresh_build) == _snapshot(tmp_path)
    assert not any(d.exists() for d in spill_dirs), "sort runs left behind"


def test_canonical_files_are_sorted_and_duplicate_free(fresh_build: Path) -> None:
    for name in ("b12kg.nt", "b12kg.nq"):
        lines = [line for line in (fresh_build / name).read_text(encoding="utf-8").splitlines()
                 if not line.startswith("#")]
        assert len(lines) == len(set(lines))
        assert "_:" not in "".join(line.split('"')[0] for line in lines)  # no blank nodes


@pytest.mark.parametrize("name", ["b12kg.nt", "b12kg.nq", "b12kg.coverage.tsv", "b12kg.void.ttl",
                                  "b12kg.rdf12.nq", "b12kg.examples.ttl"])
def test_committed_canonical_outputs_are_up_to_date(fresh_build: Path, committed: Path, name: str) -> None:
    expected = (fresh_build / name).read_text(encoding="utf-8").splitlines()
    actual = (committed / name).read_text(encoding="utf-8").splitlines() if (committed / name).exists() else []
    diff = list(difflib.unified_diff(actual, expected, "committed", "fresh build", lineterm="", n=0))
    assert not diff, f"graphs/{name} is stale — {REBUILD}:\n" + "\n".join(diff[:40])


@pytest.mark.parametrize("name,fmt", [("b12kg.ttl", "turtle"), ("b12kg.jsonld", "json-ld")])
def test_committed_graph_outputs_are_up_to_date(fresh_build: Path, committed: Path, name: str, fmt: str) -> None:
    expected = rdflib.Graph().parse(fresh_build / name, format=fmt)
    actual = rdflib.Graph().parse(committed / name, format=fmt)
    assert isomorphic(expected, actual), f"graphs/{name} is stale — {REBUILD}:\n" + \
        _graph_diff_message(expected, actual)


def test_committed_trig_and_ontology_are_up_to_date(fresh_build: Path, committed: Path) -> None:
    fresh = rdflib.Dataset().parse(fresh_build / "b12kg.trig", format="trig")
    old = rdflib.Dataset().parse(committed / "b12kg.trig", format="trig")
    assert sorted(map(str, fresh.quads())) == sorted(map(str, old.quads())), f"graphs/b12kg.trig is stale — {REBUILD}"
    for name in ("b12kg.owl", "docs/b12kg.html", "imports/hp_import.ttl", "imports/hp_import.owl",
                 "imports/anatomy_import.ttl", "imports/anatomy_import.owl", "imports/terms_import.ttl",
                 "imports/terms_import.owl"):
        assert filecmp.cmp(fresh_build / name, ONTOLOGY_DIR / name, shallow=False), \
            f"ontology/{name} is stale — {REBUILD}"


def test_all_serialisations_are_isomorphic_and_parse_in_both_libraries(fresh_build: Path) -> None:
    canonical = rdflib.Graph().parse(fresh_build / "b12kg.nt", format="nt")
    for name, fmt in (("b12kg.ttl", "turtle"), ("b12kg.jsonld", "json-ld")):
        other = rdflib.Graph().parse(fresh_build / name, format=fmt)
        assert isomorphic(canonical, other), name + "\n" + _graph_diff_message(canonical, other)
    datasets = {}
    for name, fmt in (("b12kg.nq", "nquads"), ("b12kg.trig", "trig")):
        ds = rdflib.Dataset().parse(fresh_build / name, format=fmt)
        datasets[name] = sorted(str(q) for q in ds.quads())
        default = rdflib.Graph()
        for s, p, o, g in ds.quads():
            if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID:
                default.add((s, p, o))
        assert isomorphic(default, canonical), name
    assert datasets["b12kg.nq"] == datasets["b12kg.trig"]
    counts = {}
    for name in ("b12kg.ttl", "b12kg.nt", "b12kg.jsonld", "b12kg.nq", "b12kg.trig"):
        counts[name] = len(list(pyoxigraph.parse(path=str(fresh_build / name))))
    assert counts["b12kg.ttl"] == counts["b12kg.nt"] == counts["b12kg.jsonld"] == len(canonical)
    assert counts["b12kg.nq"] == counts["b12kg.trig"] == len(datasets["b12kg.nq"]) > len(canonical)


def test_each_claim_has_its_own_assertion_and_provenance_graph(fresh_build: Path, document) -> None:  # type: ignore[no-untyped-def]
    ds = rdflib.Dataset().parse(fresh_build / "b12kg.nq", format="nquads")
    names = {str(g) for _, _, _, g in ds.quads() if g is not None and g != rdflib.graph.DATASET_DEFAULT_GRAPH_ID}
    for claim in document.claims:
        base = f"https://w3id.org/b12kg/id/claim/{claim.id}"
        assert {base + "/assertion", base + "/provenance"} <= names
        assertion = ds.graph(rdflib.URIRef(base + "/assertion"))
        assert set(assertion) == {(rdflib.URIRef(claim.subject.iri), rdflib.URIRef(claim.relation.iri),
                                   rdflib.URIRef(claim.object.iri))}


def test_a_failed_build_leaves_the_last_good_outputs_intact(curated_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "graphs"
    build(curated_dir=curated_copy, out_dir=out, ontology_out_dir=out)
    before = _snapshot(out)
    claims = next(curated_copy.glob("*.claims.yaml"))
    claims.write_text(claims.read_text(encoding="utf-8").replace("relation: RO:0002200", "relation: RO:12", 1),
                      encoding="utf-8")
    with pytest.raises(CurationError):
        build(curated_dir=curated_copy, out_dir=out, ontology_out_dir=out)
    after = _snapshot(out)
    assert after == before  # same files, same bytes, no temporary files left behind


def test_an_error_while_writing_removes_the_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import b12kg.build.pipeline as build_module

    build(out_dir=tmp_path, ontology_out_dir=tmp_path)
    before = _snapshot(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full (simulated by the test)")

    monkeypatch.setattr(build_module, "write_jsonld_context", broken)
    with pytest.raises(OSError, match="disk full"):
        build(out_dir=tmp_path, ontology_out_dir=tmp_path)
    assert _snapshot(tmp_path) == before


def test_the_explorer_is_left_out_above_its_size_unless_asked(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The explorer is one page with every claim's card: above EXPLORER_MAX_CLAIMS the build leaves it out (and
    empties the folder, so no page of an older graph stays beside the new one); `explorer=True` writes it anyway."""
    import b12kg.build.pipeline as pipeline

    out = tmp_path / "graphs"
    small = build(out_dir=out, ontology_out_dir=tmp_path / "ontology")
    assert (out / "explorer" / "index.html").is_file()
    assert any(p.parent == out / "explorer" for p in small.files)
    monkeypatch.setattr(pipeline, "EXPLORER_MAX_CLAIMS", 34)  # the article has 35 claims
    said: list[str] = []
    left_out = build(out_dir=out, ontology_out_dir=tmp_path / "ontology", progress=said.append)
    assert (out / "explorer").is_dir() and not any((out / "explorer").iterdir()), "a stale explorer stayed"
    assert not any(out / "explorer" in p.parents for p in left_out.files)
    assert any("the explorer is left out (35 claims > 34" in line for line in said)
    forced = build(out_dir=out, ontology_out_dir=tmp_path / "ontology", explorer=True)
    assert (out / "explorer" / "index.html").is_file() and forced.files == small.files
