"""The query library as SPARQL examples (graphs/b12kg.examples.ttl) inside `b12kg serve`: each fetched from the
endpoint's own examples graph, run there, and compared with its expected answer; and the service description."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

from b12kg.paths import QUERIES_DIR
from b12kg.sparql.compare import same_results
from b12kg.sparql.examples import EXAMPLE_BASE, SCHEMA, SH, example_quads
from b12kg.sparql.library import library_queries, query_edition, query_question, query_question_ar
from b12kg.vocab import EXAMPLES_GRAPH

pytestmark = pytest.mark.store  # real `b12kg serve` processes (the Oxigraph server behind them)

QUERIES = library_queries(QUERIES_DIR, rdf12=True)
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def _post(url: str, text: str) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": text}).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        result: dict = json.loads(answer.read())  # type: ignore[type-arg]
        return result


@pytest.fixture(scope="module")
def served(inferred_build: Path) -> Iterator[dict[str, str]]:
    """`b12kg serve` as a user starts it, once per edition: {edition: query URL}."""
    processes, urls = [], {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        for edition in ("rdf11", "rdf12"):
            process = subprocess.Popen([sys.executable, "-m", "b12kg", "serve", "--port", "0", "--workers", "1",
                                        "--graphs", str(inferred_build), "--edition", edition],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
            processes.append(process)
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.match(r"SPARQL endpoint: (\S+)", line)
            assert match, f"b12kg serve --edition {edition} did not start: {line!r}"
            urls[edition] = match.group(1)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_each_example_from_the_endpoints_own_graph_answers_as_expected(served: dict[str, str], path: Path) -> None:
    edition = query_edition(path.read_text(encoding="utf-8"))
    url = served[edition]
    found = _post(url, f"PREFIX sh: <{SH}> PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?text WHERE {{ "
                       f"GRAPH <{EXAMPLES_GRAPH}> {{ ?example dcterms:identifier \"{path.stem}\" ; sh:select ?text ; "
                       f"a sh:SPARQLExecutable , sh:SPARQLSelectExecutable }} }}")["results"]["bindings"]
    assert len(found) == 1, f"{path.stem}: {len(found)} examples in the endpoint's examples graph"
    got = _post(url, found[0]["text"]["value"])
    expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
    assert expected["results"]["bindings"]
    assert same_results(expected, got, ordered="ORDER BY" in found[0]["text"]["value"].upper()), \
        f"{path.stem} run from the endpoint's examples graph answers differently"


def test_the_rdf11_examples_answer_alike_on_the_rdf12_endpoint(served: dict[str, str]) -> None:
    """The same examples graph on the RDF 1.2 edition: the same answers, Arabic literals with their direction."""
    listing = (f"PREFIX sh: <{SH}> PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?id ?text WHERE {{ "
               f"GRAPH <{EXAMPLES_GRAPH}> {{ ?e dcterms:identifier ?id ; sh:select ?text }} }}")
    examples = _post(served["rdf12"], listing)["results"]["bindings"]
    assert len(examples) == len(QUERIES)
    for example in examples:
        path = QUERIES_DIR / f"{example['id']['value']}.rq"
        if query_edition(path.read_text(encoding="utf-8")) == "rdf12":
            continue
        got = _post(served["rdf12"], example["text"]["value"])
        for binding in got["results"]["bindings"]:
            for term in binding.values():
                assert (term.pop("its:dir", None) == "rtl") == (term.get("xml:lang") == "ar"), term
        expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
        assert same_results(expected, got, ordered="ORDER BY" in example["text"]["value"].upper()), path.name


def test_the_endpoint_url_without_a_query_answers_its_service_description(served: dict[str, str]) -> None:
    for edition, url in served.items():
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.headers["Content-Type"].startswith("text/turtle")
            description = rdflib.Graph().parse(data=answer.read(), format="turtle")
        (service,) = description.subjects(rdflib.RDF.type, SD.Service)
        assert description.value(service, SD.endpoint) == rdflib.URIRef(url)
        dataset = description.value(service, SD.defaultDataset)
        names = {str(description.value(entry, SD.name)) for entry in description.objects(dataset, SD.namedGraph)}
        assert {EXAMPLES_GRAPH, "https://w3id.org/b12kg/graph/asserted", "https://w3id.org/b12kg/graph/inferred"} \
            <= names, names
        assert ("RDF 1.2 edition" in str(description.value(service, rdflib.RDFS.comment))) == (edition == "rdf12")
    with urllib.request.urlopen(f"{served['rdf11']}?query=ASK%7B%7D", timeout=30) as answer:  # a query: answered
        assert b"true" in answer.read()


def test_each_example_follows_the_sib_convention_with_english_and_arabic_questions() -> None:
    graph = rdflib.Graph()
    for quad in example_quads(QUERIES_DIR, endpoint="http://127.0.0.1:7878/query"):
        graph.parse(data=f"{quad.subject} {quad.predicate} {quad.object} .\n", format="nt")
    examples = sorted(graph.subjects(rdflib.RDF.type, rdflib.URIRef(SH + "SPARQLExecutable")))
    assert [str(e) for e in examples] == [EXAMPLE_BASE + p.stem for p in QUERIES]
    for example, path in zip(examples, QUERIES, strict=True):
        text = path.read_text(encoding="utf-8")
        comments = {c.language: str(c) for c in graph.objects(example, rdflib.RDFS.comment)}
        assert comments == {"en": query_question(text), "ar": query_question_ar(text)}
        assert re.search("[\u0600-\u06ff]", comments["ar"]), f"{path.name}: its Arabic question"
        assert (example, rdflib.RDF.type, rdflib.URIRef(SH + "SPARQLSelectExecutable")) in graph
        assert graph.value(example, rdflib.URIRef(SCHEMA + "target")) == rdflib.URIRef("http://127.0.0.1:7878/query")
        assert list(graph.objects(example, rdflib.URIRef(SCHEMA + "keywords"))), f"{path.name}: keywords"
        prefixes = graph.value(example, rdflib.URIRef(SH + "prefixes"))
        declared = {str(graph.value(d, rdflib.URIRef(SH + "prefix")))
                    for d in graph.objects(prefixes, rdflib.URIRef(SH + "declare"))}
        assert set(re.findall(r"^PREFIX (\w+):", text, re.M)) <= declared


def test_b12kg_query_sends_an_rdf12_library_query_to_the_rdf12_endpoint(served: dict[str, str]) -> None:
    from click.testing import CliRunner

    from b12kg.cli import main

    result = CliRunner().invoke(main, ["query", "31", "--endpoint", served["rdf12"], "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = json.loads((QUERIES_DIR / "31-triples-stated-by-several-claims.srj").read_text(encoding="utf-8"))
    assert same_results(expected, json.loads(result.output), ordered=True)
    refused = CliRunner().invoke(main, ["query", "DELETE { << ?s ?p ?o ~ ?r >> ?x ?y } WHERE { ?r ?x ?y } # SELECT",
                                        "--endpoint", served["rdf12"]])
    assert refused.exit_code != 0 and "not valid SPARQL" in refused.output  # an update is never sent
