"""Build stage: compile the ontology and the curated claims into every release format, atomically."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from b12kg import __version__
from b12kg.build.describe import (
    CHANGELOG,
    DESCRIPTION_FILE,
    SERVE_ENDPOINT,
    FileFacts,
    describe,
    read_release,
    write_description,
)
from b12kg.build.docs import DOCS_FILE, ontology_html
from b12kg.build.outputs import output_set
from b12kg.build.rdf12 import write_rdf12_nquads, write_rdf12_trig
from b12kg.build.writers import (
    SORT_CHUNK,
    Row,
    canonical_rows,
    spilled_rows,
    write_jsonld,
    write_jsonld_context,
    write_nquads,
    write_ntriples,
    write_trig,
    write_turtle,
)
from b12kg.curation.read import Document, claim_files, read_document
from b12kg.errors import B12kgError, CurationError
from b12kg.explorer.site import EXPLORER_DIR, write_site
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR, QUERIES_DIR
from b12kg.qc.validate import check_ids, relation_curies
from b12kg.rdf.anatomy import ANATOMY_EDGES, read_anatomy_edges
from b12kg.rdf.document import document_quads
from b12kg.rdf.hpo import hpo_release
from b12kg.rdf.imports import (
    anatomy_import_quads,
    anatomy_terms,
    hp_import_quads,
    terms_import_quads,
    used_curies,
)
from b12kg.rdf.terms import value_of
from b12kg.sparql.examples import EXAMPLES_FILE, example_quads
from b12kg.vocab import (
    ASSERTED_GRAPH,
    CATALOG_GRAPH,
    EXAMPLES_GRAPH,
    ID,
    INFERRED_GRAPH,
    JSONLD_CONTEXT,
    NS,
    ONTOLOGY_IRI,
    RDFXML_PREFIXES,
)

__all__ = ["BuildResult", "build", "OUTPUT_NAMES", "CONTEXT_FILE", "read_ontology", "ontology_relations",
           "load_documents"]

OUTPUT_NAMES = {
    "turtle": "b12kg.ttl",
    "ntriples": "b12kg.nt",
    "nquads": "b12kg.nq",
    "trig": "b12kg.trig",
    "jsonld": "b12kg.jsonld",
    "coverage": "b12kg.coverage.tsv",
    "rdf12_nquads": "b12kg.rdf12.nq",  # the RDF 1.2 edition (b12kg.build.rdf12): reifiers and base directions
    "rdf12_trig": "b12kg.rdf12.trig",
    "examples": EXAMPLES_FILE,  # the query library as SPARQL examples (b12kg.sparql.examples), for the endpoint
    "description": DESCRIPTION_FILE,
}
ONTOLOGY_SOURCE = "b12kg.ttl"
ONTOLOGY_RDFXML = "b12kg.owl"
CONTEXT_FILE = "b12kg.context.jsonld"  # written from b12kg.vocab.JSONLD_CONTEXT (the prefix map)

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    documents: int
    claims: int
    triples: int
    quads: int
    files: list[Path] = field(default_factory=list)
    modalities: Counter[str] = field(default_factory=Counter)


def read_ontology(ontology_dir: Path = ONTOLOGY_DIR) -> list[Quad]:
    """The ontology's triples (default graph), refusing blank nodes so the output stays byte-stable."""
    path = ontology_dir / ONTOLOGY_SOURCE
    try:
        quads = list(parse(path=str(path), format=RdfFormat.TURTLE))
    except (OSError, SyntaxError) as exc:
        raise B12kgError(f"{path}: cannot parse the ontology: {exc}", fix="correct the Turtle syntax there") from exc
    for quad in quads:
        if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
            raise B12kgError(f"{path}: blank node in {quad}", fix="give the node an IRI (the ontology is kept "
                             "free of blank nodes so that its canonical N-Triples are stable)")
    return quads


def ontology_relations(ontology: list[Quad]) -> set[str]:
    """The relation CURIEs the ontology allows in a claim's `relation:` field."""
    return relation_curies((value_of(q.subject), q.predicate.value, getattr(q.object, "value", "")) for q in ontology)


