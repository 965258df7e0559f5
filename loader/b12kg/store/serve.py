"""Serve stage: a read-only SPARQL 1.1 endpoint over the built graphs: a checking front before Oxigraph workers."""

from __future__ import annotations

import errno
import http.client
import ipaddress
import math
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError

from b12kg.errors import B12kgError, MissingPrerequisite, StoreError
from b12kg.paths import GRAPHS_DIR
from b12kg.sparql.engines import INFERRED_FILE, edition_file
from b12kg.store.front import Front
from b12kg.store.guard import allowed_hosts
from b12kg.store.pool import Pool
from b12kg.store.processes import die_with_parent, oxigraph_binary
from b12kg.store.service import Served, listed, served_graphs, service_description
from b12kg.store.site import StaticSite

__all__ = ["Endpoint", "load_location", "start_endpoint", "open_front", "check_timeout", "DEFAULT_TIMEOUT",
           "DEFAULT_WORKERS", "MAX_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0  # seconds a query may run (computing and sending its answer) before its worker is stopped
MAX_TIMEOUT = 86_400.0
DEFAULT_WORKERS = 4  # Oxigraph processes, each answering one request at a time


def check_timeout(seconds: float) -> float:
    """The query timeout, if it is a finite number of seconds from 1 to a day; else an error saying so."""
    if not math.isfinite(seconds) or not 1 <= seconds <= MAX_TIMEOUT:
        raise B12kgError(f"--timeout {seconds} is not a number of seconds from 1 to {MAX_TIMEOUT:.0f}",
                         fix=f"give e.g. --timeout {DEFAULT_TIMEOUT:.0f} (the Oxigraph server counts whole seconds; "
                             "below 1 it would have no timeout at all)")
    return seconds


# --- loading ---------------------------------------------------------------------------------------------------------

def load_location(location: Path, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True,
                  edition: str = "rdf11", inferred_default: bool = False) -> Served:
    """Load the release into an Oxigraph directory in the store layout every engine holds (b12kg.store.release):
    the named graphs asserted, inferred, examples, catalog and the per-claim graphs, and the asserted graph as the
    default graph (the inferred graph is not mixed into it; name it with FROM <https://w3id.org/b12kg/graph/inferred>).
    ``edition`` "rdf12" loads the RDF 1.2 edition (b12kg.rdf12.nq) in the same layout; ``inferred_default`` puts
    the inferred graph into the default graph too (the embedded store's layout, b12kg.sparql.engines).
    Returns what the location serves, from the counts the load made (for the service description: no query over
    the catalog graph at start-up, which on a freshly loaded 10^6-claim store outlasted the start-up wait)."""
    from b12kg.store.release import write_layout

    files = [graphs_dir / edition_file(edition)] + ([graphs_dir / INFERRED_FILE] if inferred else [])
    for path in files:
        if not path.is_file():
            raise MissingPrerequisite(f"{path} is missing", fix="run `b12kg build` and `b12kg reason` first")
    location.mkdir(parents=True, exist_ok=True)
    # the layout streamed into `oxigraph load` on its standard input (one load: atomic): no copy of the release on
    # disk and none in memory, whatever its size; its messages go to a file, so that a full pipe cannot stall it
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors:
        process = subprocess.Popen([oxigraph_binary(), "load", "--location", str(location), "--format", "nq"],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
                                   text=True, encoding="utf-8", preexec_fn=die_with_parent())
        assert process.stdin is not None
        try:
            summary = write_layout(process.stdin, graphs_dir, inferred=inferred, edition=edition,
                                   inferred_default=inferred_default)
            process.stdin.close()  # the end of its input: it commits the load
        except BrokenPipeError:
            pass  # it stopped reading: its exit status and messages say why
        except BaseException:
            process.kill()  # a bad release file (or Ctrl-C): killed before its input ends, it commits nothing
            process.wait()
            raise
        returncode = process.wait()
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0:
        raise StoreError(f"oxigraph could not load the release from {graphs_dir}: {stderr.strip()[-500:]}",
                         fix="check the files parse (`b12kg validate`) and the location is writable")
    return listed(summary.sizes, rdf12=edition == "rdf12")


# --- the endpoint ----------------------------------------------------------------------------------------------------

@dataclass
class Endpoint:
    """A running endpoint: the front on the public address and the worker pool behind it."""

    front: Front
    pool: Pool
    host: str
    port: int
    location: Path
    thread: threading.Thread

    @property
    def base(self) -> str:
        return f"http://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def wait(self, poll: float = 0.5) -> B12kgError | None:
        """Block until the endpoint stops; the reason if its workers could not be started. Once started, it does not
        stop for workers that fail to restart: the pool retries them and the front answers 503 meanwhile."""
        while self.thread.is_alive() and not self.pool.failed.wait(poll):
            pass
        return self.pool.failure

    def stop(self) -> None:
        self.front.shutdown()
        self.front.server_close()
        self.pool.close()


def _address(host: str) -> tuple[socket.AddressFamily, str, bool]:
    """(family, IP literal, is loopback) for --host; wildcard addresses are refused (Host checks need one name)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise B12kgError(f"--host {host!r} is not an address this machine can bind: {exc}",
                         fix="give an IP address such as 127.0.0.1 or ::1") from exc
    family, ip = infos[0][0], str(infos[0][4][0])
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.is_unspecified:
        raise B12kgError(f"--host {host} would listen on every interface, under names this endpoint cannot check",
                         fix="give the one address clients will use, e.g. 127.0.0.1 (the default)")
    return family, ip, address.is_loopback


def open_front(*, host: str = "127.0.0.1", port: int = 0) -> Front:
    """Bind the public address now (it is this process's from here on), or say clearly that the port is taken."""
    family, ip, loopback = _address(host)
    try:
        front = Front((ip, port), family, frozenset())
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StoreError(f"port {port} on {ip} is already in use (another `b12kg serve`, or another program)",
                             fix="stop that program, or choose another port with --port (0: any free port)") from exc
        raise StoreError(f"cannot listen on {ip} port {port}: {exc}", fix="choose another --host or --port") from exc
    front.allowed = allowed_hosts(ip, front.server_port, loopback=loopback)
    return front


def start_endpoint(location: Path, *, host: str = "127.0.0.1", port: int | None = None,
                   timeout: float = DEFAULT_TIMEOUT, workers: int = DEFAULT_WORKERS, allow_service: bool = False,
                   front: Front | None = None, wait_seconds: float = 30.0, site: StaticSite | None = None,
                   served: Served | None = None) -> Endpoint:
    """Start the workers on the location and the front on host:port, and check a query answers through both;
    with `site`, the front answers GETs of its files itself (the explorer at /, b12kg.store.site). `served` (what
    `load_location` returns) describes the location; without it, its catalog graph is queried."""
    check_timeout(timeout)
    front = front or open_front(host=host, port=port or 0)
    pool = Pool(location, size=workers, timeout=timeout, wait_seconds=wait_seconds)
    try:
        pool.start()
    except B12kgError:
        front.server_close()
        pool.close()
        raise
    front.attach(pool, timeout=timeout, allow_service=allow_service)
    front.site = site
    thread = threading.Thread(target=front.serve_forever, name="b12kg-serve-front", daemon=True)
    thread.start()
    endpoint = Endpoint(front, pool, front.server_name, front.server_port, location, thread)
    try:
        _first_answer(endpoint.query_url, wait_seconds=wait_seconds)
        if served is None:
            served = served_graphs(endpoint.query_url, timeout=wait_seconds)
    except StoreError:
        endpoint.stop()
        raise
    except (URLError, OSError, http.client.HTTPException, ValueError, KeyError) as exc:
        said = _said(exc)
        endpoint.stop()
        raise StoreError(f"the endpoint did not answer its start-up query: {exc}{said}", fix="try again") from exc
    front.description = service_description(endpoint.query_url, served.graphs, rdf12=served.rdf12,
                                            unlisted=served.unlisted)
    return endpoint


def _first_answer(query_url: str, *, wait_seconds: float) -> None:
    """Ask the trivial start-up query until it is answered; a 503 (clients that came early took every worker) is
    asked again after its Retry-After, for up to ``wait_seconds``; any other failure is raised."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{query_url}?query=ASK%7B%7D",
                                        timeout=max(1.0, deadline - time.monotonic())) as answer:
                if answer.status != 200 or b"true" not in answer.read():
                    raise StoreError("the endpoint answered its start-up query wrongly", fix="try again")
                return
        except HTTPError as exc:
            said = str(exc.headers.get("Retry-After") or "1").strip()
            pause = min(float(said), 5.0) if said.isdigit() else 1.0  # RFC 9110 §10.2.3: seconds (or a date)
            if exc.code != 503 or time.monotonic() + pause > deadline:
                raise
            exc.close()
            time.sleep(pause)


def _said(exc: BaseException) -> str:
    """What the front wrote with an HTTP error status (its reason: which 503, for instance), for the message."""
    if not isinstance(exc, HTTPError):
        return ""
    try:
        text = exc.read(500).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    return f" ({text})" if text else ""
