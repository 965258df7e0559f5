"""Query stage: run SPARQL on the built graph in the embedded store (pyoxigraph) and format the answers."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Sequence

from b12kg.errors import B12kgError, MissingPrerequisite, StoreError
from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.sparql.form import read_query_form
from b12kg.vocab import ASSERTED_GRAPH, CURIE_PREFIXES, INFERRED_GRAPH, OUTPUT_PREFIXES, compact, is_valid_iri

__all__ = ["dataset_query", "GRAPH_FORMATS", "run_rdflib", "answer_from_json", "defaults_line", "DEFAULTS_MARK", "library_table", "Answer", "Param", "open_store", "run_sparql", "run_remote", "resolve_query", "format_answer", "FORMATS",
           "library_queries", "query_question", "query_params", "bind_params", "needs_inferred", "prepare",
           "with_dataset", "normalise_results", "same_results", "MAX_NUMBER_CHARS"]

FORMATS = ("table", "csv", "json")
DATASET_FILE = "b12kg.nq"
INFERRED_FILE = "b12kg-inferred.nt"
_PARAM = re.compile(r"^#\s*Param:\s*(\w+)\s+(iri|string|decimal|integer)\s+\((optional|default ([^)]+))\)\s*-\s*(.*)$",
                    re.ASCII)
_XSD = "http://www.w3.org/2001/XMLSchema#"
# A number parameter: the xsd:decimal lexical form (XML Schema 1.1 part 2, 3.3.3) in ASCII digits, so that NaN,
# Infinity, exponents such as 1e999999999 (which Decimal accepts and int() would expand into gigabytes) and
# Unicode digits are refused; and a length limit far above any day count or sentence number.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
MAX_NUMBER_CHARS = 30
_WHERE = re.compile(r"^\s*WHERE\s*\{", re.I | re.M)


@dataclass
class Answer:
    """A SELECT answer (variables and rows of terms), an ASK answer (boolean), or a CONSTRUCT/DESCRIBE answer
    (triples)."""

    variables: list[str]
    rows: list[list[object | None]]  # pyoxigraph terms or None for unbound
    boolean: bool | None = None
    triples: list[object] | None = None  # pyoxigraph Triples, for CONSTRUCT and DESCRIBE


GRAPH_FORMATS = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD"}  # for CONSTRUCT / DESCRIBE


def open_store(graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = False):  # type: ignore[no-untyped-def]
    """An in-memory pyoxigraph store holding the release dataset (default graph and named graphs), and with
    ``inferred`` the reasoner's inferences (graphs/b12kg-inferred.nt) added to the default graph."""
    from pyoxigraph import RdfFormat, Store

    from b12kg.store.load import layout_nquads

    path = graphs_dir / DATASET_FILE
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    extra = graphs_dir / INFERRED_FILE
    if inferred and not extra.is_file():
        raise MissingPrerequisite(f"the inferred graph {extra} is missing", fix="run `b12kg reason` first")
    store = Store()
    # the same named graphs as a loaded store (so FROM <…/graph/asserted> answers here too), and the asserted graph
    # as the default graph
    store.bulk_load(layout_nquads(graphs_dir, inferred=extra.is_file()).encode("utf-8"), format=RdfFormat.N_QUADS)
    if inferred:
        store.bulk_load(path=str(extra), format=RdfFormat.N_TRIPLES)
    return store


def dataset_query(sparql: str, *, inferred: bool) -> str:
    """The query with FROM clauses naming the release's graphs (asserted, and inferred where it needs it), unless
    it names its dataset itself: the one text that answers the same on every engine holding the store layout."""
    code = "\n".join(line.split("#", 1)[0] for line in sparql.splitlines())
    if _FROM.search(code):
        return sparql
    return with_dataset(sparql, [ASSERTED_GRAPH] + ([INFERRED_GRAPH] if inferred else []))


@dataclass(frozen=True)
class Param:
    """A value a library query takes (declared in its header as '# Param: name type (default X|optional) - ...')."""

    name: str
    kind: str  # iri, string, decimal, integer
    default: str | None
    description: str


def query_params(sparql: str) -> list[Param]:
    found = []
    for line in sparql.splitlines():
        match = _PARAM.match(line.strip())
        if match:
            found.append(Param(match.group(1), match.group(2), match.group(4), match.group(5).strip()))
    return found


