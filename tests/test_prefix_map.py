"""One prefix map (b12kg.vocab.CONVERTER): the Turtle prefixes, JSON-LD context, PREFIX lines and CURIEs agree."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from b12kg.build.pipeline import CONTEXT_FILE, build
from b12kg.paths import ONTOLOGY_DIR, QUERIES_DIR
from b12kg.vocab import (
    CONVERTER,
    CURIE_PREFIXES,
    JSONLD_CONTEXT,
    NS,
    OUTPUT_PREFIXES,
    PREFIX_TABLE,
    RDFXML_PREFIXES,
    compact,
    parse_curie,
    sparql_prefixes,
)

_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)


def _context_text() -> str:
    import io

    from b12kg.build.writers import write_jsonld_context

    out = io.StringIO()
    write_jsonld_context(out, JSONLD_CONTEXT)
    return out.getvalue()


def test_every_view_is_the_tables_in_its_order() -> None:
    assert CONVERTER.prefix_map == {row.prefix: row.expansion for row in PREFIX_TABLE}
    written = [row.prefix for row in PREFIX_TABLE if row.written]
    assert list(OUTPUT_PREFIXES) == written and NS is OUTPUT_PREFIXES
    assert list(OUTPUT_PREFIXES)[:4] == ["b12o", "b12", "claim", "obo"]  # the order Turtle declares them in
    assert list(JSONLD_CONTEXT) == [p for p in written if p not in ("void", "dcat", "sd", "spdx")]
    assert set(RDFXML_PREFIXES) == set(JSONLD_CONTEXT) - {"b12", "claim"}
    assert list(CURIE_PREFIXES) == [row.prefix for row in PREFIX_TABLE if row.pattern is not None]
    for prefix, spec in CURIE_PREFIXES.items():
        assert CONVERTER.pattern_map[prefix] == f"^{spec.pattern.pattern}$"
        assert parse_curie(spec.example).iri == CONVERTER.expand(spec.example)


def test_id_patterns_take_ascii_digits_only() -> None:
    for row in PREFIX_TABLE:
        assert row.pattern is None or "\\d" not in row.pattern, row.prefix
    with pytest.raises(ValueError, match="malformed"):
        parse_curie("UBERON:" + "0001016".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))


def test_output_iris_compact_with_written_prefixes_only() -> None:
    hp = CONVERTER.expand("HP:0004305")
    assert hp == NS["obo"] + "HP_0004305"
    assert compact(hp) == "obo:HP_0004305"  # the graph files write obo:HP_..., never the CURIE prefix
    assert compact(NS["claim"] + "children-tremors") == "claim:children-tremors"
    assert compact(NS["claim"] + "children-tremors/evidence") is None  # no safe local name
    assert compact("https://example.org/x") is None


def test_the_prefix_lines_the_tool_adds_come_from_the_map() -> None:
    assert sparql_prefixes(["b12o", "rdfs"]) == (f"PREFIX b12o: <{NS['b12o']}>\n"
                                                 f"PREFIX rdfs: <{NS['rdfs']}>\n")


def test_every_prefix_line_of_the_query_library_agrees_with_the_map() -> None:
    """The .rq files keep explicit PREFIX lines (each runs as it stands); each one must say what the map says."""
    files = sorted(QUERIES_DIR.glob("*.rq"))
    assert files
    seen = 0
    for path in files:
        for match in _PREFIX_LINE.finditer(path.read_text(encoding="utf-8")):
            prefix, iri = match.group(1) or "", match.group(2)
            assert CONVERTER.prefix_map.get(prefix) == iri, \
                f"{path.name}: PREFIX {prefix}: <{iri}> — the prefix map (b12kg.vocab.PREFIX_TABLE) says " \
                f"{CONVERTER.prefix_map.get(prefix)!r}"
            seen += 1
    assert seen > 50


def test_committed_jsonld_context_is_the_maps() -> None:
    committed = (ONTOLOGY_DIR / CONTEXT_FILE).read_text(encoding="utf-8")
    assert committed == _context_text(), \
        f"ontology/{CONTEXT_FILE} is stale — it is written from b12kg.vocab.PREFIX_TABLE: run `b12kg build`"


def test_the_build_writes_the_context_again(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY_DIR, ontology)
    (ontology / CONTEXT_FILE).unlink()
    result = build(ontology_dir=ontology, out_dir=tmp_path / "graphs")
    assert ontology / CONTEXT_FILE in result.files
    assert (ontology / CONTEXT_FILE).read_text(encoding="utf-8") == _context_text()
    assert (tmp_path / "graphs" / "b12kg.jsonld").read_text(encoding="utf-8").startswith(
        '{\n  "@context": {\n    "b12o": ')
