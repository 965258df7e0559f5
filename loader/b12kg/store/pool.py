"""The workers of `serve`: read-only Oxigraph servers on private loopback ports, each request on a deadline after
which its worker is killed, and a pool that replaces killed or dead workers."""

from __future__ import annotations

import http.client
import math
import os
import queue
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.error import URLError

from b12kg.errors import B12kgError, StoreError
from b12kg.store.processes import die_with_parent, free_port, oxigraph_binary

__all__ = ["Pool", "Worker", "Lease", "GRACE"]

GRACE = 0.5  # seconds past the timeout before a worker is killed: Oxigraph's own --timeout-s may answer first
_SPAWN_TRIES = 3


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
