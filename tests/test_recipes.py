"""Bulk-load recipes run as a user runs them: `b12kg export-load-script`, then `bash load.sh` in a clean environment.

The environment holds PATH=/usr/bin:/bin (no .venv/bin) and only the variables the printed usage names. Afterwards
the store is checked independently: per-graph counts and the whole query library against its expected answers
(Oxigraph through its server, Virtuoso through its SPARQL endpoint, Jena TDB2 through Jena's own query engine).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import b12kg
from b12kg.paths import QUERIES_DIR
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import dataset_query
from b12kg.sparql.library import library_queries, prepare
from b12kg.store.config import store_preset
from b12kg.store.recipes import COUNT_QUERY, SHIM_JAR, debian_jena_classpath
from b12kg.store.release import release_graphs
from b12kg.store.verify import verify_store
from b12kg.vocab import ASSERTED_GRAPH
from stores import OxigraphServer, VirtuosoServer, require_store

# Every test here drives a store's bulk loader (Oxigraph, Jena TDB2, Virtuoso's isql) or a store it loaded.
pytestmark = pytest.mark.store

CLEAN_PATH = "/usr/bin:/bin"
SECRET = "recipe-Secret-7d1e"  # the Virtuoso dba password in these tests: distinctive, so a leak is findable
RUNNER = Path(__file__).parent / "jena" / "RunQueries.java"


def _export(store: str, out: Path, graphs: Path) -> tuple[str, list[str]]:
    """Run `b12kg export-load-script` as a subprocess; return its printed run line and the variables it names."""
    env = {**os.environ, "PYTHONPATH": str(Path(b12kg.__file__).parents[1])}  # this checkout's package
    done = subprocess.run([sys.executable, "-m", "b12kg", "export-load-script", "--store", store, "--out", str(out),
                           "--graphs", str(graphs)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("run: ")]
    command = line[len("run: "):]
    assert f"bash {out.resolve() / 'load.sh'} " in command, command
    return command, re.findall(r"\b([A-Z_]+)=\.\.\.", command.split(" bash ")[0])


def _run(script: Path, *args: str, env: dict[str, str] | None = None, path: str = CLEAN_PATH,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", str(script), *args], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": path, **(env or {})}, cwd=script.parent.parent)


def _expected_counts(graphs: Path) -> dict[str, int]:
    return {g: len(lines) for g, lines in release_graphs(graphs).items()}


def _checked_line(graphs: Path) -> str:
    """What every load.sh prints when all counts agree, with this release's figures."""
    counts = _expected_counts(graphs)
    return f"checked: all {len(counts)} graphs hold the release's {sum(counts.values())} triples"


# ---------------------------------------------------------------- Oxigraph


