"""`b12kg build --formats`: a build that leaves graph formats out writes the same N-Quads and N-Triples, removes the
left-out formats' files in the same commit (no stale file beside a new graph), and puts them back if it fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from b12kg.build.outputs import TMP_PREFIX, output_set, recover
from b12kg.build.pipeline import FORMATS, OUTPUT_NAMES, build
from b12kg.errors import B12kgError
from b12kg.paths import PROJECT

ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "loader")}
LEFT_OUT = ("b12kg.ttl", "b12kg.trig", "b12kg.jsonld", "b12kg.rdf12.nq", "b12kg.rdf12.trig")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and TMP_PREFIX not in p.as_posix()}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The article built with every format."""
    out = tmp_path_factory.mktemp("full")
    build(out_dir=out / "graphs", ontology_out_dir=out / "ontology")
    return out


def test_left_out_formats_are_removed_and_the_rest_is_unchanged(full: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(out_dir=out / "graphs", ontology_out_dir=out / "ontology")  # every format first: the files exist
    assert all((out / "graphs" / name).is_file() for name in LEFT_OUT)
    result = build(out_dir=out / "graphs", ontology_out_dir=out / "ontology", formats=["nquads"])
    before, after = _files(full / "graphs"), _files(out / "graphs")
    assert sorted(set(before) - set(after)) == sorted(LEFT_OUT)
    for name in ("b12kg.nq", "b12kg.nt", "b12kg.coverage.tsv", "b12kg.examples.ttl"):
        assert after[name] == before[name], name
    assert not any(path.name in LEFT_OUT for path in result.files)
    void = after["b12kg.void.ttl"].decode("utf-8")
    assert "b12kg.nq" in void and "b12kg.jsonld" not in void and "b12kg.rdf12.nq" not in void
    assert "b12kg.jsonld" in before["b12kg.void.ttl"].decode("utf-8")  # the full build lists it
    assert [p for p in out.rglob("*") if TMP_PREFIX in p.name] == []


def test_naming_one_extra_format_writes_it_and_the_required_ones(full: Path, tmp_path: Path) -> None:
    build(out_dir=tmp_path / "graphs", ontology_out_dir=tmp_path / "ontology", formats=["trig"])
    before, after = _files(full / "graphs"), _files(tmp_path / "graphs")
    assert after["b12kg.trig"] == before["b12kg.trig"]
    assert after["b12kg.nq"] == before["b12kg.nq"] and after["b12kg.nt"] == before["b12kg.nt"]
    assert "b12kg.ttl" not in after and "b12kg.jsonld" not in after


def test_an_unknown_format_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(B12kgError, match="unknown graph format") as failure:
        build(out_dir=tmp_path / "graphs", ontology_out_dir=tmp_path / "ontology", formats=["nquads", "xml"])
    assert "xml" in str(failure.value) and all(name in failure.value.fix for name in FORMATS)
    assert not (tmp_path / "graphs").exists()


def test_the_cli_option_names_the_left_out_formats(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "b12kg", "build", "--out", str(tmp_path / "g"), "--ontology-out",
                           str(tmp_path / "o"), "--formats", "nquads, jsonld"], env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "formats left out (--formats): rdf12, trig, turtle" in done.stdout + done.stderr
    assert (tmp_path / "g" / OUTPUT_NAMES["jsonld"]).is_file() and not (tmp_path / "g" / "b12kg.ttl").exists()
    bad = subprocess.run([sys.executable, "-m", "b12kg", "build", "--out", str(tmp_path / "g"), "--formats", "owl"],
                         env=ENV, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "unknown graph format(s): owl" in bad.stderr


_CHILD = """
import os, signal, sys
from pathlib import Path
from b12kg.build.outputs import output_set

root, k = Path(sys.argv[1]), int(sys.argv[2])
calls = [0]
real_rename = os.rename

def rename(src, dst):  # fault injection: a real SIGKILL just before the k-th rename of the commit
    if calls[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    real_rename(src, dst)

os.rename = rename
with output_set(files=[root / "a.nq"], removed=[root / "b.ttl", root / "never.jsonld"]) as staged:
    staged.path(root / "a.nq").write_text("new a.nq", encoding="utf-8")
"""


@pytest.mark.parametrize("k", range(3))
def test_a_removal_killed_mid_commit_is_rolled_back(tmp_path: Path, k: int) -> None:
    """Three renames (a.nq to its backup, the new a.nq in, b.ttl to its backup): a kill before any of them, and the
    next run's recovery puts a.nq and b.ttl back as they were."""
    root = tmp_path / "out"
    root.mkdir()
    (root / "a.nq").write_text("old a.nq", encoding="utf-8")
    (root / "b.ttl").write_text("old b.ttl", encoding="utf-8")
    old = _files(root)
    child = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(k)], env=ENV, capture_output=True,
                           text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    recover([root])
    assert _files(root) == old
    assert [p for p in root.iterdir() if p.name.startswith(TMP_PREFIX)] == []


def test_a_removal_happens_at_the_commit_and_not_on_failure(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "b.ttl").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with output_set(files=[root / "a.nq"], removed=[root / "b.ttl"]) as staged:
            staged.path(root / "a.nq").write_text("new", encoding="utf-8")
            assert (root / "b.ttl").is_file()  # still there while the run writes
            raise RuntimeError("a failure while writing")
    assert (root / "b.ttl").read_text(encoding="utf-8") == "old" and not (root / "a.nq").exists()
    with output_set(files=[root / "a.nq"], removed=[root / "b.ttl", root / "absent.ttl"]) as staged:
        staged.path(root / "a.nq").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in root.iterdir()) == ["a.nq"]


def test_validate_compares_the_formats_the_folder_holds(tmp_path: Path) -> None:
    """A graphs folder built with --formats nquads is not called stale for the formats it left out; a changed
    N-Quads file still is."""
    graphs = tmp_path / "graphs"
    build(out_dir=graphs, ontology_out_dir=PROJECT / "ontology", formats=["nquads"])  # the committed ontology files
    args = [sys.executable, "-m", "b12kg", "validate", "--graphs", str(graphs), "--exports",
            str(PROJECT / "graphs" / "exports"), "--no-reasoner"]
    done = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=600)
    assert "stale" not in done.stdout + done.stderr, done.stdout + done.stderr
    nq = graphs / "b12kg.nq"
    nq.write_text(nq.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    again = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=600)
    assert again.returncode != 0 and "b12kg.nq" in again.stdout + again.stderr and "stale" in again.stderr
