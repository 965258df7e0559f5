"""Nanopublications: one per claim (head, assertion, provenance, publication info), a Trusty URI, signed on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.curation.read import Claim, Document
from b12kg.export.npsig import load_private_key, private_key_pkcs8, public_key_of, sign
from b12kg.export.trusty import artifact_code, normalised, substitute
from b12kg.rdf.claims import claim_iri, claim_quads
from b12kg.rdf.policy import bare_assertion
from b12kg.rdf.terms import value_of
from b12kg.vocab import BASE, ID, NS

__all__ = ["NP", "NPX", "NP_BASE", "NP_PLACEHOLDER", "Signing", "nanopub_quads", "retraction_quads", "seal"]

NP = "http://www.nanopub.org/nschema#"
NPX = "http://purl.org/nanopub/x/"
_FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
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
# stands for the artifact code in the nanopublication's own IRIs until the code is computed (IRI-safe, unique)
NP_PLACEHOLDER = "RA-artifact-code-to-come"


@dataclass(frozen=True)
class Signing:
    """Who signs and with what: a private key (base64 PKCS #8), its public key, and the signer as given."""

    private_key: str = field(repr=False)  # never printed, logged or written
    public_key: str
    signer: str | None = None  # an ORCID IRI, as the releaser gives it (never made up)
    signer_name: str | None = None
    key: RSAPrivateKey = field(init=False, repr=False, compare=False)  # loaded (and checked) once, not per signature

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", load_private_key(self.private_key))

    @staticmethod
    def from_pem(path: Path, *, signer: str | None = None, signer_name: str | None = None) -> Signing:
        key = private_key_pkcs8(path)
        return Signing(key, public_key_of(key), signer, signer_name)


def nanopub_quads(document: Document, claim: Claim, *, supersedes: str | None = None,
                  signing: Signing | None = None) -> tuple[str, list[Quad]]:
    """The four graphs of one claim's nanopublication (head, assertion, provenance, publication info), and its
    Trusty URI; signed when `signing` is given; `supersedes` names the nanopublication it replaces."""
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

    base = f"{NP_BASE}{claim.id}/"
    np_iri, (head, assertion, provenance, pubinfo) = _names(base)
    out: list[Quad] = _head(np_iri, head, assertion, provenance, pubinfo)
    out += [Quad(q.subject, q.predicate, q.object, assertion) for q in assertion_content]
    out += [Quad(q.subject, q.predicate, q.object, provenance) for q in evidence]
    out.append(Quad(assertion, NamedNode(NS["prov"] + "wasDerivedFrom"), NamedNode(evidence_prefix), provenance))
    out.append(Quad(assertion, NamedNode(NS["prov"] + "wasQuotedFrom"), doc, provenance))
    if claim.source != "document":
        out.append(Quad(assertion, NamedNode(NS["prov"] + "hadPrimarySource"),
                        NamedNode(f"{ID}journal-issue/{claim.source}"), provenance))
    # Publication info that does not change from one release to the next (no release date), so that an
    # unchanged claim keeps its nanopublication IRI across releases.
    out += _pubinfo(np_iri, pubinfo, f"b12kg claim {claim.id}")
    if supersedes:
        out.append(Quad(np_iri, NamedNode(NPX + "supersedes"), NamedNode(supersedes), pubinfo))
    return seal(out, base, signing)


def retraction_quads(claim_id: str, retracted: str, *, signing: Signing | None = None) -> tuple[str, list[Quad]]:
    """A nanopublication that retracts `retracted` (the nanopublication of a claim the curated files no longer hold).

    Its assertion says who retracts it (`npx:retracts`): the signer where there is one, else b12kg the software.
    """
    base = f"{NP_BASE}{claim_id}/retraction/"
    np_iri, (head, assertion, provenance, pubinfo) = _names(base)
    agent = NamedNode(signing.signer) if signing and signing.signer else NamedNode(ID + "software/b12kg")
    out = _head(np_iri, head, assertion, provenance, pubinfo)
    out.append(Quad(agent, NamedNode(NPX + "retracts"), NamedNode(retracted), assertion))
    out.append(Quad(assertion, NamedNode(NS["prov"] + "wasAttributedTo"), agent, provenance))
    out += _pubinfo(np_iri, pubinfo, f"b12kg retraction of claim {claim_id}")
    out.append(Quad(np_iri, NamedNode(NPX + "hasNanopubType"), NamedNode(NPX + "retracts"), pubinfo))
    return seal(out, base, signing)


def _names(base: str) -> tuple[NamedNode, tuple[NamedNode, NamedNode, NamedNode, NamedNode]]:
    """The nanopublication's IRI and its four graphs' before the artifact code exists (NP_PLACEHOLDER stands in).

    The code follows the claim's own path and the graphs follow it after `#` (`…/np/CLAIM/RA…#assertion`), the
    form every checker resolves: nanopub-java and nanopub-rs also accept `/` there, nanopub-py 2.0 only `#`.
    """
    iri = base + NP_PLACEHOLDER
    return NamedNode(iri), tuple(NamedNode(f"{iri}#{part}")  # type: ignore[return-value]
                                 for part in ("Head", "assertion", "provenance", "pubinfo"))


def _head(np_iri: NamedNode, head: NamedNode, assertion: NamedNode, provenance: NamedNode,
          pubinfo: NamedNode) -> list[Quad]:
    return [
        Quad(np_iri, NamedNode(NS["rdf"] + "type"), NamedNode(NP + "Nanopublication"), head),
        Quad(np_iri, NamedNode(NP + "hasAssertion"), assertion, head),
        Quad(np_iri, NamedNode(NP + "hasProvenance"), provenance, head),
        Quad(np_iri, NamedNode(NP + "hasPublicationInfo"), pubinfo, head),
    ]


def _pubinfo(np_iri: NamedNode, pubinfo: NamedNode, label: str) -> list[Quad]:
    return [
        Quad(np_iri, NamedNode(NS["dcterms"] + "license"), NamedNode("https://creativecommons.org/licenses/by/4.0/"),
             pubinfo),
        Quad(np_iri, NamedNode(NS["dcterms"] + "creator"), Literal("b12kg contributors"), pubinfo),
        Quad(np_iri, NamedNode(NS["prov"] + "wasAttributedTo"), NamedNode(ID + "software/b12kg"), pubinfo),
        Quad(np_iri, NamedNode(NS["dcterms"] + "isPartOf"), NamedNode(ID + "dataset"), pubinfo),
        Quad(np_iri, NamedNode(NS["rdfs"] + "label"), Literal(label, language="en"), pubinfo),
    ]


def seal(quads: list[Quad], base: str, signing: Signing | None) -> tuple[str, list[Quad]]:
    """Sign (when there is a key) and make trusty: the artifact code replaces NP_PLACEHOLDER in every IRI.

    Signing follows nanopub-java's SignatureUtils: the signature element `…#sig` in the
    publication info names the public key, the algorithm, the target and (given) the signer; the signature is over
    the normalised text of everything else (b12kg.export.trusty), then added; the code covers it all.
    """
    iri = base + NP_PLACEHOLDER
    if signing is not None:
        sig, pubinfo, np_iri = NamedNode(iri + "#sig"), NamedNode(iri + "#pubinfo"), NamedNode(iri)
        quads = [*quads,
                 Quad(sig, NamedNode(NPX + "hasPublicKey"), Literal(signing.public_key), pubinfo),
                 Quad(sig, NamedNode(NPX + "hasAlgorithm"), Literal("RSA"), pubinfo),
                 Quad(sig, NamedNode(NPX + "hasSignatureTarget"), np_iri, pubinfo)]
        if signing.signer:
            quads.append(Quad(sig, NamedNode(NPX + "signedBy"), NamedNode(signing.signer), pubinfo))
            if signing.signer_name:
                quads.append(Quad(NamedNode(signing.signer), NamedNode(_FOAF_NAME), Literal(signing.signer_name),
                                  pubinfo))
        signature = sign(normalised(quads, NP_PLACEHOLDER), signing.key)
        quads.append(Quad(sig, NamedNode(NPX + "hasSignature"), Literal(signature), pubinfo))
    code = artifact_code(quads, NP_PLACEHOLDER)
    return base + code, substitute(quads, NP_PLACEHOLDER, code)
