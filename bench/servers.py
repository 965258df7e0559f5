"""The stores the benchmark loads into: a fresh Oxigraph server and a fresh Virtuoso per load, on 127.0.0.1.

The start logic is the tests' own (tests/stores.py: `oxigraph serve` from the venv on a free port; `virtuoso-t`
with a private ini, database and DirsAllowed in a temporary folder, login dba/dba), imported rather than copied.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from corpus import ROOT

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "loader"))

from stores import OxigraphServer, VirtuosoServer  # tests/stores.py, importable once tests/ is on the path

__all__ = [
    "VIRTUOSO_LOGIN",
    "OxigraphServer",
    "VirtuosoServer",
    "free_port",
    "isql_failed",
    "oxigraph_server",
    "virtuoso_available",
    "virtuoso_bulk_script",
    "virtuoso_isql_argv",
    "virtuoso_server",
]

# The throwaway database's admin login (Virtuoso's default, set by tests/stores.py's private ini). It is given to
# isql on its standard input (SET PWD), and to `b12kg load` through B12KG_STORE_PASSWORD, never on a command line.
VIRTUOSO_LOGIN = ("dba", "dba")


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[OxigraphServer]:
    """A read-write `oxigraph serve` on an empty database folder, stopped and removed afterwards."""
    shutil.rmtree(folder, ignore_errors=True)
    server = OxigraphServer(folder).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def virtuoso_server(folder: Path, *, allowed: Path,
                    buffers: tuple[int, int] | None = None) -> Iterator[VirtuosoServer]:
    """A fresh Virtuoso whose DirsAllowed includes `allowed` (for ld_dir), stopped and removed afterwards;
    `buffers` (NumberOfBuffers, MaxDirtyBuffers) instead of the Debian virtuoso.ini's small default."""
    shutil.rmtree(folder, ignore_errors=True)
    server = VirtuosoServer(folder, allowed=allowed, buffers=buffers).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


def virtuoso_isql_argv(server: VirtuosoServer) -> list[str]:
    """isql-vt's command line: where and who, no password (that goes on stdin, as load.sh does)."""
    return ["isql-vt", f"DSN=127.0.0.1:{server.sql_port}", f"UID={VIRTUOSO_LOGIN[0]}"]


def virtuoso_bulk_script(folder: Path, file_name: str, graph: str) -> bytes:
    """isql input: log in, bulk-load one N-Quads file with ld_dir + rdf_loader_run, checkpoint, report errors.

    The recipe is Virtuoso's documented bulk loader (and `b12kg export-load-script --store virtuoso`'s load.isql).
    """
    escaped = str(folder).replace("'", "''")
    lines = [f"SET PWD='{VIRTUOSO_LOGIN[1]}';",
             f"ld_dir('{escaped}', '{file_name}', '{graph}');",
             "rdf_loader_run();",
             "checkpoint;",
             ("SELECT concat('bench-load-error ', ll_file, ' ', coalesce(ll_error, '')) FROM DB.DBA.load_list"
              " WHERE ll_state <> 2 OR ll_error IS NOT NULL;")]
    return ("\n".join(lines) + "\n").encode("utf-8")


def isql_failed(output: str) -> str | None:
    """The first error isql reported, if any."""
    for line in output.splitlines():
        if line.startswith(("*** Error", "bench-load-error ")) or "Bad login" in line:
            return line
    return None

