"""Shared fixtures: the real curated document, and one fresh build of it per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from b12kg.build.pipeline import build
from b12kg.curation.read import Document, claim_files, read_document
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR

# Fixtures that start a JVM (HermiT, through owlready2): a test that needs one, directly or through another
# fixture, is slow whatever it does itself (pyproject.toml's markers).
JVM_FIXTURES = frozenset({"inferred_build"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if JVM_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def documents() -> list[Document]:
    return [read_document(path) for path in claim_files(CURATED_DIR)]


@pytest.fixture(scope="session")
def document(documents: list[Document]) -> Document:
    (doc,) = [d for d in documents if d.id == "b12-involuntary-movements-ar"]
    return doc


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the current sources into a temporary folder (graphs and ontology RDF/XML)."""
    out = tmp_path_factory.mktemp("build")
    build(out_dir=out, ontology_out_dir=out)
    return out


@pytest.fixture()
def curated_copy(tmp_path: Path) -> Path:
    """A writable copy of graphs/curated, for tests that break the input on purpose."""
    target = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, target)
    return target


@pytest.fixture(scope="session")
def committed() -> Path:
    return GRAPHS_DIR


@pytest.fixture(scope="session")
def ontology_dir() -> Path:
    return ONTOLOGY_DIR


@pytest.fixture(scope="session")
def inferred_build(fresh_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fresh build with its HermiT inferences written beside it (as `b12kg reason` does).

    A copy, so that the fresh build itself stays exactly what `build` wrote, whatever order tests run in.
    """
    from b12kg.qc.reason import hermit_inference, write_inferred

    out = tmp_path_factory.mktemp("inferred") / "build"
    shutil.copytree(fresh_build, out)
    write_inferred(hermit_inference(out / "b12kg.nt"), out_dir=out)
    return out
