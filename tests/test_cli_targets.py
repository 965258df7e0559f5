"""`validate` and `release` can be pointed at another curated folder, graphs folder, exports and releases folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from benchcorpus import synthetic_curated

pytestmark = pytest.mark.slow  # builds, exports, HermiT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 claims in 2 documents, generated as bench/corpus.py generates the benchmark's corpora."""
    return synthetic_curated(tmp_path_factory.mktemp("bench"), 120, per_document=60, documents=2)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "b12kg", *args], capture_output=True, text=True, timeout=600)


def test_validate_checks_another_corpus_and_names_its_stale_export(corpus: Path, tmp_path: Path) -> None:
    graphs, exports = tmp_path / "graphs", tmp_path / "exports"
    for args in (("build", "--curated", str(corpus), "--out", str(graphs)),
                 ("export", "--curated", str(corpus), "--out", str(exports)),
                 ("reason", "--graphs", str(graphs))):
        done = _run(*args)
        assert done.returncode == 0, done.stderr
    targets = ["--curated", str(corpus), "--graphs", str(graphs), "--exports", str(exports)]
    done = _run("validate", *targets)
    assert done.returncode == 0, done.stderr
    assert "claims and IDs: ok (120 claims" in done.stdout
    assert "SHACL: the release conforms to every shape (sparql" in done.stdout
    assert "HermiT on the ontology and imports: consistent" in done.stdout
    # the project's own curated folder does not match this build: stale, exit 3
    assert _run("validate", "--graphs", str(graphs), "--exports", str(exports), "--no-reasoner").returncode == 3
    kgx = exports / "kgx" / "b12kg_edges.tsv"
    kgx.write_text(kgx.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", *targets, "--no-reasoner"])
    assert result.exit_code == 3
    assert str(kgx) in result.output


def test_release_of_another_corpus(corpus: Path, tmp_path: Path) -> None:
    done = _run("release", "--curated", str(corpus), "--releases", str(tmp_path / "releases"))
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "releases").iterdir()
    graphs = list(folder.rglob("b12kg.nt"))
    assert graphs and all("b12-synthetic-0000002" in p.read_text(encoding="utf-8") for p in graphs)
    subprocess.run(["chmod", "-R", "u+w", str(tmp_path)], check=False)  # the release freezes its folder
