"""RDF building blocks shared by the document and claim modules: namespaces as nodes, literals, the quad collector."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.vocab import ID, NS, Curie, parse_curie

__all__ = ["DEFAULT", "Out", "n", "b", "iri", "ar", "en", "dec", "nni", "claim_iri", "RDF_TYPE", "LABEL", "XSD_DECIMAL",
           "XSD_INT", "XSD_NNI", "XSD_BOOL", "XSD_GYEARMONTH", "XSD_GYEAR", "XSD_DATE"]

DEFAULT = DefaultGraph()


def n(prefix: str, local: str) -> NamedNode:
    return NamedNode(NS[prefix] + local)


RDF_TYPE = n("rdf", "type")
LABEL = n("rdfs", "label")
XSD_DECIMAL = n("xsd", "decimal")
XSD_INT = n("xsd", "integer")
XSD_NNI = n("xsd", "nonNegativeInteger")
XSD_BOOL = n("xsd", "boolean")
XSD_GYEARMONTH = n("xsd", "gYearMonth")
XSD_GYEAR = n("xsd", "gYear")
XSD_DATE = n("xsd", "date")


def b(local: str) -> NamedNode:
    """A term of the b12kg ontology."""
    return n("b12o", local)


def claim_iri(claim_id: str) -> str:
    return f"{ID}claim/{claim_id}"


def iri(curie: Curie | str) -> NamedNode:
    return NamedNode(_expand(parse_curie(curie) if isinstance(curie, str) else curie))


@lru_cache(maxsize=1 << 14)  # a document names the same few hundred terms on every claim; expanding one costs ~10 µs
def _expand(curie: Curie) -> str:
    return curie.iri


def ar(text: str) -> Literal:
    return Literal(text, language="ar")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def dec(value: Decimal) -> Literal:
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD_DECIMAL)


def nni(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_NNI)


class Out:
    """Collects quads for one subject area; every quad goes to the default graph unless a graph is given."""

    def __init__(self) -> None:
        self.quads: list[Quad] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal, g: NamedNode | DefaultGraph = DEFAULT) -> None:
        self.quads.append(Quad(s, p, o, g))
