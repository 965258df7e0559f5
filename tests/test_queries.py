"""The query library: every real queries/NN-slug.rq runs on two engines and matches the result file beside it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from b12kg.paths import QUERIES_DIR

from results import normalise as _normalise
from b12kg.query import format_answer, library_queries, open_store, prepare, run_sparql

QUERIES = library_queries(QUERIES_DIR)
REGENERATE = "if the change to the graph is intended, regenerate with `b12kg query {name} --format json > {file}`"


def _rdflib_results(dataset: rdflib.Dataset, sparql: str) -> dict:
    result = dataset.query(sparql)
    return json.loads(result.serialize(format="json"))


@pytest.fixture(scope="module")
def inferred_build(fresh_build: Path) -> Path:
    """The fresh build with its HermiT inferences written beside it (as `b12kg reason` does)."""
    from b12kg.reason import hermit_inference, write_inferred

    write_inferred(hermit_inference(fresh_build / "b12kg.nt"), out_dir=fresh_build)
    return fresh_build


def _rdflib_dataset(folder: Path, inferred: bool) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(folder / "b12kg.nq", format="nquads")
    if inferred:
        dataset.default_graph.parse(folder / "b12kg-inferred.nt", format="nt")
    return dataset


@pytest.fixture(scope="module")
def stores(inferred_build: Path):  # type: ignore[no-untyped-def]
    """Both engines, each with the asserted graph alone and with the inferred graph added."""
    return {inferred: (open_store(inferred_build, inferred=inferred), _rdflib_dataset(inferred_build, inferred))
            for inferred in (False, True)}


def test_the_library_has_queries() -> None:
    assert len(QUERIES) >= 20


@pytest.mark.parametrize("query_file", QUERIES, ids=[q.stem for q in QUERIES])
def test_query_matches_expected_results_on_both_engines(query_file: Path, stores) -> None:  # type: ignore[no-untyped-def]
    _, sparql, needs_inferred = prepare(str(query_file))  # parameters bound to their defaults
    header = [line for line in sparql.splitlines() if line.startswith("#")]
    assert any("Question:" in line for line in header), "the header states the question in plain words"
    assert re.search(r"^PREFIX ", sparql, re.M), "explicit PREFIXes"
    expected_file = query_file.with_suffix(".srj")
    assert expected_file.is_file(), f"no expected results beside {query_file.name}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    variables = expected["head"]["vars"]
    ordered = bool(re.search(r"\bORDER\s+BY\b", sparql, re.I))

    oxigraph_store, rdflib_dataset = stores[needs_inferred]
    answer = json.loads(format_answer(run_sparql(oxigraph_store, sparql), "json"))
    via_rdflib = _rdflib_results(rdflib_dataset, sparql)
    hint = REGENERATE.format(name=query_file.stem, file=expected_file.relative_to(QUERIES_DIR.parent))
    for engine, got in (("pyoxigraph", answer), ("rdflib", via_rdflib)):
        assert got["head"]["vars"] == variables, engine
        want = _normalise(expected["results"]["bindings"], variables)
        have = _normalise(got["results"]["bindings"], variables)
        if ordered:
            assert have == want, f"{engine} differs from {expected_file.name}; {hint}"
        else:
            assert Counter(have) == Counter(want), f"{engine} differs from {expected_file.name}; {hint}"
    assert expected["results"]["bindings"], "an expected result with no rows proves nothing"
