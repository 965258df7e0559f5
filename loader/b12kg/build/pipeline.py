"""Build stage: compile the ontology and the curated claims into every release format, atomically."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
    Release,
    describe,
    named_graph_quads,
    read_release,
    write_description,
)
from b12kg.build.docs import DOCS_FILE, ontology_html
from b12kg.build.manifest import MANIFEST_FILE, BuildInputs, curated_files, write_manifest
from b12kg.build.outputs import output_set
from b12kg.build.parts import (
    DocumentPart,
    check_claim_ids,
    document_parts,
    merge_lines,
    reduce_runs,
    scratch_folder,
)
from b12kg.build.ranges import GRAPH_FILES, MergedRows, RangeJob, append_parts, split_points, write_ranges
from b12kg.build.rdf12 import write_rdf12_nquads, write_rdf12_trig
from b12kg.build.stream import JSONLD_TAIL, Figures, write_named_trig
from b12kg.build.writers import Row, SortedLines, canonical_rows, spilled_rows, write_jsonld_context, write_turtle
from b12kg.curation.read import claim_files
from b12kg.errors import B12kgError, CurationError
from b12kg.explorer.site import EXPLORER_DIR, write_site
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR, QUERIES_DIR
from b12kg.qc.validate import relation_curies
from b12kg.rdf.anatomy import ANATOMY_EDGES, read_anatomy_edges
from b12kg.rdf.hpo import hpo_release
from b12kg.rdf.imports import anatomy_import_quads, anatomy_terms, hp_import_quads, terms_import_quads
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
    Curie,
)

__all__ = ["BuildResult", "build", "OUTPUT_NAMES", "CONTEXT_FILE", "read_ontology", "ontology_relations",
           "BUILD_SORT_CHUNK", "EXPLORER_MAX_CLAIMS", "Meter", "FORMATS", "REQUIRED_FORMATS", "check_formats",
           "formats_in"]

OUTPUT_NAMES = {
    "turtle": "b12kg.ttl",
    "ntriples": "b12kg.nt",
    "nquads": "b12kg.nq",
    "trig": "b12kg.trig",
    "jsonld": "b12kg.jsonld",
    "coverage": "b12kg.coverage.tsv",
    "description": DESCRIPTION_FILE,
    "rdf12_nquads": "b12kg.rdf12.nq",  # the RDF 1.2 edition (b12kg.build.rdf12): reifiers and base directions
    "rdf12_trig": "b12kg.rdf12.trig",
    "examples": EXAMPLES_FILE,  # the query library as SPARQL examples (b12kg.sparql.examples), for the endpoint
}
# The graph formats a build can leave out (--formats). N-Quads and N-Triples are always written: every later stage
# reads them (load, serve and query read b12kg.nq; reason, validate and the explorer b12kg.nt). "rdf12" is the RDF 1.2
# edition's two files. Leaving formats out is for corpora whose every format would not fit on the disk (about 47 GB at
# 10^6 claims, measured at 10^4: bench/README.md).
FORMATS = ("ntriples", "nquads", "turtle", "trig", "jsonld", "rdf12")
REQUIRED_FORMATS = frozenset({"ntriples", "nquads"})
_FORMAT_FILES = {"ntriples": ("ntriples",), "nquads": ("nquads",), "turtle": ("turtle",), "trig": ("trig",),
                 "jsonld": ("jsonld",), "rdf12": ("rdf12_nquads", "rdf12_trig")}
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


def check_formats(formats: Iterable[str] | None) -> frozenset[str]:
    """The formats a build writes: all (None), or the ones named plus the required ones; an unknown name is refused."""
    if formats is None:
        return frozenset(FORMATS)
    chosen = frozenset(formats)
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise B12kgError(f"unknown graph format(s): {', '.join(unknown)}",
                         fix=f"choose among {', '.join(FORMATS)} (ntriples and nquads are always written)")
    return chosen | REQUIRED_FORMATS


def formats_in(graphs_dir: Path) -> frozenset[str]:
    """The formats a built graphs folder holds (what `validate` rebuilds to compare), the required ones always."""
    return REQUIRED_FORMATS | {fmt for fmt, names in _FORMAT_FILES.items()
                               if all((graphs_dir / OUTPUT_NAMES[name]).is_file() for name in names)}


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


def _dataset_quads(document_ids: Iterable[str]) -> Iterator[Quad]:
    dataset = NamedNode(ID + "dataset")
    g = DefaultGraph()
    yield Quad(dataset, NamedNode(NS["rdf"] + "type"), NamedNode(NS["prov"] + "Entity"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "label"), Literal("b12kg claim graph", language="en"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "label"), Literal("رسم الادعاءات b12kg", language="ar"), g)
    yield Quad(dataset, NamedNode(NS["rdfs"] + "comment"), Literal(
        "Generated by `b12kg build` from ontology/b12kg.ttl and graphs/curated/*.claims.yaml; do not edit, "
        "rebuild.", language="en"), g)
    yield Quad(dataset, NamedNode(NS["owl"] + "versionInfo"), Literal(__version__), g)
    for document_id in document_ids:
        yield Quad(dataset, NamedNode(NS["prov"] + "wasDerivedFrom"), NamedNode(f"{ID}document/{document_id}"), g)


def _header(what: str) -> list[str]:
    return [
        f"b12kg {what} — GENERATED by `b12kg build` (b12kg {__version__}); do not edit: edit",
        "graphs/curated/*.claims.yaml or ontology/b12kg.ttl and rebuild. Code: MIT; data: CC BY 4.0;",
        "quoted Arabic source text: third-party, quoted for provenance (graphs/curated/sources/README.md).",
    ]


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


BUILD_SORT_CHUNK = 50_000  # lines a process of the build sorts in memory at once; the rest spills to disk
# The explorer is one page holding every claim's card (about 11 KB a claim: 111 MB of HTML at 10,000 claims, measured),
# made in memory: a reading aid for a curated article or a few, not for a corpus. Above this many claims the build
# leaves it out unless asked (`explorer=True`); the folder is then left empty, so no stale page outlives its graph.
EXPLORER_MAX_CLAIMS = 2_000
Meter = Callable[[str, int, "int | None"], None]  # (what, how many more done, total or None): progress counts


def build(*, curated_dir: Path = CURATED_DIR, ontology_dir: Path = ONTOLOGY_DIR, out_dir: Path = GRAPHS_DIR,
          ontology_out_dir: Path | None = None, changelog: Path = CHANGELOG, queries_dir: Path = QUERIES_DIR,
          progress: Progress | None = None, sort_chunk: int = BUILD_SORT_CHUNK, workers: int = 1,
          meter: Meter | None = None, explorer: bool | None = None,
          formats: Iterable[str] | None = None) -> BuildResult:
    """Read, check, model and write; nothing is replaced unless every output was written in full.

    Documents are read, checked and modelled `workers` at a time (b12kg.build.parts), each into sorted files;
    one pass over their merge writes every format (b12kg.build.stream). Memory holds one document per worker
    and the sort budget, not the corpus; the bytes written do not depend on `workers`. The explorer is written
    when `explorer` is True, or (None) when the corpus has at most EXPLORER_MAX_CLAIMS claims. `formats` (None:
    all of FORMATS) names the graph formats to write; the files of the others are removed with the same commit.
    """
    say = progress or (lambda message: None)
    tick = meter or (lambda what, done, total: None)
    chosen = check_formats(formats)
    say("reading the ontology")
    ontology = read_ontology(ontology_dir)
    release = read_release(changelog, ontology_version=_ontology_version(ontology))
    relations = ontology_relations(ontology)
    claim_paths = claim_files(curated_dir)
    if not claim_paths:
        raise B12kgError(f"no curated claims files (*.claims.yaml) in {curated_dir}",
                         fix="add one claims file per source document (see README: adding a document)")
    left_out = {name for fmt in set(FORMATS) - chosen for name in _FORMAT_FILES[fmt]}
    targets = {name: out_dir / filename for name, filename in OUTPUT_NAMES.items() if name not in left_out}
    removed = [out_dir / OUTPUT_NAMES[name] for name in sorted(left_out)]
    onto_out = ontology_out_dir or ontology_dir
    owl_path = onto_out / ONTOLOGY_RDFXML
    context_path = onto_out / CONTEXT_FILE
    docs_path = onto_out / DOCS_FILE
    module_names = [onto_out / "imports" / f"{name}.{ext}" for name in ("hp_import", "anatomy_import",
                                                                         "terms_import") for ext in ("ttl", "owl")]
    manifest = out_dir / MANIFEST_FILE  # what this build read and wrote, with SHA-256s (b12kg.build.manifest)
    outputs = [*targets.values(), owl_path, context_path, docs_path, *module_names, manifest]
    inputs = BuildInputs(curated_dir, tuple(curated_files(curated_dir)), (ontology_dir / ONTOLOGY_SOURCE,
                                                           ontology_dir / "imports" / ANATOMY_EDGES, changelog,
                                                           *sorted(queries_dir.glob("*.rq"))),
                         __version__, hpo_release().version)
    avoid = {path.parent for path in [*outputs, *removed]}
    with scratch_folder(out_dir.parent, avoid=avoid) as workdir:
        say(f"reading, checking and modelling {len(claim_paths)} document(s) in {curated_dir} "
            f"({workers} process{'es' if workers > 1 else ''})")
        parts: list[DocumentPart] = []
        used: dict[str, tuple[Curie, str]] = {}
        doc_owner: dict[str, Path] = {}
        modalities = Counter[str]()
        coverage = workdir / "coverage.tsv"
        with coverage.open("w", encoding="utf-8", newline="\n") as out:
            for part in document_parts(claim_paths, relations=relations, workdir=workdir, workers=workers):
                if part.id in doc_owner:
                    raise CurationError(f"document id {part.id!r} is also used by {doc_owner[part.id]}",
                                        fix="give each document a unique id", file=part.path)
                doc_owner[part.id] = part.path
                for key, value in part.used.items():
                    used.setdefault(key, value)
                modalities.update(part.modalities)
                out.write(part.coverage)
                parts.append(dataclasses.replace(part, used={}, coverage=""))  # keep the file names, not the text
                tick("documents", 1, len(claim_paths))
        check_claim_ids(parts, workdir=workdir, workers=workers)
        claims = sum(part.claims for part in parts)
        say(f"modelled {claims} claims from {len(parts)} document(s)")
        with_explorer = claims <= EXPLORER_MAX_CLAIMS if explorer is None else explorer
        if not with_explorer:
            why = f" > {EXPLORER_MAX_CLAIMS}; build with --explorer to write it" if explorer is None else ""
            say(f"the explorer is left out ({claims} claims{why}): {out_dir / EXPLORER_DIR} is emptied")
        if removed:
            say(f"formats left out (--formats): {', '.join(sorted(set(FORMATS) - chosen))}; their files in "
                f"{out_dir} are removed")
        result = _write(parts, used=used, coverage=coverage, ontology=ontology, ontology_dir=ontology_dir,
                        release=release, targets=targets, onto_out=onto_out, outputs=outputs, workdir=workdir,
                        sort_chunk=sort_chunk, workers=workers, say=say, tick=tick, queries_dir=queries_dir,
                        explorer=with_explorer, removed=removed, record=(manifest, inputs, claims))
    outputs += sorted(p for p in (out_dir / EXPLORER_DIR).rglob("*") if p.is_file())
    return BuildResult(len(parts), claims, result[0], result[1], outputs, modalities)


def _small_lines(quads: Iterable[Quad]) -> list[str]:
    """Quads held in memory (ontology, import modules, the dataset node) as sorted "s p o g\\n" lines."""
    return [f"{row.s} {row.p} {row.o} {row.g}\n" for row in canonical_rows(quads)]


def _write(parts: list[DocumentPart], *, used: dict[str, tuple[Curie, str]], coverage: Path, ontology: list[Quad],
           ontology_dir: Path, release: Release, targets: dict[str, Path], onto_out: Path, outputs: list[Path],
           workdir: Path, sort_chunk: int, workers: int, say: Progress, tick: Meter,
           queries_dir: Path, explorer: bool, removed: list[Path],
           record: tuple[Path, BuildInputs, int]) -> tuple[int, int]:
    """Write every output from the documents' sorted files; (triples, quads) of the graph."""
    hp_module = list(hp_import_quads(hpo_release(), used))
    edge_table = ontology_dir / "imports" / ANATOMY_EDGES
    edges = read_anatomy_edges(edge_table)
    anatomy_module = list(anatomy_import_quads(edges, used, table=edge_table))
    terms_module = list(terms_import_quads(used, skip=frozenset(anatomy_terms(edges, used, table=edge_table))))
    ontology_rows = canonical_rows(ontology)
    modules = {onto_out / "imports" / f"{name}.{ext}": rows_of for name, rows_of in
               (("hp_import", canonical_rows(hp_module)), ("anatomy_import", canonical_rows(anatomy_module)),
                ("terms_import", canonical_rows(terms_module)))
               for ext in ("ttl", "owl")}
    owl_path, context_path, docs_path = (onto_out / ONTOLOGY_RDFXML, onto_out / CONTEXT_FILE, onto_out / DOCS_FILE)
    small = _small_lines([*ontology, *hp_module, *anatomy_module, *terms_module,
                          *_dataset_quads(part.id for part in parts)])
    rows = reduce_runs([part.rows for part in parts], workdir=workdir, name="rows", workers=workers)
    named = reduce_runs([part.named for part in parts], workdir=workdir, name="named", workers=workers)
    total = len(small) + sum(part.quads for part in parts)  # before duplicates across documents are dropped
    graph_targets = {name: targets[name] for name in GRAPH_FILES if name in targets}
    # One output set over graphs/, ontology/ and the explorer: every file is replaced together, or none is
    # (b12kg.build.outputs).
    explorer_dir = targets["nquads"].parent / EXPLORER_DIR  # a static site made from the graph (b12kg.explorer)
    with output_set(files=outputs, directories=[explorer_dir], removed=removed) as staged:
        staged_paths = {name: staged.path(path) for name, path in graph_targets.items()}
        docs_staged = staged.path(docs_path)
        files = {path: staged.open(path) for path in outputs
                 if path not in (*graph_targets.values(), docs_path)}
        say(f"writing the graph formats to {targets['nquads'].parent}")
        headers = {"ntriples": _header("graph (canonical N-Triples, default graph)"),
                   "nquads": _header("dataset (canonical N-Quads: default graph and per-claim named graphs)"),
                   "turtle": _header("graph (Turtle, default graph)"),
                   "trig": _header("dataset (TriG: default graph and per-claim named graphs)")}
        # the subjects cut into ranges written side by side (more ranges than processes, so they even out), then
        # joined; TriG's named graphs and the ontology's HTML documentation meanwhile
        count = 1 if workers <= 1 else 2 * workers
        cuts = split_points([(subject, part.quads / max(1, len(part.samples))) for part in parts
                             for subject in part.samples], count)
        bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
        jobs = [RangeJob(index=i, start=start, stop=stop, runs=tuple(rows), small=tuple(small),
                         paths=staged_paths if i == 0 else {name: workdir / f"{name}-{i:03d}.part"
                                                            for name in graph_targets},
                         objects=workdir / f"objects-{i:03d}.txt", workdir=workdir / f"range-{i:03d}",
                         headers=headers, context=JSONLD_CONTEXT, chunk=sort_chunk, last=False)
                for i, (start, stop) in enumerate(bounds)]
        named_part, named_entries = workdir / "trig-named.part", workdir / "named-graphs.lines"
        side: list[tuple[Callable[..., None], tuple[object, ...]]] = [
            (_write_named_part, (named, named_part, named_entries, sort_chunk)),
            (_write_docs, (ontology_dir / ONTOLOGY_SOURCE, docs_staged))]
        ranges = write_ranges(jobs, side, workers=workers, tick=lambda n: tick("quads", n, total))
        figures = Figures()
        for name in graph_targets:
            later = [job.paths[name] for job in jobs[1:]]
            if name == "jsonld":
                nodes = ranges[0].subjects
                for job, done in zip(jobs[1:], ranges[1:], strict=True):
                    append_parts(staged_paths[name], [job.paths[name]], strip_first=nodes == 0 and done.subjects > 0)
                    nodes += done.subjects
                append_parts(staged_paths[name], [], tail=JSONLD_TAIL)
            else:
                append_parts(staged_paths[name], [*later, named_part] if name == "trig" else later)
        for done in ranges:
            figures.add(done)
        objects = _distinct([job.objects for job in jobs], workdir / "objects.txt")
        edition = "dataset, RDF 1.2 edition ({}: each direct triple reified by its claim)"
        merged = MergedRows(rows, small)  # the canonical rows again, merged afresh from the documents' files
        if "rdf12_nquads" in targets:
            write_rdf12_nquads(files[targets["rdf12_nquads"]], merged,
                               _header(edition.format("canonical N-Quads 1.2")))
            write_rdf12_trig(files[targets["rdf12_trig"]], merged, _header(edition.format("TriG 1.2")),
                             workdir=workdir, chunk=sort_chunk)
        if "trig" not in graph_targets:
            named_part.unlink()  # made anyway: the same pass lists the named graphs for the description
        write_jsonld_context(files[context_path], JSONLD_CONTEXT)
        _copy_coverage(files[targets["coverage"]], coverage)
        examples = canonical_rows(example_quads(queries_dir, endpoint=SERVE_ENDPOINT))
        write_turtle(files[targets["examples"]], examples, _header("query library as SPARQL examples (SIB "
                                                                   "sparql-examples convention), from queries/*.rq"))
        site = staged.directory(explorer_dir)
        if explorer:
            say("writing the explorer from the graph just written")
            write_site(site, dataset=staged_paths["ntriples"], queries_dir=queries_dir)
        _write_rdfxml(files[owl_path], ontology_rows)
        for path, module_rows in modules.items():
            if path.suffix == ".owl":
                _write_rdfxml(files[path], module_rows)
            else:
                write_turtle(files[path], module_rows, _header(f"import module {path.stem} (Turtle)"))
        say("describing the dataset (VoID, DCAT, SPARQL service description)")
        for handle in files.values():
            handle.flush()
        described = {path.name: staged.path(path) for key, path in targets.items() if key != "description"}
        for path in (owl_path, docs_path, *modules):
            described["ontology/" + path.relative_to(onto_out).as_posix()] = staged.path(path)
        described["ontology/" + ONTOLOGY_SOURCE] = ontology_dir / ONTOLOGY_SOURCE
        # sizes and checksums in threads: hashlib releases the GIL while it hashes a block
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            contents = dict(zip(described, pool.map(FileFacts.of, described.values()), strict=True))

        # the per-claim graphs' entries were made beside TriG's named graphs; here the store layout's own graphs
        # (b12kg.vocab): the asserted graph is the default graph's copy; the inferred graph and the catalog are
        # written by `b12kg reason` and at load time (sizes unknown here)
        layout: list[tuple[str, int | None]] = [(ASSERTED_GRAPH, figures.triples), (INFERRED_GRAPH, None),
                                                (CATALOG_GRAPH, None), (EXAMPLES_GRAPH, len(examples))]
        write_description(files[targets["description"]],
                          describe(figures, objects=objects, release=release, files=contents, named_graphs=layout),
                          _header(f"description of release {release.version} ({release.date}): VoID, DCAT 3, "
                                  "SPARQL Service Description, figures computed by the build"),
                          workdir=workdir, chunk=sort_chunk, sorted_lines=named_entries)
        manifest, inputs, claims = record
        files[targets["description"]].flush()
        written = {path: staged.path(path) for path in outputs if path != manifest}
        written.update({explorer_dir / page.relative_to(site): page for page in sorted(site.rglob("*"))
                        if page.is_file()})
        known = {path: contents[name].sha256 for name, path in
                 [*((p.name, p) for k, p in targets.items() if k != "description"),
                  *(("ontology/" + p.relative_to(onto_out).as_posix(), p) for p in (owl_path, docs_path, *modules))]}
        write_manifest(files[manifest], inputs=inputs, claims=claims, out_dir=explorer_dir.parent,
                       ontology_dir=onto_out, outputs=written,
                       ontology_outputs=[owl_path, context_path, docs_path, *modules], known=known, workers=workers)
    return figures.triples, figures.quads