def needs_inferred(sparql: str) -> bool:
    """True when the query's header says it needs the inferred graph."""
    return any(line.startswith("#") and "Needs:" in line and "inferred graph" in line for line in sparql.splitlines())


def _term(param: Param, value: str) -> str:
    """The value as an RDF term in N-Triples syntax — never pasted into the query as text."""
    from pyoxigraph import Literal, NamedNode

    if param.kind == "iri":
        iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
        prefix, _, local = iri.partition(":")
        if prefix in OUTPUT_PREFIXES and not local.startswith("//"):
            iri = OUTPUT_PREFIXES[prefix] + local
        elif prefix in CURIE_PREFIXES and not local.startswith("//"):
            iri = CURIE_PREFIXES[prefix].expansion + local
        if not is_valid_iri(iri):
            raise B12kgError(f"parameter {param.name}: {value!r} is not an IRI or a known CURIE",
                             fix="give an IRI such as http://purl.obolibrary.org/obo/NCIT_C16423 or a CURIE such as "
                                 "obo:NCIT_C16423 or NCIT:C16423")
        return str(NamedNode(iri))
    if param.kind in ("decimal", "integer"):
        text = value.strip()
        if not _NUMBER.fullmatch(text) or len(text) > MAX_NUMBER_CHARS:
            raise B12kgError(f"parameter {param.name}: {value[:40]!r} is not a number",
                             fix=f"give a plain decimal number of at most {MAX_NUMBER_CHARS} characters such as 30 or "
                                 "2.5 (ASCII digits; no exponent, NaN or Infinity)")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise B12kgError(f"parameter {param.name}: {value!r} is not a number", fix="give a number") from exc
        if param.kind == "integer":
            if number != number.to_integral_value():
                raise B12kgError(f"parameter {param.name}: {value!r} is not a whole number", fix="give a whole number")
            return str(Literal(str(int(number)), datatype=NamedNode(_XSD + "integer")))
        return str(Literal(format(number, "f"), datatype=NamedNode(_XSD + "decimal")))
    return str(Literal(value))


def bind_params(sparql: str, values: dict[str, str]) -> str:
    """Append a VALUES clause binding each declared parameter (given value, else its default) as an RDF term."""
    params = {p.name: p for p in query_params(sparql)}
    for name in values:
        if name not in params:
            known = ", ".join(params) or "none"
            raise B12kgError(f"the query takes no parameter {name!r}", fix=f"use one of: {known}")
    if not params:
        return sparql
    line = _values_line([(p, values.get(p.name, p.default)) for p in params.values()])
    marked = _DEFAULTS_LINE.search(sparql)
    if marked is not None:  # a library file carries its defaults; the given values take their place
        return sparql[:marked.start()] + line + sparql[marked.end():]
    # Inside the WHERE group, first: joined before grouping and filtering on every engine (a trailing VALUES
    # clause is not treated alike by all engines).
    where = _WHERE.search(sparql)
    if where is None:
        raise B12kgError("a query with parameters needs a 'WHERE {' clause", fix="add WHERE { ... } to the query")
    return f"{sparql[:where.end()]}\n{line}{sparql[where.end():]}"


# The line of a library query that binds its parameters to their defaults, so that the file alone (run by any
# SPARQL engine or W3C-manifest runner) gives the documented answer; `bind_params` replaces it with given values.
DEFAULTS_MARK = "# parameters (b12kg query --param NAME=VALUE replaces this line)"
_DEFAULTS_LINE = re.compile(r"^  VALUES \([^\n]*\) \{ \([^\n]*\) \}  " + re.escape(DEFAULTS_MARK) + "$", re.M)


def _values_line(bound: list[tuple[Param, str | None]]) -> str:
    """The VALUES line binding each parameter to a value (UNDEF where none is given)."""
    names = " ".join(f"?{p.name}" for p, _ in bound)
    terms = " ".join("UNDEF" if v is None else _term(p, v) for p, v in bound)
    return f"  VALUES ({names}) {{ ({terms}) }}  {DEFAULTS_MARK}"


