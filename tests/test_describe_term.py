"""CONSTRUCT and DESCRIBE answers, and `b12kg describe` for a term or a claim, on the real built graph."""

from __future__ import annotations

import rdflib
import rdflib.compare
from click.testing import CliRunner

from b12kg.cli import main

OBO = "http://purl.obolibrary.org/obo/"
CLAIM = "https://w3id.org/b12kg/id/claim/"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_describe_a_term_lists_every_claim_about_it_with_its_quote() -> None:
    code, out = _run("describe", "HP:0001337")
    assert code == 0, out
    assert "label @en: Tremor" in out and "label @ar: رعاش" in out
    assert "claim children-tremors" in out and "وتشمل الحركات غير الطوعية الهزات" in out
    assert "b12o:populationBasis: b12o:FromSectionHeading" in out


def test_describe_a_claim_as_turtle_gives_its_statement_node_and_nested_nodes() -> None:
    code, out = _run("describe", "children-movements-like-dancing", "--format", "turtle")
    assert code == 0, out
    graph = rdflib.Graph().parse(data=out, format="turtle")
    node = rdflib.URIRef(CLAIM + "children-movements-like-dancing")
    b12o = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
    assert (node, b12o.resembles, rdflib.URIRef(OBO + "HP_0002072")) in graph
    inference = graph.value(node, b12o.resemblanceInference)
    assert (inference, b12o.evidenceCode, rdflib.URIRef(OBO + "ECO_0000305")) in graph  # a nested node, included
    assert (node, b12o.hasDirectTriple, rdflib.Literal(False)) in graph


def test_describe_something_the_graph_does_not_know_fails_with_a_fix() -> None:
    code, out = _run("describe", "HP:9999999")
    assert code == 1 and "says nothing about" in out and "fix:" in out


def test_construct_answers_the_same_graph_on_both_engines_in_every_format() -> None:
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX b12o: <https://w3id.org/b12kg/ontology#> "
             "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a b12o:HealthClaim ; b12o:modality b12o:Simile ; "
             "rdfs:label ?l }")
    graphs = []
    for engine, fmt, parser in (("oxigraph", "ntriples", "nt"), ("rdflib", "turtle", "turtle"),
                                ("oxigraph", "jsonld", "json-ld")):
        code, out = _run("query", query, "--engine", engine, "--format", fmt)
        assert code == 0, out
        graphs.append(rdflib.Graph().parse(data=out, format=parser))
    assert len(graphs[0]) == 4  # two similes, each with an English gloss and its Arabic quote as labels
    assert all(rdflib.compare.isomorphic(graphs[0], g) for g in graphs[1:])


def test_describe_query_and_a_table_format_for_a_graph_answer() -> None:
    code, out = _run("query", f"DESCRIBE <{OBO}HP_0002310>", "--format", "ntriples")
    assert code == 0 and f"<{OBO}HP_0002310> <http://www.w3.org/2000/01/rdf-schema#label>" in out
    code, out = _run("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "turtle")
    assert code == 1 and "for CONSTRUCT and DESCRIBE" in out
