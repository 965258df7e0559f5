"""The streamed typing and data checks (b12kg.qc.abox_stream): whatever the file's order and the sort's chunk, the
same inferred types in canonical order and the same problems; no HermiT here (the schema's own hierarchy)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from b12kg.build.writers import Row, canonical_rows, write_ntriples
from b12kg.qc.abox import read_schema
from b12kg.qc.abox_stream import DataPass, SortedTypes, type_individuals
from b12kg.qc.reason import Inference, statements_digest, write_inferred
from b12kg.qc.values import in_range, value_key

A = "http://a/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
# A small ontology: C1 ⊑ C, range of `p` is C, domain of `q` is D, C disjoint with B, `f` a functional data
# property (decimal), `g` a functional object property, `n` a data property with range nonNegativeInteger.
SCHEMA = [
    f"<{A}C> <{RDF}type> <{OWL}Class> .", f"<{A}C1> <{RDF}type> <{OWL}Class> .",
    f"<{A}B> <{RDF}type> <{OWL}Class> .", f"<{A}D> <{RDF}type> <{OWL}Class> .",
    f"<{A}E> <{RDF}type> <{OWL}Class> .", f"<{A}E> <{RDFS}subClassOf> <{A}D> .",
    f"<{A}C1> <{RDFS}subClassOf> <{A}C> .", f"<{A}C> <{OWL}disjointWith> <{A}B> .",
    f"<{A}p> <{RDF}type> <{OWL}ObjectProperty> .", f"<{A}p> <{RDFS}range> <{A}C1> .",
    f"<{A}q> <{RDF}type> <{OWL}ObjectProperty> .", f"<{A}q> <{RDFS}domain> <{A}E> .",
    f"<{A}f> <{RDF}type> <{OWL}DatatypeProperty> .", f"<{A}f> <{RDF}type> <{OWL}FunctionalProperty> .",
    f"<{A}f> <{RDFS}range> <{XSD}decimal> .",
    f"<{A}g> <{RDF}type> <{OWL}ObjectProperty> .", f"<{A}g> <{RDF}type> <{OWL}FunctionalProperty> .",
    f"<{A}n> <{RDF}type> <{OWL}DatatypeProperty> .", f"<{A}n> <{RDFS}range> <{XSD}nonNegativeInteger> .",
]


def _graph(tmp_path: Path, data: list[str], *, name: str = "g.nt", shuffle: bool = True) -> Path:
    lines = SCHEMA + data
    if shuffle:  # no order to rely on: the schema and an individual's triples anywhere in the file
        random.Random(7).shuffle(lines)
    path = tmp_path / name
    path.write_text("# a header comment\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _typed(graph: Path, tmp_path: Path, chunk: int) -> tuple[DataPass, str]:
    schema = read_schema(graph).schema
    work = tmp_path / f"work-{chunk}"
    work.mkdir()
    out = tmp_path / f"types-{chunk}.txt"
    found = type_individuals(graph, schema, schema.subclass, types_file=out, workdir=work, chunk=chunk)
    assert list(work.iterdir()) == [], "the sort's runs were left behind"
    return found, out.read_text(encoding="utf-8")


def _filler(count: int) -> list[str]:
    """Individuals typed by the range of p and the domain of q: many records, so a small chunk spills."""
    return [line for i in range(count) for line in (f"<{A}s{i}> <{A}p> <{A}o{i}> .", f"<{A}s{i}> <{A}q> <{A}o{i}> .",
                                                    f'<{A}s{i}> <{A}f> "{i}.0"^^<{XSD}decimal> .')]


def test_a_tiny_sort_chunk_gives_what_a_huge_one_gives(tmp_path: Path) -> None:
    graph = _graph(tmp_path, _filler(400))
    spilled, spilled_types = _typed(graph, tmp_path, 7)  # 7 records at a time: hundreds of runs, merged in levels
    whole, whole_types = _typed(graph, tmp_path, 10 ** 9)
    assert spilled == whole and spilled_types == whole_types
    assert whole.inferred == 400 * 4  # each sN: D and E (domain of q); each oN: C1 and C (range of p)
    assert f"<{A}o17> <{A}C1>\n<{A}o17> <{A}C>\n" in whole_types  # term order: "1" < ">"
    assert whole.problems == ()


def test_range_in_one_part_and_an_asserted_disjoint_type_far_away_are_reported(tmp_path: Path) -> None:
    data = [f"<{A}first> <{A}p> <{A}x> ."] + _filler(300) + [f"<{A}x> <{RDF}type> <{A}B> ."]
    graph = _graph(tmp_path, data, shuffle=False)  # x typed C1 (so C) by range on line 1, B at the very end
    found, _ = _typed(graph, tmp_path, 50)
    assert found.problems == (f"<{A}x> is in disjoint classes <{A}B> and <{A}C>",)


def test_inferred_types_are_in_n_triples_term_order(tmp_path: Path) -> None:
    """<…/x1> sorts before <…/x> as N-Triples terms ('1' < '>'), after it as bare IRIs: the files follow the terms."""
    data = [f"<{A}s> <{A}p> <{A}x> .", f"<{A}s> <{A}p> <{A}x1> .", f"<{A}x> <{A}q> <{A}o> ."]
    graph = _graph(tmp_path, data)
    found, types = _typed(graph, tmp_path, 2)
    lines = types.splitlines()
    assert lines.index(f"<{A}x1> <{A}C>") < lines.index(f"<{A}x> <{A}C>")
    assert lines.index(f"<{A}x> <{A}D>") < lines.index(f"<{A}x> <{A}E>")
    # the written inferred graph is byte-identical to one sorted in memory by the build's canonical order
    types_file = tmp_path / "types-2.txt"
    subclass = {(A + "C1", A + "C"), (A + "E", A + "D"), (A + "x", A + "C")}  # (x as a class too: punning)
    inference = Inference("hermit", subclass, SortedTypes(types_file, found.inferred), statements_digest(graph))
    out = tmp_path / "out"
    out.mkdir()
    write_inferred(inference, out_dir=out)
    expected = io.StringIO()
    quads = [(s, RDFS + "subClassOf", o) for s, o in subclass] + [(s, RDF + "type", o) for s, o in inference.types]
    rows = canonical_rows(Quad(NamedNode(s), NamedNode(p), NamedNode(o), DefaultGraph()) for s, p, o in quads)
    write_ntriples(expected, rows, [])
    written = (out / "b12kg-inferred.nt").read_text(encoding="utf-8")
    assert "".join(line + "\n" for line in written.splitlines() if not line.startswith("#")) == expected.getvalue()
    assert list(inference.rows()) == rows
    x = [row for row in rows if row.s == f"<{A}x>"]  # x is a class (subClassOf) and an individual (rdf:type)
    assert x[-1] == Row(f"<{A}x>", f"<{RDFS}subClassOf>", f"<{A}C>", "") and len(x) == 5


def test_functional_values_are_compared_as_values_and_ranges_checked(tmp_path: Path) -> None:
    data = [f'<{A}one> <{A}f> "1"^^<{XSD}integer> .', f'<{A}one> <{A}f> "1.0"^^<{XSD}decimal> .',
            f'<{A}two> <{A}f> "1"^^<{XSD}decimal> .', f'<{A}two> <{A}f> "2"^^<{XSD}decimal> .',
            f"<{A}m> <{A}g> <{A}v1> .", f"<{A}m> <{A}g> <{A}v2> .",
            f'<{A}k> <{A}n> "-1"^^<{XSD}nonNegativeInteger> .', f'<{A}k> <{A}n> "5"^^<{XSD}int> .',
            f'<{A}h> <{A}f> "half" .'] + _filler(100)
    found, _ = _typed(_graph(tmp_path, data), tmp_path, 40)
    assert found.problems == (  # `one` has one value (1 and 1.0), `h` one value (out of range)
        f"<{A}two> has two values of the functional data property <{A}f>",
        f"<{A}m> has two values of the functional object property <{A}g> (HermiT would make them one individual)",
        f'<{A}h> <{A}f> "half": not a value of the range <{XSD}decimal>',
        f'<{A}k> <{A}n> "-1"^^<{XSD}nonNegativeInteger>: not a value of the range <{XSD}nonNegativeInteger>',
    )
    assert found.merged == (f"<{A}m> has two values of the functional object property <{A}g> (HermiT would make "
                            "them one individual)",)


@pytest.mark.parametrize(("a", "b", "same"), [
    (Literal("1", datatype=NamedNode(XSD + "integer")), Literal("1.0", datatype=NamedNode(XSD + "decimal")), True),
    (Literal("1", datatype=NamedNode(XSD + "int")), Literal("01", datatype=NamedNode(XSD + "integer")), True),
    (Literal("true", datatype=NamedNode(XSD + "boolean")), Literal("1", datatype=NamedNode(XSD + "boolean")), True),
    (Literal("a"), Literal("a", language="en"), False),
    (Literal("1"), Literal("1", datatype=NamedNode(XSD + "integer")), False),
    (Literal("x" * 500), Literal("x" * 499 + "y"), False),
])
def test_value_keys(a: Literal, b: Literal, same: bool) -> None:
    assert (value_key(a) == value_key(b)) is same
    assert " " not in value_key(a) and len(value_key(a)) <= 66


def test_datatype_ranges_as_oxigraph_stores_literals() -> None:
    nni = XSD + "nonNegativeInteger"
    assert in_range(Literal("5", datatype=NamedNode(XSD + "unsignedByte")), nni)
    assert not in_range(Literal("-1", datatype=NamedNode(nni)), nni)
    assert not in_range(Literal("abc", datatype=NamedNode(nni)), nni)
    assert not in_range(Literal("99999999999999999999", datatype=NamedNode(nni)), nni)  # beyond 64 bits: kept as is
    assert in_range(Literal("3", datatype=NamedNode(XSD + "integer")), XSD + "decimal")
    assert not in_range(Literal("3"), XSD + "decimal")
    assert not in_range(NamedNode(A + "x"), XSD + "string")


def test_the_schema_pass_reads_blocks_of_whole_lines(tmp_path: Path) -> None:
    """Blocks of 50 bytes (each line cut somewhere): the same schema, statement count and digest as line by line."""
    graph = _graph(tmp_path, _filler(30))
    with graph.open("a", encoding="utf-8") as out:
        out.write("# a comment among the statements\n" + SCHEMA[0])  # and no newline at the very end
    small, whole = read_schema(graph, block_size=50), read_schema(graph)
    assert small.digest == whole.digest == statements_digest(graph)
    assert small.statements == whole.statements == len(SCHEMA) + 90 + 1
    assert set(small.schema.triples) == set(whole.schema.triples) and len(whole.schema.triples) == len(SCHEMA)
    assert small.schema.functional_data == {A + "f"} and small.schema.disjoint == {(A + "C", A + "B")}


def test_the_inferred_types_folder_goes_with_its_object(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "types.txt").write_text(f"<{A}x1> <{A}C>\n<{A}x> <{A}C>\n", encoding="utf-8")
    types = SortedTypes(folder / "types.txt", 2, folder=folder)
    assert list(types) == [(A + "x1", A + "C"), (A + "x", A + "C")] and (A + "x", A + "C") in types
    del types
    assert not folder.exists()
