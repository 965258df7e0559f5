"""What each claim gives (a direct triple, an HPOA row, a Biolink edge, a bare nanopub assertion), one rule each."""

from __future__ import annotations

from b12kg.curation.read import Claim

__all__ = ["DIRECT_MODALITIES", "BARE_MODALITIES", "has_direct_triple", "treatment_bound", "biolink_edge",
           "hpoa_row", "bare_assertion"]

# Which claims also get a direct ("truthy") triple `subject relation object` in the default graph: those the
# document states as fact, as possible/usual, or as a definition. Hypotheses and recommendations do not: a
# theory is not a fact, and advice is not a relation between the things it names.
DIRECT_MODALITIES = frozenset({"asserted", "hedged", "definition"})
# What a nanopublication may assert as a bare triple: only what the article asserts or defines outright.
BARE_MODALITIES = frozenset({"asserted", "definition"})

_HAS_PHENOTYPE = "RO:0002200"


def has_direct_triple(claim: Claim) -> bool:
    """The graph states `subject relation object` in its default graph (b12o:hasDirectTriple true)."""
    return claim.modality in DIRECT_MODALITIES


def treatment_bound(claim: Claim) -> bool:
    """The claim speaks of what happens around treatment (an intervention, or a window counted from it)."""
    return claim.intervention is not None or claim.resolution is not None or \
        (claim.onset is not None and claim.onset.anchor.startswith("treatment"))


def biolink_edge(claim: Claim) -> bool:
    """The KGX export carries the claim as a Biolink association: the same policy as the direct triples
    (hypotheses and recommendations are not exported as facts)."""
    return has_direct_triple(claim)


def hpoa_row(claim: Claim) -> bool:
    """A claim HPOA (phenotype.hpoa) can carry without changing what it says.

    Only disease-phenotype claims the article supports with a cited journal issue: HPOA's evidence codes are IEA,
    PCS and TAS, and the article's own unsupported statements (ECO:0000303, NAS) have none. Not claims about what
    happens around treatment (HPOA has no column for it), nor hypotheses or recommendations.
    """
    return (biolink_edge(claim) and str(claim.relation) == _HAS_PHENOTYPE and claim.object.prefix == "HP"
            and claim.source != "document" and not treatment_bound(claim))


def bare_assertion(claim: Claim) -> bool:
    """The claim's nanopublication may assert `subject relation object` by itself: only for what the article
    asserts (or defines) outright, not for a hedge, a theory, advice, or what follows treatment."""
    return claim.modality in BARE_MODALITIES and not treatment_bound(claim)
