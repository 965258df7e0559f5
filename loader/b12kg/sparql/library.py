"""The query library: .rq files, their headers (question, needs, parameters) and parameters bound as RDF terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from b12kg.errors import B12kgError
from b12kg.paths import QUERIES_DIR
from b12kg.vocab import CURIE_PREFIXES, OUTPUT_PREFIXES, is_valid_iri

AR_QUESTION = "# السؤال:"  # the Arabic translation of the question: the header line after '# Question:'

__all__ = ["Param", "query_params", "needs_inferred", "query_edition", "EDITION_RDF12",
           "bind_params", "DEFAULTS_MARK", "defaults_line", "prepare", "PAGE_PARAMS", "PAGE_MARK", "page_line",
           "library_queries", "query_question", "query_question_ar", "AR_QUESTION", "library_table", "resolve_query",
           "MAX_NUMBER_CHARS", "WHERE_OPEN"]

_PARAM = re.compile(r"^#\s*Param:\s*(\w+)\s+(iri|string|decimal|integer)\s+\((optional|default ([^)]+))\)\s*-\s*(.*)$",
                    re.ASCII)
_XSD = "http://www.w3.org/2001/XMLSchema#"
# A number parameter: the xsd:decimal lexical form (XML Schema 1.1 part 2, 3.3.3) in ASCII digits, so that NaN,
# Infinity, exponents such as 1e999999999 (which Decimal accepts and int() would expand into gigabytes) and
# Unicode digits are refused; and a length limit far above any day count or sentence number.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
MAX_NUMBER_CHARS = 30
# Where a query's WHERE group opens: parameters are bound just inside it, FROM clauses go just before it.
WHERE_OPEN = re.compile(r"^\s*WHERE\s*\{", re.I | re.M)


@dataclass(frozen=True)
class Param:
    """A value a library query takes (declared in its header as '# Param: name type (default X|optional) - ...')."""

    name: str
    kind: str  # iri, string, decimal, integer
    default: str | None
    description: str


def query_params(sparql: str) -> list[Param]:
    """The parameters a query's header declares, in order."""
    found = []
    for line in sparql.splitlines():
        match = _PARAM.match(line.strip())
        if match:
            found.append(Param(match.group(1), match.group(2), match.group(4), match.group(5).strip()))
    return found


# The header line of a query that needs the RDF 1.2 edition (triple terms): rdflib 7 and Virtuoso 7 cannot read that
# edition, so such a query runs on pyoxigraph and the Oxigraph server only, and its expected answer is pyoxigraph's.
EDITION_RDF12 = "# Edition: RDF 1.2"


def query_edition(sparql: str) -> str:
    """The edition a query needs: "rdf12" when its header has the '# Edition: RDF 1.2' line, else "rdf11" (it
    answers alike on both editions and every engine)."""
    for line in sparql.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(EDITION_RDF12):
            return "rdf12"
    return "rdf11"


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
    """Append a VALUES clause binding each declared parameter (given value, else its default) as an RDF term.

    The paging parameters (limit, offset) are solution modifiers, not values: they replace the numbers of the
    file's marked LIMIT/OFFSET line (page_line).
    """
    params = {p.name: p for p in query_params(sparql)}
    for name in values:
        if name not in params:
            known = ", ".join(params) or "none"
            raise B12kgError(f"the query takes no parameter {name!r}", fix=f"use one of: {known}")
    paging = [params.pop(name) for name in PAGE_PARAMS if name in params]
    if paging:
        sparql = _bind_page(sparql, paging, values)
    if not params:
        return sparql
    line = _values_line([(p, values.get(p.name, p.default)) for p in params.values()])
    marked = _DEFAULTS_LINE.search(sparql)
    if marked is not None:  # a library file carries its defaults; the given values take their place
        return sparql[:marked.start()] + line + sparql[marked.end():]
    # Inside the WHERE group, first: joined before grouping and filtering on every engine (a trailing VALUES
    # clause is not treated alike by all engines).
    where = WHERE_OPEN.search(sparql)
    if where is None:
        raise B12kgError("a query with parameters needs a 'WHERE {' clause", fix="add WHERE { ... } to the query")
    return f"{sparql[:where.end()]}\n{line}{sparql[where.end():]}"


# The line of a library query that binds its parameters to their defaults, so that the file alone (run by any
# SPARQL engine or W3C-manifest runner) gives the documented answer; `bind_params` replaces it with given values.
DEFAULTS_MARK = "# parameters (b12kg query --param NAME=VALUE replaces this line)"
_DEFAULTS_LINE = re.compile(r"^  VALUES \([^\n]*\) \{ \([^\n]*\) \}  " + re.escape(DEFAULTS_MARK) + "$", re.M)


# Queries whose answer grows with the corpus take these two parameters (declared as integers with defaults, like
# any other) and end with this marked line, so that the file alone returns the first page.
PAGE_PARAMS = ("limit", "offset")
PAGE_MARK = "# page (b12kg query --param limit=N --param offset=N replaces this line)"
_PAGE_LINE = re.compile(r"^LIMIT [0-9]+ OFFSET [0-9]+  " + re.escape(PAGE_MARK) + "$", re.M)


