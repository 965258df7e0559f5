"""The workers of `serve`: read-only Oxigraph servers on private loopback ports, each request on a deadline after
which its worker is killed, and a pool that replaces killed or dead workers."""

from __future__ import annotations

import http.client
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.error import URLError

from b12kg.errors import B12kgError, StoreError
from b12kg.store.processes import die_with_parent, free_port, oxigraph_binary

__all__ = ["Pool", "Worker", "Lease", "Outage", "GRACE", "REPLACEMENT_WAIT"]

GRACE = 0.5  # seconds past the timeout before a worker is killed: Oxigraph's own --timeout-s may answer first
REPLACEMENT_WAIT = 120.0  # seconds a replacement worker may take to answer, at least (see Pool.replacement_wait)
_MAX_WAIT = 600.0
_SPAWN_TRIES = 3  # failed starts in a row that stop the endpoint, before it was first ready
_BACKOFF_CAP = 30.0  # seconds between replacement attempts, at most


@dataclass
class Lease:
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

    def lease(self, timeout: float) -> Lease:
        lease = Lease(self)
        lease.timer = threading.Timer(timeout + GRACE, lease._deadline)
        lease.timer.daemon = True
        lease.timer.start()
        return lease

    def alive(self) -> bool:
        return self.process.poll() is None

    def exit_status(self, *, wait: float) -> int | None:
        """The exit status once the process has ended (negative: the signal that ended it), waiting up to `wait`
        seconds for it to end; None if it still runs."""
        try:
            return self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

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


def _start_message(errors: IO[bytes]) -> str:
    """What a worker that exited at start wrote, without the stack backtrace Oxigraph appends to its error."""
    errors.seek(0)
    text = errors.read().decode(errors="replace").split("Stack backtrace:", 1)[0].strip()
    return " ".join(text.split())[-500:] or "(it wrote nothing)"


def _spawn_worker(location: Path, timeout: float, wait_seconds: float,
                  stopping: Callable[[], bool] = lambda: False) -> Worker:
    """Start one worker on a port the kernel picks, and wait until that very process answers a query.

    The probe waits for its answer as long as the deadline allows: on a large location and a busy machine the first
    query of a new process can take many seconds, and a probe given up after a fixed few seconds would be sent again
    and again without ever being answered."""
    on_proc = Path("/proc/self/fd").is_dir()
    port = 0 if on_proc else free_port()
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}", "--timeout-s", str(math.ceil(timeout))],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                               preexec_fn=die_with_parent())
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and not stopping():
        if process.poll() is not None:
            message = _start_message(errors)
            errors.close()
            raise StoreError(f"an Oxigraph worker exited at start (status {process.returncode}): {message}",
                             fix=f"check that {location} holds an Oxigraph database (b12kg serve loads one)")
        found = _listening_port(process.pid) if on_proc else port
        if found:
            worker = Worker(process, found, errors)
            patience = max(0.1, deadline - time.monotonic())
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{found}/query?query=ASK%7B%7D",
                                            timeout=patience) as answer:
                    if answer.status == 200 and worker.alive():
                        return worker
            except (URLError, OSError, http.client.HTTPException):
                pass
        time.sleep(0.05)
    process.kill()
    process.wait()
    errors.close()
    if stopping():
        raise StoreError("the endpoint stopped while an Oxigraph worker was starting")
    raise StoreError(f"an Oxigraph worker on {location} did not answer within {wait_seconds:.0f} s",
                     fix="try again; a large database on a busy machine takes longer to open")


@dataclass(frozen=True)
class Outage:
    """No worker can answer now: why (for the client), and in about how many seconds to try again."""

    reason: str
    retry_after: int


def _to_stderr(line: str) -> None:
    print(f"b12kg serve: {line}", file=sys.stderr, flush=True)


