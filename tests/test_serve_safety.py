"""`b12kg serve` left running: query timeout, foreign pages refused, no federation, a taken port, `kill -9`."""

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
import urllib.parse
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.store.guard import allowed_hosts, foreign_request, uses_service
from b12kg.store.processes import OWNER_FILE, RUN_PREFIX
from b12kg.store.serve import Endpoint, load_location, start_endpoint
from procs import children, running

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
TICK = os.sysconf("SC_CLK_TCK")


# --- helpers ----------------------------------------------------------------------------------------------------------

def _serve(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Run `b12kg serve ARGS` as a user would and return it with its endpoint URL, once it prints it."""
    process = subprocess.Popen([sys.executable, "-m", "b12kg", "serve", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = process.stdout.readline()
            if "SPARQL endpoint:" in line:
                return process, line.split("SPARQL endpoint:", 1)[1].strip()
            if not line:
                break
    process.kill()
    raise AssertionError(f"serve did not start: {process.communicate(timeout=10)[1]}")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (fields 14 and 15 of /proc/PID/stat), those still there."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _request(url: str, method: str = "GET", body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


class _Listener:
    """A TCP listener on 127.0.0.1 that only records whether anyone connected (a federated SERVICE target)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.contacts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.contacts += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def location(inferred_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("safety") / "db"
    load_location(folder, inferred_build)
    return folder


@pytest.fixture(scope="module")
def endpoint(location: Path) -> Iterator[Endpoint]:
    server = start_endpoint(location, workers=2)
    yield server
    server.stop()


# --- 1. the query timeout ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0.5", "0", "-3", "nan", "inf", "1e9"])
def test_a_timeout_below_one_second_or_not_finite_is_refused(value: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--timeout", value])
    assert result.exit_code == 2
    assert "--timeout" in result.output and "from 1 to 86400" in result.output


@pytest.mark.store
@pytest.mark.slow
def test_an_abandoned_runaway_query_stops_using_cpu_while_others_are_served(inferred_build: Path,
                                                                            tmp_path: Path) -> None:
    """A cartesian product whose client has gone: its worker is stopped at --timeout; meanwhile queries answer."""
    process, url = _serve(["--port", "0", "--timeout", "2", "--workers", "2", "--graphs", str(inferred_build)],
                          env={"TMPDIR": str(tmp_path)})
    try:
        workers = children(process.pid)
        assert len(workers) == 2
        parts = urllib.parse.urlsplit(url)
        runaway = socket.create_connection((parts.hostname, parts.port))
        started = time.monotonic()
        runaway.sendall(f"GET /query?{urllib.parse.urlencode({'query': RUNAWAY})} HTTP/1.1\r\n"
                        f"Host: {parts.netloc}\r\n\r\n".encode())
        time.sleep(0.3)
        before = _cpu_seconds(workers)
        status, text = _request(f"{url}?{urllib.parse.urlencode({'query': 'SELECT (COUNT(*) AS ?n) {?s ?p ?o}'})}",
                                headers={"Accept": "application/sparql-results+json"})
        answered = time.monotonic() - started
        assert status == 200 and int(json.loads(text)["results"]["bindings"][0]["n"]["value"]) > 1000
        assert answered < 1.9  # answered by the other worker while the runaway runs
        time.sleep(max(0.0, 1.2 - (time.monotonic() - started)))
        assert _cpu_seconds(workers) - before > 0.1  # the runaway really runs
        runaway.close()  # the client gives up
        time.sleep(max(0.0, 2 + 0.5 + 1.0 - (time.monotonic() - started)))  # past the timeout and its grace
        now = [pid for pid in children(process.pid) if running(pid)]
        first = _cpu_seconds(now)
        time.sleep(1.5)
        assert _cpu_seconds(now) - first < 0.3  # nobody burns a core any more
        assert sum(running(pid) for pid in workers) == 1  # the runaway's worker was killed ...
        assert len(now) == 2  # ... and replaced
        status, text = _request(f"{url}?query=ASK%7B%7D")
        assert status == 200, text
    finally:
        _stop(process)


# --- 2. other web pages and other names -------------------------------------------------------------------------------

def _headers(**values: str) -> Message:
    message = Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


def test_only_this_endpoints_own_host_and_origin_pass() -> None:
    allowed = allowed_hosts("127.0.0.1", 7878, loopback=True)
    assert foreign_request(_headers(Host="127.0.0.1:7878"), allowed) is None
    assert foreign_request(_headers(Host="LOCALHOST:7878", Origin="http://localhost:7878",
                                    Sec_Fetch_Site="same-origin"), allowed) is None
    assert "DNS rebinding" in (foreign_request(_headers(Host="evil.example:7878"), allowed) or "")
    assert foreign_request(_headers(Host="127.0.0.1:7879"), allowed)
    assert foreign_request(_headers(), allowed)
    assert "cross-origin" in (foreign_request(_headers(Host="127.0.0.1:7878", Origin="http://evil.example"),
                                              allowed) or "")
    assert foreign_request(_headers(Host="127.0.0.1:7878", Origin="null"), allowed)
    assert foreign_request(_headers(Host="127.0.0.1:7878", Sec_Fetch_Site="cross-site"), allowed)
    assert allowed_hosts("::1", 8000, loopback=True) == {"[::1]:8000", "localhost:8000"}


@pytest.mark.store
def test_a_cross_origin_form_post_and_a_rebound_host_get_403(endpoint: Endpoint) -> None:
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    post = {"Content-Type": "application/x-www-form-urlencoded"}
    status, text = _request(endpoint.query_url, "POST", form, {**post, "Origin": "http://evil.example"})
    assert status == 403 and "cross-origin" in text
    status, text = _request(f"{endpoint.query_url}?query=ASK%7B%7D", headers={"Host": f"evil.example:{endpoint.port}"})
    assert status == 403 and "DNS rebinding" in text
    status, text = _request(f"{endpoint.query_url}?query=ASK%7B%7D", headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    own = f"http://localhost:{endpoint.port}"
    status, text = _request(endpoint.query_url, "POST", form,
                            {**post, "Origin": own, "Host": f"localhost:{endpoint.port}"})
    assert status == 200 and "true" in text
    status, _ = _request(endpoint.base + "/", headers={"Sec-Fetch-Site": "none"})  # the query page, typed in
    assert status == 200


# --- 3. no federation -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "verdict"), [
    ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
    ("select * { ?x ?y ?z . service silent ?endpoint { ?s ?p ?o } }", "service"),
    ("ASK { FILTER EXISTS { SELECT ?s { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }", "service"),
    ("SELECT * { ?s ?p ?o # note\r SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }", "service"),
    ("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
    ("SELECT * { ?s ?p # \\u000A \"\"\"\n?o . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c }\n# \"\"\"\n}", "service"),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }", "none"),
    ("SELECT * { ?s ?p \"SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\" }", "none"),
    ("SELECT ?service { ?service <http://example.org/service> ?o }", "none"),
    ("PREFIX service: <http://example.org/> SELECT * { ?s service:SERVICE ?o }", "none"),
    ("SELECT * { ?s ?p ?o }", "none"),
    ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }", "unchecked"),  # unbalanced: cannot be checked
])
def test_service_is_found_by_parsing_not_by_spotting_the_word(query: str, verdict: str) -> None:
    assert uses_service(query) == verdict


@pytest.mark.store
def test_federated_queries_are_refused_and_no_other_server_is_contacted(endpoint: Endpoint, location: Path) -> None:
    listener = _Listener()
    federated = f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    sneaky = f"SELECT * {{ ?s ?p ?o # comment\r service <http://127.0.0.1:{listener.port}/cr> {{ ?a ?b ?c }} }}"
    try:
        for query in (federated, sneaky):
            for method, target, body, headers in [
                ("GET", f"{endpoint.query_url}?{urllib.parse.urlencode({'query': query})}", None, {}),
                ("POST", endpoint.query_url, urllib.parse.urlencode({"query": query}).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded"}),
                ("POST", endpoint.query_url, query.encode(),
                 {"Content-Type": "Application/SPARQL-Query; charset=utf-8"}),
            ]:
                status, text = _request(target, method, body, headers)
                assert status == 403 and "--allow-service" in text, (method, query, text)
        benign = f"SELECT * {{ ?s ?p 'SERVICE <http://127.0.0.1:{listener.port}/>' }} # SERVICE <http://127.0.0.1/>"
        status, _ = _request(f"{endpoint.query_url}?{urllib.parse.urlencode({'query': benign})}")
        assert status == 200  # the word alone, in a string or a comment, is no reason to refuse
        time.sleep(0.3)
        assert listener.contacts == 0
        allowing = start_endpoint(location, workers=1, allow_service=True)
        try:
            _request(f"{allowing.query_url}?{urllib.parse.urlencode({'query': federated})}")
        finally:
            allowing.stop()
        assert listener.contacts >= 1  # with --allow-service Oxigraph does call out: the check above is what stops it
    finally:
        listener.close()


# --- streaming and keep-alive through the front -----------------------------------------------------------------------

@pytest.mark.store
def test_large_results_stream_through_the_front_on_one_kept_alive_connection(endpoint: Endpoint) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=60)
    accept = {"Accept": "application/sparql-results+json"}
    try:
        pattern = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } VALUES ?n { 1 2 3 4 } }"
        every = urllib.parse.urlencode({"query": f"SELECT * {pattern}"})
        connection.request("GET", f"/query?{every}", headers=accept)
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
        body = response.read()
        rows = json.loads(body)["results"]["bindings"]
        count = urllib.parse.urlencode({"query": f"SELECT (COUNT(*) AS ?n) {pattern}"})
        connection.request("GET", f"/query?{count}", headers=accept)  # same connection
        response = connection.getresponse()
        counted = int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])
    finally:
        connection.close()
    assert len(body) > 4_000_000 and len(rows) == counted > 10_000


