"""`b12kg validate --staleness recorded`: the build's record (graphs/b12kg.build.json) against the files as they are,
with no rebuild: a changed curated file, a changed or missing output, another b12kg or HPO version are stale (exit 3),
named with the command that fixes it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg import __version__
from b12kg.build.manifest import MANIFEST_FILE, read_manifest, same_record, sha256_of
from b12kg.build.pipeline import build
from b12kg.cli import main
from b12kg.paths import CURATED_DIR, GRAPHS_DIR
from b12kg.qc.staleness import by_record


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The article's curated files copied and built (graphs/ and ontology/ side by side, as in the project)."""
    root = tmp_path_factory.mktemp("recorded")
    shutil.copytree(CURATED_DIR, root / "curated")
    build(curated_dir=root / "curated", out_dir=root / "graphs", ontology_out_dir=root / "ontology")
    return root


@pytest.fixture()
def copy(built: Path, tmp_path: Path) -> Path:
    """A copy of the build to break (its record names the ontology relative to graphs/, so it still holds)."""
    for name in ("curated", "graphs", "ontology"):
        shutil.copytree(built / name, tmp_path / name)
    return tmp_path


def _validate(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--staleness", "recorded", "--graphs", str(root / "graphs"),
                                       "--curated", str(root / "curated"), "--no-reasoner"])
    return result.exit_code, result.output


def test_a_fresh_build_is_up_to_date_and_the_exports_are_said_unchecked(copy: Path) -> None:
    record = read_manifest(copy / "graphs")
    assert record is not None and record["b12kg"] == __version__ and record["claims"] > 0
    assert "b12kg.nt" in record["outputs"] and "ontology/b12kg.owl" in record["outputs"]
    assert record["ontology_dir"] == "../ontology"
    assert set(record["curated"]) == {p.relative_to(CURATED_DIR).as_posix() for p in CURATED_DIR.rglob("*")
                                      if p.is_file()}
    assert by_record(graphs_dir=copy / "graphs", curated_dir=copy / "curated", workers=2).stale == []
    code, output = _validate(copy)
    assert code == 0, output
    assert "exports NOT checked" in output and "SHACL: the release conforms" in output


def test_a_changed_curated_file_is_stale(copy: Path) -> None:
    changed = sorted((copy / "curated").glob("*.claims.yaml"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    code, output = _validate(copy)
    assert code == 3
    assert f"{changed} (a curated file changed since the build)" in output
    assert f"b12kg build --curated {copy / 'curated'} --out {copy / 'graphs'}" in output


def test_a_changed_output_is_stale(copy: Path) -> None:
    nquads = copy / "graphs" / "b12kg.nq"
    with nquads.open("a", encoding="utf-8") as handle:
        handle.write("<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
    code, output = _validate(copy)
    assert code == 3 and f"{nquads} (an output differs from what the build wrote)" in output


def test_a_missing_output_is_stale(copy: Path) -> None:
    (copy / "ontology" / "imports" / "hp_import.owl").unlink()
    code, output = _validate(copy)
    assert code == 3
    assert "ontology/imports/hp_import.owl (an output of the build is missing)" in output


@pytest.mark.parametrize("key,what", [("b12kg", "built by b12kg 0.0.1, this is b12kg"),
                                      ("hpo", "checked against HPO 0.0.1")])
def test_another_b12kg_or_hpo_version_is_stale(copy: Path, key: str, what: str) -> None:
    path = copy / "graphs" / MANIFEST_FILE
    record = json.loads(path.read_text(encoding="utf-8"))
    record[key] = "0.0.1"
    path.write_text(json.dumps(record), encoding="utf-8")
    code, output = _validate(copy)
    assert code == 3 and what in output and str(path) in output


def test_no_record_and_a_left_over_output_are_stale(copy: Path) -> None:
    path = copy / "graphs" / MANIFEST_FILE
    record = json.loads(path.read_text(encoding="utf-8"))
    del record["outputs"]["b12kg.trig"]  # as if the build had left TriG out and an older b12kg.trig stayed
    path.write_text(json.dumps(record), encoding="utf-8")
    stale = by_record(graphs_dir=copy / "graphs", curated_dir=copy / "curated", workers=1).stale
    assert stale == [("a file the build did not write (a left-over of an older build)",
                      str(copy / "graphs" / "b12kg.trig"))]
    path.unlink()
    code, output = _validate(copy)
    assert code == 3 and f"{path} (no build record" in output


def test_the_committed_record_is_up_to_date(built: Path) -> None:
    assert same_record(built / "graphs" / MANIFEST_FILE, GRAPHS_DIR / MANIFEST_FILE), \
        "graphs/b12kg.build.json is stale — run `b12kg build`"


def test_hermit_and_the_data_checks_run_beside_shacl_and_still_fail_the_run(copy: Path) -> None:
    """A hand edit the record was made to accept (its hash rewritten): a term typed as both a manifestation and a
    medical condition (disjoint in the ontology). No shape targets those classes, so SHACL passes; the data checks,
    run in a second process while SHACL runs, find it and exit 3."""
    graph, path = copy / "graphs" / "b12kg.nt", copy / "graphs" / MANIFEST_FILE
    term = "http://purl.obolibrary.org/obo/HP_0004305"  # involuntary movements: a b12o:Manifestation in the graph
    manifestation = f"<{term}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
                    "<https://w3id.org/b12kg/ontology#Manifestation> ."
    assert manifestation in graph.read_text(encoding="utf-8").splitlines()
    with graph.open("a", encoding="utf-8") as handle:
        handle.write(f"<{term}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<https://w3id.org/b12kg/ontology#MedicalCondition> .\n")
    record = json.loads(path.read_text(encoding="utf-8"))
    record["outputs"]["b12kg.nt"] = sha256_of(graph)
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--staleness", "recorded", "--graphs", str(copy / "graphs"),
                                       "--curated", str(copy / "curated")])
    assert result.exit_code == 3, result.output
    assert "SHACL: the release conforms" in result.output
    assert "problem(s) that make ontology + data inconsistent" in result.output
    assert term in result.output