class Pool:
    """A fixed number of workers; a worker is reused only after a request that finished cleanly, else replaced.

    A keeper thread starts all workers (so that their parent-death signal is tied to a thread that lives as long as
    the pool) and replaces the killed ones. Until the pool is first ready, _SPAWN_TRIES failed starts in a row are
    fatal (`failed`, `failure`: the endpoint does not start). Once it has served, a replacement that fails to start
    is tried again and again, after 1, 2, 4 ... up to 30 s, each failure reported in one line, while the workers
    still alive go on answering; `outage` says when none is left.
    """

    def __init__(self, location: Path, *, size: int, timeout: float, wait_seconds: float = 30.0,
                 report: Callable[[str], None] = _to_stderr) -> None:
        self.location, self.size, self.timeout, self.wait_seconds = location, size, timeout, wait_seconds
        self.report = report
        self.failure: B12kgError | None = None
        self.ready = threading.Event()
        self.failed = threading.Event()
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: set[Worker] = set()
        self._changed = threading.Condition()
        self._closed = False
        self.dropped = 0  # workers killed or found dead, to be replaced, since the start
        self._failures = 0  # replacements that failed to start in a row, since the last one that started
        self._next_try = 0.0  # time.monotonic() of the next replacement attempt, while failures > 0
        self._keeper = threading.Thread(target=self._keep, name="b12kg-serve-keeper", daemon=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def start(self) -> None:
        self._keeper.start()
        while not (self.ready.wait(0.1) or self.failed.is_set()):
            pass
        if self.failure is not None:
            raise self.failure

    def replacement_wait(self, failures: int) -> float:
        """Seconds a replacement may take to answer its first query: at least REPLACEMENT_WAIT (restarting on a large
        location while the other workers compute takes longer than the start-up), doubled after each failure."""
        return min(_MAX_WAIT, max(self.wait_seconds, REPLACEMENT_WAIT) * 2.0 ** failures)

    def _keep(self) -> None:
        with self._changed:
            while not self._closed:
                if len(self._workers) >= self.size:
                    self.ready.set()
                    self._changed.wait()
                    continue
                serving = self.ready.is_set()
                wait = self.replacement_wait(self._failures) if serving else self.wait_seconds
                self._changed.release()
                try:
                    worker: Worker | None = _spawn_worker(self.location, self.timeout, wait, lambda: self._closed)
                    error: B12kgError | None = None
                except B12kgError as exc:
                    worker, error = None, exc
                finally:
                    self._changed.acquire()
                if worker is not None:
                    if self._closed:
                        worker.kill()
                        break
                    self._workers.add(worker)
                    self._idle.put(worker)
                    if self._failures and serving:
                        self._report(f"a replacement Oxigraph worker answers again, after {self._failures} failed "
                                     f"start(s); {self._alive()} of {self.size} worker(s) running")
                    self._failures = 0
                    continue
                if self._closed:
                    break
                assert error is not None
                self._failures += 1
                if not serving:
                    if self._failures >= _SPAWN_TRIES:
                        self.failure = error
                        self.failed.set()
                        self._closed = True
                    else:
                        self._changed.wait(1.0)
                    continue
                delay = min(_BACKOFF_CAP, 2.0 ** (self._failures - 1))
                self._next_try = time.monotonic() + delay
                self._report(f"a replacement Oxigraph worker failed to start (failure {self._failures} in a row): "
                             f"{error.message}; {self._alive()} of {self.size} worker(s) running; "
                             f"retrying in {delay:.0f} s")
                while not self._closed and time.monotonic() < self._next_try:
                    self._changed.wait(self._next_try - time.monotonic())
            workers, self._workers = list(self._workers), set()
        for worker in workers:  # before this thread ends, which would SIGKILL them anyway
            worker.kill()

    def _report(self, line: str) -> None:
        """Report with the lock released: a stalled standard error must not stop the front acquiring workers."""
        self._changed.release()
        try:
            self.report(line)
        finally:
            self._changed.acquire()

    def _alive(self) -> int:
        return sum(worker.alive() for worker in self._workers)

    def outage(self) -> Outage | None:
        """Why no request can be answered now, if no worker is alive; None while one is (it may be busy)."""
        with self._changed:
            if self._closed:
                return Outage("this endpoint is stopping", 5)
            if self._alive():
                return None
            if not self._failures:
                return Outage(f"no Oxigraph worker of this endpoint is running: a replacement is starting "
                              f"(it may take up to {self.replacement_wait(0):.0f} s on a large database)", 5)
            wait = max(1, math.ceil(self._next_try - time.monotonic()))
            return Outage(f"no Oxigraph worker of this endpoint is running: replacements failed to start "
                          f"{self._failures} time(s) in a row and are being retried (the server's standard error "
                          "says why)", wait)

    def acquire(self, *, wait: float) -> Worker | None:
        """An idle live worker, waiting up to `wait` seconds for one; None if there is none, at once if no worker
        is alive and the replacements fail to start (`outage` then says why)."""
        deadline = time.monotonic() + wait
        while not self._closed:
            try:
                worker = self._idle.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return None
                if self._failures:
                    with self._changed:
                        if not self._alive():
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
            self.dropped += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._keeper.is_alive():
            self._keeper.join(timeout=30)
