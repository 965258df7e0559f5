"""One graph contract on every engine: the same query text (a library file with FROM clauses naming the store
layout's graphs) answers the same on the embedded store, `b12kg serve`, an Oxigraph server and Virtuoso loaded by
`b12kg load`. (Jena TDB2, loaded by its bulk recipe, gets the same texts in tests/test_recipes.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from b12kg.paths import QUERIES_DIR
from b12kg.sparql.answers import json_results
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import dataset_query, open_store, run_remote, run_sparql
from b12kg.sparql.library import library_queries, prepare
from b12kg.store.config import store_preset
from b12kg.store.load import load_release
from b12kg.store.serve import load_location, start_endpoint
from b12kg.vocab import ASSERTED_GRAPH, INFERRED_GRAPH
from stores import OxigraphServer, VirtuosoServer

# Every test here runs on `b12kg serve`, the Oxigraph server and Virtuoso (and the embedded store).
pytestmark = pytest.mark.store

QUERIES = library_queries(QUERIES_DIR)


def _text(path: Path) -> tuple[str, bool]:
    _, sparql, needs = prepare(str(path))
    return dataset_query(sparql, inferred=needs), "ORDER BY" in sparql.upper()


@pytest.fixture(scope="module")
def engines(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """name -> a function running one query text and returning SPARQL JSON results."""
    virtuoso = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))  # first: skips (or fails in CI) if not installed
    embedded = open_store(inferred_build)  # the asserted graph as default; the layout's named graphs beside it
    served_at = tmp_path_factory.mktemp("serve") / "db"
    load_location(served_at, inferred_build)
    served = start_endpoint(served_at, workers=2)
    oxigraph = OxigraphServer(tmp_path_factory.mktemp("oxigraph")).start()
    virtuoso.start()
    configs = {"oxigraph-server": store_preset("oxigraph", oxigraph.url),
               "virtuoso": store_preset("virtuoso", virtuoso.url, user="dba", password="dba")}
    for config in configs.values():
        assert load_release(config, inferred_build).ok()
    run = {
        "embedded": lambda text: json_results(run_sparql(embedded, text)),
        "serve": lambda text: json_results(run_remote(served.query_url, text)),
        # read as a researcher would: the stores' public query endpoints (Virtuoso's anonymous /sparql)
        "oxigraph-server": lambda text: json_results(run_remote(f"{oxigraph.url}/query", text)),
        "virtuoso": lambda text: json_results(run_remote(f"{virtuoso.url}/sparql", text)),
    }
    yield run
    served.stop()
    oxigraph.stop()
    virtuoso.stop()


ENGINES = ("embedded", "serve", "oxigraph-server", "virtuoso")


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_one_query_text_answers_alike_on_every_engine(engines, path: Path) -> None:  # type: ignore[no-untyped-def]
    text, ordered = _text(path)
    assert f"FROM <{ASSERTED_GRAPH}>" in text
    expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
    different = [name for name in ENGINES if not same_results(expected, engines[name](text), ordered=ordered)]
    assert different == [], f"{path.name}: the same text answers differently on {different}"


def test_the_layout_graphs_are_the_same_everywhere(engines, inferred_build: Path) -> None:  # type: ignore[no-untyped-def]
    text = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(?g IN (<{ASSERTED_GRAPH}>, <{INFERRED_GRAPH}>)) }} GROUP BY ?g ORDER BY ?g')
    answers = {name: engines[name](text) for name in ENGINES}
    counts = {name: [(b["g"]["value"], int(b["n"]["value"])) for b in a["results"]["bindings"]]
              for name, a in answers.items()}
    assert len({tuple(c) for c in counts.values()}) == 1, counts
    assert [g for g, _ in counts["embedded"]] == [ASSERTED_GRAPH, INFERRED_GRAPH]
