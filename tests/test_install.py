"""A non-editable install (a built wheel) finds the ontology, queries and built graphs inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from b12kg.paths import PROJECT

# pip builds a wheel and installs it into a folder (subprocesses).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(PROJECT)],
                   check=True, timeout=600)
    (built,) = out.glob("b12kg-*.whl")
    return built


def test_wheel_carries_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("b12kg/_data/ontology/b12kg.ttl", "b12kg/_data/ontology/b12kg.owl", "b12kg/_data/graphs/b12kg.nq",
                 "b12kg/_data/queries/01-manifestations.rq", "b12kg/cli/__init__.py",
                 "b12kg/store/serve.py", "b12kg/curation/read.py", "b12kg/explorer/explorer.js",
                 "b12kg/explorer/explorer.css", "b12kg/explorer/assets/NotoNaskhArabic-Regular.subset.woff2",
                 "b12kg/explorer/assets/OFL.txt", "b12kg/_data/graphs/explorer/index.html"):
        assert name in names, name


def test_installed_package_answers_a_library_query_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import b12kg.paths as p; print(p.in_checkout(), p.PROJECT)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith("False") and str(target) in where.stdout
    result = subprocess.run([sys.executable, "-m", "b12kg", "query", "01"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HP:0004305" in result.stdout and "حركات لا إرادية" in result.stdout
    refused = subprocess.run([sys.executable, "-m", "b12kg", "build"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode != 0 and "--out" in refused.stderr
