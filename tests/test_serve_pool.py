"""`b12kg serve` when its Oxigraph workers die or cannot be restarted: the endpoint stays up and says why."""

from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from b12kg.errors import StoreError
from b12kg.sparql.engines import INFERRED_FILE
from b12kg.store.pool import Pool
from b12kg.store.serve import load_location, open_front, start_endpoint
from procs import children

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
FAILED = "a replacement Oxigraph worker failed to start"


def _get(url: str, query: str, timeout: float = 60) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers of a GET of the query (an HTTP error status is an answer too)."""
    try:
        with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode({'query': query})}", timeout=timeout) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _command(pid: int) -> bytes:
    """A process's arguments after the program, space-separated (proc(5): /proc/PID/cmdline)."""
    try:
        return b" ".join(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:])
    except OSError:
        return b""


@pytest.fixture(scope="module")
def location(fresh_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pool") / "db"
    load_location(folder, fresh_build, inferred=False)
    return folder


@pytest.fixture()
def moved(location: Path) -> Iterator[Callable[[bool], None]]:
    """Move the database folder away (replacement workers then exit at start: no database there) and back; running
    workers keep their open files. Always moved back at the end."""
    away = location.with_name("db-away")

    def move(gone: bool) -> None:
        os.rename(*((location, away) if gone else (away, location)))
    yield move
    if away.exists():
        move(False)


# --- a running endpoint does not stop when replacements fail ----------------------------------------------------------

@pytest.mark.store
def test_replacements_that_fail_leave_the_other_worker_answering_and_are_retried(location: Path,
                                                                                 moved: Callable[[bool], None]) -> None:
    endpoint = start_endpoint(location, workers=2, timeout=1)
    lines: list[str] = []
    endpoint.pool.report = lines.append
    try:
        moved(True)
        status, text, _ = _get(endpoint.query_url, RUNAWAY)
        assert status == 504 and "timeout (1 s)" in text  # killed by its deadline: the documented answer, not 502
        assert _until(lambda: sum(FAILED in line for line in lines) >= 2, 20), lines
        assert "exited at start" in lines[0] and "1 of 2 worker(s) running; retrying in 1 s" in lines[0]
        assert "retrying in 2 s" in lines[1] and "Stack backtrace" not in lines[0]
        for _ in range(3):  # the worker still alive answers, again and again
            status, text, _ = _get(endpoint.query_url, COUNT)
            assert status == 200 and '"value":"' in text
        assert endpoint.thread.is_alive() and not endpoint.pool.failed.is_set()
        moved(False)
        assert _until(lambda: any("answers again" in line for line in lines), 40), lines
        assert "2 of 2 worker(s) running" in lines[-1]
        assert endpoint.pool.outage() is None
    finally:
        endpoint.stop()


@pytest.mark.store
def test_serve_with_no_worker_left_answers_503_then_200_once_a_replacement_starts(
        fresh_build: Path, tmp_path: Path) -> None:
    """The real `b12kg serve` process, one worker: its replacements fail (no database where it was) more times than
    the start-up allows; the process stays up and says 503 with Retry-After, then answers once the folder is back."""
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for path in fresh_build.iterdir():
        (graphs / path.name).symlink_to(path)
    (graphs / INFERRED_FILE).write_text("", encoding="utf-8")  # serve loads one; no reasoner (JVM) needed here
    database = tmp_path / "db"
    process = subprocess.Popen([sys.executable, "-m", "b12kg", "serve", "--port", "0", "--timeout", "1",
                                "--workers", "1", "--location", str(database), "--graphs", str(graphs)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(tmp_path)})
    errors: list[str] = []
    assert process.stdout is not None and process.stderr is not None
    threading.Thread(target=lambda: errors.extend(iter(process.stderr.readline, "")), daemon=True).start()
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        url = ""
        while not url and selector.select(timeout=90):
            line = process.stdout.readline()
            assert line, "".join(errors)
            url = line.split("SPARQL endpoint:", 1)[1].strip() if "SPARQL endpoint:" in line else ""
        assert url, "".join(errors)
        os.rename(database, tmp_path / "away")
        status, text, _ = _get(url, RUNAWAY)
        assert status == 504 and "was stopped" in text
        assert _until(lambda: sum(FAILED in line for line in errors) >= 4, 30), "".join(errors)  # start-up stops at 3
        assert process.poll() is None  # still serving
        status, text, headers = _get(url, "ASK {}")
        assert status == 503 and "no Oxigraph worker of this endpoint is running" in text, text
        assert "failed to start" in text and int(headers["Retry-After"]) >= 1
        failures = [line for line in errors if FAILED in line]
        assert "b12kg serve:" in failures[0] and "0 of 1 worker(s) running; retrying in 1 s" in failures[0]
        os.rename(tmp_path / "away", database)
        assert _until(lambda: any("answers again" in line for line in errors), 40), "".join(errors)
        status, text, _ = _get(url, "ASK {}")
        assert status == 200 and "true" in text
        assert process.poll() is None
    finally:
        if (tmp_path / "away").exists():
            os.rename(tmp_path / "away", database)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0, "".join(errors)


def test_a_replacement_may_take_longer_to_start_than_the_start_up_and_longer_after_each_failure(
        tmp_path: Path) -> None:
    pool = Pool(tmp_path, size=1, timeout=5, wait_seconds=30)  # not started: no process
    assert [pool.replacement_wait(failures) for failures in range(5)] == [120, 240, 480, 600, 600]
    assert Pool(tmp_path, size=1, timeout=5, wait_seconds=300).replacement_wait(0) == 300  # a longer start-up wait


@pytest.mark.store
def test_clients_that_left_before_the_endpoint_answered_cost_no_worker_and_do_not_stop_its_start(
        location: Path) -> None:
    """Seen at 10^6 claims: a readiness probe that times out while serve loads leaves its request in the listen
    backlog; once serving, each such request ran and killed its worker on the closed socket, the replacements
    (slow on a large store) left none, and the start-up query got a 503. Here 40 such requests wait in the backlog."""
    front = open_front()
    for _ in range(40):
        with socket.create_connection(("127.0.0.1", front.server_port)) as probe:
            probe.sendall(f"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1:{front.server_port}\r\n"
                          "\r\n".encode())
    endpoint = start_endpoint(location, front=front, workers=2, timeout=5)
    try:
        for _ in range(5):
            status, text, _ = _get(endpoint.query_url, COUNT)
            assert status == 200 and '"value":"' in text
        assert endpoint.pool.dropped == 0  # no worker was killed for a client that had gone
    finally:
        endpoint.stop()


EVERY_QUAD = "SELECT * { GRAPH ?g { ?s ?p ?o } }"  # ~1 MB of JSON on the article's release, sent in chunks


def _leave_during(port: int, query: str) -> None:
    """A client that reads the first byte of the answer and closes with the rest unread (a reset for the front)."""
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET /query?query={urllib.parse.quote(query)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       "Accept: application/sparql-results+json\r\n\r\n".encode())
        assert client.recv(1) == b"H"


@pytest.mark.store
def test_a_client_that_leaves_while_its_answer_streams_keeps_the_worker_unless_the_rest_is_long(
        location: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from b12kg.store import front

    endpoint = start_endpoint(location, workers=1, timeout=10)
    try:
        for _ in range(3):
            _leave_during(endpoint.port, EVERY_QUAD)
            status, text, _ = _get(endpoint.query_url, COUNT)
            assert status == 200 and '"value":"' in text
        assert endpoint.pool.dropped == 0  # the rest of each answer was read: the worker was idle again
        monkeypatch.setattr(front, "_DRAIN", 1024)  # a rest longer than that is not read: the worker is replaced
        _leave_during(endpoint.port, EVERY_QUAD)
        status, _, _ = _get(endpoint.query_url, COUNT)
        assert status == 200 and endpoint.pool.dropped == 1
    finally:
        endpoint.stop()


@pytest.mark.store
def test_a_client_that_left_while_it_waited_for_a_busy_worker_costs_no_worker(location: Path) -> None:
    endpoint = start_endpoint(location, workers=1, timeout=30)
    try:
        held = endpoint.pool.acquire(wait=10)  # the one worker, busy as far as the front can tell
        assert held is not None
        with socket.create_connection(("127.0.0.1", endpoint.port)) as client:
            client.sendall(f"GET /query?query={urllib.parse.quote(EVERY_QUAD)} HTTP/1.1\r\n"
                           f"Host: 127.0.0.1:{endpoint.port}\r\n\r\n".encode())
            time.sleep(0.5)  # the front has read the request and waits for a worker; then the client leaves
        time.sleep(0.2)
        endpoint.pool.release(held, healthy=True)
        for _ in range(3):
            status, _, _ = _get(endpoint.query_url, COUNT)
            assert status == 200
        assert endpoint.pool.dropped == 0
    finally:
        endpoint.stop()


@pytest.mark.store
def test_a_worker_killed_by_something_else_than_the_timeout_gets_a_502_that_says_so(location: Path) -> None:
    endpoint = start_endpoint(location, workers=1, timeout=60)
    try:
        (worker,) = [pid for pid in children(os.getpid()) if _command(pid).startswith(b"serve-read-only")
                     and str(location).encode() in _command(pid)]
        answer: list[tuple[int, str, dict[str, str]]] = []
        asking = threading.Thread(target=lambda: answer.append(_get(endpoint.query_url, RUNAWAY)))
        asking.start()
        time.sleep(1.0)  # the runaway is computing
        os.kill(worker, signal.SIGKILL)  # as the kernel's OOM killer would
        asking.join(timeout=30)
        ((status, text, _),) = answer
        assert status == 502 and "killed by signal 9" in text and "not because of this endpoint's timeout" in text
        assert _get(endpoint.query_url, "ASK {}")[0] == 200  # replaced
    finally:
        endpoint.stop()


@pytest.mark.store
def test_a_query_stopped_by_the_workers_own_timeout_never_looks_answered(location: Path) -> None:
    """Oxigraph's --timeout-s may stop a query before the front's deadline (seen at 10^6 claims): it then answers
    500 "cancelled", or ends a 200's partial results with that text as if complete. The front's deadline is moved far
    out here (a public attribute), so that only the worker's own timeout (1 s) can stop these queries."""
    endpoint = start_endpoint(location, workers=1, timeout=1)
    endpoint.front.timeout_s = 20
    try:
        (worker,) = [pid for pid in children(os.getpid()) if _command(pid).startswith(b"serve-read-only")
                     and str(location).encode() in _command(pid)]
        status, text, _ = _get(endpoint.query_url, 'ASK { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) = CONCAT(STR(?f), "!")) }')
        assert status == 504 and "was stopped" in text, (status, text)  # not Oxigraph's bare 500
        counting = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
        try:
            connection.request("GET", f"/query?{urllib.parse.urlencode({'query': counting})}",
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            assert response.status == 200  # sent before the query was stopped
            with pytest.raises(http.client.IncompleteRead) as cut:  # no final chunk: visibly incomplete
                response.read()
            assert cut.value.partial.endswith(b"The SPARQL operation has been cancelled")
        finally:
            connection.close()
        assert _get(endpoint.query_url, "ASK {}")[0] == 200
        assert worker in children(os.getpid())  # the worker stopped the queries itself: it was kept
    finally:
        endpoint.stop()


# --- start-up failures stay fatal -------------------------------------------------------------------------------------

@pytest.mark.store
def test_workers_that_cannot_start_stop_the_endpoint_at_start_up_with_a_clear_error(tmp_path: Path) -> None:
    front = open_front(port=0)
    port = front.server_port
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        start_endpoint(tmp_path / "no-database", workers=2, front=front)
    assert time.monotonic() - started < 30  # three failed starts, not a retry forever
    error = caught.value
    assert error.exit_code == 4
    assert "an Oxigraph worker exited at start (status 1)" in error.message and "CURRENT" in error.message
    assert "Stack backtrace" not in error.message and "holds an Oxigraph database" in error.fix
    with pytest.raises(OSError):  # the public port was let go
        urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=5)


@pytest.mark.store
def test_above_the_listing_limit_the_service_description_lists_the_release_graphs_and_names_the_catalog(
        location: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 10^6 claims the catalog holds 2·10^6 per-claim graphs: the description served at the endpoint URL lists
    the release's own graphs and says how many others the catalog lists (here with the limit lowered to 10)."""
    from pyoxigraph import RdfFormat, Store

    from b12kg.store import service

    monkeypatch.setattr(service, "LISTED_GRAPHS", 10)
    endpoint = start_endpoint(location, workers=1, timeout=5)
    try:
        with urllib.request.urlopen(endpoint.query_url, timeout=30) as answer:
            description = Store()
            description.load(answer.read(), format=RdfFormat.TURTLE)
        _, catalog, _ = _get(endpoint.query_url, "SELECT ?g ?n { GRAPH <https://w3id.org/b12kg/graph/catalog> { "
                                                 "?d <http://purl.org/dc/terms/hasPart> ?g . "
                                                 "?g <http://rdfs.org/ns/void#triples> ?n } }")
    finally:
        endpoint.stop()
    every = {row["g"]["value"]: int(row["n"]["value"]) for row in json.loads(catalog)["results"]["bindings"]}
    listed = {row[0].value: int(row[1].value) for row in description.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?name ?n { ?s sd:defaultDataset/sd:namedGraph [ sd:name ?name ; sd:graph/void:triples ?n ] }""")}
    own = {name: n for name, n in every.items() if name.startswith("https://w3id.org/b12kg/graph/")}
    assert len(every) > 10 and listed == own and "https://w3id.org/b12kg/graph/asserted" in listed
    comments = [row[0].value for row in description.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?c { ?s sd:defaultDataset/<http://www.w3.org/2000/01/rdf-schema#comment> ?c }""")]
    assert comments == [f"Besides the named graphs listed here, the dataset holds {len(every) - len(own):,} more "
                        "(each claim's assertion and provenance graphs), too many to list in this description: the "
                        "catalog graph <https://w3id.org/b12kg/graph/catalog> lists each of them with its size "
                        "(void:triples)."]


@pytest.mark.store
def test_the_counts_the_load_made_describe_what_the_endpoint_serves(fresh_build: Path, tmp_path: Path) -> None:
    """`serve` describes its endpoint from the load's own counts (no catalog query at start-up: at 10^6 claims it
    outlasted the start-up wait on the freshly loaded store); they are what the catalog graph says, at any limit."""
    from b12kg.store.service import listed, served_graphs

    counted = load_location(tmp_path / "db", fresh_build, inferred=False)
    endpoint = start_endpoint(tmp_path / "db", workers=1, timeout=10, served=counted)
    try:
        assert served_graphs(endpoint.query_url) == counted and counted.unlisted == 0 and not counted.rdf12
        for limit in (3, 10, 1_000):
            assert served_graphs(endpoint.query_url, limit=limit) == listed(counted.graphs, rdf12=False, limit=limit)
        assert listed(counted.graphs, rdf12=False, limit=3).unlisted > 0
    finally:
        endpoint.stop()
