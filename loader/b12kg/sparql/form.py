"""Which form a SPARQL text has, by a real parse, so that only read queries (never updates) reach an endpoint."""

from __future__ import annotations

import re

from b12kg.errors import B12kgError

__all__ = ["READ_FORMS", "read_query_form", "rdf12_read_form"]

# rdflib's SPARQL 1.1 grammar names its query productions so (rdflib/plugins/sparql/parser.py)
READ_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


def read_query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of the query, parsed with rdflib's SPARQL 1.1 grammar.

    Keywords in comments or strings do not count, as they would for a keyword search: "# SELECT\\nDROP ALL" is
    an update. Raises B12kgError for an update (which changes a store) and for text that is no SPARQL at all.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(sparql)
    except ParseBaseException as query_error:
        try:
            update = parseUpdate(sparql)
        except ParseBaseException:
            form = rdf12_read_form(sparql)
            if form is not None:  # SPARQL 1.2 syntax, which rdflib's 1.1 grammar cannot read
                return form
            raise B12kgError(f"the query is not valid SPARQL 1.1: {query_error}",
                             fix="correct the query (line and column are given above)") from query_error
        operations = ", ".join(sorted({re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(getattr(op, "name", op))).upper()
                                       for op in (update["request"] if "request" in update else [])})) \
            or "an update"
        raise B12kgError(f"refused: this is a SPARQL Update ({operations}), which changes the store; "
                         "`b12kg query` sends only read queries and sent nothing",
                         fix="use SELECT, ASK, CONSTRUCT or DESCRIBE; to change a store, use `b12kg load` or the "
                             "store's own tools") from query_error
    return READ_FORMS[parsed[1].name]


# SPARQL 1.2 (https://www.w3.org/TR/sparql12-query/): triple terms `<<( s p o )>>`, reified triples `<< s p o ~ r >>`,
# annotations `{| … |}` and the triple-term functions. rdflib 7 parses none of them, so a query using them has its form
# read by the lexer below: comments, strings and IRIs removed first, then no update keyword may remain.
_RDF12_SYNTAX = re.compile(r"<<|\{\||\b(?:isTRIPLE|TRIPLE|SUBJECT|PREDICATE|OBJECT|LANGDIR|hasLANGDIR)\s*\(", re.I)
_STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'
                      r"'(?:[^'\\\n]|\\.)*'")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_UPDATE = re.compile(r"\b(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_FORM_WORD = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)


def rdf12_read_form(sparql: str) -> str | None:
    """The form of a read query written with SPARQL 1.2 syntax, or None (not SPARQL 1.2, or an update keyword)."""
    code = _IRI.sub(" ", _STRINGS.sub(" ", sparql))
    code = _COMMENT.sub(" ", code)  # after strings and IRIs: a "#" inside them is no comment
    if not _RDF12_SYNTAX.search(code) or _UPDATE.search(code):
        return None
    first = _FORM_WORD.search(code)
    return first.group(1).upper() if first else None
