"""The plain value of a pyoxigraph term, for code that reads IRIs and literals out of quads and query answers."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

__all__ = ["Term", "value_of"]

# A pyoxigraph RDF term: a quad's subject or object, a cell of a query answer (pyoxigraph's own stubs, 0.5).
Term = NamedNode | BlankNode | Literal | Triple


def value_of(term: object) -> str:
    """The IRI, blank node id or lexical form of ``term``.

    Anything else (an unbound variable, an RDF-star quoted triple, which no b12kg graph holds) is a TypeError.
    """
    if isinstance(term, NamedNode | BlankNode | Literal):
        return term.value
    raise TypeError(f"expected an IRI, a blank node or a literal, not {term!r}")
