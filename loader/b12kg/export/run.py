"""Export stage: HPO annotation rows, KGX (Biolink) nodes and edges, and one nanopublication per claim."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from b12kg import __version__
from b12kg.build.describe import CHANGELOG, read_release
from b12kg.build.outputs import output_set
from b12kg.build.pipeline import Meter, ontology_relations, read_ontology
from b12kg.build.writers import canonical_rows, sorted_unique, write_trig
from b12kg.curation.read import Document, Term, claim_files, read_document
from b12kg.errors import B12kgError, CurationError
from b12kg.export.hpoa import hpoa_rows, write_hpoa
from b12kg.export.kgx import KGX_EDGE_COLUMNS, KGX_NODE_COLUMNS, kgx_edges, kgx_nodes, write_jsonl, write_kgx_tsv
from b12kg.export.nanopub import Signing
from b12kg.export.npindex import INDEX_NAME, IndexRow, write_header, write_row
from b12kg.export.nppublish import Published, Publisher
from b12kg.export.shards import SHARD_SIZE, Shards
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR
from b12kg.qc.validate import check_ids
from b12kg.rdf.hpo import hpo_release

# The stage alone; its three parts are b12kg.export.hpoa, b12kg.export.kgx and b12kg.export.nanopub.
__all__ = ["EXPORTS_DIR", "ExportResult", "export", "hpoa_rows"]

EXPORTS_DIR = GRAPHS_DIR / "exports"
Progress = Callable[[str], None]
SORT_CHUNK = 20_000  # HPOA rows and KGX edges (a JSON line each) sorted in memory at a time; beyond, from disk


@dataclass
class ExportResult:
    hpoa_rows: int
    nodes: int
    edges: int
    nanopubs: int
    files: list[Path]  # the HPOA and KGX files, then the nanopublications' folder (its files: `nanopub_files`)
    nanopub_folder: Path
    sharded: bool  # more than SHARD_SIZE nanopublications: they sit in numbered sub-folders
    signed: bool = False
    changes: dict[str, int] | None = None  # new / kept / superseding / retracting nanopublications

    def nanopub_files(self) -> Iterator[Path]:
        """The nanopublication files written, read from the folder (not kept in memory)."""
        yield from sorted(self.nanopub_folder.rglob("*.trig"))


def _documents(curated_dir: Path, relations: set[str], claim_ids: IO[str]) -> Iterator[Document]:
    """The curated documents one at a time, checked as the build checks them; each claim's id, file and line go
    to `claim_ids` (for `_refuse_duplicate_claims`: claim ids are unique across files)."""
    files = claim_files(curated_dir)
    if not files:
        raise B12kgError(f"no curated claims files (*.claims.yaml) in {curated_dir}",
                         fix="add one claims file per source document (see README: adding a document)")
    doc_owner: dict[str, Path] = {}
    for path in files:
        document = read_document(path)
        if document.id in doc_owner:
            raise CurationError(f"document id {document.id!r} is also used by {doc_owner[document.id]}",
                                fix="give each document a unique id", file=path)
        doc_owner[document.id] = path
        claim_ids.writelines(f"{claim.id}\t{len(doc_owner) - 1:07d}\t{claim.line}\t{path}\n"
                             for claim in document.claims)
        check_ids(document, relations)
        yield document


def _refuse_duplicate_claims(lines: Iterator[str], *, workdir: Path) -> None:
    """A claim id used by two documents is an error (sorted on disk, so memory does not grow with the claims)."""
    last: list[str] = []
    for line in sorted_unique(lines, workdir=workdir, chunk=SORT_CHUNK):
        fields = line.split("\t")
        if last and fields[0] == last[0]:
            raise CurationError(f"duplicate claim id {fields[0]!r}: also in {last[3]}",
                                fix="claim ids are global (they mint IRIs): rename one", file=Path(fields[3]),
                                line=int(fields[2]), claim=fields[0])
        last = fields


def export(*, curated_dir: Path = CURATED_DIR, ontology_dir: Path = ONTOLOGY_DIR, out_dir: Path = EXPORTS_DIR,
           changelog: Path = CHANGELOG, progress: Progress | None = None, meter: Meter | None = None,
           signing: Signing | None = None, previous: dict[str, IndexRow] | None = None) -> ExportResult:
    """Write every export; all are replaced together or none is, and the nanopublication folder holds exactly the
    current claims' files (and, given the previous release's index, retractions of the claims that are gone).

    `signing` signs every nanopublication; `previous` (b12kg.export.npindex.read_index) links changed claims'
    nanopublications to the ones they supersede.

    Documents are read one at a time: memory holds one document, the terms and the sort budget; HPOA rows and KGX
    edges are sorted within SORT_CHUNK (spilled beyond it); one nanopublication file is open at a time, in one
    folder up to SHARD_SIZE files and in numbered sub-folders beyond (b12kg.export.shards).
    """
    say = progress or (lambda message: None)
    tick = meter or (lambda what, done, total: None)
    relations = ontology_relations(read_ontology(ontology_dir))
    release = read_release(changelog)
    hpo = hpo_release()
    documents_total = len(claim_files(curated_dir))
    np_dir = out_dir / "nanopubs"
    targets = {"hpoa": out_dir / "b12kg.phenotype.hpoa",
               "nodes_tsv": out_dir / "kgx" / "b12kg_nodes.tsv", "edges_tsv": out_dir / "kgx" / "b12kg_edges.tsv",
               "nodes_jsonl": out_dir / "kgx" / "b12kg_nodes.jsonl",
               "edges_jsonl": out_dir / "kgx" / "b12kg_edges.jsonl", "index": out_dir / INDEX_NAME}
    terms: dict[str, Term] = {}  # every term, as the first document declaring it has it (vocabulary-sized)
    used: set[str] = set()
    roles: set[str] = set()
    # The files and the nanopublication folder (as one unit) are replaced together, or none is (b12kg.build.outputs).
    with output_set(files=list(targets.values()), directories=[np_dir]) as staged:
        workdir = staged.scratch()
        shards = Shards(staged.directory(np_dir), size=SHARD_SIZE)
        say("HPO annotation rows, KGX nodes and edges, nanopublications" + (" (signed)" if signing else ""))
        publisher = Publisher(signing=signing, previous=previous or {})
        index = staged.open(targets["index"])
        write_header(index)

        def write(published: Published) -> None:
            write_row(index, published.row)
            # one file open at a time: memory and open files stay bounded
            with shards.place(published.name).open("w", encoding="utf-8", newline="\n") as out:
                write_trig(out, canonical_rows(published.quads),
                           [f"b12kg nanopublication <{published.iri}> — GENERATED by `b12kg export` (b12kg "
                            f"{__version__}); do not edit.", "Graphs: head, assertion, provenance, publication info. "
                            "Data: CC BY 4.0."])

        ids_path = workdir / "claim-ids.txt"

        def per_document(claim_ids: IO[str]) -> Iterator[tuple[str, str]]:
            """(HPOA row, KGX edge) lines of each document, after writing its nanopublications."""
            for document in _documents(curated_dir, relations, claim_ids):
                for key, term in document.terms.items():
                    terms.setdefault(key, term)
                for row in hpoa_rows([document], release=release, hpo=hpo):
                    yield "\t".join(row), ""
                for edge in kgx_edges([document]):
                    used.update((str(edge["subject"]), str(edge["object"])))
                    if edge["predicate"] == "biolink:has_chemical_role":
                        roles.add(str(edge["object"]))
                    yield "", f"{edge['id']}\t{json.dumps(edge, ensure_ascii=False)}"
                for claim in document.claims:
                    write(publisher.claim(document, claim))
                tick("documents", 1, documents_total)

        hpoa_path, edges_path = workdir / "hpoa-rows.txt", workdir / "kgx-edges.txt"
        with hpoa_path.open("w", encoding="utf-8", newline="\n") as hpoa_out, \
                edges_path.open("w", encoding="utf-8", newline="\n") as edges_out, \
                ids_path.open("w", encoding="utf-8", newline="\n") as ids_out:
            for row, edge in per_document(ids_out):
                (hpoa_out if row else edges_out).write((row or edge) + "\n")
        _refuse_duplicate_claims(_lines(ids_path), workdir=workdir)
        for retraction in publisher.retractions():
            write(retraction)
        hpoa = sorted_unique(_lines(hpoa_path), workdir=workdir, chunk=SORT_CHUNK)
        edges = sorted_unique(_lines(edges_path), workdir=workdir, chunk=SORT_CHUNK)
        with staged.open(targets["hpoa"]) as out:
            write_hpoa(out, [tuple(line.split("\t")) for line in hpoa], release=release, hpo=hpo)
        nodes = kgx_nodes(terms, used=used, roles=roles)
        with staged.open(targets["nodes_tsv"]) as out:
            write_kgx_tsv(out, nodes, KGX_NODE_COLUMNS)
        with staged.open(targets["nodes_jsonl"]) as out:
            write_jsonl(out, nodes)
        with staged.open(targets["edges_tsv"]) as tsv, staged.open(targets["edges_jsonl"]) as jsonl:
            records = (json.loads(line.split("\t", 1)[1]) for line in edges)
            write_kgx_tsv(tsv, [], KGX_EDGE_COLUMNS)
            for record in records:
                write_kgx_tsv(tsv, [record], KGX_EDGE_COLUMNS, header=False)
                write_jsonl(jsonl, [record])
    return ExportResult(len(hpoa), len(nodes), len(edges), shards.count, [*targets.values(), np_dir], np_dir,
                        shards.sharded, signed=signing is not None, changes=dict(publisher.counts))


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="\n") as handle:
        for line in handle:
            yield line[:-1]
