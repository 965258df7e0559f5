"""The store-stage commands: serve (a read-only endpoint), load (into a SPARQL 1.1 store), export-load-script."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from b12kg.cli.group import LOAD_EPILOG, fail, main, progress, seconds
from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR

__all__ = ["serve", "load", "export_load_script"]


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
@click.option("--edition", type=click.Choice(["rdf11", "rdf12"]), default="rdf11", show_default=True,
              help="Serve the RDF 1.1 edition (b12kg.nq), or the RDF 1.2 edition (b12kg.rdf12.nq: each direct "
                   "triple reified by its claim, Arabic literals @ar--rtl; the library's RDF 1.2 queries need it).")
def serve(*, host: str, port: int, location: Path | None, graphs_dir: Path, timeout: float, workers: int,
          allow_service: bool, edition: str) -> None:
    """Serve the built graphs as a read-only SPARQL 1.1 endpoint (the Oxigraph server), until Ctrl-C.

    The dataset (default graph and per-claim named graphs) is loaded with the inferred graph added to the default
    graph, so hierarchy questions work without a reasoner. Query it with `b12kg query ... --endpoint URL`, any
    SPARQL client, or a browser: the explorer (graphs/explorer/, written by `b12kg build`) is served at /, its
    questions answered live by this endpoint. The query library is there too, as SPARQL examples in the
    named graph https://w3id.org/b12kg/graph/examples; the endpoint URL fetched without a query (GET /query)
    answers its SPARQL 1.1 service description (Turtle).

    \b
    Safe to leave running: each query is stopped after --timeout seconds; requests from other web pages
    (Origin) or under other names (Host, DNS rebinding) are refused with 403, and so is SERVICE (federation)
    unless --allow-service; a stopped Oxigraph process is replaced, and one that fails to start is retried (each
    failure a line on standard error) while the others answer, 503 when none is left; if `serve` is killed, its
    Oxigraph processes die with it, and the next `serve` removes the temporary folder it left.
    """
    import shutil
    import signal

    from b12kg.store.processes import make_run_folder, remove_stale_run_folders
    from b12kg.store.serve import load_location, open_front, start_endpoint
    from b12kg.store.site import site_for

    folder = None
    front = None
    try:
        for stale in remove_stale_run_folders():
            progress(f"removed {stale}, left behind by a `b12kg serve` that was killed")
        front = open_front(host=host, port=port)
        if location is None:
            folder = make_run_folder()
            location = folder / "db"
        elif location.exists() and any(location.iterdir()):
            raise B12kgError(f"{location} is not empty", fix="give a new or empty folder, or leave out --location")
        progress(f"loading {graphs_dir} into {location}")
        served = load_location(location, graphs_dir, edition=edition)
        site = site_for(graphs_dir)
        endpoint = start_endpoint(location, front=front, timeout=timeout, workers=workers,
                                  allow_service=allow_service, site=site, served=served)
    except B12kgError as exc:
        if front is not None:
            front.server_close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        fail(exc)
        return
    # a stop signal from now on ends it cleanly: a script may send one as soon as it reads the URL below. SIGINT
    # too: a process started in the background of a script (nohup, `&`) inherits SIGINT ignored, and Python then
    # raises no KeyboardInterrupt, so Ctrl-C (or a script's SIGINT) would not stop it
    def stopping(*_: object) -> None:
        raise KeyboardInterrupt
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stopping)
    failure = None
    try:
        click.echo(f"SPARQL endpoint: {endpoint.query_url}")
        click.echo(f"{'explorer:' if site else 'query page:':<17}{endpoint.base}/")
        progress(f"query timeout {timeout:g} s; {workers} Oxigraph worker(s); federation (SERVICE) "
                 f"{'allowed' if allow_service else 'refused'}; requests from other web pages refused")
        click.echo("press Ctrl-C to stop")
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
        fail(failure)


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


@main.command(epilog=LOAD_EPILOG)
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
@click.option("--batch-size", type=click.IntRange(1), default=None,
              help="Statements per staging request [100000; Oxigraph stages in one streamed request; INSERT DATA "
                   "at most 1000].")
@click.option("--timeout", type=float, default=120.0, show_default=True, callback=seconds,
              help="Seconds to wait for each request (at least 1).")
@click.option("--retries", type=click.IntRange(0), default=3, show_default=True,
              help="Retries, with backoff, of uploads and reads on connection errors, timeouts and 5xx answers "
                   "(never on 4xx). The final swap is sent once, never retried.")
@click.option("--recovery-wait", type=click.FloatRange(0), default=120.0, show_default=True,
              help="If the final swap fails: seconds to keep trying to read the store back (reads only) to tell "
                   "which release it holds.")
@click.option("--status", is_flag=True, help="Only read the store and say which release it holds (exit 0: this "
                                             "release, complete; 3: another release or none; 8: a mixed state).")
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
         recovery_wait: float, status: bool, user: str | None, password_env: str, auth: str, insecure: bool,
         inferred: bool, verify: bool, graphs_dir: Path) -> None:
    """Load the release into a triple store that speaks SPARQL 1.1, in the store's named graphs.

    Replace (the default) streams the release into staging graphs, checks them with one count, then swaps them
    all in with one SPARQL Update request, sent once (Virtuoso, above 100,000 triples: in guarded pieces, which
    readers see progress). A store without any b12kg graph gets the release written in place. If the swap fails
    in any way, the store is read back and the exit code says what it holds: 6 this release (the reply was
    lost), 7 its previous release, intact, 8 a mixed state (run the load again to finish), 9 unknown (the store
    could not be read; check with --status).

    \b
    Graphs in the store:  https://w3id.org/b12kg/graph/asserted   the release's default graph
                          https://w3id.org/b12kg/graph/inferred   graphs/b12kg-inferred.nt
                          https://w3id.org/b12kg/graph/catalog    the release's graphs, sizes and SHA-256
                          https://w3id.org/b12kg/id/claim/<id>/assertion|provenance   per claim
    \b
    Examples:
      b12kg load --store oxigraph --url http://127.0.0.1:7878
      B12KG_STORE_PASSWORD=... b12kg load --store virtuoso --url http://127.0.0.1:8890 --user dba
    """
    from b12kg.store.config import store_preset
    from b12kg.store.load import load_release
    from b12kg.store.state import store_status
    from b12kg.store.verify import verify_store

    try:
        if not (url or query_url):
            raise B12kgError("no store given", fix="pass --store TYPE --url BASE_URL, or --query-url URL")
        config = store_preset(store_type, url or query_url or "", user=user, timeout=timeout, retries=retries,
                              auth=auth, verify_tls=not insecure, method=method, batch_size=batch_size,
                              query_url=query_url, update_url=update_url, gsp_url=gsp_url,
                              gsp_graph_param=gsp_graph_param, recovery_wait=recovery_wait)
        config.password = _password(user, password_env)
        if insecure:
            import ssl
            import urllib.request

            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)))
        if status:
            kind, state = store_status(config, graphs_dir, inferred=inferred)
            click.echo(f"{config.describe()} holds {state.describe()}"
                       + (f"; and {len(state.staging)} staging graph(s) left by an interrupted load (the next load "
                          "removes them)" if state.staging else ""))
            if kind == "this":
                click.echo(f"that is the release in {graphs_dir}")
            elif kind == "mixed":
                click.secho("not one complete release: run `b12kg load` to finish", fg="red", err=True)
            sys.exit({"this": 0, "other": 3, "mixed": 8}[kind])
        click.echo(f"loading {graphs_dir} into {config.describe()} ({mode}, method {method})")
        from b12kg.cli.progress import progress_bars

        with progress_bars() as bars:  # a count of the statements sent, with its rate (quiet off a terminal)
            report = load_release(config, graphs_dir, mode=mode, inferred=inferred, progress=bars.say, meter=bars)
        _print_counts(report.graphs)
        if report.before:
            click.echo(f"before this load the store held {report.before}")
        if report.removed:
            click.echo(f"removed {len(report.removed)} graph(s) the store had and this release has not")
        click.echo(f"loaded in {report.seconds:.1f} s")
        if not report.ok():
            click.secho("the store's counts differ from the release's", fg="red", err=True)
            sys.exit(3)
        if verify:
            result = verify_store(config, graphs_dir, inferred=inferred, progress=progress)
            same = sum(result.queries.values())
            click.echo(f"verified: counts {'match' if all(a == b for a, b in result.counts.values()) else 'DIFFER'}; "
                       f"Arabic literals {'byte-identical' if result.arabic_identical else 'DIFFER'}; "
                       f"query library {same}/{len(result.queries)} same answers")
            if not result.ok():
                different = [name for name, ok in result.queries.items() if not ok]
                click.secho(f"verification failed{': ' + ', '.join(different) if different else ''}", fg="red",
                            err=True)
                sys.exit(3)
        if report.fault:
            click.secho(f"the store's reply to the final swap was lost ({report.fault}); read back, the store holds "
                        "this release, complete", fg="yellow", err=True)
            sys.exit(6)
    except B12kgError as exc:
        fail(exc)


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
@click.option("--store", "store", type=click.Choice(["virtuoso", "oxigraph", "jena", "graphdb", "qlever"]),
              required=True, help="Whose bulk loader the script drives (qlever: a Qleverfile for `qlever index` "
                                  "and `qlever start`, from PyPI `qlever`).")
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
        fail(exc)
        return
    for path in written:
        click.echo(f"  wrote {path}")
    click.echo(f"run: {recipe_usage(store, out_dir)}")
    click.echo("  (load.sh's header explains its arguments and variables; it checks every graph's count afterwards)")
