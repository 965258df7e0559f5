"""Where the project's files are, found from the package's own location (never the working directory)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT", "ONTOLOGY_DIR", "GRAPHS_DIR", "CURATED_DIR", "QUERIES_DIR", "in_checkout"]

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the data folders inside the package (pyproject: force-include into b12kg/_data);
# a checkout (or an editable install) has them at the repository root, two levels above loader/b12kg.
_BUNDLED = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent.parent


def in_checkout() -> bool:
    """True when running from a source checkout (the data folders are writable project files)."""
    return not _BUNDLED.is_dir() and (_CHECKOUT / "pyproject.toml").is_file()


PROJECT: Path = _CHECKOUT if in_checkout() else _BUNDLED
ONTOLOGY_DIR: Path = PROJECT / "ontology"
GRAPHS_DIR: Path = PROJECT / "graphs"
CURATED_DIR: Path = GRAPHS_DIR / "curated"
QUERIES_DIR: Path = PROJECT / "queries"