def page_line(sparql: str) -> str | None:
    """The LIMIT/OFFSET line a library file must carry for its paging parameters' defaults (None without them)."""
    params = {p.name: p for p in query_params(sparql) if p.name in PAGE_PARAMS}
    if not params:
        return None
    return _page({name: params[name].default if name in params else None for name in PAGE_PARAMS})


def _page(numbers: dict[str, str | None]) -> str:
    return f"LIMIT {numbers['limit'] or 0} OFFSET {numbers['offset'] or 0}  {PAGE_MARK}"


def _bind_page(sparql: str, paging: list[Param], values: dict[str, str]) -> str:
    numbers: dict[str, str | None] = {"limit": None, "offset": "0"}
    for param in paging:
        value = values.get(param.name, param.default)
        text = (value or "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise B12kgError(f"parameter {param.name}: {str(value)[:40]!r} is not a whole number of rows",
                             fix=f"give {param.name} as a number of rows such as 100 (0 or more, ASCII digits)")
        numbers[param.name] = str(int(text))
    marked = _PAGE_LINE.search(sparql)
    if marked is None or numbers["limit"] is None:
        raise B12kgError("a query with limit/offset parameters ends with the marked paging line",
                         fix=f"end the query with 'LIMIT N OFFSET N  {PAGE_MARK}' and declare both parameters")
    return sparql[:marked.start()] + _page(numbers) + sparql[marked.end():]


def _values_line(bound: list[tuple[Param, str | None]]) -> str:
    """The VALUES line binding each parameter to a value (UNDEF where none is given)."""
    names = " ".join(f"?{p.name}" for p, _ in bound)
    terms = " ".join("UNDEF" if v is None else _term(p, v) for p, v in bound)
    return f"  VALUES ({names}) {{ ({terms}) }}  {DEFAULTS_MARK}"


def defaults_line(sparql: str) -> str | None:
    """The VALUES line a library file must carry for its declared parameters' defaults (None without params;
    the paging parameters are in page_line)."""
    params = [p for p in query_params(sparql) if p.name not in PAGE_PARAMS]
    return _values_line([(p, p.default) for p in params]) if params else None


def prepare(text_or_path: str, values: dict[str, str] | None = None, *,
            queries_dir: Path = QUERIES_DIR) -> tuple[str, str, bool]:
    """(name, runnable SPARQL with parameters bound, whether it needs the inferred graph)."""
    name, sparql = resolve_query(text_or_path, queries_dir=queries_dir)
    return name, bind_params(sparql, values or {}), needs_inferred(sparql)


def library_queries(queries_dir: Path = QUERIES_DIR, *, rdf12: bool = False) -> list[Path]:
    """The library's query files (queries/NN-name.rq), in order: those every engine answers on either edition;
    with ``rdf12``, also those that need the RDF 1.2 edition (their header says '# Edition: RDF 1.2')."""
    found = sorted(queries_dir.glob("[0-9][0-9]-*.rq"))
    return found if rdf12 else [p for p in found if query_edition(p.read_text(encoding="utf-8")) == "rdf11"]


def query_question_ar(sparql: str) -> str:
    """The Arabic question of a library query (its '# السؤال:' header line), or an empty string."""
    for line in sparql.splitlines():
        if line.startswith(AR_QUESTION):
            return line[len(AR_QUESTION):].strip()
    return ""


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
    for path in library_queries(queries_dir, rdf12=True):
        sparql = path.read_text(encoding="utf-8")
        params = ", ".join(f"`{p.name}`" for p in query_params(sparql)) or "–"
        graph = "inferred" if needs_inferred(sparql) else "asserted"
        graph += " (RDF 1.2 edition)" if query_edition(sparql) == "rdf12" else ""
        rows.append(f"| [`{path.stem}`](queries/{path.name}) | {query_question(sparql)} | {graph} | {params} |")
    return "\n".join(rows) + "\n"


def resolve_query(text_or_path: str, *, queries_dir: Path = QUERIES_DIR) -> tuple[str, str]:
    """(name, SPARQL text) for a .rq file path, a library query name such as 01-manifestations, or inline SPARQL."""
    candidate = Path(text_or_path)
    if candidate.suffix == ".rq" or (len(text_or_path) < 200 and "\n" not in text_or_path and candidate.is_file()):
        if not candidate.is_file():
            raise B12kgError(f"query file {candidate} does not exist", fix="give a path to a .rq file")
        return candidate.name, candidate.read_text(encoding="utf-8")
    for path in library_queries(queries_dir, rdf12=True):
        if text_or_path in (path.stem, path.stem.split("-", 1)[0]):
            return path.name, path.read_text(encoding="utf-8")
    if any(word in text_or_path.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return "inline", text_or_path
    raise B12kgError(f"{text_or_path!r} is neither a .rq file, a library query, nor SPARQL",
                     fix="pass a file, a name from `ls queries/`, or a query such as "
                         "'SELECT * WHERE {?s ?p ?o} LIMIT 5'")
