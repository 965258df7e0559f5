"""Library queries whose answer grows with the corpus take limit and offset: pages that add up to the whole answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from b12kg.errors import B12kgError
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.sparql.library import PAGE_MARK, library_queries, page_line, prepare, query_params


@pytest.fixture(scope="module")
def store(fresh_build: Path):  # type: ignore[no-untyped-def]
    return open_store(fresh_build)


def test_pages_add_up_to_the_whole_answer(store) -> None:  # type: ignore[no-untyped-def]
    whole = run_sparql(store, prepare("12")[1]).rows
    assert len(whole) > 10
    pages = []
    for offset in range(0, len(whole) + 10, 10):
        _, sparql, _ = prepare("12", {"limit": "10", "offset": str(offset)})
        assert sparql.count("LIMIT") == 1 and f"LIMIT 10 OFFSET {offset}  {PAGE_MARK}" in sparql
        page = run_sparql(store, sparql).rows
        assert len(page) <= 10
        pages.extend(page)
    assert pages == whole


def test_a_value_parameter_and_a_page_together(store) -> None:  # type: ignore[no-untyped-def]
    _, sparql, _ = prepare("12", {"claim_id": "children-tremors", "limit": "1"})
    assert [str(row[0].value) for row in run_sparql(store, sparql).rows] == ["children-tremors"]
    _, sparql, _ = prepare("12", {"claim_id": "children-tremors", "offset": "1"})
    assert run_sparql(store, sparql).rows == []


@pytest.mark.parametrize("value", ["-1", "1.5", "10; DROP ALL", "", "١٠", "1" * 13])
def test_a_page_size_that_is_no_row_count_is_refused(value: str) -> None:
    with pytest.raises(B12kgError, match="is not a whole number of rows"):
        prepare("02", {"limit": value})


def test_paging_queries_declare_both_parameters_and_order_their_rows() -> None:
    paged = [p for p in library_queries() if page_line(p.read_text(encoding="utf-8"))]
    assert len(paged) >= 15
    for path in paged:
        text = path.read_text(encoding="utf-8")
        names = [p.name for p in query_params(text)]
        assert "limit" in names and "offset" in names, path.name
        assert "ORDER BY" in text, f"{path.name}: pages of an unordered answer are not well defined"