def defaults_line(sparql: str) -> str | None:
    """The VALUES line a library file must carry for its declared parameters' defaults (None without params)."""
    params = query_params(sparql)
    return _values_line([(p, p.default) for p in params]) if params else None


def prepare(text_or_path: str, values: dict[str, str] | None = None,
            queries_dir: Path = QUERIES_DIR) -> tuple[str, str, bool]:
    """(name, runnable SPARQL with parameters bound, whether it needs the inferred graph)."""
    name, sparql = resolve_query(text_or_path, queries_dir)
    return name, bind_params(sparql, values or {}), needs_inferred(sparql)


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


def library_table(queries_dir: Path = QUERIES_DIR) -> str:
    """The README's table of the query library, generated from the .rq headers (question, graph, parameters)."""
    rows = ["| query | question | graph | parameters |", "|---|---|---|---|"]
    for path in library_queries(queries_dir):
        sparql = path.read_text(encoding="utf-8")
        params = ", ".join(f"`{p.name}`" for p in query_params(sparql)) or "–"
        graph = "inferred" if needs_inferred(sparql) else "asserted"
        rows.append(f"| [`{path.stem}`](queries/{path.name}) | {query_question(sparql)} | {graph} | {params} |")
    return "\n".join(rows) + "\n"


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
    from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples

    try:
        result = store.query(sparql)
    except SyntaxError as exc:
        raise B12kgError(f"the query is not valid SPARQL: {exc}", fix="correct the query") from exc
    if isinstance(result, QueryBoolean):
        return Answer([], [], bool(result))
    if isinstance(result, QueryTriples):
        return Answer([], [], triples=list(result))
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Answer(variables, rows)
    raise B12kgError("only SELECT and ASK queries are supported here", fix="rewrite the query as SELECT")


def run_remote(endpoint: str, sparql: str, *, timeout: float = 60.0) -> Answer:
    """Send a query to any SPARQL 1.1 endpoint through SPARQLWrapper (POST, JSON results)."""
    from urllib.error import HTTPError, URLError

    from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint)
    # POST (an HTML form, query=...): long queries do not hit URL length limits, and every store reads it
    # (Virtuoso 7.2 never answers a query POSTed directly as application/sparql-query).
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    # A real parse decides what is sent, not SPARQLWrapper's keyword guess: an update is refused before any request.
    form = read_query_form(sparql)
    graph_answer = form in ("CONSTRUCT", "DESCRIBE")
    client.setReturnFormat(TURTLE if graph_answer else JSON)
    client.setTimeout(int(timeout))
    # Whole-line comments are dropped before sending: SPARQLWrapper guesses the query form from the first keyword
    # it finds, and a header comment such as "involuntary movements" made it guess MOVE (an update).
    client.setQuery("\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#")))
    client.queryType = form
    try:
        if graph_answer:
            from pyoxigraph import RdfFormat, parse

            body = client.query().response.read()
            return Answer([], [], triples=list(parse(body, format=RdfFormat.TURTLE)))
        result = client.queryAndConvert()
    except SyntaxError as exc:
        raise StoreError(f"the endpoint {endpoint} answered a graph that is not Turtle: {exc}",
                         fix="check the endpoint's CONSTRUCT/DESCRIBE support") from exc
    except SPARQLWrapperException as exc:
        raise StoreError(f"the endpoint {endpoint} answered an error: {exc}".strip(),
                         fix="check the query, and that the URL is the endpoint's query URL") from exc
    except HTTPError as exc:
        raise StoreError(f"the endpoint {endpoint} answered HTTP {exc.code} {exc.reason}",
                         fix="check the URL (for `b12kg serve` it ends in /query)") from exc
    except (URLError, ConnectionError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"cannot reach the endpoint {endpoint}: {reason}",
                         fix="start it (`b12kg serve`) or check the host and port") from exc
    if not isinstance(result, dict):
        raise StoreError(f"the endpoint {endpoint} did not answer with SPARQL JSON results",
                         fix="use the endpoint's SPARQL query URL")
    return answer_from_json(result)


