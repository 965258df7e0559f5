"""Reason stage: materialise the class hierarchy and instance types that HermiT (or OWL 2 RL) infers."""

from __future__ import annotations

import hashlib
import heapq
import re
import shutil
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, RdfFormat, parse

from b12kg import __version__
from b12kg.build.outputs import output_set
from b12kg.build.writers import Row, write_ntriples, write_turtle
from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR
from b12kg.qc.abox import Schema, SchemaScan, reachable, read_schema, write_schema
from b12kg.qc.abox_stream import REASON_SORT_CHUNK, TYPE_TERM, SortedTypes, type_individuals
from b12kg.qc.hermit import HermitReport, run_hermit
from b12kg.vocab import NS

if TYPE_CHECKING:
    from b12kg.build.pipeline import Meter

__all__ = ["Inference", "hermit_inference", "hermit_full_inference", "owlrl_inference", "Typing", "type_data",
           "Consistency", "consistency", "write_inferred", "INFERRED_NAMES", "ENGINES",
           "statements_digest", "recorded_input", "INPUT_LINE", "stale_inferred"]

INFERRED_NAMES = ("b12kg-inferred.nt", "b12kg-inferred.ttl")
ENGINES = ("hermit", "hermit-full", "owl-rl")
_SUBCLASS = NS["rdfs"] + "subClassOf"
_SUBCLASS_TERM = f"<{_SUBCLASS}>"
_TYPE = NS["rdf"] + "type"
# Built-in OWL/RDFS vocabulary is not part of the hierarchy we materialise.
_BUILTIN = (NS["owl"], NS["rdfs"], NS["rdf"], NS["xsd"])
# The inferred graph's header records what it was inferred from, so that `b12kg validate` notices a stale one.
INPUT_LINE = "input: b12kg.nt statements sha256:{digest}"
_INPUT = re.compile(r"^# input: b12kg\.nt statements sha256:([0-9a-f]{64})$")


def statements_digest(graph_file: Path) -> str:
    """SHA-256 of an N-Triples file's statement lines (its comment header left out: only the triples count)."""
    digest = hashlib.sha256()
    with graph_file.open("rb") as handle:
        for line in handle:
            if not line.startswith(b"#"):
                digest.update(line)
    return digest.hexdigest()


def recorded_input(inferred_file: Path) -> str | None:
    """The input digest an inferred graph's header records (None if it records none)."""
    with inferred_file.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            match = _INPUT.match(line.rstrip("\n"))
            if match:
                return match.group(1)
    return None


def stale_inferred(graphs_dir: Path) -> list[str]:
    """The inferred graph files in graphs_dir that were not inferred from its current b12kg.nt.

    Missing inferred files are not stale (nothing claims to be up to date); one without a recorded input is.
    """
    source = graphs_dir / "b12kg.nt"
    current = statements_digest(source) if source.is_file() else None
    return [name for name in INFERRED_NAMES
            if (graphs_dir / name).is_file() and recorded_input(graphs_dir / name) != current]


@dataclass
class Inference:
    """Entailed rdfs:subClassOf (between named classes) and rdf:type (of named individuals) triples, closed
    transitively, with what was asserted already removed."""

    engine: str
    subclass: set[tuple[str, str]]
    types: Collection[tuple[str, str]]  # a set, or (engine hermit) SortedTypes: on disk, in canonical order
    source_digest: str = ""  # statements_digest of the asserted graph it was inferred from

    def rows(self) -> Iterator[Row]:
        """The inferred triples as rows in canonical N-Triples order (b12kg.build.writers.Row), streamed when the
        types are on disk."""
        subclass = sorted(Row(f"<{s}>", _SUBCLASS_TERM, f"<{o}>", "") for s, o in self.subclass)
        if isinstance(self.types, SortedTypes):
            return heapq.merge(subclass, self.types.rows())
        return heapq.merge(subclass, sorted(Row(f"<{s}>", TYPE_TERM, f"<{o}>", "") for s, o in self.types))


