"""The anatomy import module: sourced UBERON/CL edges, every anatomy term covered, query 28, HermiT."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, URIRef

from b12kg.build.pipeline import build
from b12kg.curation.read import Document
from b12kg.errors import CurationError
from b12kg.paths import CURATED_DIR, ONTOLOGY_DIR
from b12kg.qc.hermit import run_hermit
from b12kg.rdf.anatomy import ANATOMY_EDGES, AnatomyEdge, read_anatomy_edges
from b12kg.rdf.imports import ANATOMY_IMPORT, PART_OF
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import prepare

OBO = "http://purl.obolibrary.org/obo/"
TABLE = ONTOLOGY_DIR / "imports" / ANATOMY_EDGES
CNS, PNS = "central nervous system", "peripheral nervous system"


def _iri(curie: str) -> URIRef:
    return URIRef(OBO + curie.replace(":", "_"))


def _anatomy_used(documents: list[Document]) -> dict[str, str]:
    return {key: term.label.en for d in documents for key, term in d.terms.items() if term.kind == "anatomy"}


@pytest.fixture(scope="module")
def module() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / "imports" / "anatomy_import.ttl", format="turtle")


@pytest.fixture(scope="module")
def edges() -> list[AnatomyEdge]:
    return read_anatomy_edges(TABLE)


def test_every_edge_of_the_module_is_a_sourced_row_of_the_table(module: rdflib.Graph,
                                                                 edges: list[AnatomyEdge]) -> None:
    table = {(_iri(e.child), RDFS.subClassOf if e.relation == "is_a" else URIRef(PART_OF), _iri(e.parent)): e
             for e in edges}
    in_module = {(s, p, o) for p in (RDFS.subClassOf, URIRef(PART_OF)) for s, o in module.subject_objects(p)}
    assert in_module and in_module <= set(table), in_module - set(table)
    for triple in in_module:
        edge = table[triple]
        assert "obophenotype/uberon" in edge.source and "@" in edge.source, edge  # repository, path and commit
        # the class names the source of its edges
        assert any(rdflib.Literal(s.strip()) in set(module.objects(triple[0], rdflib.DCTERMS.source))
                   for s in edge.source.split(";"))
    # the ancestors UBERON gives, with their exact primary labels (read in the cited files)
    labels = {str(o): str(s) for o, s in module.subject_objects(RDFS.label)}
    assert labels[OBO + "UBERON_0001017"] == CNS and labels[OBO + "UBERON_0000010"] == PNS
    assert labels[OBO + "UBERON_0000122"] == "neuron projection bundle"


def test_every_anatomy_term_the_graph_uses_is_in_the_module_and_not_in_terms_import(
        module: rdflib.Graph, documents: list[Document]) -> None:
    used = _anatomy_used(documents)
    assert len(used) == 12
    terms = rdflib.Graph().parse(ONTOLOGY_DIR / "imports" / "terms_import.ttl", format="turtle")
    for curie, label in used.items():
        node = _iri(curie)
        assert (node, RDF.type, OWL.Class) in module, curie
        assert (node, RDFS.isDefinedBy, URIRef(ANATOMY_IMPORT)) in module, curie
        assert module.value(node, RDFS.label) == rdflib.Literal(label, lang="en"), curie
        assert (node, None, None) not in terms, f"{curie} is still in terms_import"


def test_the_divisions_are_reached_through_the_edges_without_a_reasoner(module: rdflib.Graph) -> None:
    walk = "(rdfs:subClassOf|b12o:partOf)*"

    def reaches(site: str, division: str) -> bool:
        return bool(module.query(f"ASK {{ <{OBO}{site}> {walk} <{OBO}{division}> }}",
                                 initNs={"rdfs": RDFS, "b12o": rdflib.Namespace(PART_OF[:-len("partOf")])}))
    central, peripheral = "UBERON_0001017", "UBERON_0000010"
    for site in ("UBERON_0002240", "UBERON_0000955", "UBERON_0000941"):  # spinal cord, brain, optic nerve
        assert reaches(site, central) and not reaches(site, peripheral), site
    assert reaches("UBERON_0001021", peripheral) and not reaches("UBERON_0001021", central)  # nerve
    for site in ("UBERON_0002398", "UBERON_0002387", "CL_0000540", "UBERON_0001016"):  # hand, foot, neuron, NS
        assert not reaches(site, central) and not reaches(site, peripheral), site
    assert reaches("UBERON_0002240", "UBERON_0001016")  # and on up to the nervous system


def test_query_28_sorts_the_claims_into_central_and_peripheral() -> None:
    _name, sparql, _inferred = prepare("28")
    answer = run_sparql(open_store(), sparql)
    got: dict[str, set[str]] = {}
    for row in answer.rows:
        got.setdefault(row[0].value, set()).add(row[1].value)
    assert got == {
        CNS: {"prolonged-deficiency-spinal-cord-damage", "brain-neuron-damage-memory-loss",
              "optic-nerve-damage-vision-loss"},
        PNS: {"prolonged-deficiency-peripheral-nerve-damage", "peripheral-neuropathy-is-peripheral-nerve-damage"},
    }
    sites = {(row[0].value, row[2].value) for row in answer.rows}
    assert (PNS, "UBERON:0001021") in sites and (CNS, "UBERON:0002240") in sites and (CNS, "UBERON:0000955") in sites


def _quiet_hermit(path: Path, imports: Path):  # type: ignore[no-untyped-def]
    with contextlib.redirect_stderr(io.StringIO()):
        return run_hermit(path, imports)


@pytest.mark.slow
def test_hermit_is_consistent_with_the_module_and_reads_its_hierarchy(fresh_build: Path, tmp_path: Path) -> None:
    report = _quiet_hermit(fresh_build / "b12kg.nt", fresh_build / "imports")
    assert report.consistent and report.unsatisfiable == ()
    # the check can fail, and only through the module's edges: a nerve is a neuron projection bundle
    # (rdfs:subClassOf in the module), so a nerve that is declared not to be one is a contradiction
    nerve = "<https://w3id.org/b12kg/id/test/a-nerve>"
    broken = tmp_path / "broken.nt"
    broken.write_text((fresh_build / "b12kg.nt").read_text(encoding="utf-8") +
                      f"{nerve} <{RDF.type}> <{OBO}UBERON_0001021> .\n"
                      f"<{OBO}UBERON_0001021> <{OWL.disjointWith}> <{OBO}UBERON_0000122> .\n", encoding="utf-8")
    assert not _quiet_hermit(broken, fresh_build / "imports").consistent


def _ontology_copy(tmp_path: Path) -> Path:
    target = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY_DIR, target)
    return target


@pytest.mark.parametrize(("row", "says"), [
    ("UBERON:0002240\tpart_of\tUBERON:0001017\tcentral nervous system\t", "has no source"),
    ("UBERON:0002240\tdevelops_from\tUBERON:0001017\tcentral nervous system\tx", "relation 'develops_from'"),
    ("UBERON:2240\tpart_of\tUBERON:0001017\tcentral nervous system\tx", "is not an UBERON or CL CURIE"),
    ("UBERON:0000955\tis_a\tUBERON:0001017\tCNS\tx", "is labelled 'CNS' here"),
    ("UBERON:0002240\tpart_of\tUBERON:0001017\tcentral nervous system\tx", "repeats line"),
    ("UBERON:0002240\tpart_of\tUBERON:0001017\tcentral nervous system", "4 tab-separated fields"),
])
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_written(tmp_path: Path, row: str, says: str) -> None:
    ontology = _ontology_copy(tmp_path)
    table = ontology / "imports" / ANATOMY_EDGES
    lines = table.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join([*lines, row]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(CurationError) as caught:
        build(curated_dir=CURATED_DIR, ontology_dir=ontology, out_dir=out, ontology_out_dir=out / "ontology")
    message = str(caught.value)
    assert says in message and f"{ANATOMY_EDGES}:{len(lines) + 1}" in message and caught.value.fix
    assert not out.exists() or not any(out.rglob("*.nt"))


def test_a_label_that_contradicts_the_curated_one_is_refused(tmp_path: Path) -> None:
    ontology = _ontology_copy(tmp_path)
    table = ontology / "imports" / ANATOMY_EDGES
    text = table.read_text(encoding="utf-8")
    table.write_text(text + "UBERON:0000955\tpart_of\tUBERON:0002240\tspinal chord\tx\n", encoding="utf-8")
    with pytest.raises(CurationError, match="'spinal chord' in the anatomy edge table but 'spinal cord'"):
        build(curated_dir=CURATED_DIR, ontology_dir=ontology, out_dir=tmp_path / "out",
              ontology_out_dir=tmp_path / "out" / "ontology")
