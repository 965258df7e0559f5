"""Parameters are bound as RDF terms (VALUES), never pasted into the query as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.errors import B12kgError
from b12kg.query import bind_params, open_store, prepare, query_params, run_sparql

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
    assert [p.name for p in query_params(prepare("12")[1])] == ["claim_id"]
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
    from b12kg.model import DAYS_PER_UNIT

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
