"""Query stage: run SPARQL on the built graph in the embedded store (pyoxigraph) and format the answers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from b12kg.errors import B12kgError, MissingPrerequisite
from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.vocab import OUTPUT_PREFIXES, compact

__all__ = ["Answer", "open_store", "run_sparql", "resolve_query", "format_answer", "FORMATS", "library_queries",
           "query_question"]

FORMATS = ("table", "csv", "json")
DATASET_FILE = "b12kg.nq"


@dataclass
class Answer:
    """A SELECT answer (variables and rows of terms), or an ASK answer (boolean)."""

    variables: list[str]
    rows: list[list[object | None]]  # pyoxigraph terms or None for unbound
    boolean: bool | None = None


def open_store(graphs_dir: Path = GRAPHS_DIR):  # type: ignore[no-untyped-def]
    """An in-memory pyoxigraph store holding the release dataset (default graph and named graphs)."""
    from pyoxigraph import RdfFormat, Store

    path = graphs_dir / DATASET_FILE
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    store = Store()
    store.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
    return store


def library_queries(queries_dir: Path = QUERIES_DIR) -> list[Path]:
    return sorted(queries_dir.glob("[0-9][0-9]-*.rq"))


def query_question(sparql: str) -> str:
    """The plain-English question in a library query's header (the '# Question:' line and its continuation)."""
    parts: list[str] = []
    for line in sparql.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.startswith("Question:"):
            parts.append(body[len("Question:"):].strip())
        elif parts and line.startswith("#  ") and ":" not in body.split(" ", 1)[0]:
            parts.append(body)
        elif parts:
            break
    return " ".join(parts)


def resolve_query(text_or_path: str, queries_dir: Path = QUERIES_DIR) -> tuple[str, str]:
    """(name, SPARQL text) for a .rq file path, a library query name such as 01-manifestations, or inline SPARQL."""
    candidate = Path(text_or_path)
    if candidate.suffix == ".rq" or (len(text_or_path) < 200 and "\n" not in text_or_path and candidate.is_file()):
        if not candidate.is_file():
            raise B12kgError(f"query file {candidate} does not exist", fix="give a path to a .rq file")
        return candidate.name, candidate.read_text(encoding="utf-8")
    for path in library_queries(queries_dir):
        if text_or_path in (path.stem, path.stem.split("-", 1)[0]):
            return path.name, path.read_text(encoding="utf-8")
    if any(word in text_or_path.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return "inline", text_or_path
    raise B12kgError(f"{text_or_path!r} is neither a .rq file, a library query, nor SPARQL",
                     fix="pass a file, a name from `ls queries/`, or a query such as 'SELECT * WHERE {?s ?p ?o} LIMIT 5'")


def run_sparql(store, sparql: str) -> Answer:  # type: ignore[no-untyped-def]
    """Run a SELECT or ASK query on the store's default graph."""
    from pyoxigraph import QueryBoolean, QuerySolutions

    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise B12kgError(f"the query is not valid SPARQL: {exc}", fix="correct the query") from exc
    if isinstance(result, QueryBoolean):
        return Answer([], [], bool(result))
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Answer(variables, rows)
    raise B12kgError("only SELECT and ASK queries are supported here", fix="rewrite the query as SELECT")


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
    """Render as an aligned table (IRIs shortened with the graph's prefixes), CSV, or SPARQL 1.1 JSON results."""
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
        return json.dumps(_json_results(answer), ensure_ascii=False, indent=1) + "\n"
    cells = [[_cell(c, short=True) for c in row] for row in answer.rows]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(answer.variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(answer.variables, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _json_results(answer: Answer) -> dict[str, object]:
    from pyoxigraph import BlankNode, Literal, NamedNode

    bindings = []
    for row in answer.rows:
        binding: dict[str, dict[str, str]] = {}
        for name, term in zip(answer.variables, row):
            if isinstance(term, NamedNode):
                binding[name] = {"type": "uri", "value": term.value}
            elif isinstance(term, Literal):
                entry = {"type": "literal", "value": term.value}
                if term.language:
                    entry["xml:lang"] = term.language
                elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                    entry["datatype"] = term.datatype.value
                binding[name] = entry
            elif isinstance(term, BlankNode):
                binding[name] = {"type": "bnode", "value": term.value}
        bindings.append(binding)
    return {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}


def prefixes_block(names: Sequence[str] = tuple(OUTPUT_PREFIXES)) -> str:
    return "".join(f"PREFIX {n}: <{OUTPUT_PREFIXES[n]}>\n" for n in names)
