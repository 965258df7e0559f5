"""Guards: `query` sends no updates, `validate` notices a stale inferred graph, docs carry no markup from literals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.build.docs import ontology_html
from b12kg.build.pipeline import build
from b12kg.cli import main
from b12kg.paths import GRAPHS_DIR, ONTOLOGY_DIR, PROJECT
from b12kg.qc.reason import INFERRED_NAMES, owlrl_inference, write_inferred
from stores import OxigraphServer

ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "loader")}


# ------------------------------------------------------------------ query sends no updates


def _count(server: OxigraphServer) -> int:
    body = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).encode()
    request = urllib.request.Request(f"{server.url}/query", data=body,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(json.load(answer)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph")).start()
    data = (GRAPHS_DIR / "b12kg.nt").read_bytes()
    request = urllib.request.Request(f"{server.url}/store?default", data=data, method="POST",
                                     headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(request, timeout=60).close()
    yield server
    server.stop()


@pytest.mark.store
@pytest.mark.parametrize("update", ["# SELECT\nDROP ALL", "# SELECT * WHERE { ?s ?p ?o }\nCLEAR DEFAULT",
                                    "PREFIX ask: <http://example.org/>\n# ASK\nDELETE WHERE { ?s ?p ?o }",
                                    "SELECT * WHERE { ?s ?p ?o } ;\nDROP ALL"])
def test_query_refuses_an_update_whatever_its_comments_say(store: OxigraphServer, update: str) -> None:
    before = _count(store)
    assert before > 3000
    done = subprocess.run([sys.executable, "-m", "b12kg", "query", update, "--endpoint", f"{store.url}/update"],
                          env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "refused: this is a SPARQL Update" in done.stderr or "not valid SPARQL 1.1" in done.stderr
    assert "Traceback" not in done.stderr
    assert _count(store) == before


@pytest.mark.store
def test_query_still_answers_a_select_with_update_words_in_its_comments(store: OxigraphServer) -> None:
    done = subprocess.run([sys.executable, "-m", "b12kg", "query", "# DROP ALL\nSELECT (COUNT(*) AS ?n) "
                           "WHERE { ?s ?p ?o }", "--endpoint", f"{store.url}/query", "--format", "csv"],
                          env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", str(_count(store))]


# ------------------------------------------------------------------ validate notices a stale inferred graph


@pytest.mark.slow
def test_validate_notices_an_inferred_graph_of_another_build(curated_copy: Path, tmp_path: Path) -> None:
    """A claim changed, `build` and `export` ran, `reason` did not: the inferred graph is from the old graph."""
    graphs = tmp_path / "graphs"
    shutil.copytree(GRAPHS_DIR, graphs, ignore=shutil.ignore_patterns("curated"))
    claims = curated_copy / "b12-involuntary-movements.claims.yaml"
    text = claims.read_text(encoding="utf-8")
    gloss = "gloss: Vitamin B12 belongs to the B-complex group of vitamins."
    assert gloss in text
    claims.write_text(text.replace(gloss, gloss[:-1] + ", the article says."), encoding="utf-8")
    other = tmp_path / "other"
    build(curated_dir=curated_copy, out_dir=other, ontology_out_dir=other)
    write_inferred(owlrl_inference(other / "b12kg.nt"), out_dir=graphs)  # inferred from the other graph
    result = CliRunner().invoke(main, ["validate", "--graphs", str(graphs), "--no-reasoner"])
    assert result.exit_code == 3, result.output
    assert "built graphs and exports: up to date" in result.output
    assert f"{graphs / INFERRED_NAMES[0]}" in result.output and "run `b12kg reason`" in result.output


# ------------------------------------------------------------------ no markup from literals in the docs

_EVIL = ('Beware <script>alert("definition")</script> and <img src=x onerror=alert(2)> and '
         '[a link](javascript:alert(3)) — yet a & b < c stays readable.')


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "script":
            self.scripts.append(data)


def test_markup_in_ontology_literals_stays_text_in_the_docs(tmp_path: Path) -> None:
    ontology = tmp_path / "b12kg.ttl"
    source = (ONTOLOGY_DIR / "b12kg.ttl").read_text(encoding="utf-8")
    evil = json.dumps(_EVIL, ensure_ascii=False)
    ontology.write_text(source + f"""
b12o:EvilTerm a owl:Class ;
    rdfs:label "Evil term </script><script>alert('label')</script>"@en ;
    skos:definition {evil}@en ;
    rdfs:comment {evil} .
<https://w3id.org/b12kg/ontology> dcterms:title "B12 </script><script>alert('title')</script>"@en .
""", encoding="utf-8")
    page = ontology_html(ontology)
    parser = _Tags()
    parser.feed(page)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [{"id": "schema.org", "type": "application/ld+json"}]  # pyLODE's own, and no other
    assert not [tag for tag, _ in parser.tags if tag == "img"]
    assert not [(tag, name) for tag, attrs in parser.tags for name in attrs if name.startswith("on")]
    assert not [attrs for _, attrs in parser.tags if "javascript:" in (attrs.get("href") or "")]
    schema = json.dumps(json.loads(parser.scripts[0]), ensure_ascii=False)  # the JSON-LD block is whole JSON
    assert "alert('title')" in schema  # the title is there, as data
    # the text still shows, character for character, once the browser decodes it
    shown = " ".join(page.split())
    assert "Beware &lt;script&gt;alert(\"definition\")&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt; and " \
           "&#91;a link&#93;(javascript:alert(3)) — yet a &amp; b &lt; c stays readable." in shown
    assert "Evil term &lt;/script&gt;&lt;script&gt;alert('label')&lt;/script&gt;" in shown


def test_the_embedded_json_ld_cannot_end_its_script_element() -> None:
    """Second line of defence: whatever text reaches pyLODE's JSON-LD block, "<" there is written \\u003c."""
    from b12kg.build.docs import safe_schema_org

    page = ('<head><script id="schema.org" type="application/ld+json">\n{"name": "x </script><script>alert(1)'
            '</script>"}\n\t</script></head>')
    safe = safe_schema_org(page)
    parser = _Tags()
    parser.feed(safe)
    assert [tag for tag, _ in parser.tags] == ["head", "script"]
    assert json.loads(parser.scripts[0]) == {"name": "x </script><script>alert(1)</script>"}