def load_documents(curated_dir: Path, relations: set[str]) -> list[Document]:
    """Read and check every curated claims file; claim and document ids must be unique across files."""
    files = claim_files(curated_dir)
    if not files:
        raise B12kgError(f"no curated claims files (*.claims.yaml) in {curated_dir}",
                         fix="add one claims file per source document (see README: adding a document)")
    documents: list[Document] = []
    claim_owner: dict[str, Path] = {}
    doc_owner: dict[str, Path] = {}
    for path in files:
        document = read_document(path)
        if document.id in doc_owner:
            raise CurationError(f"document id {document.id!r} is also used by {doc_owner[document.id]}",
                                fix="give each document a unique id", file=path)
        doc_owner[document.id] = path
        for claim in document.claims:
            if claim.id in claim_owner:
                raise CurationError(f"duplicate claim id {claim.id!r}: also in {claim_owner[claim.id]}",
                                    fix="claim ids are global (they mint IRIs): rename one", file=path,
                                    line=claim.line, claim=claim.id)
            claim_owner[claim.id] = path
        check_ids(document, relations)
        documents.append(document)
    return documents


def _dataset_quads(documents: list[Document]) -> Iterator[Quad]:
    dataset = NamedNode(ID + "dataset")
    g = DefaultGraph()
    yield Quad(dataset, NamedNode(NS["rdf"] + "type"), NamedNode(NS["prov"] + "Entity"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "label"), Literal("b12kg claim graph", language="en"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "label"), Literal("رسم الادعاءات b12kg", language="ar"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "comment"), Literal(
        "Generated by `b12kg build` from ontology/b12kg.ttl and graphs/curated/*.claims.yaml; do not edit, "
        "rebuild.", language="en"), g)
    yield Quad(dataset, NamedNode(NS["owl"] + "versionInfo"), Literal(__version__), g)
    for document in documents:
        yield Quad(dataset, NamedNode(NS["prov"] + "wasDerivedFrom"),
                   NamedNode(f"{ID}document/{document.id}"), g)


def _header(what: str) -> list[str]:
    return [
        f"b12kg {what} — GENERATED by `b12kg build` (b12kg {__version__}); do not edit: edit",
        "graphs/curated/*.claims.yaml or ontology/b12kg.ttl and rebuild. Code: MIT; data: CC BY 4.0;",
        "quoted Arabic source text: third-party, quoted for provenance (graphs/curated/sources/README.md).",
    ]


def _coverage(out: IO[str], documents: list[Document]) -> None:
    out.write("# b12kg coverage report — GENERATED by `b12kg build`; do not edit.\n")
    out.write("# Every sentence of every source document, with the claims quoting it or why it carries none.\n")
    out.write("document\tsentence\tline\tstart\tend\tstatus\tclaims_or_reason\ttext\n")
    for document in documents:
        by_sentence: dict[int, list[str]] = {}
        for claim in document.claims:
            for index in claim.sentences:
                by_sentence.setdefault(index, []).append(claim.id)
        headings = {s.heading.index for s in document.sections if s.heading is not None}
        for sentence in document.sentences:
            if sentence.index in by_sentence:
                status, detail = "claims", " ".join(by_sentence[sentence.index])
            elif sentence.index in headings:
                status, detail = "heading", "section heading (scopes the paragraph below it)"
            else:
                reasons = [n.reason for n in document.non_claims
                           if sentence.start < n.span.end and n.span.start < sentence.end]
                status, detail = "no-claim", "; ".join(reasons)
            out.write(f"{document.id}\t{sentence.index}\t{sentence.line}\t{sentence.start}\t{sentence.end}\t"
                      f"{status}\t{detail}\t{sentence.text}\n")


def _ontology_version(ontology: list[Quad]) -> str:
    """The ontology header's owl:versionInfo, after checking its owl:versionIRI ends with the same version."""
    header = {q.predicate.value: value_of(q.object) for q in ontology if value_of(q.subject) == ONTOLOGY_IRI}
    version = header.get(NS["owl"] + "versionInfo")
    version_iri = header.get(NS["owl"] + "versionIRI", "")
    if version is None or version_iri != f"{ONTOLOGY_IRI}/{version}":
        raise B12kgError(f"ontology/{ONTOLOGY_SOURCE}: owl:versionIRI <{version_iri}> does not match owl:versionInfo "
                         f"{version!r}", fix=f"set owl:versionIRI <{ONTOLOGY_IRI}/VERSION> and owl:versionInfo "
                         "\"VERSION\" to the version in CHANGELOG.md")
    return version


