"""The pyLODE documentation shows each class and property of the ontology: both labels, definition, domain, range."""

from __future__ import annotations

import html
import re
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from b12kg.build.docs import DOCS_FILE
from b12kg.paths import ONTOLOGY_DIR, PROJECT

B12O = "https://w3id.org/b12kg/ontology#"
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _sections(page: str) -> dict[str, str]:
    """Each entity's block of the page, keyed by the IRI it shows, as plain text."""
    blocks = re.split(r'<div class="property entity" id="[^"]+">', page)[1:]
    sections = {}
    for block in blocks:
        iri = re.search(r"<code>([^<]+)</code>", block)
        if iri:
            sections[html.unescape(iri.group(1))] = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", block)))
    return sections


def _text(literal: rdflib.Literal) -> str:
    return re.sub(r"\s+", " ", str(literal)).strip()


def test_every_term_is_documented_with_labels_definition_domain_and_range(fresh_build: Path) -> None:
    ontology = rdflib.Graph().parse(ONTOLOGY_DIR / "b12kg.ttl")
    sections = _sections((fresh_build / DOCS_FILE).read_text(encoding="utf-8"))
    terms = sorted({s for kind in KINDS for s in ontology.subjects(RDF.type, kind) if str(s).startswith(B12O)})
    assert len(terms) > 50
    for term in terms:
        local = str(term)[len(B12O):]
        assert str(term) in sections, f"{local} has no entry in the documentation"
        text = sections[str(term)]
        for lang in ("en", "ar"):
            labels = [o for o in ontology.objects(term, RDFS.label) if o.language == lang]
            assert labels and all(_text(label) in text for label in labels), f"{local}: {lang} label missing"
            definitions = [o for o in ontology.objects(term, SKOS.definition) if o.language == lang]
            assert definitions and all(_text(d) in text for d in definitions), f"{local}: {lang} definition missing"
        for prop, row in ((RDFS.domain, "Domain"), (RDFS.range, "Range")):
            for value in ontology.objects(term, prop):
                assert row in text, f"{local}: no {row} row"
                shown = [_text(o) for o in ontology.objects(value, RDFS.label) if o.language == "en"] or \
                    [str(value).rsplit("#", 1)[-1].rsplit("/", 1)[-1]]
                assert any(s in text for s in shown), f"{local}: {row} {value} not shown"


def test_readme_links_the_documentation() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"ontology/{DOCS_FILE}" in readme