def _write_docs(source: Path, path: Path) -> None:
    """The ontology's HTML documentation (pyLODE)."""
    path.write_text(ontology_html(source), encoding="utf-8", newline="\n")


def _write_named_part(named: list[Path], part: Path, description: Path, chunk: int) -> None:
    """TriG's named graphs, to be appended after its default graph, and their entries in the description (sorted
    "s p o g" lines, merged into it at the end)."""
    scratch = description.with_suffix(".sort")
    scratch.mkdir()
    with part.open("w", encoding="utf-8", newline="\n") as out:
        entries = named_graph_quads(write_named_trig(merge_lines(named), out))
        lines = spilled_rows(entries, workdir=scratch, chunk=chunk)
    with description.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(f"{row.s} {row.p} {row.o} {row.g}\n" for row in lines)


def _distinct(paths: list[Path], out: Path) -> SortedLines:
    """The distinct lines of sorted files, merged into one file."""
    count = 0
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for line in merge_lines(paths):
            handle.write(line)
            count += 1
    for path in paths:
        path.unlink()
    return SortedLines(path=out, count=count)


def _copy_coverage(out: IO[str], coverage: Path) -> None:
    out.write("# b12kg coverage report — GENERATED by `b12kg build`; do not edit.\n")
    out.write("# Every sentence of every source document, with the claims quoting it or why it carries none.\n")
    out.write("document\tsentence\tline\tstart\tend\tstatus\tclaims_or_reason\ttext\n")
    with coverage.open(encoding="utf-8", newline="\n") as rows:
        shutil.copyfileobj(rows, out)


def _write_rdfxml(out: IO[str], rows: list[Row]) -> None:
    data = serialize((row.quad.triple for row in rows), format=RdfFormat.RDF_XML, prefixes=RDFXML_PREFIXES)
    assert data is not None  # serialize returns bytes when given no output
    text = data.decode("utf-8")
    declaration, _, rest = text.partition("\n")
    if not declaration.startswith("<?xml"):
        declaration, rest = "", text
    comment = "<!-- b12kg (RDF/XML, for owlready2) — GENERATED by `b12kg build`; do not edit. -->\n"
    out.write((declaration + "\n" if declaration else "") + comment + rest)