def _asserted(graph_file: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    sub, types = set(), set()
    for quad in parse(path=str(graph_file), format=RdfFormat.N_TRIPLES):
        if isinstance(quad.object, NamedNode):
            if quad.predicate.value == _SUBCLASS:
                sub.add((quad.subject.value, quad.object.value))
            elif quad.predicate.value == _TYPE:
                types.add((quad.subject.value, quad.object.value))
    return sub, types


def _kept(iri: str) -> bool:
    """Whether an inferred class or instance is the graph's own (not an OWL, RDF or XSD built-in)."""
    return not iri.startswith(_BUILTIN)


def _close(direct_sub: set[tuple[str, str]],
           direct_types: set[tuple[str, str]]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    parents: dict[str, set[str]] = {}
    for child, parent in direct_sub:
        parents.setdefault(child, set()).add(parent)

    sub = {(c, a) for c in parents for a in reachable(c, parents) if a != c}
    types = {(i, a) for i, c in direct_types for a in {c} | reachable(c, parents)}
    return ({(c, a) for c, a in sub if _kept(c) and _kept(a)}, {(i, c) for i, c in types if _kept(c)})


@dataclass
class Typing:
    """The graph typed the scalable way: HermiT's classification of the schema, every individual's inferred types
    (on disk) and the data problems found on the way."""

    report: HermitReport  # HermiT on the schema alone
    schema: Schema
    subclass: set[tuple[str, str]]  # closed, named classes, built-ins left out
    inferred: SortedTypes  # closed types minus asserted ones, built-ins left out, in canonical order
    problems: tuple[str, ...]  # what makes ontology + data inconsistent (b12kg.qc.abox_stream)
    merged: tuple[str, ...]  # functional object properties with two values
    source_digest: str  # statements_digest of the graph file


def type_data(graph_file: Path, imports_dir: Path | None = None, *, meter: Meter | None = None,
              chunk: int = REASON_SORT_CHUNK) -> Typing:
    """Classify the graph's schema (ontology + imports) once with HermiT, then type its individuals in a streamed
    pass over the file (b12kg.qc.abox_stream).

    HermiT's cost depends on the schema only, not on the number of claims; the data is typed from asserted types,
    domains and ranges, closed over the classified hierarchy (b12kg.qc.abox says why that is all HermiT infers for
    this ontology's data). Two passes over the file; memory holds the schema and `chunk` sort records.
    """
    scan = read_schema(graph_file, meter=meter)
    work = Path(tempfile.mkdtemp(prefix="b12kg-reason-"))  # in TMPDIR; removed with the SortedTypes (or on error)
    try:
        return _typed(graph_file, imports_dir, scan, work, meter=meter, chunk=chunk)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _typed(graph_file: Path, imports_dir: Path | None, scan: SchemaScan, work: Path, *, meter: Meter | None,
           chunk: int) -> Typing:
    schema = scan.schema
    schema_file = work / "schema.nt"
    write_schema(schema, schema_file)
    report = run_hermit(schema_file, imports_dir)
    schema_file.unlink()
    direct = set(report.subclass) | schema.subclass
    sub, _ = _close(direct, set())
    types_file = work / "inferred-types.txt"
    if not report.consistent:  # HermiT gives no hierarchy; nothing to type
        types_file.touch()
        return Typing(report, schema, set(), SortedTypes(types_file, 0, folder=work), (), (), scan.digest)
    runs = work / "runs"
    runs.mkdir()
    found = type_individuals(graph_file, schema, direct, types_file=types_file, workdir=runs, chunk=chunk,
                             meter=meter, statements=scan.statements)
    return Typing(report, schema, sub, SortedTypes(types_file, found.inferred, folder=work), found.problems,
                  found.merged, scan.digest)


def hermit_inference(graph_file: Path, *, meter: Meter | None = None) -> Inference:
    """What HermiT entails for the graph, computed so that its cost grows linearly with the data and its memory
    not at all (type_data): tested to equal hermit_full_inference on the article and on a synthetic
    multi-document corpus."""
    typing = type_data(graph_file, meter=meter)
    if not typing.report.consistent:
        raise B12kgError(f"HermiT failed on {graph_file}: the ontology is inconsistent",
                         fix="run `b12kg validate` to see whether the graph is inconsistent")
    if typing.merged:
        raise B12kgError(f"{graph_file}: {typing.merged[0]}; the streamed typing does not merge individuals",
                         fix="give the property one value (the SHACL shapes require it), or use --engine "
                             "hermit-full")
    return Inference("hermit", typing.subclass - typing.schema.subclass, typing.inferred, typing.source_digest)


@dataclass(frozen=True)
class Consistency:
    """HermiT on the schema (once) and the data-level checks (b12kg.qc.abox.data_problems)."""

    consistent: bool
    unsatisfiable: tuple[str, ...]
    problems: tuple[str, ...]
    hermit_seconds: float


def consistency(graph_file: Path, imports_dir: Path | None = None, *, meter: Meter | None = None) -> Consistency:
    """Whether ontology + data are consistent, at a cost linear in the data and memory independent of it: HermiT
    classifies the schema, and a streamed pass looks for what could make this ontology's data inconsistent
    (disjoint types, functional properties, datatype ranges; b12kg.qc.abox explains why that is all)."""
    typing = type_data(graph_file, imports_dir, meter=meter)
    if not typing.report.consistent:
        return Consistency(False, (), (), typing.report.seconds)
    return Consistency(True, typing.report.unsatisfiable, typing.problems, typing.report.seconds)


def hermit_full_inference(graph_file: Path) -> Inference:
    """HermiT's classification of classes and instances of the whole graph (ontology and data together: its cost
    grows faster than the data), closed transitively, minus what the graph asserts. The reference that
    hermit_inference is tested against."""
    report = run_hermit(graph_file)
    if not report.consistent:
        raise B12kgError(f"HermiT failed on {graph_file}: the graph is inconsistent",
                         fix="run `b12kg validate` to see whether the graph is inconsistent")
    asserted_sub, asserted_types = _asserted(graph_file)
    sub, types = _close(set(report.subclass) | asserted_sub, set(report.types))
    return Inference("hermit", sub - asserted_sub, types - asserted_types, statements_digest(graph_file))


def owlrl_inference(graph_file: Path) -> Inference:
    """OWL 2 RL materialisation with owlrl (pure Python, no Java), reduced to the same kinds of triples."""
    import owlrl
    import rdflib

    graph = rdflib.Graph()
    graph.parse(graph_file, format="nt")
    classes = {str(s) for s in graph.subjects(rdflib.RDF.type, rdflib.OWL.Class) if isinstance(s, rdflib.URIRef)}
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    asserted_sub, asserted_types = _asserted(graph_file)
    sub: set[tuple[str, str]] = set()
    types: set[tuple[str, str]] = set()
    for s, o in graph.subject_objects(rdflib.RDFS.subClassOf):
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and s != o and str(s) in classes \
                and str(o) in classes:
            sub.add((str(s), str(o)))
    for s, o in graph.subject_objects(rdflib.RDF.type):
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and str(o) in classes:
            types.add((str(s), str(o)))
    return Inference("owl-rl", {(s, o) for s, o in sub if _kept(s) and _kept(o)} - asserted_sub,
                     {(s, o) for s, o in types if _kept(o)} - asserted_types, statements_digest(graph_file))


def write_inferred(inference: Inference, *, out_dir: Path = GRAPHS_DIR) -> list[Path]:
    """Write the inferred triples as canonical N-Triples and Turtle, with the input's digest in the header."""
    header = [f"b12kg inferred graph ({inference.engine}) — GENERATED by `b12kg reason` (b12kg {__version__}); do not",
              "edit. What the reasoner entails beyond the asserted graph (graphs/b12kg.nt): rdfs:subClassOf between",
              "named classes and rdf:type of named individuals, closed transitively. Load it beside the asserted",
              "graph to answer hierarchy questions without a reasoner."]
    if inference.source_digest:
        header.append(INPUT_LINE.format(digest=inference.source_digest))
    targets = [out_dir / name for name in INFERRED_NAMES]
    with output_set(files=targets) as staged:  # both files are replaced together, or neither (b12kg.build.outputs)
        with staged.open(targets[0]) as out:
            write_ntriples(out, inference.rows(), header)
        with staged.open(targets[1]) as out:
            write_turtle(out, inference.rows(), header)
    return targets