@pytest.fixture(scope="module")
def oxigraph_loaded(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Oxigraph recipe run as printed into a new location; the location."""
    folder = tmp_path_factory.mktemp("oxigraph-recipe")
    command, variables = _export("oxigraph", folder / "recipe", inferred_build)
    assert variables == [] and command.endswith("load.sh NEW_LOCATION")
    location = folder / "store"
    done = _run(folder / "recipe" / "load.sh", str(location))
    assert done.returncode == 0, done.stderr
    assert _checked_line(inferred_build) in done.stdout
    return location


def test_oxigraph_recipe_runs_without_venv_on_path(oxigraph_loaded: Path, inferred_build: Path) -> None:
    server = OxigraphServer(oxigraph_loaded).start()
    try:
        check = verify_store(store_preset("oxigraph", server.url), inferred_build)
    finally:
        server.stop()
    assert {g: stored for g, (_, stored) in check.counts.items()} == _expected_counts(inferred_build)
    assert check.arabic_identical
    assert len(check.queries) == len(library_queries(QUERIES_DIR)) and all(check.queries.values()), check.queries


def test_oxigraph_recipe_refuses_a_used_location_and_a_missing_binary(oxigraph_loaded: Path, tmp_path: Path,
                                                                       inferred_build: Path) -> None:
    _export("oxigraph", tmp_path / "recipe", inferred_build)
    script = tmp_path / "recipe" / "load.sh"
    used = _run(script, str(oxigraph_loaded))
    assert used.returncode == 2 and "is not empty" in used.stderr
    missing = _run(script, str(tmp_path / "new"), env={"OXIGRAPH_BIN": str(tmp_path / "no" / "oxigraph")})
    assert missing.returncode == 5
    assert "is not an executable file" in missing.stderr and "pip install oxigraph" in missing.stderr
    assert not (tmp_path / "new").exists()


def test_graphdb_recipe_is_marked_untested_and_its_check_compares_counts(
        oxigraph_loaded: Path, inferred_build: Path, tmp_path: Path) -> None:
    """importrdf cannot run here; the script's --check (counts over the SPARQL protocol) runs against Oxigraph."""
    command, _ = _export("graphdb", tmp_path / "recipe", inferred_build)
    script = tmp_path / "recipe" / "load.sh"
    assert "UNTESTED" in script.read_text(encoding="utf-8") and command.endswith("load.sh REPOSITORY_ID")
    missing = _run(script, "b12kg")
    assert missing.returncode == 5 and "importrdf is not found" in missing.stderr and "GRAPHDB_HOME" in missing.stderr
    full = OxigraphServer(oxigraph_loaded).start()
    empty = OxigraphServer(tmp_path / "empty").start()
    try:
        good = _run(script, "--check", "b12kg", env={"SPARQL_ENDPOINT": f"{full.url}/query"})
        bad = _run(script, "--check", "b12kg", env={"SPARQL_ENDPOINT": f"{empty.url}/query"})
    finally:
        full.stop()
        empty.stop()
    graphs = len(_expected_counts(inferred_build))
    assert good.returncode == 0 and f"checked: all {graphs} graphs" in good.stdout, good.stderr
    assert bad.returncode == 4
    asserted = _expected_counts(inferred_build)[ASSERTED_GRAPH]
    differs = f"graph <{ASSERTED_GRAPH}>: the store holds 0 triples, the release has {asserted} (-{asserted})"
    assert differs in bad.stderr


# ---------------------------------------------------------------- Jena TDB2 (Debian's jars)


@pytest.fixture(scope="module")
def jena_loaded(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The Jena recipe run as printed, on Debian's jars (no tdb2.tdbloader on PATH); (recipe folder, database)."""
    require_store("Apache Jena (Debian's /usr/share/java/jena-cmds.jar) and java",
                  Path("/usr/share/java/jena-cmds.jar").is_file() and shutil.which("java") is not None,
                  install="run scripts/setup.sh '[test]' (apt-get install libapache-jena-java default-jre-headless)")
    folder = tmp_path_factory.mktemp("jena-recipe")
    command, variables = _export("jena", folder / "recipe", inferred_build)
    assert variables == [] and command.endswith("load.sh NEW_TDB2_FOLDER")
    database = folder / "tdb2"
    done = _run(folder / "recipe" / "load.sh", str(database))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "using Debian's Jena" in done.stdout and "building the Xerces resource shim" in done.stdout
    assert _checked_line(inferred_build) in done.stdout
    return folder / "recipe", database


def _jena_answers(recipe: Path, database: Path, queries: dict[str, str], work: Path) -> dict[str, dict]:
    """Run the queries on the TDB2 database in one JVM (tests/jena/RunQueries.java); name -> SPARQL JSON results."""
    args: list[str] = []
    for name, sparql in queries.items():
        (work / f"{name}.rq").write_text(sparql, encoding="utf-8")
        args += [str(work / f"{name}.rq"), str(work / f"{name}.srj")]
    done = subprocess.run(["java", "-cp", debian_jena_classpath(recipe / SHIM_JAR), str(RUNNER), str(database),
                           *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {name: json.loads((work / f"{name}.srj").read_text(encoding="utf-8")) for name in queries}


def test_jena_recipe_loads_the_release_and_answers_the_query_library(
        jena_loaded: tuple[Path, Path], inferred_build: Path, tmp_path: Path) -> None:
    recipe, database = jena_loaded
    queries = {"counts": COUNT_QUERY}
    ordered: dict[str, bool] = {}
    for path in library_queries():
        _, sparql, needs = prepare(str(path))
        queries[path.stem] = dataset_query(sparql, inferred=needs)  # the one text every engine gets
        ordered[path.stem] = "ORDER BY" in sparql.upper()
    answers = _jena_answers(recipe, database, queries, tmp_path)
    lines = [b["line"]["value"].split("\t") for b in answers.pop("counts")["results"]["bindings"]]
    assert {g: int(n) for g, n in lines} == _expected_counts(inferred_build)
    assert len(answers) == len(library_queries(QUERIES_DIR))
    different = [name for name, answer in answers.items()
                 if not same_results(_expected(name), answer, ordered=ordered[name])]
    assert different == [], f"Jena answers differently: {different}"


def _expected(name: str) -> dict:
    (path,) = [p for p in library_queries() if p.stem == name]
    return json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))


def test_jena_recipe_prefers_tdb2_commands_on_path(jena_loaded: tuple[Path, Path], tmp_path: Path,
                                                  inferred_build: Path) -> None:
    """With Apache Jena's own bin/ on PATH, the script runs its tdb2.tdbloader and tdb2.tdbquery."""
    recipe, _ = jena_loaded
    bin_dir = tmp_path / "jena-bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    classpath = debian_jena_classpath(recipe / SHIM_JAR)
    for command in ("tdb2.tdbloader", "tdb2.tdbquery"):  # stand-ins for the distribution's wrapper scripts
        wrapper = bin_dir / command
        wrapper.write_text(f'#!/bin/sh\necho {command} "$@" >> {log}\nexec java -cp "{classpath}" {command} "$@"\n',
                           encoding="utf-8")
        wrapper.chmod(0o755)
    done = _run(recipe / "load.sh", str(tmp_path / "db"), path=f"{bin_dir}:{CLEAN_PATH}")
    assert done.returncode == 0, done.stderr
    assert "using Apache Jena's commands" in done.stdout
    assert f"checked: all {len(_expected_counts(inferred_build))} graphs" in done.stdout
    calls = log.read_text(encoding="utf-8").splitlines()
    assert [c.split()[0] for c in calls] == ["tdb2.tdbloader", "tdb2.tdbquery"]


def test_jena_recipe_without_jena_says_what_to_install(jena_loaded: tuple[Path, Path], tmp_path: Path) -> None:
    recipe, database = jena_loaded
    missing = _run(recipe / "load.sh", str(tmp_path / "db"), env={"JENA_JAVA_DIR": str(tmp_path / "none")})
    assert missing.returncode == 5
    assert "Apache Jena is not found" in missing.stderr and "apt-get install libapache-jena-java" in missing.stderr
    used = _run(recipe / "load.sh", str(database))
    assert used.returncode == 2 and "is not empty" in used.stderr


# ---------------------------------------------------------------- Virtuoso


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db", allowed=tmp_path_factory.getbasetemp())
    server.start()
    server.isql(f"USER_CHANGE_PASSWORD('dba', 'dba', '{SECRET}');")
    yield server
    server.stop()


def _virtuoso_config(server: VirtuosoServer):  # type: ignore[no-untyped-def]
    config = store_preset("virtuoso", server.url, user="dba", timeout=30)
    config.password = SECRET
    return config


def _watch_command_lines(process: subprocess.Popen[str], secret: str) -> tuple[list[str], bool]:
    """Poll every process's command line while ``process`` runs: (those holding ``secret``, whether isql was seen)."""
    leaks: list[str] = []
    saw_isql = False
    while process.poll() is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # it ended meanwhile
            saw_isql = saw_isql or "isql-vt" in command.split(" ")[0]
            if secret in command:
                leaks.append(command)
        time.sleep(0.002)
    return leaks, saw_isql


def test_virtuoso_recipe_with_a_damaged_line_exits_4_naming_the_graph(
        virtuoso: VirtuosoServer, inferred_build: Path, tmp_path: Path) -> None:
    _, variables = _export("virtuoso", tmp_path / "recipe", inferred_build)
    assert variables == ["VIRTUOSO_PASSWORD"]
    data = tmp_path / "recipe" / "asserted.nt"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3000] = lines[3000].replace(" .\n", " ;\n")  # one damaged line near the end: not N-Triples any more
    data.write_text("".join(lines), encoding="utf-8")
    done = _run(tmp_path / "recipe" / "load.sh", str(virtuoso.sql_port), "dba", env={"VIRTUOSO_PASSWORD": SECRET})
    assert done.returncode == 4, done.stdout + done.stderr
    assert re.search(rf"graph <{re.escape(ASSERTED_GRAPH)}>: the store holds (\d+) triples, the release has "
                     rf"{_expected_counts(inferred_build)[ASSERTED_GRAPH]} \(-\d+\)", done.stderr), done.stderr
    assert f"{data}: state 2, " in done.stderr and "syntax error" in done.stderr  # load_list's ll_error, shown
    assert f"1 of {len(_expected_counts(inferred_build))} graphs differ" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_virtuoso_recipe_runs_as_printed_and_keeps_the_password_off_command_lines(
        virtuoso: VirtuosoServer, inferred_build: Path, tmp_path: Path) -> None:
    """Run after the damaged load above: the clean recipe replaces the half-loaded graph."""
    command, variables = _export("virtuoso", tmp_path / "recipe", inferred_build)
    assert variables == ["VIRTUOSO_PASSWORD"] and command.endswith("load.sh [[HOST:]PORT [USER]]")
    script = tmp_path / "recipe" / "load.sh"
    process = subprocess.Popen(["/bin/bash", str(script), str(virtuoso.sql_port), "dba"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={"PATH": CLEAN_PATH, "VIRTUOSO_PASSWORD": SECRET})
    leaks, saw_isql = _watch_command_lines(process, SECRET)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stdout + stderr
    assert saw_isql, "the watch never saw isql-vt running, so it proves nothing"
    assert leaks == []
    assert SECRET not in stdout + stderr + (tmp_path / "recipe" / "load.log").read_text(encoding="utf-8")
    assert _checked_line(inferred_build) in stdout
    check = verify_store(_virtuoso_config(virtuoso), inferred_build)
    assert {g: stored for g, (_, stored) in check.counts.items()} == _expected_counts(inferred_build)
    assert check.arabic_identical
    assert len(check.queries) == len(library_queries(QUERIES_DIR)) and all(check.queries.values()), check.queries


def test_virtuoso_recipe_refuses_what_isql_cannot_take(inferred_build: Path, tmp_path: Path) -> None:
    """No server needed: a missing isql and an unquotable password stop before anything is sent."""
    _export("virtuoso", tmp_path / "recipe", inferred_build)
    script = tmp_path / "recipe" / "load.sh"
    missing = _run(script, "1111", env={"VIRTUOSO_PASSWORD": "x", "VIRTUOSO_ISQL": str(tmp_path / "no-isql")})
    assert missing.returncode == 5 and "is not an executable file" in missing.stderr
    quoted = _run(script, "1111", env={"VIRTUOSO_PASSWORD": "it's-secret"})
    assert quoted.returncode == 2 and "b12kg load --store virtuoso" in quoted.stderr
    assert "it's-secret" not in quoted.stdout + quoted.stderr
    unset = _run(script, "1111")
    assert unset.returncode == 2 and "VIRTUOSO_PASSWORD is not set" in unset.stderr
    assert not (tmp_path / "recipe" / "load.log").exists()  # isql never ran
