"""The RDF 1.2 edition (graphs/b12kg.rdf12.nq, .trig): the RDF 1.1 edition plus reifiers and base directions."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import BaseDirection, Literal, NamedNode, Quad, Triple

from b12kg.build.rdf12 import REIFIES, to_rdf11
from b12kg.cli import main
from b12kg.curation.read import Document
from b12kg.paths import QUERIES_DIR
from b12kg.rdf.policy import has_direct_triple
from b12kg.sparql.answers import json_results
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import library_queries, prepare, query_edition

B12O = "https://w3id.org/b12kg/ontology#"
ALL_QUERIES = library_queries(QUERIES_DIR, rdf12=True)
REBUILD = "run `b12kg build` and commit graphs/"


def _quads(path: Path) -> set[Quad]:
    return set(pyoxigraph.parse(path=str(path)))


@pytest.fixture(scope="module")
def editions(fresh_build: Path) -> tuple[set[Quad], set[Quad]]:
    return _quads(fresh_build / "b12kg.nq"), _quads(fresh_build / "b12kg.rdf12.nq")


def test_dropping_reifiers_and_directions_gives_the_rdf11_edition(editions: tuple[set[Quad], set[Quad]]) -> None:
    rdf11, rdf12 = editions
    assert set(to_rdf11(rdf12)) == rdf11  # no blank nodes: equal quad sets are isomorphic datasets
    assert len(rdf12) > len(rdf11)


def test_the_rdf12_edition_is_rebuilt_from_the_rdf11_edition_alone(editions: tuple[set[Quad], set[Quad]]) -> None:
    """Reconstruct: a SPARQL query on the RDF 1.1 edition gives every reifier; every @ar literal gets --rtl."""
    rdf11, rdf12 = editions
    store = pyoxigraph.Store()
    store.extend(rdf11)
    rows = store.query(f"SELECT ?c ?s ?p ?o WHERE {{ ?c <{B12O}hasDirectTriple> true ; <{B12O}subject> ?s ; "
                       f"<{B12O}relation> ?p ; <{B12O}object> ?o }}")
    reifiers = {Quad(r["c"], NamedNode(REIFIES), Triple(r["s"], r["p"], r["o"])) for r in rows}

    def directed(quad: Quad) -> Quad:
        o = quad.object
        if isinstance(o, Literal) and o.language is not None and o.language.split("-")[0] == "ar":
            o = Literal(o.value, language=o.language, direction=BaseDirection.RTL)
        return Quad(quad.subject, quad.predicate, o, quad.graph_name)

    assert {directed(q) for q in rdf11} | reifiers == rdf12


def test_each_direct_triple_is_reified_by_its_claim_and_asserted(editions: tuple[set[Quad], set[Quad]],
                                                                  document: Document) -> None:
    _, rdf12 = editions
    reified = {(q.subject.value, q.object) for q in rdf12 if q.predicate.value == REIFIES}
    assert all(isinstance(t, Triple) for _, t in reified)
    direct = [c for c in document.claims if has_direct_triple(c)]
    assert len(direct) < len(document.claims)  # hypotheses and recommendations are not reified: the policy decides
    wanted = {(f"https://w3id.org/b12kg/id/claim/{c.id}", Triple(NamedNode(c.subject.iri), NamedNode(c.relation.iri),
                                                                  NamedNode(c.object.iri))) for c in direct}
    assert reified == wanted
    default = {q.triple for q in rdf12 if isinstance(q.graph_name, pyoxigraph.DefaultGraph)}
    assert all(t in default for _, t in reified), "a reified direct triple is also asserted"


def test_every_arabic_language_tagged_literal_is_right_to_left(editions: tuple[set[Quad], set[Quad]]) -> None:
    _, rdf12 = editions
    tagged = [q.object for q in rdf12 if isinstance(q.object, Literal) and q.object.language]
    arabic = [o for o in tagged if o.language.split("-")[0] == "ar"]
    assert len(arabic) > 400
    assert all(o.direction == BaseDirection.RTL for o in arabic)
    assert all(o.direction is None for o in tagged if o.language.split("-")[0] != "ar")


def test_the_trig_and_nquads_of_the_edition_hold_the_same_quads_and_are_committed(fresh_build: Path,
                                                                                   committed: Path) -> None:
    fresh = _quads(fresh_build / "b12kg.rdf12.nq")
    assert _quads(fresh_build / "b12kg.rdf12.trig") == fresh
    assert (committed / "b12kg.rdf12.nq").read_bytes() == (fresh_build / "b12kg.rdf12.nq").read_bytes(), \
        f"graphs/b12kg.rdf12.nq is stale — {REBUILD}"
    assert _quads(committed / "b12kg.rdf12.trig") == fresh, f"graphs/b12kg.rdf12.trig is stale — {REBUILD}"


def test_rdflib_reads_the_rdf11_edition_whole_and_refuses_the_rdf12_edition(fresh_build: Path) -> None:
    for name, fmt in (("b12kg.nq", "nquads"), ("b12kg.trig", "trig")):
        dataset = rdflib.Dataset().parse(fresh_build / name, format=fmt)
        assert len(list(dataset.quads())) == len(_quads(fresh_build / "b12kg.nq")), name
    with pytest.raises(Exception):  # noqa: B017 - rdflib 7.6 raises its parser's own error types
        rdflib.Dataset().parse(fresh_build / "b12kg.rdf12.nq", format="nquads")


# ------------------------------------------------------------------ the query library on the RDF 1.2 edition


@pytest.fixture(scope="module")
def rdf12_stores(inferred_build: Path):  # type: ignore[no-untyped-def]
    return {inferred: open_store(inferred_build, inferred=inferred, edition="rdf12") for inferred in (False, True)}


def _without_directions(results: dict) -> tuple[dict, int]:  # type: ignore[type-arg]
    """The answer with its base directions dropped, after checking each is on an Arabic literal and is rtl."""
    count = 0
    for binding in results["results"]["bindings"]:
        for term in binding.values():
            if "its:dir" in term:
                assert term["its:dir"] == "rtl" and term["xml:lang"].split("-")[0] == "ar", term
                del term["its:dir"]
                count += 1
            else:
                assert term.get("xml:lang", "").split("-")[0] != "ar", f"an Arabic literal without direction: {term}"
    return results, count


@pytest.mark.parametrize("path", ALL_QUERIES, ids=[p.stem for p in ALL_QUERIES])
def test_every_library_query_answers_the_same_on_the_rdf12_edition(path: Path, rdf12_stores) -> None:  # type: ignore[no-untyped-def]
    _, sparql, needs = prepare(str(path))
    expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
    got = json_results(run_sparql(rdf12_stores[needs], sparql))
    ordered = "ORDER BY" in sparql.upper()
    if query_edition(sparql) == "rdf12":  # computed on this edition: directions and all
        assert same_results(expected, got, ordered=ordered), f"{path.name}: regenerate with `b12kg query " \
            f"{path.stem} --format json > queries/{path.stem}.srj` if the change is intended"
        assert expected["results"]["bindings"], "an expected result with no rows proves nothing"
        return
    plain, _ = _without_directions(got)
    assert same_results(expected, plain, ordered=ordered), f"{path.name} answers differently on the RDF 1.2 edition"


def test_the_rdf12_queries_use_triple_terms_and_need_pyoxigraph() -> None:
    only = [p for p in ALL_QUERIES if query_edition(p.read_text(encoding="utf-8")) == "rdf12"]
    assert len(only) >= 3 and not set(only) & set(library_queries(QUERIES_DIR))
    for path in only:
        text = path.read_text(encoding="utf-8")
        assert "<<" in text or "~" in text or "rdf:reifies" in text, path.name
        assert "computed by pyoxigraph" in text, f"{path.name}: its header says who computed the expected answer"
        refused = CliRunner().invoke(main, ["query", path.stem, "--engine", "rdflib"])
        assert refused.exit_code != 0 and "rdflib cannot read the RDF 1.2 edition" in refused.output


def test_directions_come_back_in_sparql_json_results(rdf12_stores) -> None:  # type: ignore[no-untyped-def]
    answer = run_sparql(rdf12_stores[False], 'SELECT ?l WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l '
                                              'FILTER(LANGDIR(?l) = "rtl") }')
    rows = json_results(answer)["results"]["bindings"]
    assert rows and Counter(r["l"]["its:dir"] for r in rows) == Counter({"rtl": len(rows)})


# ------------------------------------------------------------------ the RDF 1.1 edition in Virtuoso


@pytest.mark.store
def test_virtuoso_loads_the_rdf11_edition_with_zero_errors_and_refuses_rdf12(
        inferred_build: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from b12kg.errors import B12kgError
    from b12kg.store.config import store_preset
    from b12kg.store.http import sparql_request
    from b12kg.store.load import load_release
    from stores import VirtuosoServer

    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db", allowed=tmp_path_factory.getbasetemp())
    server.start()
    try:
        config = store_preset("virtuoso", server.url, user="dba", timeout=60)
        config.password = "dba"
        report = load_release(config, inferred_build)  # the RDF 1.1 edition (b12kg.nq), as `b12kg load` does
        assert report.ok(), report
        assert report.graphs and all(release == stored for release, stored in report.graphs.values())
        reifier = (f"INSERT DATA {{ GRAPH <urn:b12kg:rdf12> {{ <urn:c> <{REIFIES}> "
                   "<<( <urn:s> <urn:p> <urn:o> )>> } }")
        with pytest.raises(B12kgError):  # Virtuoso 7.2 cannot read a triple term: the RDF 1.2 edition stays out
            sparql_request(config, reifier, update=True)
    finally:
        server.stop()


def test_the_python_api_opens_either_edition_and_says_which_a_query_needs(inferred_build: Path) -> None:
    from b12kg.api import open_graph
    from b12kg.errors import B12kgError

    rows = open_graph(inferred_build, edition="rdf12").query("29")
    assert rows and {row["hedge_en"] for row in rows} >= {"can", "often"}
    with pytest.raises(B12kgError, match="needs the RDF 1.2 edition"):
        open_graph(inferred_build).query("29")