# --- 4. a port in use -------------------------------------------------------------------------------------------------

class _Impostor(BaseHTTPRequestHandler):
    """Another server on the port that answers any query with 200 (as another endpoint would)."""

    def do_GET(self) -> None:  # noqa: N802
        body = b'{"head":{},"boolean":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.store
@pytest.mark.parametrize("occupant", ["silent socket", "answering server"])
def test_serve_on_a_taken_port_fails_and_names_the_port(inferred_build: Path, occupant: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    port = server.server_address[1]
    if occupant == "answering server":
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run([sys.executable, "-m", "b12kg", "serve", "--port", str(port), "--graphs",
                               str(inferred_build)], capture_output=True, text=True, timeout=120)
    finally:
        if occupant == "answering server":
            server.shutdown()
        server.server_close()
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "SPARQL endpoint:" not in done.stdout


# --- 5. kill -9 -------------------------------------------------------------------------------------------------------

@pytest.mark.store
def test_kill_9_takes_the_workers_along_and_the_next_serve_removes_the_folder(inferred_build: Path,
                                                                            tmp_path: Path) -> None:
    env = {"TMPDIR": str(tmp_path)}
    process, _ = _serve(["--port", "0", "--workers", "2", "--graphs", str(inferred_build)], env=env)
    workers = children(process.pid)
    (folder,) = tmp_path.glob(RUN_PREFIX + "*")
    assert len(workers) == 2 and (folder / OWNER_FILE).read_text().split()[0] == str(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(pid) for pid in workers)
    assert folder.is_dir()  # nobody could remove it: the next serve will
    second, url = _serve(["--port", "0", "--workers", "1", "--graphs", str(inferred_build)], env=env)
    try:
        assert not folder.exists()
        assert _request(f"{url}?query=ASK%7B%7D")[0] == 200
        (own,) = tmp_path.glob(RUN_PREFIX + "*")  # its own folder stays while it runs
    finally:
        _stop(second)
    assert second.returncode == 0 and not own.exists()


def test_ctrl_c_stops_serve_even_when_started_with_sigint_ignored(inferred_build: Path, tmp_path: Path) -> None:
    """A process started in a script's background (nohup, `&`) inherits SIGINT ignored, and Python then raises no
    KeyboardInterrupt: serve installs its own handler, so SIGINT still stops it, workers and folder included
    (found when a benchmark's SIGINT left serve running)."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "b12kg", "serve", "--port", "0", "--workers", "1", "--graphs",
                                str(inferred_build)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "press Ctrl-C to stop" not in process.stdout.readline():
            pass
        workers = children(process.pid)
        assert workers and list(tmp_path.glob(RUN_PREFIX + "*"))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not any(running(pid) for pid in workers) and list(tmp_path.glob(RUN_PREFIX + "*")) == []
