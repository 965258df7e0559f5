"""The one policy (b12kg.rdf.policy): for every real claim, what it gives — and every stage follows it."""

from __future__ import annotations

import csv

import pytest
from pyoxigraph import DefaultGraph, NamedNode

from b12kg.curation.read import Claim, Document
from b12kg.export.kgx import kgx_edges
from b12kg.export.nanopub import nanopub_quads
from b12kg.paths import GRAPHS_DIR
from b12kg.rdf.claims import claim_iri, claim_quads
from b12kg.rdf.policy import bare_assertion, biolink_edge, has_direct_triple, hpoa_row, treatment_bound
from b12kg.vocab import ID

# claim id -> (direct triple, HPOA row, Biolink edge, bare nanopublication assertion, treatment-bound)
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    "b12-is-a-b-vitamin": (1, 0, 1, 1, 0),  # definition
    "b-vitamins-are-water-soluble": (1, 0, 1, 1, 0),  # definition
    "adequate-b12-usually-from-normal-diet": (1, 0, 1, 0, 0),  # hedged
    "deficiency-may-develop-in-some-people": (1, 0, 1, 0, 0),  # hedged
    "severe-deficiency-affects-nervous-system": (1, 0, 1, 0, 0),  # hedged
    "severe-deficiency-neurological-symptoms": (1, 0, 1, 0, 0),  # hedged
    "severe-deficiency-involuntary-movements": (1, 0, 1, 0, 0),  # hedged
    "deficiency-is-serious": (1, 0, 1, 1, 0),  # asserted
    "consult-physician-if-deficiency-suspected": (0, 0, 0, 0, 0),  # recommendation
    "children-involuntary-movements-common-sign": (1, 0, 1, 1, 0),  # asserted
    "children-involuntary-movements-onset-2-to-12-months": (1, 0, 1, 0, 0),  # hedged
    "exclusive-breastfeeding-by-deficient-mother-most-common-cause": (1, 0, 1, 1, 0),  # asserted
    "infants-about-half-have-involuntary-movements": (1, 1, 1, 1, 0),  # asserted, cited
    "children-tremors": (1, 0, 1, 1, 0),  # asserted
    "children-involuntary-movements-of-hands-or-feet": (1, 0, 1, 1, 0),  # asserted
    "children-movements-like-dancing": (0, 0, 0, 0, 0),  # simile
    "children-movements-like-piano-playing": (0, 0, 0, 0, 0),  # simile
    "infants-involuntary-movements-only-after-treatment-starts": (1, 0, 1, 0, 1),  # hedged
    "children-involuntary-movements-3-to-5-days-after-treatment": (1, 0, 1, 0, 1),  # asserted
    "children-orofacial-movements-3-to-5-days-after-treatment": (1, 0, 1, 0, 1),  # asserted
    "hypothesis-sudden-b12-stimulates-pathways": (0, 0, 0, 0, 1),  # hypothesis
    "hypothesis-stimulation-leads-to-metabolic-imbalance": (0, 0, 0, 0, 0),  # hypothesis
    "hypothesis-metabolic-imbalance-explains-post-treatment-movements": (0, 0, 0, 0, 1),  # hypothesis
    "post-treatment-movements-disappear-3-to-6-weeks-after-treatment-stops": (1, 0, 1, 0, 1),  # hedged
    "adults-involuntary-movements-rare": (1, 0, 1, 1, 0),  # asserted
    "adults-rare-cases-reported": (1, 1, 1, 1, 0),  # asserted, cited
    "adults-involuntary-movements-after-treatment": (1, 0, 1, 0, 1),  # hedged
    "adults-other-neurological-symptoms": (1, 1, 1, 0, 0),  # hedged, cited
    "prolonged-deficiency-spinal-cord-damage": (1, 0, 1, 0, 0),  # hedged
    "prolonged-deficiency-peripheral-nerve-damage": (1, 0, 1, 0, 0),  # hedged
    "peripheral-neuropathy-is-peripheral-nerve-damage": (1, 0, 1, 1, 0),  # definition
    "peripheral-neuropathy-tingling-in-hands-and-feet": (1, 0, 1, 0, 0),  # hedged
    "peripheral-neuropathy-numbness-in-hands-and-feet": (1, 0, 1, 0, 0),  # hedged
    "optic-nerve-damage-vision-loss": (1, 0, 1, 0, 0),  # hedged
    "brain-neuron-damage-memory-loss": (1, 0, 1, 0, 0),  # hedged
}


def _answers(claim: Claim) -> tuple[int, int, int, int, int]:
    return tuple(int(rule(claim)) for rule in (has_direct_triple, hpoa_row, biolink_edge,  # type: ignore[return-value]
                                                bare_assertion, treatment_bound))


def _claims(documents: list[Document]) -> list[tuple[Document, Claim]]:
    return [(document, claim) for document in documents for claim in document.claims]


def test_the_policy_table_on_the_real_claims(documents: list[Document]) -> None:
    got = {claim.id: _answers(claim) for _, claim in _claims(documents)}
    assert got == EXPECTED


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_each_stage_follows_the_policy(documents: list[Document], claim_id: str) -> None:
    (document, claim), = [(d, c) for d, c in _claims(documents) if c.id == claim_id]
    direct, _hpoa, _edge, bare, _bound = EXPECTED[claim_id]
    doc = NamedNode(f"{ID}document/{document.id}")
    triple = (claim.subject.iri, claim.relation.iri, claim.object.iri)
    default = {(q.subject.value, q.predicate.value, q.object.value) for q in claim_quads(document, doc, claim)
               if isinstance(q.graph_name, DefaultGraph)}
    assert (triple in default) == bool(direct)
    _, quads = nanopub_quads(document, claim)
    asserted = {(q.subject.value, q.predicate.value, q.object.value) for q in quads
                if not isinstance(q.graph_name, DefaultGraph) and q.graph_name.value.endswith("#assertion")}
    assert (triple in asserted) == bool(bare)


def test_the_exports_carry_exactly_the_claims_the_policy_names(documents: list[Document]) -> None:
    edges = {str(edge["id"]) for edge in kgx_edges(documents)}
    assert edges == {claim_iri(c) for c, row in EXPECTED.items() if row[2]}
    with (GRAPHS_DIR / "exports" / "b12kg.phenotype.hpoa").open(encoding="utf-8") as handle:
        rows = list(csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t"))[1:]
    hpoa = {(c.subject, c.object) for _, c in _claims(documents) if EXPECTED[c.id][1]}
    assert {(r[0], r[3]) for r in rows} == {(str(s), str(o)) for s, o in hpoa}
