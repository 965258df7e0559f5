"""The pipeline stages and the peers the benchmark times at one corpus size, each in a child process of its own.

Stages go through the `b12kg` CLI (python -m b12kg …), pointed at the synthetic corpus with --curated, --graphs,
--exports and --releases. The parts of validate (SHACL with either engine, the consistency check, HermiT on
ontology and data together) are also timed alone through public functions of the package (bench/probe.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError

import servers
from corpus import ROOT, Corpus
from measure import Measurement, StageFailed, run_child, server_peak_mib

__all__ = ["NEEDS", "PEERS", "RUN_ORDER", "STAGES", "Context", "run_size"]

PROBE = Path(__file__).resolve().parent / "probe.py"
DIFFBENCH = Path(__file__).resolve().parent / "diffbench.py"
ASSERTED = "https://w3id.org/b12kg/graph/asserted"  # the store graph b12kg load puts the default graph in


@dataclass
class Context:
    """One size's run: its corpus, a scratch folder, and the options of the run."""

    corpus: Corpus
    work: Path  # scratch: graphs/, exports/, stores; removed after the size unless --keep
    timeout: float
    engine: str  # reasoner for reason and release
    repeat: int  # runs per query for the p50
    slow_query: float  # a query whose warm-up takes this long is measured once
    query_timeout: float  # seconds one library query may take
    rdflib_max: int  # largest size rdflib parses
    formats: str = "nquads"  # the build step's --formats (N-Quads and N-Triples: what the later steps read)
    virtuoso_buffers: tuple[int, int] | None = None  # NumberOfBuffers, MaxDirtyBuffers (None: the ini's default)
    quads: int | None = None  # N-Quads lines the build wrote

    @property
    def graphs(self) -> Path:
        return self.work / "graphs"

    @property
    def nquads(self) -> Path:
        return self.graphs / "b12kg.nq"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a child: this checkout's package first on the path."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "loader"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.update(extra)
        return env


def _b12kg(*args: str) -> list[str]:
    return [sys.executable, "-m", "b12kg", *args]


def _probe(*args: str) -> list[str]:
    return [sys.executable, str(PROBE), *args]


def _measure(ctx: Context, stage: str, argv: list[str], *, env: dict[str, str] | None = None,
             stdin: bytes | None = None, check: Callable[[str], str | None] | None = None) -> Measurement:
    """Run argv as the stage; a failure or timeout is recorded in the measurement, never hidden."""
    m = Measurement(stage, ctx.corpus.claims, quads=ctx.quads)
    try:
        m.seconds, m.peak_mib, out = run_child(argv, timeout=ctx.timeout, env=env or ctx.env(), stdin=stdin)
    except StageFailed as exc:
        m.status = "timeout" if str(exc).startswith("timeout") else "failed"
        m.seconds = exc.seconds
        m.note = str(exc).splitlines()[0] if m.status == "timeout" else str(exc)[-400:]
        _read_records(m, exc.stdout)
        return m
    problem = check(out) if check else None
    if problem:
        m.status, m.note = "failed", problem
    _read_records(m, out)
    return m


def _read_records(m: Measurement, out: str) -> None:
    """The JSON lines a probe printed: numbers into `extra`, {"error": …} lines into the note."""
    errors = []
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if "error" in record:
            errors.append(str(record["error"]))
        else:
            m.extra.update({k: float(v) for k, v in record.items()})
    if errors:
        m.status = "partial" if m.status == "ok" else m.status
        m.note = "; ".join(filter(None, [m.note, *errors]))


