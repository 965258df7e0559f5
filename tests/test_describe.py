"""The dataset describes itself: VoID, DCAT 3 and SPARQL Service Description figures match the files built."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store, parse

from b12kg.build.describe import CHANGELOG, DESCRIPTION_FILE, SERVE_ENDPOINT, read_release
from b12kg.build.pipeline import build
from b12kg.cli.store import serve
from b12kg.errors import B12kgError
from b12kg.paths import ONTOLOGY_DIR

PREFIXES = """
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX b12: <https://w3id.org/b12kg/id/>
"""


@pytest.fixture(scope="module")
def description(fresh_build: Path) -> Store:
    store = Store()
    store.load(path=str(fresh_build / DESCRIPTION_FILE), format=RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def graph(fresh_build: Path) -> Store:
    store = Store()
    store.load(path=str(fresh_build / "b12kg.nt"), format=RdfFormat.N_TRIPLES)
    return store


def _value(store: Store, query: str) -> str:
    (row,) = list(store.query(PREFIXES + query))
    return row[0].value


def test_void_figures_are_the_graphs(description: Store, fresh_build: Path) -> None:
    # counted over the parsed terms, not in a store: Oxigraph (like Virtuoso) keeps xsd:nonNegativeInteger
    # literals as xsd:integer, which would merge "1"^^nonNegativeInteger with "1"^^integer in a DISTINCT
    triples = [q.triple for q in parse(path=str(fresh_build / "b12kg.nt"), format=RdfFormat.N_TRIPLES)]
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    expected = {
        "triples": len(set(map(str, triples))),
        "distinctSubjects": len({str(t.subject) for t in triples}),
        "distinctObjects": len({str(t.object) for t in triples}),
        "properties": len({str(t.predicate) for t in triples}),
        "classes": len({str(t.object) for t in triples if t.predicate.value == rdf_type}),
    }
    for prop, count in expected.items():
        assert int(_value(description, f"SELECT ?n {{ b12:dataset void:{prop} ?n }}")) == count, prop
    assert expected["triples"] > 3000


def test_class_and_property_partitions_are_counted(description: Store, graph: Store) -> None:
    classes = list(description.query(PREFIXES + "SELECT ?c ?n { b12:dataset void:classPartition [ void:class ?c ; "
                                                "void:entities ?n ] }"))
    assert len(classes) > 20
    for c, n in classes:
        actual = _value(graph, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a {c} }}")
        assert int(n.value) == int(actual), c
    properties = list(description.query(PREFIXES + "SELECT ?p ?n { b12:dataset void:propertyPartition "
                                                   "[ void:property ?p ; void:triples ?n ] }"))
    for p, n in properties:
        assert int(n.value) == int(_value(graph, f"SELECT (COUNT(*) AS ?n) {{ ?s {p} ?o }}")), p
    total = sum(int(n.value) for _, n in properties)
    assert total == int(_value(description, "SELECT ?n { b12:dataset void:triples ?n }"))


def test_void_links_vocabularies_examples_dumps_and_uri_space(description: Store, graph: Store) -> None:
    answer = description.query(PREFIXES + "SELECT ?v { b12:dataset void:vocabulary ?v }")
    vocabularies = {row[0].value for row in answer}
    assert {"https://w3id.org/b12kg/ontology", "http://www.w3.org/ns/oa#", "http://www.w3.org/2006/time#",
            "http://purl.obolibrary.org/obo/hp.owl", "http://www.w3.org/ns/prov#"} <= vocabularies
    for row in description.query(PREFIXES + "SELECT ?e { b12:dataset void:exampleResource ?e }"):
        assert graph.query(f"ASK {{ {row[0]} ?p ?o }}"), f"example {row[0]} is not in the graph"
    assert _value(description, "SELECT ?u { b12:dataset void:uriSpace ?u }") == "https://w3id.org/b12kg/id/"
    release = read_release()
    dumps = {row[0].value for row in description.query(PREFIXES + "SELECT ?d { b12:dataset void:dataDump ?d }")}
    assert dumps == {f"https://w3id.org/b12kg/releases/{release.date}-v{release.version}/b12kg.{ext}"
                     for ext in ("nt", "nq")}


def test_each_distribution_states_the_bytes_and_checksum_of_its_file(description: Store, fresh_build: Path) -> None:
    rows = list(description.query(PREFIXES + """
        SELECT ?title ?size ?sum ?media ?url ?licence ?issued ?version {
          b12:dataset dcat:distribution ?d ; dcat:version ?version .
          ?d dcterms:title ?title ; dcat:byteSize ?size ; dcat:mediaType ?media ; dcat:downloadURL ?url ;
             dcterms:license ?licence ; dcterms:issued ?issued ;
             spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum ] }"""))
    release = read_release()
    titles = set()
    for title, size, digest, media, url, licence, issued, version in rows:
        name = title.value
        titles.add(name)
        if name == "ontology/b12kg.ttl":
            path = ONTOLOGY_DIR / "b12kg.ttl"
        else:  # the fresh build writes its ontology outputs beside the graphs
            path = fresh_build / name.removeprefix("ontology/")
        data = path.read_bytes()
        assert int(size.value) == len(data), name
        assert digest.value == hashlib.sha256(data).hexdigest(), name
        assert media.value.startswith("https://www.iana.org/assignments/media-types/")
        assert url.value == f"https://w3id.org/b12kg/releases/{release.date}-v{release.version}/{name}"
        assert licence.value == "https://creativecommons.org/licenses/by/4.0/"
        assert issued.value == release.date and version.value == release.version
    assert {"b12kg.nt", "b12kg.nq", "b12kg.ttl", "b12kg.trig", "b12kg.jsonld", "ontology/b12kg.owl",
            "ontology/b12kg.ttl"} <= titles


def test_licences_of_code_data_and_source_text_are_stated(description: Store) -> None:
    assert _value(description, "SELECT ?l { b12:dataset dcterms:license ?l }") == \
        "https://creativecommons.org/licenses/by/4.0/"
    assert _value(description, "SELECT ?l { b12:dataset <http://www.w3.org/ns/prov#wasAttributedTo> ?s . "
                               "?s dcterms:license ?l }") == "http://spdx.org/licenses/MIT"
    rights = _value(description, "SELECT ?r { b12:dataset dcterms:rights ?r }")
    assert "third-party" in rights and "MIT" in rights and "CC BY 4.0" in rights


def test_service_description_matches_serve_and_the_named_graphs(description: Store, fresh_build: Path) -> None:
    port = next(p.default for p in serve.params if p.name == "port")
    host = next(p.default for p in serve.params if p.name == "host")
    assert SERVE_ENDPOINT == f"http://{host}:{port}/query"
    assert _value(description, "SELECT ?e { ?s a sd:Service ; sd:endpoint ?e }") == SERVE_ENDPOINT
    stated = {row[0].value: int(row[1].value) for row in description.query(PREFIXES + """
        SELECT ?name ?n { ?s sd:defaultDataset/sd:namedGraph [ sd:name ?name ; sd:graph/void:triples ?n ] }""")}
    counted: dict[str, int] = {}
    for quad in parse(path=str(fresh_build / "b12kg.nq"), format=RdfFormat.N_QUADS):
        if hasattr(quad.graph_name, "value"):
            counted[quad.graph_name.value] = counted.get(quad.graph_name.value, 0) + 1
    counted["https://w3id.org/b12kg/graph/asserted"] = sum(  # the store layout's copy of the default graph
        1 for quad in parse(path=str(fresh_build / "b12kg.nq"), format=RdfFormat.N_QUADS)
        if not hasattr(quad.graph_name, "value"))
    # the store layout's graph of SPARQL examples (graphs/b12kg.examples.ttl)
    counted["https://w3id.org/b12kg/graph/examples"] = len(list(parse(path=str(fresh_build / "b12kg.examples.ttl"),
                                                                      format=RdfFormat.TURTLE)))
    assert stated == counted and len(stated) >= 72


def test_changelog_version_must_match_the_package_and_ontology(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.read_text(encoding="utf-8").replace("## [0.1.0]", "## [0.2.0]"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(B12kgError) as caught:
        build(out_dir=out, ontology_out_dir=out, changelog=changelog)
    message = str(caught.value)
    assert "CHANGELOG.md:" in message and "0.2.0" in message and "0.1.0" in message
    assert not out.exists() or not any(out.rglob("*"))
    changelog.write_text("# Changelog\n\n## [0.1.0] 27 Nov 2026\n", encoding="utf-8")
    with pytest.raises(B12kgError, match=r"CHANGELOG.md:3: .*YYYY-MM-DD"):
        read_release(changelog)
