"""The ontology opens offline the ways the README says: owlready2 (with its one line), and an XML catalog for
Protégé / ROBOT / the OWL API that maps every import IRI to a file beside it."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import rdflib

from b12kg.paths import ONTOLOGY_DIR

CATALOG = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"


def test_the_catalog_maps_every_import_to_a_module_with_that_iri() -> None:
    ontology = rdflib.Graph().parse(ONTOLOGY_DIR / "b12kg.ttl", format="turtle")
    imports = {str(o) for o in ontology.objects(None, rdflib.OWL.imports)}
    entries = {e.get("name"): e.get("uri") for e in ET.parse(ONTOLOGY_DIR / "catalog-v001.xml").getroot()
               if e.tag == CATALOG + "uri"}
    assert imports and imports <= set(entries)
    for iri in imports:
        target = ONTOLOGY_DIR / entries[iri]
        assert target.is_file(), f"catalog-v001.xml maps {iri} to a missing file {target}"
        module = rdflib.Graph().parse(target, format="xml")
        assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.OWL.Ontology) in module, f"{target} is not {iri}"


def test_owlready2_opens_the_ontology_and_its_imports_offline_as_the_readme_says() -> None:
    # A fresh interpreter, as a user's: the one line the README gives (onto_path), then get_ontology().load().
    script = (
        "from owlready2 import get_ontology, onto_path\n"
        f"onto_path.append({str(ONTOLOGY_DIR / 'imports')!r})\n"
        f"onto = get_ontology({str(ONTOLOGY_DIR / 'b12kg.owl')!r}).load()\n"
        "imported = sorted(o.base_iri for o in onto.imported_ontologies)\n"
        "print(len(imported), onto.search_one(iri='*#HealthClaim') is not None,\n"
        "      onto.world['http://purl.obolibrary.org/obo/HP_0001337'] is not None,\n"
        "      onto.world['http://purl.obolibrary.org/obo/UBERON_0001017'] is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["3", "True", "True", "True"], done.stdout  # hp, anatomy and terms modules
