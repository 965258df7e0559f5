"""Answers to a query and their formats: an aligned table, CSV, SPARQL 1.1 JSON results, or RDF for a graph."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b12kg.errors import B12kgError
from b12kg.vocab import OUTPUT_PREFIXES, compact

if TYPE_CHECKING:
    from pyoxigraph import Triple

    from b12kg.rdf.terms import Term

__all__ = ["Answer", "FORMATS", "GRAPH_FORMATS", "answer_from_json", "json_results", "format_answer"]

FORMATS = ("table", "csv", "json")  # for SELECT / ASK
GRAPH_FORMATS = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD"}  # for CONSTRUCT / DESCRIBE
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class Answer:
    """A SELECT answer (variables and rows of terms), an ASK answer (boolean), or a CONSTRUCT/DESCRIBE answer
    (triples)."""

    variables: list[str]
    rows: list[list[Term | None]]  # None for unbound
    boolean: bool | None = None
    triples: list[Triple] | None = None  # for CONSTRUCT and DESCRIBE


def answer_from_json(result: dict[str, Any]) -> Answer:
    """An Answer from SPARQL 1.1 JSON results (and the SPARQL 1.2 "its:dir" of a literal with a base direction)."""
    from pyoxigraph import BaseDirection, Literal, NamedNode

    if "boolean" in result:
        return Answer([], [], bool(result["boolean"]))
    variables = result["head"]["vars"]
    rows: list[list[Term | None]] = []
    for binding in result["results"]["bindings"]:
        row: list[Term | None] = []
        for var in variables:
            term = binding.get(var)
            if term is None:
                row.append(None)
            elif term["type"] == "uri":
                row.append(NamedNode(term["value"]))
            elif term["type"] in ("literal", "typed-literal"):
                if "xml:lang" in term and "its:dir" in term:  # SPARQL 1.2 results: a base direction
                    row.append(Literal(term["value"], language=term["xml:lang"],
                                       direction=BaseDirection(term["its:dir"])))
                elif "xml:lang" in term:
                    row.append(Literal(term["value"], language=term["xml:lang"]))
                elif "datatype" in term:
                    row.append(Literal(term["value"], datatype=NamedNode(term["datatype"])))
                else:
                    row.append(Literal(term["value"]))
            else:
                row.append(Literal(term["value"]))
        rows.append(row)
    return Answer(variables, rows)


def json_results(answer: Answer) -> dict[str, object]:
    """A SELECT answer as SPARQL 1.1 JSON results (https://www.w3.org/TR/sparql11-results-json/), as a dict."""
    from pyoxigraph import BlankNode, Literal, NamedNode

    bindings = []
    for row in answer.rows:
        binding: dict[str, dict[str, str]] = {}
        for name, term in zip(answer.variables, row, strict=True):
            if isinstance(term, NamedNode):
                binding[name] = {"type": "uri", "value": term.value}
            elif isinstance(term, Literal):
                entry = {"type": "literal", "value": term.value}
                if term.language:
                    entry["xml:lang"] = term.language
                    if term.direction is not None:  # SPARQL 1.2 Query Results JSON Format: "its:dir"
                        entry["its:dir"] = term.direction.value
                elif term.datatype.value != _XSD_STRING:
                    entry["datatype"] = term.datatype.value
                binding[name] = entry
            elif isinstance(term, BlankNode):
                binding[name] = {"type": "bnode", "value": term.value}
        bindings.append(binding)
    return {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}


def _cell(term: object | None, *, short: bool) -> str:
    if term is None:
        return ""
    from pyoxigraph import Literal, NamedNode

    if isinstance(term, NamedNode):
        return (compact(term.value) or term.value) if short else term.value
    if isinstance(term, Literal):
        return term.value
    return str(term)


def format_answer(answer: Answer, fmt: str) -> str:
    """Render as an aligned table (IRIs shortened with the graph's prefixes), CSV, or SPARQL 1.1 JSON results;
    a CONSTRUCT or DESCRIBE answer as Turtle (also for "table"), N-Triples or JSON-LD."""
    if answer.triples is not None:
        return _graph_text(answer.triples, "turtle" if fmt == "table" else fmt)
    if fmt in GRAPH_FORMATS:
        raise B12kgError(f"--format {fmt} is for CONSTRUCT and DESCRIBE answers",
                         fix="use --format table, csv or json for SELECT and ASK")
    if answer.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": answer.boolean}) + "\n"
        return ("true" if answer.boolean else "false") + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(answer.variables)
        writer.writerows([_cell(c, short=False) for c in row] for row in answer.rows)
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps(json_results(answer), ensure_ascii=False, indent=1) + "\n"
    cells = [[_cell(c, short=True) for c in row] for row in answer.rows]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(answer.variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(answer.variables, widths, strict=True)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _graph_text(triples: list[Triple], fmt: str) -> str:
    """A CONSTRUCT or DESCRIBE answer's triples, sorted, in an RDF syntax (Turtle with the graph's prefixes)."""
    from pyoxigraph import RdfFormat, serialize

    if fmt not in GRAPH_FORMATS:
        raise B12kgError(f"a CONSTRUCT or DESCRIBE answer is a graph, not a {fmt} table",
                         fix=f"use --format {', '.join(GRAPH_FORMATS)}")
    rdf_format = getattr(RdfFormat, GRAPH_FORMATS[fmt])
    prefixes = OUTPUT_PREFIXES if fmt == "turtle" else None
    data = serialize(sorted(triples, key=str), format=rdf_format, prefixes=prefixes) if prefixes else \
        serialize(sorted(triples, key=str), format=rdf_format)
    text = (data or b"").decode("utf-8")
    return text if text.endswith("\n") or not text else text + "\n"
