"""Nanopublications: one per claim, its four graphs (head, assertion, provenance, publication info), content-hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.curation.read import Claim, Document
from b12kg.rdf.claims import claim_iri, claim_quads
from b12kg.rdf.policy import bare_assertion
from b12kg.rdf.terms import value_of
from b12kg.vocab import BASE, ID, NS

__all__ = ["NP", "NP_BASE", "NP_PLACEHOLDER", "nanopub_hash", "nanopub_quads"]

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
NP_BASE = BASE + "np/"
NP_PLACEHOLDER = "_"  # stands for the hash in the nanopublication's own IRIs while the hash is computed


def nanopub_hash(quads: Iterable[Quad]) -> str:
    """SHA-256 of the nanopublication's sorted N-Quads, its own IRIs written with NP_PLACEHOLDER for the hash.

    Like a Trusty URI (not its exact algorithm): the hash covers all four graphs, so a changed assertion or
    provenance gets a new IRI, and an IRI always means the same content.
    """
    lines = sorted(f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in quads)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def nanopub_quads(document: Document, claim: Claim) -> tuple[str, list[Quad]]:
    """The four graphs of one claim's nanopublication: head, assertion, provenance, publication info."""
    doc = NamedNode(f"{ID}document/{document.id}")
    c = claim_iri(claim.id)
    evidence_prefix = c + "/evidence"
    direct = (claim.subject.iri, claim.relation.iri, claim.object.iri)
    claim_only: list[Quad] = []
    evidence: list[Quad] = []
    for quad in claim_quads(document, doc, claim):
        if not isinstance(quad.graph_name, DefaultGraph):
            continue  # the build's own per-claim graphs; the nanopublication regroups the same statements
        if (value_of(quad.subject), quad.predicate.value, value_of(quad.object)) == direct \
                and not bare_assertion(claim):  # b12kg.rdf.policy
            continue  # the statement node (with its modality and qualifiers) says it instead
        curators = (evidence_prefix, c + "/inference", c + "/population-inference", c + "/resemblance-inference",
                    c + "/attribution-inference", c + "/flag/")  # the curator's readings and warnings: provenance
        (evidence if value_of(quad.subject).startswith(curators) else claim_only).append(quad)

    # the assertion: the statement node with its qualifiers (modality included, so a hedge stays a hedge); where
    # it was said, and by whom, goes to the provenance
    def provenance_only(quad: Quad) -> bool:  # the claim's labels (quote, gloss) describe where it was said
        return quad.predicate.value in _PROVENANCE_PREDICATES or (value_of(quad.subject) == c and
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