def run_rdflib(graphs_dir: Path, sparql: str, *, inferred: bool = False) -> Answer:
    """Run a SELECT or ASK query with rdflib's SPARQL engine on the release dataset (its default graph, and with
    ``inferred`` the reasoner's inferences added to it). Slow, but it keeps every literal as the data writes it,
    so the library's expected results are computed with it (pyoxigraph answers canonical forms: 3 for 3.0)."""
    import json

    import rdflib

    path = graphs_dir / DATASET_FILE
    if not path.is_file():
        raise MissingPrerequisite(f"the built graph {path} is missing", fix="run `b12kg build` first")
    dataset = rdflib.Dataset()
    dataset.parse(path, format="nquads")
    if inferred:
        dataset.default_graph.parse(graphs_dir / INFERRED_FILE, format="nt")
    try:
        result = dataset.query(sparql)
    except Exception as exc:  # rdflib raises pyparsing's errors for syntax
        raise B12kgError(f"rdflib could not run the query: {exc}", fix="correct the query") from exc
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        from pyoxigraph import RdfFormat, parse

        data = result.serialize(format="nt")
        return Answer([], [], triples=list(parse(data or b"", format=RdfFormat.N_TRIPLES)))
    return answer_from_json(json.loads(result.serialize(format="json")))


def answer_from_json(result: dict) -> Answer:
    """An Answer from SPARQL 1.1 JSON results."""
    from pyoxigraph import Literal, NamedNode

    if "boolean" in result:
        return Answer([], [], bool(result["boolean"]))
    variables = result["head"]["vars"]
    rows: list[list[object | None]] = []
    for binding in result["results"]["bindings"]:
        row: list[object | None] = []
        for var in variables:
            term = binding.get(var)
            if term is None:
                row.append(None)
            elif term["type"] == "uri":
                row.append(NamedNode(term["value"]))
            elif term["type"] in ("literal", "typed-literal"):
                if "xml:lang" in term:
                    row.append(Literal(term["value"], language=term["xml:lang"]))
                elif "datatype" in term:
                    row.append(Literal(term["value"], datatype=NamedNode(term["datatype"])))
                else:
                    row.append(Literal(term["value"]))
            else:
                row.append(Literal(term["value"]))
        rows.append(row)
    return Answer(variables, rows)


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
        return json.dumps(_json_results(answer), ensure_ascii=False, indent=1) + "\n"
    cells = [[_cell(c, short=True) for c in row] for row in answer.rows]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(answer.variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(answer.variables, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _graph_text(triples: list[object], fmt: str) -> str:
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


_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.I)


def with_dataset(sparql: str, graphs: Sequence[str]) -> str:
    """The query with FROM clauses naming the graphs its default graph is made of (for stores that keep the
    release in named graphs, see b12kg.store.load)."""
    where = _WHERE.search(sparql)
    if where is None:
        raise B12kgError("the query has no 'WHERE {' clause to put FROM clauses before", fix="add WHERE { ... }")
    start = sparql.rfind("\n", 0, where.start()) + 1
    clauses = "".join(f"FROM <{graph}>\n" for graph in graphs)
    return sparql[:start] + clauses + sparql[start:]


_NUMERIC = {_XSD + t for t in ("decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger")}


def _normal_term(term: dict[str, str] | None) -> tuple[str, str, str | None, str | None] | None:
    """What makes two engines' answers the same: numbers compare by value and as numbers (pyoxigraph writes 3.0 as
    "3" and answers xsd:nonNegativeInteger values as xsd:integer; rdflib keeps both as written)."""
    if term is None:
        return None
    kind = term["type"].replace("typed-literal", "literal")
    datatype = term.get("datatype")
    if datatype in _NUMERIC:
        return kind, format(Decimal(term["value"]).normalize(), "f"), None, "number"
    return kind, term["value"], term.get("xml:lang"), datatype


def normalise_results(results: dict, variables: Sequence[str]) -> list[tuple]:
    return [tuple(_normal_term(binding.get(v)) for v in variables) for binding in results["results"]["bindings"]]


def same_results(expected: dict, got: dict, *, ordered: bool) -> bool:
    """Whether two SPARQL 1.1 JSON results agree (in order when the query has ORDER BY, as multisets otherwise)."""
    from collections import Counter

    variables = expected["head"]["vars"]
    if got.get("head", {}).get("vars") != variables:
        return False
    want, have = normalise_results(expected, variables), normalise_results(got, variables)
    return have == want if ordered else Counter(have) == Counter(want)
