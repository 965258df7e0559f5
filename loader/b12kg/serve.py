"""Serve stage: a read-only SPARQL 1.1 endpoint over the built graphs, on the Oxigraph server from PyPI."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

from b12kg.errors import MissingPrerequisite, StoreError
from b12kg.paths import GRAPHS_DIR
from b12kg.query import DATASET_FILE, INFERRED_FILE

__all__ = ["Endpoint", "oxigraph_binary", "load_location", "start_endpoint", "free_port"]


@dataclass
class Endpoint:
    """A running Oxigraph server process and its URLs."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    location: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


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


def load_location(location: Path, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True) -> None:
    """Load the release dataset (and the inferred graph, into the default graph) into an Oxigraph directory."""
    files = [graphs_dir / DATASET_FILE] + ([graphs_dir / INFERRED_FILE] if inferred else [])
    for path in files:
        if not path.is_file():
            raise MissingPrerequisite(f"{path} is missing", fix="run `b12kg build` and `b12kg reason` first")
    location.mkdir(parents=True, exist_ok=True)
    for path in files:  # one at a time: each load is atomic
        done = subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(path)],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise StoreError(f"oxigraph could not load {path}: {done.stderr.strip()[-500:]}",
                             fix="check the file parses (`b12kg validate`) and the location is writable")


def start_endpoint(location: Path, *, host: str = "127.0.0.1", port: int | None = None,
                   wait_seconds: float = 30.0) -> Endpoint:
    """Start `oxigraph serve-read-only` on the location and wait until it answers a query."""
    port = port or free_port(host)
    process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                                "--bind", f"{host}:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = Endpoint(process, host, port, location)
    deadline = time.monotonic() + wait_seconds
    ask = f"{endpoint.query_url}?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise StoreError(f"the Oxigraph server exited at start: {error.strip()[-500:]}",
                             fix=f"is port {port} already in use? choose another with --port")
        try:
            with urllib.request.urlopen(ask, timeout=2) as response:
                if response.status == 200:
                    return endpoint
        except (URLError, ConnectionError, OSError):
            time.sleep(0.1)
    endpoint.stop()
    raise StoreError(f"the Oxigraph server did not answer within {wait_seconds:.0f} s", fix="try again")
