"""A real Oxigraph server on 127.0.0.1, started by the test: the whole query library answers the same there."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.paths import QUERIES_DIR
from b12kg.sparql.library import library_queries
from b12kg.store.processes import free_port
from b12kg.store.serve import Endpoint, load_location, start_endpoint
from results import normalise

# Every test here queries `b12kg serve` (the Oxigraph server).
pytestmark = pytest.mark.store

QUERIES = library_queries(QUERIES_DIR)


@pytest.fixture(scope="module")
def endpoint(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    location = tmp_path_factory.mktemp("oxigraph")
    load_location(location, inferred_build)
    server = start_endpoint(location, host="127.0.0.1")
    yield server
    server.stop()


@pytest.mark.parametrize("query_file", QUERIES, ids=[q.stem for q in QUERIES])
def test_library_query_through_the_endpoint(endpoint: Endpoint, query_file: Path) -> None:
    result = CliRunner().invoke(main, ["query", str(query_file), "--endpoint", endpoint.query_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    expected = json.loads(query_file.with_suffix(".srj").read_text(encoding="utf-8"))
    variables = expected["head"]["vars"]
    assert got["head"]["vars"] == variables
    want = normalise(expected["results"]["bindings"], variables)
    have = normalise(got["results"]["bindings"], variables)
    if re.search(r"\bORDER\s+BY\b", query_file.read_text(encoding="utf-8"), re.I):
        assert have == want
    else:
        assert Counter(have) == Counter(want)


def test_endpoint_binds_parameters_too(endpoint: Endpoint) -> None:
    result = CliRunner().invoke(main, ["query", "04", "--param", "age_group=NCIT:C17600", "--format", "csv",
                                       "--endpoint", endpoint.query_url])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[1:]
    assert rows and all(row.startswith("Adult,") for row in rows)


def test_endpoint_is_read_only(endpoint: Endpoint) -> None:
    import urllib.request
    from urllib.error import HTTPError

    request = urllib.request.Request(f"{endpoint.base}/update", data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                                     headers={"Content-Type": "application/sparql-update"}, method="POST")
    with pytest.raises(HTTPError):
        urllib.request.urlopen(request, timeout=10)


def test_a_refused_connection_is_reported_with_exit_code_4() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    result = CliRunner().invoke(main, ["query", "01", "--endpoint", url, "--timeout", "5"])
    assert result.exit_code == 4
    assert "cannot reach the endpoint" in result.output and "fix:" in result.output


def test_a_wrong_url_is_reported(endpoint: Endpoint) -> None:
    result = CliRunner().invoke(main, ["query", "01", "--endpoint", f"{endpoint.base}/no-such-path"])
    assert result.exit_code == 4
    assert "404" in result.output or "error" in result.output


def test_b12kg_serve_prints_its_url_answers_and_stops(inferred_build: Path, endpoint: Endpoint) -> None:
    """`b12kg serve` as a user runs it: a real process on 127.0.0.1 that prints the URL, answers, and stops."""
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "b12kg", "serve", "--port", "0", "--graphs", str(inferred_build)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "SPARQL endpoint:" not in line and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            assert line or process.poll() is None, process.stderr.read() if process.stderr else ""
        url = line.split("SPARQL endpoint:", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/query")
        result = CliRunner().invoke(main, ["query", "10", "--endpoint", url, "--format", "csv"])
        assert result.exit_code == 0 and "hedged" in result.output
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode is not None


def test_the_service_description_lists_what_the_endpoint_serves(endpoint: Endpoint, inferred_build: Path) -> None:
    """graphs/b12kg.void.ttl describes `b12kg serve`'s endpoint: its named graphs and sizes are the served ones."""
    from pyoxigraph import RdfFormat, Store
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    description = Store()
    description.load(path=str(inferred_build / "b12kg.void.ttl"), format=RdfFormat.TURTLE)
    stated = {row[0].value: (int(row[1].value) if row[1] is not None else None) for row in description.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?name ?n { ?s a sd:Service ; sd:defaultDataset/sd:namedGraph ?e . ?e sd:name ?name ; sd:graph ?g .
                          OPTIONAL { ?g void:triples ?n } }""")}
    client = SPARQLWrapper(endpoint.query_url)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    served = {b["g"]["value"]: int(b["n"]["value"]) for b in client.queryAndConvert()["results"]["bindings"]}
    assert set(stated) == set(served) and len(served) >= 73
    # every size the description states is the served size; only the inferred graph and the catalog, written
    # after the build, have none
    assert {name for name, n in stated.items() if n is None} == {
        "https://w3id.org/b12kg/graph/inferred", "https://w3id.org/b12kg/graph/catalog"}
    assert all(served[name] == n for name, n in stated.items() if n is not None)
