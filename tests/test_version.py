"""The release's version lives in pyproject.toml; everything else derives from it or is checked against it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from b12kg import __version__
from b12kg.build.describe import read_release
from b12kg.paths import GRAPHS_DIR, PROJECT
from b12kg.vocab import ID, NS

_PYPROJECT = PROJECT / "pyproject.toml"


def _pyproject_version(path: Path = _PYPROJECT) -> str:
    return tomllib.loads(path.read_text(encoding="utf-8"))["project"]["version"]


def test_the_package_version_is_pyprojects() -> None:
    assert __version__ == _pyproject_version()


def test_the_changelog_ontology_and_graph_agree_with_it() -> None:
    assert read_release().version == __version__  # the build's own check (it also refuses on a mismatch)
    nt = (GRAPHS_DIR / "b12kg.nt").read_text(encoding="utf-8")
    assert f'<{ID}dataset> <{NS["owl"]}versionInfo> "{__version__}" .' in nt
    assert f"(b12kg {__version__})" in nt.split("\n", 1)[0]


def test_no_hand_written_version_in_the_package() -> None:
    package = PROJECT / "loader" / "b12kg"
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"__version__\s*=\s*['\"]", text), f"{path}: __version__ is written by hand"
        assert f'"{__version__}"' not in text, f"{path} holds the release's version literally"


def test_a_checkout_reads_its_own_pyproject(tmp_path: Path) -> None:
    """Bump pyproject.toml in a checkout and the package says the new version at once, without a reinstall."""
    shutil.copytree(PROJECT / "loader", tmp_path / "loader", ignore=shutil.ignore_patterns("__pycache__"))
    text = _PYPROJECT.read_text(encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(text.replace(f'version = "{__version__}"', 'version = "9.8.7"', 1),
                                             encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "loader"), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", "import b12kg; print(b12kg.__version__)"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "9.8.7"
