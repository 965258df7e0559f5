"""Which form a SPARQL text has, by a real parse, so that only read queries (never updates) reach an endpoint."""

from __future__ import annotations

import re

from b12kg.errors import B12kgError

__all__ = ["READ_FORMS", "read_query_form"]

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
