"""The embedded store on disk (`open_graph(location=…)`, `b12kg query --store-location`): the same answers as the
in-memory store, loaded once and reused while the release is unchanged, loaded anew when it changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from b12kg.api import KnowledgeGraph, open_graph
from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR, PROJECT
from b12kg.sparql.library import library_queries, query_edition

ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "loader")}
MARK = ".b12kg-release"


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return open_graph(location=tmp_path_factory.mktemp("disk") / "store")


@pytest.fixture(scope="module")
def in_memory() -> KnowledgeGraph:
    return open_graph()


@pytest.mark.parametrize("path", [p for p in library_queries() if query_edition(p.read_text(encoding="utf-8"))
                                  == "rdf11"], ids=lambda p: p.stem)
def test_every_library_query_answers_the_same_on_disk(path: Path, on_disk: KnowledgeGraph,
                                                      in_memory: KnowledgeGraph) -> None:
    memory = in_memory.query(path.stem)
    disk = on_disk.query(path.stem)
    assert disk.variables == memory.variables
    assert disk == memory


def test_the_store_is_reused_while_the_release_is_unchanged_and_reloaded_when_it_changes(tmp_path: Path) -> None:
    graphs = tmp_path / "graphs"
    shutil.copytree(GRAPHS_DIR, graphs, ignore=shutil.ignore_patterns("explorer", "exports"))
    location = tmp_path / "store"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    first = open_graph(graphs, location=location).query(count)[0]["n"]
    mark, recorded = (location / MARK).stat(), (location / MARK).read_text(encoding="utf-8")
    open_graph(graphs, location=location)
    after = (location / MARK).stat()
    assert (after.st_ino, after.st_mtime_ns) == (mark.st_ino, mark.st_mtime_ns)  # not loaded again
    inferred = graphs / "b12kg-inferred.nt"
    inferred.write_text(inferred.read_text(encoding="utf-8") + "<https://example.org/x> "
                        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/C> .\n",
                        encoding="utf-8")
    again = open_graph(graphs, location=location).query(count)[0]["n"]
    assert again == first + 1  # the changed release was loaded anew
    assert (location / MARK).read_text(encoding="utf-8") != recorded  # it records the new release's checksum
    assert not location.with_name("store.loading").exists()


def test_a_folder_that_is_not_a_b12kg_store_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(B12kgError, match="not an empty folder nor a store b12kg made"):
        open_graph(location=folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_query_command_takes_a_store_location(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "b12kg", "query", "01", "--format", "csv"]
    memory = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=300)
    disk = subprocess.run([*args, "--store-location", str(tmp_path / "store")], env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert memory.returncode == disk.returncode == 0, disk.stderr
    assert disk.stdout == memory.stdout and len(disk.stdout.splitlines()) > 3
