"""Work the benchmark runs in a child process of its own (so its time and peak memory are its own).

    python bench/probe.py KIND ARG... ; prints one JSON object on its last line.

Kinds: query-embedded, query-endpoint (p50 of each library query), pyoxigraph (parse + serialise N-Quads),
rdflib (parse N-Quads), gsp-post (raw Graph Store upload to an Oxigraph server), validate-shacl (either engine),
validate-hermit (HermiT on the schema + data checks), validate-hermit-full (HermiT on ontology + data), release
(b12kg.build.release.make_release, kept for calling it by hand; the benchmark runs `b12kg release`).
Only public names of the b12kg package are used.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"

__all__ = ["main"]


def _p50(run: Callable[[], object], repeat: int, slow: float) -> tuple[float, int]:
    """(median seconds, runs): one warm-up run, then `repeat` measured ones; a warm-up slower than `slow`
    seconds is itself the measurement (one run), so that a slow query does not take the benchmark's whole night."""
    started = time.perf_counter()
    run()
    first = time.perf_counter() - started
    if first >= slow:
        return first, 1
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), repeat


def _emit(record: dict[str, object]) -> None:
    """One JSON line per query, flushed: the parent keeps what was measured even if the stage is killed."""
    print(json.dumps(record), flush=True)


def _in_child(run: Callable[[], tuple[float, int]], timeout: float) -> tuple[float, int] | str:
    """Run in a forked child (sharing the loaded store), killed after `timeout` seconds; its result or an error.

    pyoxigraph has no query timeout, so a query that would run for hours is stopped this way.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report through the pipe, leave without cleanup
        os.close(read)
        try:
            answer = json.dumps(list(run()))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            answer = json.dumps(f"{type(exc).__name__}: {exc}")
        os.write(write, answer.encode("utf-8"))
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
        return f"timeout after {timeout:.0f} s"
    with os.fdopen(read, "rb") as handle:
        answer = json.loads(handle.read().decode("utf-8") or '"no answer"')
    return (float(answer[0]), int(answer[1])) if isinstance(answer, list) else str(answer)


def query_embedded(graphs: Path, repeat: int, slow: float, timeout: float,
                   location: Path | None = None) -> dict[str, float]:
    """p50 seconds of each library query on the embedded store (b12kg.api.open_graph), defaults for parameters;
    in memory, or on disk in `location` (its load is the "open" time)."""
    from b12kg.api import open_graph

    started = time.perf_counter()
    kg = open_graph(graphs, location=location)
    _emit({"open": time.perf_counter() - started})
    for name in sorted(kg.queries()):
        def measure(name: str = name) -> tuple[float, int]:
            return _p50(lambda: kg.query(name), repeat, slow)

        outcome = _in_child(measure, timeout)
        _emit({name: outcome[0]} if isinstance(outcome, tuple) else {"error": f"{name}: {outcome}"})
    return {}


def _post_query(url: str, sparql: str, timeout: float) -> None:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request("POST", parts.path, body=sparql.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query",
                                    "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"answered {response.status}: {body[:200]!r}")
        try:  # a query stopped while its answer streams has sent 200 already: its body is cut short
            json.loads(body)
        except ValueError as exc:
            raise RuntimeError(f"answered 200 with an incomplete body ({len(body):,} bytes: {exc})") from exc
    finally:
        connection.close()


def query_endpoint(url: str, repeat: int, slow: float, timeout: float) -> dict[str, float]:
    """p50 seconds of each library query file, sent as it is (its parameters' defaults) to a SPARQL endpoint."""
    for path in sorted(QUERIES.glob("[0-9][0-9]-*.rq")):
        text = path.read_text(encoding="utf-8")

        def send(text: str = text) -> None:
            # the server stops a query after `timeout` seconds (b12kg serve --timeout); wait a little longer
            _post_query(url, text, timeout + 10)

        try:
            seconds, _ = _p50(send, repeat, slow)
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            _emit({"error": f"{path.stem}: {type(exc).__name__}: {exc}"})
            continue
        _emit({path.stem: seconds})
    return {}


def pyoxigraph_roundtrip(nquads: Path, out: Path) -> dict[str, float]:
    """Parse the N-Quads and serialise them again, streaming (pyoxigraph's parse and serialize)."""
    from pyoxigraph import RdfFormat, parse, serialize

    with out.open("wb") as handle:
        serialize(parse(path=str(nquads), format=RdfFormat.N_QUADS), handle, format=RdfFormat.N_QUADS)
    return {"bytes": float(out.stat().st_size)}


def rdflib_parse(nquads: Path) -> dict[str, float]:
    """Parse the N-Quads into an rdflib Dataset."""
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(nquads, format="nquads")
    return {"quads": float(sum(len(graph) for graph in dataset.graphs()))}


def gsp_post(base: str, nquads: Path) -> dict[str, float]:
    """POST the N-Quads file, streamed, to an Oxigraph server's /store?no_transaction (its bulk path)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=86400)
    try:
        with nquads.open("rb") as body:
            connection.request("POST", "/store?no_transaction", body=body,
                               headers={"Content-Type": "application/n-quads",
                                        "Content-Length": str(nquads.stat().st_size)})
            response = connection.getresponse()
            answer = response.read()
        if response.status not in (200, 201, 204):
            raise RuntimeError(f"{base}/store answered {response.status}: {answer[:300]!r}")
    finally:
        connection.close()
    return {}


def validate_shacl(graph: Path, engine: str) -> dict[str, float]:
    """SHACL shapes on the built N-Triples (b12kg.qc.validate.run_shacl with the engine, what `b12kg validate`
    runs)."""
    from b12kg.qc.validate import run_shacl

    violations = run_shacl(graph, engine=engine)
    if violations:
        raise RuntimeError(f"{len(violations)} SHACL violation(s), e.g. {violations[0]}")
    return {}


def validate_hermit(graph: Path, imports: Path) -> dict[str, float]:
    """HermiT on the schema and the data checks (b12kg.qc.reason.consistency, what `b12kg validate` runs)."""
    import contextlib
    import io

    from b12kg.qc.reason import consistency

    with contextlib.redirect_stderr(io.StringIO()):  # owlready2 warns about punned relations
        report = consistency(graph, imports)
    if not report.consistent or report.unsatisfiable or report.problems:
        raise RuntimeError(f"consistent={report.consistent}, unsatisfiable={report.unsatisfiable}, "
                           f"problems={report.problems[:3]}")
    return {"hermit_seconds": report.hermit_seconds}


def validate_hermit_full(graph: Path, imports: Path) -> dict[str, float]:
    """HermiT on ontology and data together (b12kg.qc.hermit.run_hermit, `b12kg validate --hermit-full`)."""
    import contextlib
    import io

    from b12kg.qc.hermit import run_hermit

    with contextlib.redirect_stderr(io.StringIO()):
        report = run_hermit(graph, imports)
    if not report.consistent or report.unsatisfiable:
        raise RuntimeError(f"HermiT: consistent={report.consistent}, unsatisfiable={report.unsatisfiable}")
    return {"hermit_seconds": report.seconds}


def release(curated: Path, releases: Path, engine: str) -> dict[str, float]:
    """A whole release (build, reason, export, gzip, checksums) of the corpus into a temporary releases folder."""
    from b12kg.build.release import make_release

    result = make_release(curated_dir=curated, releases_dir=releases, reasoner=engine)
    return {"files": float(result.files)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = parser.add_subparsers(dest="kind", required=True)
    for name in ("query-embedded", "query-endpoint"):
        sub = kinds.add_parser(name)
        sub.add_argument("target")
        sub.add_argument("--repeat", type=int, default=5)
        sub.add_argument("--slow", type=float, default=10.0, help="a warm-up this slow is the only run")
        sub.add_argument("--timeout", type=float, default=300.0, help="seconds one query may take")
        if name == "query-embedded":
            sub.add_argument("--location", type=Path, default=None, help="the embedded store on disk, here")
    sub = kinds.add_parser("pyoxigraph")
    sub.add_argument("nquads", type=Path)
    sub.add_argument("out", type=Path)
    kinds.add_parser("rdflib").add_argument("nquads", type=Path)
    sub = kinds.add_parser("gsp-post")
    sub.add_argument("base")
    sub.add_argument("nquads", type=Path)
    sub = kinds.add_parser("validate-shacl")
    sub.add_argument("graph", type=Path)
    sub.add_argument("--engine", default="sparql")
    for name in ("validate-hermit", "validate-hermit-full"):
        sub = kinds.add_parser(name)
        sub.add_argument("graph", type=Path)
        sub.add_argument("imports", type=Path)
    sub = kinds.add_parser("release")
    sub.add_argument("curated", type=Path)
    sub.add_argument("releases", type=Path)
    sub.add_argument("--engine", default="hermit")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    kind = args.kind
    if kind == "query-embedded":
        result = query_embedded(Path(args.target), args.repeat, args.slow, args.timeout, args.location)
    elif kind == "query-endpoint":
        result = query_endpoint(args.target, args.repeat, args.slow, args.timeout)
    elif kind == "pyoxigraph":
        result = pyoxigraph_roundtrip(args.nquads, args.out)
    elif kind == "rdflib":
        result = rdflib_parse(args.nquads)
    elif kind == "gsp-post":
        result = gsp_post(args.base, args.nquads)
    elif kind == "validate-shacl":
        result = validate_shacl(args.graph, args.engine)
    elif kind == "validate-hermit":
        result = validate_hermit(args.graph, args.imports)
    elif kind == "validate-hermit-full":
        result = validate_hermit_full(args.graph, args.imports)
    else:
        result = release(args.curated, args.releases, args.engine)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
