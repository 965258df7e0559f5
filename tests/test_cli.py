"""The command line, run as a user runs it (a real subprocess on the real files where it matters)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import EXIT_CODES, main


def test_help_explains_the_commands_and_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for word in ("build", "validate", "query", "stats", "all", "Exit codes"):
        assert word in result.output
    assert set(EXIT_CODES) == set(range(10))


def test_query_inline_sparql_in_three_formats(fresh_build: Path, document) -> None:  # type: ignore[no-untyped-def]
    n = str(len(document.claims))
    sparql = ("PREFIX b12o: <https://w3id.org/b12kg/ontology#> "
              "SELECT (COUNT(?c) AS ?claims) WHERE { ?c a b12o:HealthClaim }")
    table = CliRunner().invoke(main, ["query", sparql, "--graphs", str(fresh_build)])
    assert table.exit_code == 0 and n in table.output and "(1 row)" in table.output
    csv_out = CliRunner().invoke(main, ["query", sparql, "--format", "csv", "--graphs", str(fresh_build)])
    assert csv_out.output.splitlines() == ["claims", n]
    js = CliRunner().invoke(main, ["query", sparql, "--format", "json", "--graphs", str(fresh_build)])
    assert json.loads(js.output)["results"]["bindings"][0]["claims"]["value"] == n


def test_query_errors_exit_non_zero_with_a_fix(fresh_build: Path, tmp_path: Path) -> None:
    bad = CliRunner().invoke(main, ["query", "SELECT ?x WHERE { ?x", "--graphs", str(fresh_build)])
    assert bad.exit_code == 1 and "not valid SPARQL" in bad.output
    missing = CliRunner().invoke(main, ["query", "01", "--graphs", str(tmp_path)])
    assert missing.exit_code == 5 and "run `b12kg build` first" in missing.output


def test_stats_reports_claims_by_modality_and_source(fresh_build: Path, document) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["stats", "--graphs", str(fresh_build)])
    assert result.exit_code == 0
    assert f"claims:                  {len(document.claims)}" in result.output
    hypotheses = sum(1 for c in document.claims if c.modality == "hypothesis")
    assert f"hypothesis      {hypotheses}" in result.output
    assert "Pediatrics, February 1997 issue" in result.output
    # the release's own figures (b12kg.nq), not the store layout's copies of its graphs
    from pyoxigraph import DefaultGraph, RdfFormat, parse

    quads = list(parse(path=str(fresh_build / "b12kg.nq"), format=RdfFormat.N_QUADS))
    named = {q.graph_name for q in quads if not isinstance(q.graph_name, DefaultGraph)}
    assert f"quads (all graphs):      {len(quads)}" in result.output
    assert f"named graphs:            {len(named)}" in result.output


@pytest.mark.slow
def test_validate_runs_in_a_subprocess_on_the_committed_files() -> None:
    result = subprocess.run([sys.executable, "-m", "b12kg", "validate"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "built graphs and exports: up to date" in result.stdout
    assert "HermiT on the ontology and imports: consistent" in result.stdout
    assert "data: no individual in disjoint classes" in result.stdout


@pytest.mark.slow
def test_validate_exits_3_naming_a_stale_export(tmp_path: Path) -> None:
    import shutil

    from b12kg.paths import GRAPHS_DIR

    graphs = tmp_path / "graphs"
    shutil.copytree(GRAPHS_DIR, graphs)
    edges = graphs / "exports" / "kgx" / "b12kg_edges.tsv"
    edges.write_text(edges.read_text(encoding="utf-8").replace("manual_agent", "automated_agent", 1), encoding="utf-8")
    (graphs / "exports" / "nanopubs" / "claim-that-no-longer-exists.trig").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--graphs", str(graphs), "--no-reasoner"])
    assert result.exit_code == 3
    assert "graphs/exports/kgx/b12kg_edges.tsv" in result.output
    assert "nanopubs/claim-that-no-longer-exists.trig" in result.output and "b12kg export" in result.output
