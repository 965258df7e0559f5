"""A build of many documents: the same bytes with one worker or several, and errors that span documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import b12kg.build.parts as parts
from b12kg.build.pipeline import build
from b12kg.errors import CurationError
from b12kg.paths import PROJECT
from benchcorpus import synthetic_curated

DOCUMENTS, PER_DOCUMENT = 4, 40  # at least the 35 real claims each: every sentence needs one


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four synthetic documents of 40 claims each (bench/corpus.py: real quotes and IDs, new claim ids)."""
    return synthetic_curated(tmp_path_factory.mktemp("corpus"), DOCUMENTS * PER_DOCUMENT,
                             per_document=PER_DOCUMENT, documents=DOCUMENTS)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_one_worker_and_two_write_the_same_bytes(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = build(curated_dir=corpus, out_dir=tmp_path / "one", ontology_out_dir=tmp_path / "one", workers=1)
    # a fan-in of 2 makes the two-worker build merge the documents' sorted files in several rounds
    monkeypatch.setattr(parts, "FAN_IN", 2)
    two = build(curated_dir=corpus, out_dir=tmp_path / "two", ontology_out_dir=tmp_path / "two", workers=2)
    assert (one.documents, one.claims) == (two.documents, two.claims) == (DOCUMENTS, DOCUMENTS * PER_DOCUMENT)
    first, second = _snapshot(tmp_path / "one"), _snapshot(tmp_path / "two")
    assert first.keys() == second.keys() and len(first) >= 16
    assert [name for name in first if first[name] != second[name]] == []
    nquads = first["b12kg.nq"].decode("utf-8").splitlines()
    rows = [line for line in nquads if not line.startswith("#")]
    assert rows == sorted(set(rows)) and len(rows) == one.quads  # canonical: sorted, no duplicates
    assert sum(f"/document/b12-synthetic-{n:07d}>" in first["b12kg.nt"].decode("utf-8")
               for n in range(1, DOCUMENTS + 1)) == DOCUMENTS
    leftovers = list(tmp_path.glob(".b12kg-tmp-*"))  # the work folder sits beside the output folder
    assert leftovers == [], "the build's work folder was left behind"


def test_a_claim_id_in_two_documents_is_refused_with_both_files(corpus: Path, tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    shutil.copytree(corpus, curated)
    first, second = sorted(curated.glob("*.claims.yaml"))[1:3]
    taken = "-d2-0"  # the first claim of document 2 (bench/corpus.py names copies <id>-d<document>-<n>)
    text = second.read_text(encoding="utf-8")
    assert "-d3-0\n" in text and taken + "\n" in first.read_text(encoding="utf-8")
    second.write_text(text.replace("-d3-0\n", taken + "\n", 1), encoding="utf-8")
    with pytest.raises(CurationError) as caught:
        build(curated_dir=curated, out_dir=tmp_path / "out", ontology_out_dir=tmp_path / "out", workers=2)
    error = caught.value
    assert "duplicate claim id" in error.message and str(first) in error.message
    assert error.file == second and error.line is not None and error.claim and error.claim.endswith(taken)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.nq"))


def test_a_bad_document_among_many_names_its_file(corpus: Path, tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    shutil.copytree(corpus, curated)
    bad = sorted(curated.glob("*.claims.yaml"))[3]
    bad.write_text(bad.read_text(encoding="utf-8").replace("relation: RO:0002200", "relation: RO:12", 1),
                   encoding="utf-8")
    with pytest.raises(CurationError) as caught:
        build(curated_dir=curated, out_dir=tmp_path / "out", ontology_out_dir=tmp_path / "out", workers=2)
    assert caught.value.file == bad


def test_a_sorted_file_is_read_from_any_line_on(tmp_path: Path) -> None:
    """ranges.lines_from finds the first line not below a key by bisection: it must agree with a plain scan."""
    import random

    from b12kg.build.ranges import lines_from, split_points

    rng = random.Random(12)
    path = tmp_path / "sorted.txt"
    for _ in range(150):
        lines = sorted({"".join(rng.choice("ab<> é") for _ in range(rng.randint(1, 12)))
                        for _ in range(rng.randint(0, 60))})
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        for _ in range(10):
            key = "".join(rng.choice("ab<> é") for _ in range(rng.randint(0, 6)))
            assert list(lines_from(path, key)) == [line + "\n" for line in lines if line + "\n" >= key], key
    cuts = split_points([(f"<s{n:03d}>", 1.0) for n in range(100)], 4)
    assert cuts == ["<s024> ", "<s049> ", "<s074> "]
    assert split_points([("<a>", 1.0)], 4) == ["<a> "] and split_points([], 4) == []


def test_merged_rows_give_the_canonical_rows_again(tmp_path: Path) -> None:
    """ranges.MergedRows re-reads the canonical order from sorted files and small lines (duplicates dropped)."""
    from pyoxigraph import RdfFormat, parse

    from b12kg.build.ranges import MergedRows
    from b12kg.build.writers import canonical_rows

    rows = canonical_rows(parse(path=str(PROJECT / "graphs" / "b12kg.nq"), format=RdfFormat.N_QUADS))
    lines = [f"{r.s} {r.p} {r.o} {r.g}\n" for r in rows]
    half = len(lines) // 2
    (tmp_path / "run").write_text("".join(lines[:half + 7]), encoding="utf-8")
    merged = MergedRows([tmp_path / "run"], lines[half:])
    assert list(merged) == rows and list(merged) == rows  # twice: each iteration merges afresh


def test_a_streamed_turtle_block_follows_the_sorted_rule() -> None:
    """stream.turtle_block_parts (read once, in pieces) gives what sorting by (not rdf:type, p, o) gives."""
    import random

    from b12kg.build.stream import turtle_block, turtle_block_parts, turtle_term

    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    predicates = ["<http://purl.org/dc/terms/title>", rdf_type, "<http://www.w3.org/2000/01/rdf-schema#label>",
                  "<http://a.example/p>", "<http://zz.example/q>"]
    rng = random.Random(7)
    for _ in range(300):
        pairs = sorted({(rng.choice(predicates), f'"v{rng.randint(0, 9)}"') for _ in range(rng.randint(1, 12))})
        ordered = sorted(pairs, key=lambda pair: (pair[0] != rdf_type, pair[0], pair[1]))
        parts: list[str] = []
        for predicate in dict.fromkeys(p for p, _ in ordered):
            values = " , ".join(turtle_term(o) for p, o in ordered if p == predicate)
            parts.append(f"{turtle_term(predicate, predicate=True)} {values}")
        body = " ;\n    ".join(parts)
        expected = f"<http://s.example/x> {body} .\n"
        assert "".join(turtle_block_parts("<http://s.example/x>", iter(pairs), "")) == expected
        assert turtle_block("<http://s.example/x>", pairs, "") == expected
