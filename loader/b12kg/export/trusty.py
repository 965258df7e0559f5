"""Trusty URIs, module RA: the artifact code of a nanopublication, computed over all four of its graphs.

The algorithm is the reference one (trustyuri-java's RdfPreprocessor, RdfHasher and StatementComparator; the
Trusty URI specification, Kuhn & Dumontier, ESWC 2014): in every IRI the artifact code (or, before it exists, a
placeholder) becomes one space, whatever separates it from a suffix (`#`, `/` or none) is kept and so hashed;
quads are sorted by graph, subject, predicate, then object (IRIs before literals; literals by text, then datatype
with language-tagged ones first, then language; strings in Java's UTF-16 order); each term is written on its
own line (a literal as `@lang text` or `^datatype text`, backslashes and newlines escaped), duplicates once;
the SHA-256 of the UTF-8 bytes, in URL-safe base64 without padding, after "RA", is the code. Signatures are
computed over the same normalised text, without the `npx:hasSignature` triple (nanopub-java's SignatureUtils).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

__all__ = ["MODULE", "CODE_LENGTH", "ARTIFACT_CODE", "TrustyError", "normalised", "artifact_code", "code_of",
           "substitute"]

MODULE = "RA"
CODE_LENGTH = 45  # "RA" + 43 characters of base64 (256 bits)
ARTIFACT_CODE = re.compile(r"RA[A-Za-z0-9_-]{43}")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class TrustyError(ValueError):
    """A nanopublication that cannot be hashed (a blank node left, a newline or tab in an IRI)."""


def _iri(value: str, code: str) -> str:
    if "\n" in value or "\t" in value:
        raise TrustyError(f"newline or tab character in IRI {value!r}")
    return value.replace(code, " ")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _java_key(text: str) -> bytes:
    """Java's String.compareTo order (UTF-16 code units), which the reference implementation sorts by."""
    return text.encode("utf-16-be")


def _object_key(term: NamedNode | Literal, code: str) -> tuple[object, ...]:
    if isinstance(term, Literal):
        language = term.language
        datatype = None if language else term.datatype.value
        return (1, _java_key(term.value), datatype is not None, _java_key(datatype or ""),
                language is not None, (language or "").lower())
    return (0, _java_key(_iri(term.value, code)))


def _line(term: NamedNode | Literal, code: str) -> str:
    if isinstance(term, Literal):
        if term.language:
            return f"@{term.language.lower()} {_escape(term.value)}\n"
        datatype = term.datatype.value if term.datatype.value != _LANG_STRING else _XSD_STRING
        return f"^{datatype} {_escape(term.value)}\n"
    return _iri(term.value, code) + "\n"


def normalised(quads: Iterable[Quad], code: str) -> str:
    """The text the RA module hashes (and a signature signs): `code` stands where the artifact code goes."""
    rows = []
    for quad in quads:
        terms = (quad.graph_name, quad.subject, quad.predicate, quad.object)
        if any(isinstance(t, BlankNode) for t in terms):
            raise TrustyError("a blank node is left in the nanopublication; give it an IRI first")
        if isinstance(quad.graph_name, DefaultGraph):
            raise TrustyError("a triple outside the nanopublication's four graphs")
        graph, subject, predicate = (_iri(t.value, code) for t in terms[:3])  # type: ignore[union-attr]
        obj = quad.object
        assert isinstance(obj, NamedNode | Literal)
        key = (_java_key(graph), _java_key(subject), _java_key(predicate), _object_key(obj, code))
        rows.append((key, f"{graph}\n{subject}\n{predicate}\n{_line(obj, code)}"))
    rows.sort(key=lambda row: row[0])
    text, previous = [], None
    for _, line in rows:
        if line != previous:
            text.append(line)
        previous = line
    return "".join(text)


def code_of(text: str) -> str:
    """The RA artifact code of a normalised text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return MODULE + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def artifact_code(quads: Iterable[Quad], code: str) -> str:
    """The artifact code of a nanopublication whose IRIs hold `code` (a placeholder, or the code to check)."""
    return code_of(normalised(quads, code))


def substitute(quads: Iterable[Quad], placeholder: str, code: str) -> list[Quad]:
    """The same quads with the placeholder replaced by the artifact code in every IRI (literals untouched)."""
    def term(value: NamedNode) -> NamedNode:
        return NamedNode(value.value.replace(placeholder, code)) if placeholder in value.value else value

    out = []
    for q in quads:
        obj = term(q.object) if isinstance(q.object, NamedNode) else q.object
        graph = term(q.graph_name) if isinstance(q.graph_name, NamedNode) else q.graph_name
        assert isinstance(q.subject, NamedNode)
        out.append(Quad(term(q.subject), term(q.predicate), obj, graph))
    return out
