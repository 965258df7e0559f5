"""Every RDF file the build (and `b12kg reason`) writes parses in three independent parsers with the same counts.

The parsers: rdflib, pyoxigraph and Raptor's `rapper` (Debian raptor2-utils, installed by scripts/setup.sh with
the test extras). Raptor has no JSON-LD parser, so the JSON-LD file is read by the other two. The Turtle, TriG
and JSON-LD files must also be the same graph as the canonical N-Triples/N-Quads, and every Arabic literal must
come back byte-for-byte.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import DefaultGraph, Literal, RdfFormat, parse

from b12kg.curation.read import Document

RAPPER = shutil.which("rapper")
# extension -> (pyoxigraph format, rdflib format, rapper input syntax or None, holds named graphs)
FORMATS = {
    ".nt": (RdfFormat.N_TRIPLES, "nt", "ntriples", False),
    ".nq": (RdfFormat.N_QUADS, "nquads", "nquads", True),
    ".ttl": (RdfFormat.TURTLE, "turtle", "turtle", False),
    ".trig": (RdfFormat.TRIG, "trig", "trig", True),
    ".jsonld": (RdfFormat.JSON_LD, "json-ld", None, False),
    ".owl": (RdfFormat.RDF_XML, "xml", "rdfxml", False),
}


def _rdf_files(folder: Path) -> list[Path]:
    # the JSON-LD context the build writes beside the ontology is a context document: it holds no statements; the
    # RDF 1.2 edition (b12kg.rdf12.*) is read by pyoxigraph alone, which rdflib and rapper cannot (tests/test_rdf12.py)
    return sorted(p for p in folder.rglob("*") if p.suffix in FORMATS and p.is_file()
                  and p.name != "b12kg.context.jsonld" and ".rdf12." not in p.name)


@pytest.fixture(scope="module")
def built_files(inferred_build: Path) -> list[Path]:
    files = _rdf_files(inferred_build)
    names = {p.relative_to(inferred_build).as_posix() for p in files}
    # the build's own list of outputs must all be here, so a new output cannot escape this test
    for expected in ("b12kg.ttl", "b12kg.nt", "b12kg.nq", "b12kg.trig", "b12kg.jsonld", "b12kg.owl",
                     "b12kg-inferred.nt", "b12kg-inferred.ttl", "imports/hp_import.ttl", "imports/hp_import.owl",
                     "imports/anatomy_import.ttl", "imports/anatomy_import.owl", "imports/terms_import.ttl",
                     "imports/terms_import.owl"):
        assert expected in names, f"{expected} missing from the build output"
    return files


def _oxigraph_statements(path: Path) -> set[tuple[str, str, str, str]]:
    fmt = FORMATS[path.suffix][0]
    return {(str(q.subject), str(q.predicate), str(q.object),
             "" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name))
            for q in parse(path=str(path), format=fmt)}


def _rdflib_count(path: Path) -> int:
    fmt, quads = FORMATS[path.suffix][1], FORMATS[path.suffix][3]
    if quads:
        dataset = rdflib.Dataset()
        dataset.parse(path, format=fmt)
        return sum(1 for _ in dataset.quads((None, None, None, None)))
    graph = rdflib.Graph()
    graph.parse(path, format=fmt)
    return len(graph)


def _rapper(path: Path) -> list[str]:
    syntax, quads = FORMATS[path.suffix][2], FORMATS[path.suffix][3]
    assert RAPPER, "rapper (Debian raptor2-utils) is not installed: run scripts/setup.sh '[test]'"
    done = subprocess.run([RAPPER, "-q", "-i", syntax, "-o", "nquads" if quads else "ntriples", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"rapper could not parse {path.name}: {done.stderr}"
    return [line for line in done.stdout.splitlines() if line.strip()]


_ARABIC = re.compile("[\u0600-\u06ff]")


def _is_arabic(term: object) -> bool:
    return isinstance(term, (Literal, rdflib.Literal)) and _ARABIC.search(str(term.value if isinstance(term, Literal)
                                                                              else term)) is not None


def _arabic(statements: set[tuple[str, str, str, str]]) -> set[str]:
    """Every literal holding Arabic (labels, quotes, prefixes/suffixes, the full text), read back through
    pyoxigraph from N-Triples text."""
    text = "".join(f"{s} {p} {o} .\n" for s, p, o, _ in statements)
    return {q.object.value for q in parse(text, format=RdfFormat.N_TRIPLES) if _is_arabic(q.object)}


def test_three_parsers_agree_on_counts(built_files: list[Path]) -> None:
    seen = []
    for path in built_files:
        oxigraph = len(_oxigraph_statements(path))
        assert oxigraph > 0, path
        assert _rdflib_count(path) == oxigraph, f"rdflib and pyoxigraph disagree on {path.name}"
        if FORMATS[path.suffix][2] is not None:
            rapper = len(set(_rapper(path)))
            assert rapper == oxigraph, f"rapper reads {rapper} statements in {path.name}, pyoxigraph {oxigraph}"
        seen.append(path.suffix)
    assert {".nt", ".nq", ".ttl", ".trig", ".jsonld", ".owl"} <= set(seen)


@pytest.mark.parametrize("name, canonical", [("b12kg.ttl", "b12kg.nt"), ("b12kg.jsonld", "b12kg.nt"),
                                             ("b12kg.trig", "b12kg.nq"), ("b12kg-inferred.ttl",
                                                                          "b12kg-inferred.nt")])
def test_pretty_formats_are_the_canonical_graph(inferred_build: Path, name: str, canonical: str) -> None:
    """No blank nodes in the release, so isomorphism is equality of the statement sets."""
    pretty = _oxigraph_statements(inferred_build / name)
    reference = _oxigraph_statements(inferred_build / canonical)
    missing, extra = sorted(reference - pretty)[:5], sorted(pretty - reference)[:5]
    assert pretty == reference, f"{name} differs from {canonical}: missing {missing}, extra {extra}"
    assert not any(s.startswith("_:") or o.startswith("_:") for s, _, o, _ in reference)
    graph = rdflib.Graph().parse(inferred_build / name, format=FORMATS[Path(name).suffix][1]) \
        if Path(name).suffix != ".trig" else None
    if graph is not None:
        from rdflib.compare import graph_diff, to_isomorphic

        ref = rdflib.Graph().parse(inferred_build / canonical, format="nt")
        if to_isomorphic(graph) != to_isomorphic(ref):  # a readable diff when it fails
            _, only_pretty, only_ref = graph_diff(graph, ref)
            pytest.fail(f"{name} not isomorphic to {canonical}:\nonly in {name}:\n"
                        f"{only_pretty.serialize(format='nt')[:2000]}\nonly in {canonical}:\n"
                        f"{only_ref.serialize(format='nt')[:2000]}")


def test_arabic_survives_every_parser_byte_for_byte(built_files: list[Path], documents: list[Document],
                                                     inferred_build: Path) -> None:
    quotes = {claim.quote.text for document in documents for claim in document.claims}
    assert quotes
    reference = _arabic(_oxigraph_statements(inferred_build / "b12kg.nq"))
    assert quotes <= reference, "an evidence quote is not in the N-Quads as the source spells it"
    assert {document.text for document in documents} <= reference, "the full source text is not in the N-Quads"
    assert {q.encode("utf-8") for q in quotes} <= {r.encode("utf-8") for r in reference}
    for name in ("b12kg.nt", "b12kg.ttl", "b12kg.trig", "b12kg.jsonld"):
        path = inferred_build / name
        assert _arabic(_oxigraph_statements(path)) == reference, f"pyoxigraph: Arabic differs in {name}"
        fmt = FORMATS[path.suffix]
        store = rdflib.Dataset() if fmt[3] else rdflib.Graph()
        store.parse(path, format=fmt[1])
        triples = store.quads((None, None, None, None)) if fmt[3] else ((s, p, o, None) for s, p, o in store)
        from_rdflib = {str(o) for _, _, o, _ in triples if _is_arabic(o)}
        assert from_rdflib == reference, f"rdflib: Arabic differs in {name}"
        if fmt[2] is not None:
            text = "\n".join(_rapper(path)) + "\n"
            from_rapper = {q.object.value for q in parse(text, format=RdfFormat.N_QUADS) if _is_arabic(q.object)}
            assert from_rapper == reference, f"rapper: Arabic differs in {name}"


def test_nanopublications_parse_in_all_three_parsers(tmp_path: Path) -> None:
    """The export stage's RDF files too (a fresh export; the committed ones are checked for staleness elsewhere)."""
    from b12kg.export.run import export

    export(out_dir=tmp_path)
    files = sorted((tmp_path / "nanopubs").glob("*.trig"))
    assert len(files) >= 35
    for path in files:
        oxigraph = len(_oxigraph_statements(path))
        assert oxigraph > 0 and _rdflib_count(path) == oxigraph, path.name
        assert len(set(_rapper(path))) == oxigraph, path.name
