"""Serve stage: a read-only SPARQL 1.1 endpoint over the built graphs: a checking front before Oxigraph workers."""

from __future__ import annotations

import errno
import http.client
import ipaddress
import math
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable
from urllib.error import URLError

from b12kg.errors import B12kgError, MissingPrerequisite, StoreError
from b12kg.store.front import Front
from b12kg.store.guard import allowed_hosts
from b12kg.paths import GRAPHS_DIR
from b12kg.sparql.engines import DATASET_FILE, INFERRED_FILE

__all__ = ["Endpoint", "Pool", "Worker", "oxigraph_binary", "load_location", "start_endpoint", "open_front",
           "free_port", "check_timeout", "make_run_folder", "remove_stale_run_folders", "die_with_parent",
           "DEFAULT_TIMEOUT", "DEFAULT_WORKERS", "MAX_TIMEOUT", "RUN_PREFIX", "OWNER_FILE"]

DEFAULT_TIMEOUT = 30.0  # seconds a query may run (computing and sending its answer) before its worker is stopped
MAX_TIMEOUT = 86_400.0
DEFAULT_WORKERS = 4  # Oxigraph processes, each answering one request at a time
GRACE = 0.5  # seconds past the timeout before a worker is killed: Oxigraph's own --timeout-s may answer first
RUN_PREFIX = "b12kg-serve-"
OWNER_FILE = "b12kg-serve.owner"
_SPAWN_TRIES = 3


def check_timeout(seconds: float) -> float:
    """The query timeout, if it is a finite number of seconds from 1 to a day; else an error saying so."""
    if not math.isfinite(seconds) or not 1 <= seconds <= MAX_TIMEOUT:
        raise B12kgError(f"--timeout {seconds} is not a number of seconds from 1 to {MAX_TIMEOUT:.0f}",
                         fix=f"give e.g. --timeout {DEFAULT_TIMEOUT:.0f} (the Oxigraph server counts whole seconds; "
                             "below 1 it would have no timeout at all)")
    return seconds


def oxigraph_binary() -> str:
    """The `oxigraph` executable of the PyPI package, next to this Python first, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise MissingPrerequisite("the Oxigraph server (`oxigraph`) is not installed",
                                  fix="pip install oxigraph (a dependency of b12kg: reinstall b12kg)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --- children that die with this process ---------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>; prctl(2): the signal a child gets when the thread that forked it exits
_prctl: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    import ctypes

    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the forked child


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes a child process get SIGKILL when this process dies, even by `kill -9` (Linux).

    prctl(2) sends the signal when the forking *thread* exits, so children are forked only from threads that live
    as long as the endpoint. If this process died before the child's prctl, the child exits at once.
    """
    if _prctl is None:
        return None
    parent, prctl = os.getpid(), _prctl

    def preexec() -> None:
        if prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0 or os.getppid() != parent:
            os._exit(1)
    return preexec


# --- temporary database folders, and removing those of a `serve` that was killed --------------------------------------

def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a process from /proc (proc(5)), or None where /proc is unavailable."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return ("X", "") if Path("/proc/self/stat").exists() else None
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": field 3 (state) onwards
    return fields[0], fields[19]  # field 22 is starttime


def _alive(pid: int, start: str) -> bool:
    """Whether the process that wrote an owner file still runs (not a zombie, not a new process with its PID)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    stat = _proc_stat(pid)
    if stat is None:
        return True
    state, started = stat
    return state not in ("Z", "X") and (not start or started == start)


def make_run_folder(parent: Path | None = None) -> Path:
    """A new temporary folder for `serve`'s database, with an owner file naming this process (PID and start time)."""
    folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=parent))
    stat = _proc_stat(os.getpid())
    partial = folder / (OWNER_FILE + ".part")
    partial.write_text(f"{os.getpid()} {stat[1] if stat else ''}\n", encoding="ascii")
    partial.replace(folder / OWNER_FILE)
    return folder


def remove_stale_run_folders(parent: Path | None = None) -> list[Path]:
    """Remove this user's `serve` folders whose owner process is gone (killed before it could clean up)."""
    removed = []
    for folder in sorted(Path(parent or tempfile.gettempdir()).glob(RUN_PREFIX + "*")):
        try:
            info = folder.lstat()
            owner = (folder / OWNER_FILE).read_text(encoding="ascii").split()
        except OSError:
            continue  # not ours, or still being created (no owner file yet)
        if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() or not owner \
                or not owner[0].isdigit() or _alive(int(owner[0]), owner[1] if len(owner) > 1 else ""):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