def build(*, curated_dir: Path = CURATED_DIR, ontology_dir: Path = ONTOLOGY_DIR, out_dir: Path = GRAPHS_DIR,
          ontology_out_dir: Path | None = None, changelog: Path = CHANGELOG, queries_dir: Path = QUERIES_DIR,
          progress: Progress | None = None, sort_chunk: int = SORT_CHUNK) -> BuildResult:
    """Read, check, model and write; nothing is replaced unless every output was written in full."""
    say = progress or (lambda message: None)
    say("reading the ontology")
    ontology = read_ontology(ontology_dir)
    release = read_release(changelog, ontology_version=_ontology_version(ontology))
    relations = ontology_relations(ontology)
    say(f"reading curated claims in {curated_dir}")
    documents = load_documents(curated_dir, relations)
    claims = sum(len(d.claims) for d in documents)
    say(f"modelling {claims} claims from {len(documents)} document(s)")

    used = used_curies(documents)
    hp_module = list(hp_import_quads(hpo_release(), used))
    edge_table = ontology_dir / "imports" / ANATOMY_EDGES
    edges = read_anatomy_edges(edge_table)
    anatomy_module = list(anatomy_import_quads(edges, used, table=edge_table))
    terms_module = list(terms_import_quads(used, skip=frozenset(anatomy_terms(edges, used, table=edge_table))))

    def all_quads() -> Iterator[Quad]:
        yield from ontology
        yield from hp_module
        yield from anatomy_module
        yield from terms_module
        yield from _dataset_quads(documents)
        for document in documents:
            yield from document_quads(document)

    ontology_rows = canonical_rows(ontology)

    targets = {name: out_dir / filename for name, filename in OUTPUT_NAMES.items()}
    onto_out = ontology_out_dir or ontology_dir
    owl_path = onto_out / ONTOLOGY_RDFXML
    context_path = onto_out / CONTEXT_FILE
    docs_path = onto_out / DOCS_FILE
    say("documenting the ontology (pyLODE)")
    docs = ontology_html(ontology_dir / ONTOLOGY_SOURCE)
    modules = {onto_out / "imports" / f"{name}.{ext}": rows_of for name, rows_of in
               (("hp_import", canonical_rows(hp_module)), ("anatomy_import", canonical_rows(anatomy_module)),
                ("terms_import", canonical_rows(terms_module)))
               for ext in ("ttl", "owl")}
    outputs = [*targets.values(), owl_path, context_path, docs_path, *modules]
    # One output set over graphs/ and ontology/: every file is replaced together, or none is (b12kg.build.outputs).
    explorer_dir = out_dir / EXPLORER_DIR  # the explorer: a static site made from the graph (b12kg.explorer)
    with output_set(files=outputs, directories=[explorer_dir]) as staged:
        workdir = staged.scratch()  # sorted runs of a large build spill here, on the outputs' filesystem
        files = {path: staged.open(path) for path in outputs}
        say("sorting into canonical order")
        rows = spilled_rows(all_quads(), workdir=workdir, chunk=sort_chunk)
        triples = rows.default()
        say(f"writing {len(triples)} triples and {len(rows)} quads to {out_dir}")
        write_ntriples(files[targets["ntriples"]], triples, _header("graph (canonical N-Triples, default graph)"))
        write_nquads(files[targets["nquads"]], rows, _header("dataset (canonical N-Quads: default graph and "
                                                             "per-claim named graphs)"))
        write_turtle(files[targets["turtle"]], triples, _header("graph (Turtle, default graph)"))
        write_trig(files[targets["trig"]], rows, _header("dataset (TriG: default graph and per-claim named "
                                                         "graphs)"), workdir=workdir, chunk=sort_chunk)
        write_jsonld(files[targets["jsonld"]], triples, JSONLD_CONTEXT)
        edition = "dataset, RDF 1.2 edition ({}: each direct triple reified by its claim)"
        write_rdf12_nquads(files[targets["rdf12_nquads"]], rows, _header(edition.format("canonical N-Quads 1.2")))
        write_rdf12_trig(files[targets["rdf12_trig"]], rows, _header(edition.format("TriG 1.2")), workdir=workdir,
                         chunk=sort_chunk)
        write_jsonld_context(files[context_path], JSONLD_CONTEXT)
        _coverage(files[targets["coverage"]], documents)
        examples = canonical_rows(example_quads(queries_dir, endpoint=SERVE_ENDPOINT))
        write_turtle(files[targets["examples"]], examples, _header("query library as SPARQL examples (SIB "
                                                                   "sparql-examples convention), from queries/*.rq"))
        say("writing the explorer from the graph just written")
        files[targets["nquads"]].flush()
        write_site(staged.directory(explorer_dir), dataset=Path(files[targets["nquads"]].name))
        _write_rdfxml(files[owl_path], ontology_rows)
        files[docs_path].write(docs)
        for path, module_rows in modules.items():
            if path.suffix == ".owl":
                _write_rdfxml(files[path], module_rows)
            else:
                write_turtle(files[path], module_rows, _header(f"import module {path.stem} (Turtle)"))
        say("describing the dataset (VoID, DCAT, SPARQL service description)")
        contents = {path.name: _finished(files[path]) for key, path in targets.items() if key != "description"}
        for path in (owl_path, docs_path, *modules):
            contents["ontology/" + path.relative_to(onto_out).as_posix()] = _finished(files[path])
        contents["ontology/" + ONTOLOGY_SOURCE] = FileFacts.of(ontology_dir / ONTOLOGY_SOURCE)
        named: dict[str, int | None] = {}
        for row in rows:
            if row.g:
                named[row.g[1:-1]] = (named.get(row.g[1:-1]) or 0) + 1
        # the store layout's own graphs (b12kg.vocab): the asserted graph is the default graph's copy; the inferred
        # graph and the catalog are written by `b12kg reason` and at load time, so their sizes are not known here
        named[ASSERTED_GRAPH] = sum(1 for row in rows if not row.g)
        named[INFERRED_GRAPH] = None
        named[CATALOG_GRAPH] = None
        named[EXAMPLES_GRAPH] = len(examples)
        write_description(files[targets["description"]],
                          describe(triples, release=release, files=contents, named_graphs=named,
                                   examples=_first_claims(triples, 3), workdir=workdir, chunk=sort_chunk),
                          _header(f"description of release {release.version} ({release.date}): VoID, DCAT 3, "
                                  "SPARQL Service Description, figures computed by the build"),
                          workdir=workdir, chunk=sort_chunk)
    outputs += sorted(p for p in explorer_dir.rglob("*") if p.is_file())
    modalities = Counter[str](c.modality for d in documents for c in d.claims)
    return BuildResult(len(documents), claims, len(triples), len(rows), outputs, modalities)


