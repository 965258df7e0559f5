"""KGX (Biolink Model) nodes and edges: one association per exported claim, in TSV and JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import IO

from b12kg.curation.read import Claim, Document, Term, Window
from b12kg.errors import B12kgError
from b12kg.rdf.claims import claim_iri
from b12kg.rdf.policy import biolink_edge
from b12kg.vocab import ID, NS

__all__ = ["BIOLINK_PREDICATES", "KGX_NODE_COLUMNS", "KGX_EDGE_COLUMNS", "KGX_EXTRA_COLUMNS", "PROVIDED_BY",
           "kgx_edges", "kgx_nodes", "location_in_text", "write_kgx_tsv", "write_jsonl"]

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
_CATEGORY_BY_PREFIX = {"MONDO": "biolink:Disease", "HP": "biolink:PhenotypicFeature",
                       "UBERON": "biolink:AnatomicalEntity", "CL": "biolink:Cell", "CHEBI": "biolink:ChemicalEntity",
                       "MAXO": "biolink:Procedure"}
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
                    "population_context_qualifier", "qualifiers", "supporting_text", "subject_location_in_text",
                    "object_location_in_text", "supporting_text_section_type", *KGX_EXTRA_COLUMNS)
_MULTIVALUED = {"category", "synonym", "xref", "provided_by", "publications", "has_evidence", "qualifiers",
                "supporting_text", "subject_location_in_text", "object_location_in_text", "b12kg_time_windows",
                "b12kg_flags", "b12kg_paragraph_publications"}
# The qualifier slots each association class has (Biolink 4.4.6: DiseaseToPhenotypicFeatureAssociation takes them
# through its mixins; the plain Association has none of them, so there the values go to `qualifiers`).
_QUALIFIER_SLOTS = {"biolink:DiseaseToPhenotypicFeatureAssociation": {"frequency_qualifier", "onset_qualifier",
                                                                      "population_context_qualifier"},
                    "biolink:Association": set()}
PROVIDED_BY = "b12kg"


def location_in_text(quote: str, term: Term) -> list[int]:
    """Where the term's words are in the quote, as Biolink's *_location_in_text want them: character offsets
    (Unicode code points, as the graph's TextPositionSelector counts) relative to the quote, `start, end` for each
    span, end exclusive. Only words found verbatim count — the term's text labels (copied from the text by the
    curator) and its Arabic label — so the offsets are computed, never typed; a span inside a longer one found
    too is left out. Empty when none of the words is in the quote."""
    spans: set[tuple[int, int]] = set()
    for words in {*term.text_labels, term.label.ar}:
        start = quote.find(words)
        while start >= 0:
            spans.add((start, start + len(words)))
            start = quote.find(words, start + 1)
    kept = sorted(s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans))
    return [offset for span in kept for offset in span]


def _section_type(claim: Claim) -> str:
    """Biolink's supporting_text_section_type (a string, "the name of the document section (e.g., Abstract,
    Introduction)"): the English name of the heading the claim's section stands under; none for the untitled
    opening section (an article's web page has no IMRaD sections to name it by)."""
    section = claim.section
    return section.heading_gloss or "" if section.heading is not None else ""


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
            if not biolink_edge(claim):  # b12kg.rdf.policy
                continue
            relation = str(claim.relation)
            predicate = BIOLINK_PREDICATES.get(relation, _DEFAULT_PREDICATE)
            subject, obj = document.terms[str(claim.subject)], document.terms[str(claim.object)]
            category = "biolink:DiseaseToPhenotypicFeatureAssociation" if predicate == "biolink:has_phenotype" \
                and subject.kind == "condition" and obj.kind == "manifestation" else "biolink:Association"
            cited = claim.source != "document"
            original = relation if relation.startswith(("RO:",)) else NS["b12o"] + relation.split(":", 1)[1]
            qualifiers = [str(c) for c in (claim.condition_severity, claim.condition_duration,
                                                    claim.setting, claim.intervention) if c is not None]
            slots = {
                "frequency_qualifier": str(claim.frequency.category)
                if claim.frequency and claim.frequency.category and claim.frequency.proportion is not None else "",
                "onset_qualifier": str(claim.onset_category) if claim.onset_category else "",
                "population_context_qualifier": str(claim.population) if claim.population else "",
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
                "subject": str(claim.subject),
                "predicate": predicate,
                "object": str(claim.object),
                "category": [category],
                "knowledge_level": "knowledge_assertion",
                "agent_type": "manual_agent",
                "original_predicate": original,
                "publications": [doc] + ([f"{ID}journal-issue/{claim.source}"] if cited else []),
                "has_evidence": evidence,
                **slots,
                "qualifiers": qualifiers,
                "supporting_text": [claim.quote.text],
                "subject_location_in_text": location_in_text(claim.quote.text, subject),
                "object_location_in_text": location_in_text(claim.quote.text, obj),
                "supporting_text_section_type": _section_type(claim),
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


def kgx_nodes(terms: Mapping[str, Term], *, used: Set[str], roles: Set[str]) -> list[dict[str, object]]:
    """The terms the edges connect (`used`: their subjects and objects; `roles`: the objects of has_chemical_role
    edges), with a Biolink category, English name, Arabic synonym and mappings; `terms` maps each curated term
    key to the term as the first document declaring it has it."""
    nodes: dict[str, dict[str, object]] = {}
    for key, term in terms.items():
        node_id = key  # a CURIE, our own terms' too (b12:population/people): KGX ids are CURIEs
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


def write_kgx_tsv(out: IO[str], records: Iterable[dict[str, object]], columns: Sequence[str], *,
                  header: bool = True) -> None:
    """A KGX TSV file: the columns (unless `header` is False: more rows of a file begun), then one row per record
    (lists joined with '|')."""
    if header:
        out.write("\t".join(columns) + "\n")
    for record in records:
        out.write("\t".join(_tsv_value(record[c], c) for c in columns) + "\n")


def write_jsonl(out: IO[str], records: Iterable[dict[str, object]]) -> None:
    """A KGX JSON Lines file: one object per record, empty values left out."""
    for record in records:
        out.write(json.dumps({k: v for k, v in record.items() if v not in ("", [])}, ensure_ascii=False,
                             sort_keys=True) + "\n")