# --- loading ---------------------------------------------------------------------------------------------------------

def load_location(location: Path, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True) -> None:
    """Load the release into an Oxigraph directory in the store layout every engine holds (b12kg.store.load): the named
    graphs asserted, inferred, catalog and the per-claim graphs, and the asserted graph as the default graph
    (the inferred graph is not mixed into it; name it with FROM <https://w3id.org/b12kg/graph/inferred>)."""
    from b12kg.store.load import layout_nquads

    files = [graphs_dir / DATASET_FILE] + ([graphs_dir / INFERRED_FILE] if inferred else [])
    for path in files:
        if not path.is_file():
            raise MissingPrerequisite(f"{path} is missing", fix="run `b12kg build` and `b12kg reason` first")
    location.mkdir(parents=True, exist_ok=True)
    data = location.parent / f".{location.name}-layout.nq"
    data.write_text(layout_nquads(graphs_dir, inferred=inferred), encoding="utf-8")
    try:  # one load: atomic
        done = subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(data)],
                              capture_output=True, text=True, timeout=3600, preexec_fn=die_with_parent())
    finally:
        data.unlink(missing_ok=True)
    if done.returncode != 0:
        raise StoreError(f"oxigraph could not load the release from {graphs_dir}: {done.stderr.strip()[-500:]}",
                         fix="check the files parse (`b12kg validate`) and the location is writable")


# --- workers: read-only Oxigraph servers on private loopback ports -------------------------------------------------

@dataclass
class _Lease:
    """One request on a worker: the worker is killed if the request outlives its deadline."""

    worker: Worker
    timer: threading.Timer | None = None
    _expired: threading.Event = field(default_factory=threading.Event)
    _ended: threading.Event = field(default_factory=threading.Event)

    def expired(self) -> bool:
        return self._expired.is_set()

    def end(self) -> None:
        with self.worker.lock:
            self._ended.set()
            if self.timer is not None:
                self.timer.cancel()

    def _deadline(self) -> None:
        with self.worker.lock:
            if self._ended.is_set():
                return
            self._expired.set()
        self.worker.kill()


@dataclass(eq=False)
class Worker:
    """An `oxigraph serve-read-only` process on 127.0.0.1, and the front's kept-alive connection to it."""

    process: subprocess.Popen[bytes]
    port: int
    errors: IO[bytes]
    lock: threading.Lock = field(default_factory=threading.Lock)
    _connection: http.client.HTTPConnection | None = None

    def connect(self) -> http.client.HTTPConnection:
        """A new connection to this worker for one request: the Oxigraph server applies --timeout-s to idle
        connections too and then writes an unasked-for error on them, so none is kept alive."""
        self.disconnect()
        self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=None)
        return self._connection

    def disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def lease(self, timeout: float) -> _Lease:
        lease = _Lease(self)
        lease.timer = threading.Timer(timeout + GRACE, lease._deadline)
        lease.timer.daemon = True
        lease.timer.start()
        return lease

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.disconnect()
        self.errors.close()


