"""The library files as they are, without b12kg: a W3C-manifest runner and plain SPARQLWrapper get the expected answers.

No parameter binding and no FROM clauses are added: each .rq file carries its parameters' defaults (a VALUES line),
and runs on the data its manifest entry names. SPARQLWrapper runs with its defaults (GET, comments kept), against a
real Oxigraph server on 127.0.0.1 holding that data.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from b12kg.sparql.compare import same_results
from b12kg.sparql.library import DEFAULTS_MARK, PAGE_MARK, defaults_line, page_line
from b12kg.store.processes import oxigraph_binary
from results import manifest_entries
from stores import OxigraphServer

ENTRIES = [tuple(e) for e in manifest_entries()]


def _data_path(build: Path, name: str) -> Path:
    return build / name


@pytest.mark.parametrize("name,query,data,result", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_a_manifest_runner_gets_the_expected_answer_from_the_file_alone(
        inferred_build: Path, name: str, query: Path, data: tuple[str, ...], result: Path) -> None:
    store = Store()  # what a runner does: qt:data into the dataset (quads keep their graphs), run the text as is
    for file in data:
        fmt = RdfFormat.N_QUADS if file.endswith(".nq") else RdfFormat.N_TRIPLES
        store.bulk_load(path=str(_data_path(inferred_build, file)), format=fmt)
    text = query.read_text(encoding="utf-8")
    solutions = store.query(text)
    variables = [v.value for v in solutions.variables]
    got = json.loads(solutions.serialize(format=__import__("pyoxigraph").QueryResultsFormat.JSON).decode())
    expected = json.loads(result.read_text(encoding="utf-8"))
    assert expected["head"]["vars"] == variables
    assert same_results(expected, got, ordered="ORDER BY" in text.upper()), \
        f"{query.name} run as a file gives another answer than {result.name}"


@pytest.mark.parametrize("name,query,data,result", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_each_file_carries_its_parameter_defaults(name: str, query: Path, data: tuple[str, ...],
                                                  result: Path) -> None:
    text = query.read_text(encoding="utf-8")
    line = defaults_line(text)
    if line is None:
        assert DEFAULTS_MARK not in text
    else:
        assert line in text.splitlines(), \
            f"{query.name}: its VALUES line must bind the declared defaults exactly: {line}"
    page = page_line(text)
    if page is None:
        assert PAGE_MARK not in text
    else:
        assert text.splitlines()[-1] == page, f"{query.name}: it must end with its paging defaults exactly: {page}"


@pytest.fixture(scope="module")
def servers(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Two real Oxigraph servers: the release dataset, and the release dataset with the inferred graph added."""
    started = {}
    for data in {e[2] for e in ENTRIES}:
        location = tmp_path_factory.mktemp("oxigraph")
        for file in data:
            subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file",
                            str(_data_path(inferred_build, file))], check=True, capture_output=True)
        started[data] = OxigraphServer(location).start()
    yield started
    for server in started.values():
        server.stop()


@pytest.mark.store
@pytest.mark.parametrize("name,query,data,result", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_plain_sparqlwrapper_with_its_defaults_sends_each_file_as_a_query(
        servers, name: str, query: Path, data: tuple[str, ...], result: Path) -> None:  # type: ignore[no-untyped-def]
    from SPARQLWrapper import JSON, SPARQLWrapper

    text = query.read_text(encoding="utf-8")
    client = SPARQLWrapper(f"{servers[data].url}/query")
    client.setQuery(text)  # comments kept, as a user would pass the file
    assert not client.isSparqlUpdateRequest(), f"SPARQLWrapper takes {query.name} for an update ({client.queryType})"
    assert client.queryType == "SELECT"
    client.setReturnFormat(JSON)
    got = client.queryAndConvert()
    expected = json.loads(result.read_text(encoding="utf-8"))
    assert same_results(expected, got, ordered="ORDER BY" in text.upper()), f"{query.name} over SPARQLWrapper"