def _count_quads(path: Path) -> int:
    """Statement lines of an N-Quads file (comment lines left out)."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if line[:1] not in (b"#", b"\n"):
                count += 1
    return count


# --- stages ----------------------------------------------------------------------------------------------------


def build(ctx: Context) -> Measurement:
    """The build of the formats the later steps read (--formats, N-Quads and N-Triples by default: goal 5's "build
    of the canonical N-Quads")."""
    shutil.rmtree(ctx.graphs, ignore_errors=True)
    m = _measure(ctx, "build", _b12kg("build", "--curated", str(ctx.corpus.curated), "--out", str(ctx.graphs),
                                      "--formats", ctx.formats))
    if m.status == "ok":
        ctx.quads = m.quads = _count_quads(ctx.nquads)
    return m


def build_all_formats(ctx: Context) -> Measurement:
    """The build of every format (goal 5: within 3x `oxigraph load`), into a folder of its own, removed after."""
    out = ctx.work / "graphs-all-formats"
    shutil.rmtree(out, ignore_errors=True)
    m = _measure(ctx, "all formats: build", _b12kg("build", "--curated", str(ctx.corpus.curated),
                                                    "--out", str(out)))
    m.quads = ctx.quads
    shutil.rmtree(out, ignore_errors=True)
    return m


def build_one_worker(ctx: Context) -> Measurement:
    """The same build in one process (`--workers 1`), beside `build` (every CPU): the parallel speed-up."""
    out = ctx.work / "graphs-1-worker"
    shutil.rmtree(out, ignore_errors=True)
    m = _measure(ctx, "1 worker: build", _b12kg("build", "--workers", "1", "--curated", str(ctx.corpus.curated),
                                                 "--out", str(out), "--formats", ctx.formats))
    shutil.rmtree(out, ignore_errors=True)
    return m


def export(ctx: Context) -> Measurement:
    return _measure(ctx, "export", _b12kg("export", "--curated", str(ctx.corpus.curated),
                                          "--out", str(ctx.work / "exports")))


def reason(ctx: Context) -> Measurement:
    return _measure(ctx, f"reason ({ctx.engine})", _b12kg("reason", "--engine", ctx.engine,
                                                          "--graphs", str(ctx.graphs)))


def reason_full(ctx: Context) -> Measurement:
    """The reference reasoning, HermiT on ontology and data together (its output is the same as `reason`'s)."""
    return _measure(ctx, "reason (hermit-full)",
                    _b12kg("reason", "--engine", "hermit-full", "--graphs", str(ctx.graphs)))


def validate(ctx: Context) -> Measurement:
    """The whole `b12kg validate --staleness recorded`: the graphs against the build's record (no rebuild; the
    exports are not compared), SHACL (sparql; on disk above 64 MiB), HermiT on the schema and the streamed data
    checks."""
    return _measure(ctx, "validate", _b12kg("validate", "--curated", str(ctx.corpus.curated), "--staleness",
                                            "recorded", "--graphs", str(ctx.graphs)))


def validate_shacl(ctx: Context) -> Measurement:
    return _measure(ctx, "validate: SHACL (sparql)", _probe("validate-shacl", str(ctx.graphs / "b12kg.nt"),
                                                            "--engine", "sparql"))


def validate_pyshacl(ctx: Context) -> Measurement:
    if ctx.corpus.claims > ctx.rdflib_max:
        return Measurement("validate: SHACL (pyshacl)", ctx.corpus.claims, status="skipped",
                           note=f"pySHACL (rdflib) runs only up to {ctx.rdflib_max} claims (--rdflib-max)")
    return _measure(ctx, "validate: SHACL (pyshacl)", _probe("validate-shacl", str(ctx.graphs / "b12kg.nt"),
                                                             "--engine", "pyshacl"))


def validate_hermit(ctx: Context) -> Measurement:
    return _measure(ctx, "validate: HermiT schema + data checks",
                    _probe("validate-hermit", str(ctx.graphs / "b12kg.nt"), str(ctx.graphs / "imports")))


def validate_hermit_full(ctx: Context) -> Measurement:
    return _measure(ctx, "validate: HermiT ontology + data",
                    _probe("validate-hermit-full", str(ctx.graphs / "b12kg.nt"), str(ctx.graphs / "imports")))


def release(ctx: Context) -> Measurement:
    releases = ctx.work / "releases"
    _remove_frozen(releases)
    m = _measure(ctx, f"release ({ctx.engine})", _b12kg("release", "--curated", str(ctx.corpus.curated),
                                                        "--releases", str(releases), "--engine", ctx.engine))
    _remove_frozen(releases)
    return m


def diff(ctx: Context) -> Iterator[Measurement]:
    """Claim diffs: a release's snapshot (curated YAML → claims sorted by id), the diff of two releases'
    snapshots (a synthetic next release: bench/diffbench.py), and of two curated folders (what --git reads)."""
    old, new, out = ctx.work / "diff-old", ctx.work / "diff-new", ctx.work / "diff"
    snapshot = _measure(ctx, "diff: release snapshot", [sys.executable, str(DIFFBENCH), "snapshot",
                                                         str(ctx.corpus.curated), str(old)])
    yield snapshot
    if snapshot.status != "ok":
        return
    subprocess.run([sys.executable, str(DIFFBENCH), "next", str(old), str(new)], check=True, env=ctx.env(),
                   capture_output=True)
    yield _measure(ctx, "diff: two releases", _b12kg("diff", str(old), str(new), "--markdown", str(out / "d.md"),
                                                     "--rdf", str(out / "d.nt")))
    yield _measure(ctx, "diff: two curated folders", _b12kg("diff", str(ctx.corpus.curated),
                                                            str(ctx.corpus.curated)))


def _remove_frozen(folder: Path) -> None:
    """Remove a release folder, whose files and folders the release made read-only."""
    if folder.exists():
        subprocess.run(["chmod", "-R", "u+w", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _query_probe(ctx: Context, kind: str, target: str) -> list[str]:
    return _probe(kind, target, "--repeat", str(ctx.repeat), "--slow", str(ctx.slow_query),
                  "--timeout", str(ctx.query_timeout))


def query_embedded(ctx: Context) -> Measurement:
    return _sum_p50(_measure(ctx, "query: embedded", _query_probe(ctx, "query-embedded", str(ctx.graphs))))


def query_embedded_disk(ctx: Context) -> Measurement:
    """The embedded store on disk (open_graph(location=…)): loaded from the release first (its "open" time)."""
    location = ctx.work / "embedded-store"
    shutil.rmtree(location, ignore_errors=True)
    m = _sum_p50(_measure(ctx, "query: embedded on disk", [*_query_probe(ctx, "query-embedded", str(ctx.graphs)),
                                                           "--location", str(location)]))
    shutil.rmtree(location, ignore_errors=True)
    return m


def _sum_p50(m: Measurement) -> Measurement:
    """A query stage's seconds: the sum of the p50s of the queries that answered (opening the store apart)."""
    answered = [v for k, v in m.extra.items() if k != "open"]
    if answered:
        m.seconds = sum(answered)
        m.note = "; ".join(filter(None, [f"seconds: the sum of {len(answered)} p50s", m.note]))
    m.quads = None  # a query stage has no quads/s
    return m


def serve_and_query(ctx: Context) -> Iterator[Measurement]:
    """`b12kg serve` (seconds until it answers; its peak over its life), then the library's p50s against it.
    Its standard error goes to a file (a pipe nobody reads would fill up), quoted when a query did not answer."""
    port = servers.free_port()
    argv = _b12kg("serve", "--graphs", str(ctx.graphs), "--port", str(port), "--workers", "1",
                  "--timeout", str(int(min(ctx.query_timeout, 86400))))
    errors = ctx.work / "serve.stderr"
    started = time.perf_counter()
    with errors.open("wb") as sink:
        process = subprocess.Popen(argv, env=ctx.env(), stdout=subprocess.DEVNULL, stderr=sink,
                                   start_new_session=True)
    serve = Measurement("serve (until it answers)", ctx.corpus.claims, quads=ctx.quads)
    ready = _wait_ready(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process, started + ctx.timeout, errors)
    serve.seconds = time.perf_counter() - started
    if ready is not None:
        serve.status, serve.note = "failed", ready
        _stop(process)
        yield serve
        return
    query = _sum_p50(_measure(ctx, "query: Oxigraph server",
                              _query_probe(ctx, "query-endpoint", f"http://127.0.0.1:{port}/query")))
    serve.server_mib = server_peak_mib(process.pid)
    running = process.poll() is None
    serve.peak_mib = _stop(process)
    if query.status != "ok" or not running:
        said = " | ".join(line.strip() for line in errors.read_text("utf-8", "replace").splitlines()
                          if line.strip() and not line.startswith("  · "))  # all but its progress lines
        query.note = "; ".join(filter(None, [query.note, "serve had exited before it was stopped" if not running
                                             else "", f"serve's standard error: {said[-600:]}" if said else ""]))
    yield serve
    yield query


def _wait_ready(url: str, process: subprocess.Popen[bytes], deadline: float, errors: Path) -> str | None:
    """None once the URL answers; else why not (the process ended, or the deadline passed)."""
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            error = errors.read_text("utf-8", "replace")
            return f"exited {process.returncode}: {error[-300:]}"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return None
        except HTTPError as exc:
            if exc.code != 503:  # an answer; a 503 (no worker yet, or stopping) is not
                return None
            time.sleep(0.5)
        except (URLError, ConnectionError, OSError):
            time.sleep(0.1)
    return "timeout"


def _stop(process: subprocess.Popen[bytes], *, grace: float = 60.0) -> float | None:
    """Ctrl-C the process (as a user stops `b12kg serve`), reap it; its peak MiB (children it waited for too).
    If it has not ended after `grace` seconds, SIGTERM, then SIGKILL: the run goes on either way."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    for stop in (signal.SIGTERM, signal.SIGKILL, None):
        while True:
            try:
                pid, _, usage = os.wait4(process.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                return usage.ru_maxrss / 1024
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if stop is None:
            return None
        os.killpg(process.pid, stop)
        deadline = time.monotonic() + 30
    return None


def _load_oxigraph(ctx: Context, *, replace: bool) -> Iterator[Measurement]:
    with servers.oxigraph_server(ctx.work / "oxigraph-load") as server:
        argv = _b12kg("load", "--store", "oxigraph", "--url", server.url, "--no-verify", "--no-inferred",
                      "--timeout", "600", "--graphs", str(ctx.graphs))
        first = _measure(ctx, "load: Oxigraph server", argv)
        first.server_mib = server_peak_mib(server.process.pid) if server.process else None
        if not replace:
            yield first
        elif first.status == "ok":
            again = _measure(ctx, "reload: Oxigraph server (replace)", argv)
            again.server_mib = server_peak_mib(server.process.pid) if server.process else None
            yield again
        else:
            yield Measurement("reload: Oxigraph server (replace)", ctx.corpus.claims, status="skipped",
                              note=f"the first load did not succeed: {first.note}")


def load_oxigraph(ctx: Context) -> Iterator[Measurement]:
    """A first load into a fresh server (written in place: nothing to protect)."""
    return _load_oxigraph(ctx, replace=False)


def reload_oxigraph(ctx: Context) -> Iterator[Measurement]:
    """The same release loaded twice into a fresh server; the second load, a replace (staging and the atomic
    swap), is the row (the first is timed in load-oxigraph)."""
    return _load_oxigraph(ctx, replace=True)


def load_virtuoso(ctx: Context) -> Iterator[Measurement]:
    if not servers.virtuoso_available():
        yield Measurement("load: Virtuoso server", ctx.corpus.claims, status="skipped",
                          note="Virtuoso is not installed")
        return
    with servers.virtuoso_server(ctx.work / "virtuoso-load", allowed=ctx.graphs,
                                 buffers=ctx.virtuoso_buffers) as server:
        env = ctx.env(B12KG_STORE_PASSWORD=servers.VIRTUOSO_LOGIN[1])
        argv = _b12kg("load", "--store", "virtuoso", "--url", server.url, "--user", servers.VIRTUOSO_LOGIN[0],
                      "--no-verify", "--no-inferred", "--timeout", "600", "--graphs", str(ctx.graphs))
        first = _measure(ctx, "load: Virtuoso server", argv, env=env)
        first.server_mib = server_peak_mib(server.process.pid) if server.process else None
        yield first
        if first.status == "ok":
            again = _measure(ctx, "reload: Virtuoso server (replace)", argv, env=env)
            again.server_mib = server_peak_mib(server.process.pid) if server.process else None
            yield again


def load_virtuoso_recipe(ctx: Context) -> Iterator[Measurement]:
    """`b12kg export-load-script --store virtuoso`, then its load.sh (ld_dir + rdf_loader_run + checkpoint and the
    per-graph count check) into a fresh Virtuoso, timed apart."""
    if not servers.virtuoso_available():
        yield Measurement("load: Virtuoso recipe (load.sh)", ctx.corpus.claims, status="skipped",
                          note="Virtuoso is not installed")
        return
    recipe = ctx.graphs / "recipe-virtuoso"  # under the folder the server's DirsAllowed names
    shutil.rmtree(recipe, ignore_errors=True)
    yield _measure(ctx, "export-load-script (Virtuoso recipe)", _b12kg(
        "export-load-script", "--store", "virtuoso", "--no-inferred", "--out", str(recipe), "--graphs",
        str(ctx.graphs)))
    with servers.virtuoso_server(ctx.work / "virtuoso-recipe", allowed=ctx.graphs,
                                 buffers=ctx.virtuoso_buffers) as server:
        env = ctx.env(VIRTUOSO_PASSWORD=servers.VIRTUOSO_LOGIN[1])
        m = _measure(ctx, "load: Virtuoso recipe (load.sh)", ["bash", str(recipe / "load.sh"),
                                                              f"127.0.0.1:{server.sql_port}",
                                                              servers.VIRTUOSO_LOGIN[0]], env=env)
        m.server_mib = server_peak_mib(server.process.pid) if server.process else None
        yield m
    shutil.rmtree(recipe, ignore_errors=True)


# --- peers: other tools doing the same work on the same N-Quads --------------------------------------------------


def oxigraph_load(ctx: Context) -> Measurement:
    location = ctx.work / "oxigraph-bulk"
    shutil.rmtree(location, ignore_errors=True)
    binary = str(Path(sys.executable).parent / "oxigraph")
    m = _measure(ctx, "peer: oxigraph load", [binary, "load", "--location", str(location), "--file", str(ctx.nquads)])
    shutil.rmtree(location, ignore_errors=True)
    return m


def pyoxigraph_roundtrip(ctx: Context) -> Measurement:
    out = ctx.work / "roundtrip.nq"
    m = _measure(ctx, "peer: pyoxigraph parse+serialise", _probe("pyoxigraph", str(ctx.nquads), str(out)))
    out.unlink(missing_ok=True)
    return m


def gsp_post(ctx: Context) -> Measurement:
    with servers.oxigraph_server(ctx.work / "oxigraph-gsp") as server:
        m = _measure(ctx, "peer: Graph Store POST", _probe("gsp-post", server.url, str(ctx.nquads)))
        m.server_mib = server_peak_mib(server.process.pid) if server.process else None
    return m


def virtuoso_bulk(ctx: Context) -> Measurement:
    if not servers.virtuoso_available():
        return Measurement("peer: Virtuoso bulk load", ctx.corpus.claims, status="skipped",
                           note="Virtuoso is not installed")
    with servers.virtuoso_server(ctx.work / "virtuoso-bulk", allowed=ctx.graphs,
                                 buffers=ctx.virtuoso_buffers) as server:
        script = servers.virtuoso_bulk_script(ctx.graphs, ctx.nquads.name, ASSERTED)
        m = _measure(ctx, "peer: Virtuoso bulk load", servers.virtuoso_isql_argv(server), stdin=script,
                     check=servers.isql_failed)
        m.server_mib = server_peak_mib(server.process.pid) if server.process else None
    return m


def rdflib_parse(ctx: Context) -> Measurement:
    if ctx.corpus.claims > ctx.rdflib_max:
        return Measurement("peer: rdflib parse", ctx.corpus.claims, status="skipped",
                           note=f"rdflib runs only up to {ctx.rdflib_max} claims (--rdflib-max)")
    return _measure(ctx, "peer: rdflib parse", _probe("rdflib", str(ctx.nquads)))


Step = Callable[[Context], "Measurement | Iterator[Measurement]"]
STAGES: dict[str, Step] = {
    "build": build, "build-all-formats": build_all_formats, "build-1-worker": build_one_worker, "export": export,
    "reason": reason,
    "reason-hermit-full": reason_full,
    "validate": validate, "validate-shacl": validate_shacl,
    "validate-pyshacl": validate_pyshacl, "validate-hermit": validate_hermit,
    "validate-hermit-full": validate_hermit_full, "release": release, "query-embedded": query_embedded,
    "query-embedded-disk": query_embedded_disk,
    "serve": serve_and_query, "load-oxigraph": load_oxigraph, "reload-oxigraph": reload_oxigraph,
    "load-virtuoso": load_virtuoso, "diff": diff,
    "load-virtuoso-recipe": load_virtuoso_recipe,
}
PEERS: dict[str, Step] = {
    "oxigraph-load": oxigraph_load, "pyoxigraph": pyoxigraph_roundtrip, "gsp-post": gsp_post,
    "virtuoso-bulk": virtuoso_bulk, "rdflib": rdflib_parse,
}
# The order steps run in: the build, then the peers on its N-Quads (the ratios need them), then the stages that
# read the build, the long ones (export, the Virtuoso loads, replaces) last, so that a long run stopped before its
# end (its results are written after every step) has measured what matters most.
RUN_ORDER = ("build", "oxigraph-load", "gsp-post", "pyoxigraph", "rdflib", "build-1-worker", "build-all-formats",
             "reason", "validate", "validate-shacl", "validate-pyshacl", "validate-hermit", "validate-hermit-full",
             "reason-hermit-full", "load-oxigraph", "serve", "query-embedded", "query-embedded-disk", "export",
             "release", "diff", "reload-oxigraph", "virtuoso-bulk", "load-virtuoso-recipe",
             "load-virtuoso")
# What each step reads, so that it is skipped (not failed) when that did not work, and run.py adds it when asked for
# the step alone.
NEEDS: dict[str, tuple[str, ...]] = {
    **{name: ("build",) for name in list(STAGES) + list(PEERS)},
    "build": (), "build-1-worker": (), "export": (), "release": (), "diff": (), "query-embedded": ("build", "reason"),
    "build-all-formats": ("build",),  # its quads/s counts the build's N-Quads
    "serve": ("build", "reason"), "query-embedded-disk": ("build", "reason"),
    "validate": ("build", "reason"),
}


def run_size(ctx: Context, names: list[str], say: Callable[[str], None], *,
             max_claims: dict[str, int] | None = None,
             record: Callable[[Measurement], None] | None = None) -> list[Measurement]:
    """Run the named stages and peers, in the order given, at one size; a step whose input failed is skipped, and
    a step above its --max-claims is recorded as not run (a MISS of goal 2, never dropped)."""
    steps = {**STAGES, **PEERS}
    results: list[Measurement] = []
    failed: set[str] = set()
    for name in names:
        cap = (max_claims or {}).get(name)
        if cap is not None and ctx.corpus.claims > cap:
            failed.add(name)
            results.append(Measurement(name, ctx.corpus.claims, status="not run",
                                       note=f"not run above {cap:,} claims (--max-claims {name}={cap})"))
            if record is not None:
                record(results[-1])
            continue
        missing = [need for need in NEEDS[name] if need in failed]
        if missing:
            failed.add(name)
            results.append(Measurement(name, ctx.corpus.claims, status="skipped",
                                       note=f"{', '.join(missing)} did not succeed"))
            continue
        say(f"{ctx.corpus.claims:>9} claims: {name} …")
        outcome = steps[name](ctx)
        for m in [outcome] if isinstance(outcome, Measurement) else outcome:
            results.append(m)
            if record is not None:
                record(m)  # written at once: a long run stopped later keeps what it measured
            say(f"{'':>9}         {m.stage}: {m.status} {'' if m.seconds is None else f'{m.seconds:.2f} s'}"
                f"{'' if m.status == 'ok' else ' — ' + m.note.splitlines()[0][:200]}")
            if m.status not in ("ok", "partial"):
                failed.add(name)
    return results


assert sorted(RUN_ORDER) == sorted([*STAGES, *PEERS]), "RUN_ORDER must name every step once"
