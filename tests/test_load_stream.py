"""The release as `b12kg load` streams it (b12kg.store.stream): the same graphs, sizes and checksum as the release
read whole, whatever form the lines take; blank nodes and broken lines refused with their file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, RdfFormat, parse

from b12kg.errors import B12kgError
from b12kg.store.release import release_checksum, release_graphs
from b12kg.store.stream import ReleaseSummary, files_checksum, stream_release, summarize
from b12kg.vocab import ASSERTED_GRAPH, EXAMPLES_GRAPH, INFERRED_GRAPH


def _copy(build: Path, folder: Path, nquads: str) -> Path:
    folder.mkdir()
    for name in ("b12kg-inferred.nt", "b12kg.examples.ttl"):
        shutil.copy(build / name, folder / name)
    (folder / "b12kg.nq").write_text(nquads, encoding="utf-8")
    return folder


def test_the_stream_is_what_pyoxigraph_reads_and_its_summary_is_the_release_s(inferred_build: Path) -> None:
    summary = ReleaseSummary()
    streamed = list(stream_release(inferred_build, summary, inferred=True))
    expected = [(ASSERTED_GRAPH if isinstance(q.graph_name, DefaultGraph) else q.graph_name.value,
                 f"{q.subject} {q.predicate} {q.object}")
                for q in parse(path=str(inferred_build / "b12kg.nq"), format=RdfFormat.N_QUADS)]
    # the query library as SPARQL examples, in a graph of its own (each distinct triple once)
    expected += list(dict.fromkeys((EXAMPLES_GRAPH, f"{q.subject} {q.predicate} {q.object}")
                                   for q in parse(path=str(inferred_build / "b12kg.examples.ttl"),
                                                  format=RdfFormat.TURTLE)))
    expected += [(INFERRED_GRAPH, f"{q.subject} {q.predicate} {q.object}")
                 for q in parse(path=str(inferred_build / "b12kg-inferred.nt"), format=RdfFormat.N_TRIPLES)]
    assert streamed == expected
    release = release_graphs(inferred_build)
    whole = summarize(inferred_build, inferred=True)
    assert whole.sizes == {graph: len(lines) for graph, lines in release.items()}
    assert whole.checksum == summary.checksum == release_checksum(release) == \
        files_checksum(inferred_build, inferred=True)


def test_the_checksum_ignores_comments_and_follows_statements(inferred_build: Path, tmp_path: Path) -> None:
    text = (inferred_build / "b12kg.nq").read_text(encoding="utf-8")
    base = summarize(inferred_build, inferred=True).checksum
    commented = _copy(inferred_build, tmp_path / "c", "# another header, another version\n" + text)
    assert summarize(commented, inferred=True).checksum == base
    statements = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    statements[0] = '<https://w3id.org/b12kg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
    other = _copy(inferred_build, tmp_path / "o", "".join(statements))
    assert summarize(other, inferred=True).checksum != base


def test_lines_in_another_form_are_parsed_by_pyoxigraph(inferred_build: Path, tmp_path: Path) -> None:
    """Two spaces between terms, a tab before the dot, an escaped IRI character: not the canonical form, same
    statements."""
    text = (inferred_build / "b12kg.nq").read_text(encoding="utf-8")
    extra = ('<https://w3id.org/b12kg/id/a>  <http://www.w3.org/2000/01/rdf-schema#label>  "a"@en\t.\n'
             '<https://w3id.org/b12kg/id/\\u0062> <http://www.w3.org/2000/01/rdf-schema#label> "b" '
             '<https://w3id.org/b12kg/id/claim/x/assertion> .\n')
    folder = _copy(inferred_build, tmp_path / "f", text + extra)
    streamed = list(stream_release(folder, ReleaseSummary(), inferred=True))
    assert (ASSERTED_GRAPH, '<https://w3id.org/b12kg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@en') \
        in streamed
    assert ("https://w3id.org/b12kg/id/claim/x/assertion",
            '<https://w3id.org/b12kg/id/b> <http://www.w3.org/2000/01/rdf-schema#label> "b"') in streamed


@pytest.mark.parametrize(("line", "found"), [
    ('_:x <http://www.w3.org/2000/01/rdf-schema#label> "b" .\n', "blank node"),
    ('<https://w3id.org/b12kg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "unterminated .\n', "line"),
])
def test_blank_nodes_and_broken_lines_are_refused_with_file_and_line(inferred_build: Path, tmp_path: Path,
                                                                     line: str, found: str) -> None:
    text = (inferred_build / "b12kg.nq").read_text(encoding="utf-8")
    folder = _copy(inferred_build, tmp_path / "bad", text + line)
    with pytest.raises(B12kgError, match=found) as refused:
        list(stream_release(folder, ReleaseSummary(), inferred=True))
    assert str(folder / "b12kg.nq") in refused.value.message and refused.value.fix
    assert f"line {len(text.splitlines()) + 1}" in refused.value.message


def test_the_rdf12_edition_streams_with_its_triple_terms_and_directions(inferred_build: Path) -> None:
    """The RDF 1.2 edition's reifiers (`<<( s p o )>>`) and `@ar--rtl` literals are not in the canonical 1.1 form:
    pyoxigraph parses those lines, and what streams reads back as the same quads."""
    from pyoxigraph import Quad, Triple

    streamed = [(graph, triple) for graph, triple in stream_release(inferred_build, ReleaseSummary(), inferred=False,
                                                                     edition="rdf12") if graph != EXAMPLES_GRAPH]
    assert any("<<( " in triple for _, triple in streamed) and any("@ar--rtl" in t for _, t in streamed)
    text = "".join(f"{triple} .\n" if graph == ASSERTED_GRAPH else f"{triple} <{graph}> .\n"
                   for graph, triple in streamed)
    back = set(parse(text, format=RdfFormat.N_QUADS))
    original = set(parse(path=str(inferred_build / "b12kg.rdf12.nq"), format=RdfFormat.N_QUADS))
    assert back == original and len(streamed) == len(original)
    assert any(isinstance(q.object, Triple) for q in back if isinstance(q, Quad))


@pytest.mark.parametrize(("inferred", "default_graph", "edition"),
                         [(True, True, "rdf11"), (False, True, "rdf11"), (True, False, "rdf11"), (True, True, "rdf12")])
def test_the_streamed_layout_holds_the_same_quads_as_the_one_in_memory(inferred: bool, default_graph: bool,
                                                                      edition: str, tmp_path: Path) -> None:
    """serve and the embedded store load write_layout's file; it must hold layout_nquads' statements, each once."""
    from b12kg.paths import GRAPHS_DIR
    from b12kg.store.release import layout_nquads, write_layout

    path = tmp_path / "layout.nq"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        write_layout(out, GRAPHS_DIR, inferred=inferred, default_graph=default_graph, edition=edition)
    streamed = path.read_text(encoding="utf-8").splitlines()
    held = layout_nquads(GRAPHS_DIR, inferred=inferred, default_graph=default_graph, edition=edition).splitlines()
    assert len(streamed) == len(set(streamed)) and len(held) > 3000
    assert sorted(streamed) == sorted(held)
    assert len(list(parse(path=str(path), format=RdfFormat.N_QUADS))) == len(held)  # it parses


def test_serve_loads_the_streamed_layout_whole_or_not_at_all(inferred_build: Path, tmp_path: Path) -> None:
    """`serve` pipes the layout into `oxigraph load`: a good release arrives whole; a bad line near the end of the
    N-Quads stops the load before its input ends, and the location holds nothing (not the part before the line)."""
    from pyoxigraph import Store

    from b12kg.store.release import layout_nquads
    from b12kg.store.serve import load_location

    good = tmp_path / "good"
    load_location(good, inferred_build)
    store = Store.read_only(str(good))
    assert len(store) == len(layout_nquads(inferred_build).splitlines())
    del store
    text = (inferred_build / "b12kg.nq").read_text(encoding="utf-8")
    folder = _copy(inferred_build, tmp_path / "bad", text + "_:b0 <http://example.org/p> <http://example.org/o> .\n")
    with pytest.raises(B12kgError, match="blank node"):
        load_location(tmp_path / "location", folder)
    assert len(Store.read_only(str(tmp_path / "location"))) == 0