def _first_claims(rows: Iterable[Row], n: int) -> list[str]:
    """The n smallest claim IRIs among the subjects (the claims themselves, not their parts)."""
    prefix = f"<{NS['claim']}"

    def subjects() -> Iterator[str]:
        last = None
        for row in rows:
            if row.s != last and row.s.startswith(prefix) and "/" not in row.s[len(prefix):]:
                yield row.s[1:-1]
            last = row.s
    return heapq.nsmallest(n, subjects())


def _finished(handle: IO[str]) -> FileFacts:
    """Size and checksum of a staged output whose writing is done."""
    handle.flush()
    return FileFacts.of(Path(handle.name))


def _write_rdfxml(out: IO[str], rows: list[Row]) -> None:
    data = serialize((row.quad.triple for row in rows), format=RdfFormat.RDF_XML, prefixes=RDFXML_PREFIXES)
    assert data is not None  # serialize returns bytes when given no output
    text = data.decode("utf-8")
    declaration, _, rest = text.partition("\n")
    if not declaration.startswith("<?xml"):
        declaration, rest = "", text
    comment = "<!-- b12kg (RDF/XML, for owlready2) — GENERATED by `b12kg build`; do not edit. -->\n"
    out.write((declaration + "\n" if declaration else "") + comment + rest)
