"""Parameters are bound as RDF terms (VALUES), never pasted into the query as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.errors import B12kgError
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import bind_params, prepare, query_params

HOSTILE = [
    'x" } ?s ?p ?o . { "',
    "children-tremors\" . } DROP ALL ; SELECT * WHERE { ?s ?p ?o",
    "a # comment } }",
    "line one\nline two\r\n} UNION { ?s ?p ?o }",
    "{ } ( ) < > \\ ' \"\"\" ;",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
]


@pytest.fixture(scope="module")
def store(fresh_build: Path):  # type: ignore[no-untyped-def]
    return open_store(fresh_build)


def test_queries_declare_their_parameters() -> None:
    _, sparql, _ = prepare("12")
    assert [p.name for p in query_params(prepare("12")[1])] == ["claim_id", "limit", "offset"]
    # optional parameter left unbound (UNDEF): every claim; the file's own defaults line, not a second VALUES
    assert sparql.count("VALUES") == 1 and "VALUES (?claim_id) { (UNDEF) }" in sparql


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_string_changes_nothing_but_the_binding(store, value: str) -> None:  # type: ignore[no-untyped-def]
    _, sparql, _ = prepare("12", {"claim_id": value})
    answer = run_sparql(store, sparql)
    assert answer.rows == []  # no claim has that id: the value was compared, not executed
    # the query's own text is intact: the value sits inside one literal in one VALUES row
    assert sparql.count("VALUES") == 1
    _, control, _ = prepare("12", {"claim_id": "children-tremors"})
    assert [str(row[0].value) for row in run_sparql(store, control).rows] == ["children-tremors"]


@pytest.mark.parametrize("value", ["obo:HP_0004305> } ?s ?p ?o {", "http://x.org/a b", "<urn:a> <urn:b>", "nope"])
def test_a_malformed_iri_is_refused(value: str) -> None:
    with pytest.raises(B12kgError, match="is not an IRI or a known CURIE"):
        prepare("04", {"age_group": value})


def test_numbers_are_checked_and_compared_as_numbers(store, document) -> None:  # type: ignore[no-untyped-def]
    from b12kg.rdf.claims import DAYS_PER_UNIT

    with pytest.raises(B12kgError, match="is not a number"):
        prepare("05", {"within_days": "7; DROP ALL"})
    starts = {c.id: c.onset.lower * DAYS_PER_UNIT[c.onset.unit] for c in document.claims
              if c.onset and c.onset.lower is not None and c.onset.unit}
    for days in ("7", "59", "61", "365"):
        rows = run_sparql(store, prepare("05", {"within_days": days})[1]).rows
        assert sorted(str(row[0].value) for row in rows) == sorted(i for i, d in starts.items() if d <= int(days))
    # "2 months" (60.9 days) falls between 59 and 61 days: the comparison is on numbers, not on "2" vs "59"
    assert len(run_sparql(store, prepare("05", {"within_days": "59"})[1]).rows) < \
        len(run_sparql(store, prepare("05", {"within_days": "61"})[1]).rows)


def test_unknown_parameter_is_an_error_naming_the_known_ones() -> None:
    result = CliRunner().invoke(main, ["query", "04", "--param", "agegroup=NCIT:C16423"])
    assert result.exit_code == 1 and "age_group" in result.output


def test_bind_params_requires_a_where_clause() -> None:
    with pytest.raises(B12kgError, match="WHERE"):
        bind_params("# Param: x string (default a) - a value\nASK { ?s ?p ?x }", {})


# Values that are not plain numbers. Decimal() accepts each of them; 1e999999999 would then be expanded by int()
# into a billion digits (about 3 GB), 1e100000 ran into Python's 4300-digit limit with a traceback.
NOT_NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999999999", "1e100000", "٣٠", "1_000", "9" * 31]


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("query,name", [("17", "sentence"), ("05", "within_days")])
def test_a_number_parameter_takes_plain_numbers_only(query: str, name: str, value: str) -> None:
    result = CliRunner().invoke(main, ["query", query, "--param", f"{name}={value}"])
    assert result.exit_code == 1, result.output
    assert f"parameter {name}:" in result.output and "is not a number" in result.output
    assert "fix: give a plain decimal number" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_parameter_given_twice_is_refused() -> None:
    result = CliRunner().invoke(main, ["query", "17", "--param", "sentence=1", "--param", "sentence=2"])
    assert result.exit_code == 2, result.output
    assert "sentence is given twice ('1' and '2')" in result.output


@pytest.mark.parametrize("command", [["query", "01", "--endpoint", "http://127.0.0.1:9/query"],
                                     ["load", "--store", "oxigraph", "--url", "http://127.0.0.1:9"]])
@pytest.mark.parametrize("seconds", ["0.5", "0", "-1", "nan", "inf"])
def test_a_timeout_below_one_second_is_refused(command: list[str], seconds: str) -> None:
    """SPARQLWrapper keeps whole seconds, and a timeout of 0 is no timeout: below 1 s it would be switched off."""
    result = CliRunner().invoke(main, [*command, "--timeout", seconds])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--timeout'" in result.output and "from 1 to 86400" in result.output


def test_plain_numbers_still_bind(store) -> None:  # type: ignore[no-untyped-def]
    for value in ("3", "+3", "3.", "003", "3.0"):
        rows = run_sparql(store, prepare("17", {"sentence": value})[1]).rows
        assert rows and all(row[0] is not None for row in rows), value