def _listening_port(pid: int) -> int | None:
    """The TCP port a process listens on, from its socket inodes and /proc/net/tcp (proc(5)); proves it is its own."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
                  if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")}
    except OSError:
        return None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            if len(columns) > 9 and columns[3] == "0A" and columns[9] in inodes:  # 0A: TCP_LISTEN
                return int(columns[1].rsplit(":", 1)[1], 16)
    return None


def _spawn_worker(location: Path, timeout: float, wait_seconds: float) -> Worker:
    """Start one worker on a port the kernel picks, and wait until that very process answers a query."""
    on_proc = Path("/proc/self/fd").is_dir()
    port = 0 if on_proc else free_port()
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}", "--timeout-s", str(math.ceil(timeout))],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                               preexec_fn=die_with_parent())
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-500:]
            errors.close()
            raise StoreError(f"an Oxigraph worker exited at start: {message}",
                             fix=f"check that {location} holds an Oxigraph database (b12kg serve loads one)")
        found = _listening_port(process.pid) if on_proc else port
        if found:
            worker = Worker(process, found, errors)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{found}/query?query=ASK%7B%7D", timeout=5) as answer:
                    if answer.status == 200 and worker.alive():
                        return worker
            except (URLError, OSError, http.client.HTTPException):
                pass
        time.sleep(0.05)
    process.kill()
    process.wait()
    errors.close()
    raise StoreError(f"an Oxigraph worker did not answer within {wait_seconds:.0f} s", fix="try again")


class Pool:
    """A fixed number of workers; a worker is reused only after a request that finished cleanly, else replaced.

    A keeper thread starts all workers (so that their parent-death signal is tied to a thread that lives as long as
    the pool) and replaces the killed ones.
    """

    def __init__(self, location: Path, *, size: int, timeout: float, wait_seconds: float = 30.0) -> None:
        self.location, self.size, self.timeout, self.wait_seconds = location, size, timeout, wait_seconds
        self.failure: B12kgError | None = None
        self.ready = threading.Event()
        self.failed = threading.Event()
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: set[Worker] = set()
        self._changed = threading.Condition()
        self._closed = False
        self._keeper = threading.Thread(target=self._keep, name="b12kg-serve-keeper", daemon=True)

    def start(self) -> None:
        self._keeper.start()
        while not (self.ready.wait(0.1) or self.failed.is_set()):
            pass
        if self.failure is not None:
            raise self.failure

    def _keep(self) -> None:
        failures = 0
        with self._changed:
            while not self._closed:
                while len(self._workers) < self.size and not self._closed:
                    self._changed.release()
                    try:
                        worker: Worker | None = _spawn_worker(self.location, self.timeout, self.wait_seconds)
                        failures = 0
                    except B12kgError as exc:
                        worker, failures = None, failures + 1
                        if failures >= _SPAWN_TRIES:
                            self.failure = exc
                            self.failed.set()
                    finally:
                        self._changed.acquire()
                    if self.failed.is_set():
                        self._closed = True
                    elif worker is None:
                        self._changed.wait(1.0)
                    elif self._closed:
                        worker.kill()
                    else:
                        self._workers.add(worker)
                        self._idle.put(worker)
                if not self._closed:
                    self.ready.set()
                    self._changed.wait()
            workers, self._workers = list(self._workers), set()
        for worker in workers:  # before this thread ends, which would SIGKILL them anyway
            worker.kill()

    def acquire(self, *, wait: float) -> Worker | None:
        """An idle live worker, waiting up to `wait` seconds for one; None if there is none."""
        deadline = time.monotonic() + wait
        while not self._closed:
            try:
                worker = self._idle.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return None
                continue
            if worker.alive():
                return worker
            self._drop(worker)
        return None

    def release(self, worker: Worker, *, healthy: bool) -> None:
        if healthy and worker.alive() and not self._closed:
            self._idle.put(worker)
        else:
            self._drop(worker)

    def _drop(self, worker: Worker) -> None:
        worker.kill()
        with self._changed:
            self._workers.discard(worker)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._keeper.is_alive():
            self._keeper.join(timeout=30)


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
        """Block until the endpoint stops; the reason if its workers could not be kept running."""
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
                             fix=f"stop that program, or choose another port with --port (0: any free port)") from exc
        raise StoreError(f"cannot listen on {ip} port {port}: {exc}", fix="choose another --host or --port") from exc
    front.allowed = allowed_hosts(ip, front.server_port, loopback=loopback)
    return front


def start_endpoint(location: Path, *, host: str = "127.0.0.1", port: int | None = None,
                   timeout: float = DEFAULT_TIMEOUT, workers: int = DEFAULT_WORKERS, allow_service: bool = False,
                   front: Front | None = None, wait_seconds: float = 30.0) -> Endpoint:
    """Start the workers on the location and the front on host:port, and check a query answers through both."""
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
    thread = threading.Thread(target=front.serve_forever, name="b12kg-serve-front", daemon=True)
    thread.start()
    endpoint = Endpoint(front, pool, front.server_name, front.server_port, location, thread)
    try:
        with urllib.request.urlopen(f"{endpoint.query_url}?query=ASK%7B%7D", timeout=wait_seconds) as answer:
            if answer.status != 200 or b"true" not in answer.read():
                raise StoreError("the endpoint answered its start-up query wrongly", fix="try again")
    except (URLError, OSError, http.client.HTTPException) as exc:
        endpoint.stop()
        raise StoreError(f"the endpoint did not answer its start-up query: {exc}", fix="try again") from exc
    return endpoint
