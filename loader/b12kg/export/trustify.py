"""Make any plain nanopublication trusty (and signed), the way nanopub-java's MakeTrustyNanopub/SignNanopub do.

Used to check our signing against the official test suite's transform/ cases, which nanopub-java produced
(trustyuri-java RdfUtils.getTrustyUriString / getPreUri; nanopub-java TransformContext): IRIs that start with the
nanopublication's IRI B get the artifact code after B (after B plus "." when B ends in a letter or digit); a
remaining suffix follows after "/" unless it starts with a character other than a letter, digit, "-" or "_";
a temporary `http://purl.org/nanopub/temp/…` B becomes `https://w3id.org/np/`; blank nodes become `…/_1`, `…/_2`
in order of appearance; an IRI under B that already ends in an artifact code is left alone; and
`~~~ARTIFACTCODE~~~` anywhere in an IRI stands for the code. The signature element is `…/sig`.
"""

from __future__ import annotations

import re

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from b12kg.export.nanopub import NP, NPX, Signing
from b12kg.export.npsig import sign
from b12kg.export.trusty import ARTIFACT_CODE, artifact_code, normalised, substitute

__all__ = ["TEMP_PREFIX", "TRUSTY_PREFIX", "make_trusty"]

TEMP_PREFIX = "http://purl.org/nanopub/temp/"
TRUSTY_PREFIX = "https://w3id.org/np/"
_HOLE = "RA-artifact-code-to-come"  # stands for the code until it is computed (the same placeholder as our exports)
_CUSTOM = "~~~ARTIFACTCODE~~~"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _base(quads: list[Quad]) -> str:
    found = {q.subject.value for q in quads if q.predicate.value == _TYPE
             and q.object == NamedNode(NP + "Nanopublication") and isinstance(q.subject, NamedNode)}
    if len(found) != 1:
        raise ValueError(f"{len(found)} nanopublication IRIs, not one")
    return found.pop()


def make_trusty(quads: list[Quad], *, signing: Signing | None = None) -> tuple[str, list[Quad]]:
    """The trusty (and, with `signing`, signed) form of a plain nanopublication, and its IRI."""
    base = _base(quads)
    if base.startswith(TEMP_PREFIX):
        prefix = TRUSTY_PREFIX
    else:
        prefix = base + "." if re.search(r"[A-Za-z0-9_-]$", base) else base
    blanks: dict[str, int] = {}

    def pre(term: object) -> object:
        if isinstance(term, BlankNode):
            number = blanks.setdefault(term.value, len(blanks) + 1)
            return NamedNode(f"{prefix}{_HOLE}/_{number}")
        if not isinstance(term, NamedNode):
            return term
        value = term.value.replace(_CUSTOM, _HOLE)
        if not value.startswith(base) or ARTIFACT_CODE.search(value[len(base):]):
            return NamedNode(value)
        suffix = value[len(base):]
        if suffix and re.match(r"[A-Za-z0-9_-]", suffix):
            suffix = "/" + suffix
        return NamedNode(prefix + _HOLE + suffix)

    out = [Quad(pre(q.subject), pre(q.predicate), pre(q.object), pre(q.graph_name))  # type: ignore[arg-type]
           for q in quads]
    np_iri = NamedNode(prefix + _HOLE)
    if signing is not None:
        pubinfo = next(q.object for q in out if q.subject == np_iri and q.predicate.value == NP + "hasPublicationInfo")
        assert isinstance(pubinfo, NamedNode)
        sig = NamedNode(prefix + _HOLE + "/sig")
        out += [Quad(sig, NamedNode(NPX + "hasPublicKey"), Literal(signing.public_key), pubinfo),
                Quad(sig, NamedNode(NPX + "hasAlgorithm"), Literal("RSA"), pubinfo),
                Quad(sig, NamedNode(NPX + "hasSignatureTarget"), np_iri, pubinfo)]
        if signing.signer:
            out.append(Quad(sig, NamedNode(NPX + "signedBy"), NamedNode(signing.signer), pubinfo))
        out.append(Quad(sig, NamedNode(NPX + "hasSignature"),
                        Literal(sign(normalised(out, _HOLE), signing.key)), pubinfo))
    code = artifact_code(out, _HOLE)
    return prefix + code, substitute(out, _HOLE, code)
