"""The query library: every real queries/NN-slug.rq runs on two engines and matches the result file beside it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from b12kg.paths import QUERIES_DIR
from b12kg.sparql.answers import format_answer
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import library_queries, prepare, query_edition
from results import manifest_entries
from results import normalise as _normalise

QUERIES = library_queries(QUERIES_DIR, rdf12=True)  # the RDF 1.2 ones too: tests/test_rdf12.py runs those
# rdflib runs the RDF 1.1 edition only: the entries whose data is b12kg.nq
ENTRIES = [(e.query, list(e.data), e.result) for e in manifest_entries() if "b12kg.rdf12.nq" not in e.data]
REGENERATE = ("if the change to the graph is intended, regenerate with "
              "`b12kg query {name} --format json --engine rdflib > {file}`")


def _rdflib_results(dataset: rdflib.Dataset, sparql: str) -> dict:
    result = dataset.query(sparql)
    return json.loads(result.serialize(format="json"))


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


def test_the_library_has_queries_and_the_manifest_lists_each_once() -> None:
    assert len(QUERIES) >= 20
    entries = manifest_entries()
    assert [e.query for e in entries] == QUERIES
    for _, query, data, result in entries:
        assert result == query.with_suffix(".srj") and result.is_file()
        dataset = "b12kg.rdf12.nq" if query_edition(query.read_text(encoding="utf-8")) == "rdf12" else "b12kg.nq"
        wanted = sorted(["b12kg-inferred.nt", dataset]) if prepare(str(query))[2] else [dataset]
        assert list(data) == wanted, f"{query.name}: the manifest's data must match the query's 'Needs:' header"


@pytest.mark.parametrize("query_file,data,expected_file", ENTRIES, ids=[q.stem for q, _, _ in ENTRIES])
def test_query_matches_expected_results_on_both_engines(query_file: Path, data: list[str], expected_file: Path,
                                                         stores) -> None:  # type: ignore[no-untyped-def]
    _, sparql, _ = prepare(str(query_file))  # parameters bound to their defaults
    needs_inferred = "b12kg-inferred.nt" in data
    header = [line for line in sparql.splitlines() if line.startswith("#")]
    assert any("Question:" in line for line in header), "the header states the question in plain words"
    assert re.search(r"^PREFIX ", sparql, re.M), "explicit PREFIXes"
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
