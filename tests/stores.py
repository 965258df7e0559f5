"""Real triple stores for the tests, on 127.0.0.1 and free ports, with temporary data folders.

The Oxigraph server comes from the PyPI package `oxigraph`; Virtuoso Open Source 7 from Debian's
`virtuoso-opensource` (scripts/setup.sh installs both). Nothing here mocks a store. A store that is not installed
skips its tests with a reason naming what to install, on a developer's machine only: where CI is set (GitHub
Actions and most CI services set CI=true), the tests fail instead, so that CI never passes without them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError, URLError

import pytest

from b12kg.store.processes import free_port, oxigraph_binary

__all__ = ["OxigraphServer", "VirtuosoServer", "in_ci", "require_store"]

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def in_ci() -> bool:
    """Whether the tests run in CI: the CI environment variable is set (to anything but false or 0)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "false", "0")


def require_store(what: str, present: bool, *, install: str) -> None:
    """Go on if the store (or its program) is present; else skip the test, or fail it in CI."""
    if present:
        return
    message = f"{what} is not installed: {install}"
    if in_ci():
        pytest.fail(f"{message} (CI must run the store tests; CI is set)", pytrace=False)
    pytest.skip(f"{message} (the store tests are skipped locally without it, and required in CI)")


def _wait_http(url: str, process: subprocess.Popen, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except HTTPError:
            return  # it answers
        except (URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


class OxigraphServer:
    """`oxigraph serve` (read-write) on a folder that survives restarts."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OxigraphServer:
        self.process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(self.location),
                                         "--bind", f"127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_http(f"{self.url}/query?query=ASK%7B%7D", self.process, 30, "oxigraph serve")
        return self

    def kill(self) -> None:
        """Kill -9: the server dies without cleaning up, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class VirtuosoServer:
    """`virtuoso-t` with its database, ports and DirsAllowed in a temporary folder (admin login dba/dba)."""

    def __init__(self, folder: Path, *, allowed: Path | None = None, buffers: tuple[int, int] | None = None) -> None:
        require_store("Virtuoso (virtuoso-t, isql-vt and " + str(VIRTUOSO_INI) + ")",
                      all(shutil.which(p) for p in ("virtuoso-t", "isql-vt")) and VIRTUOSO_INI.is_file(),
                      install="run scripts/setup.sh '[test]' (apt-get install virtuoso-opensource)")
        self.folder = folder
        self.sql_port, self.http_port = free_port(), free_port()
        self.allowed = allowed or folder
        text = VIRTUOSO_INI.read_text(encoding="utf-8")
        text = text.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
        text = re.sub(r"(?m)^ServerPort\s*=\s*1111.*$", f"ServerPort = 127.0.0.1:{self.sql_port}", text)
        text = re.sub(r"(?m)^ServerPort\s*=\s*8890.*$", f"ServerPort = 127.0.0.1:{self.http_port}", text)
        text = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad, "
                                                   f"{folder}, {self.allowed}", text)
        # the default silently truncates results at 10,000 rows (stack-notes.md)
        text = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", "ResultSetMaxRows = 1000000", text)
        if buffers is not None:  # (NumberOfBuffers, MaxDirtyBuffers): the ini's own table, e.g. 340000/250000 for 4 GB
            text = re.sub(r"(?m)^NumberOfBuffers\s*=.*$", f"NumberOfBuffers = {buffers[0]}", text)
            text = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*$", f"MaxDirtyBuffers = {buffers[1]}", text)
        folder.mkdir(parents=True, exist_ok=True)
        self.ini = folder / "virtuoso.ini"
        self.ini.write_text(text, encoding="utf-8")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> VirtuosoServer:
        self.process = subprocess.Popen(["virtuoso-t", "+configfile", str(self.ini), "+foreground"], cwd=self.folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_http(f"{self.url}/sparql?query=ASK%7B%7D", self.process, 90, "virtuoso-t")
        return self

    def isql(self, script: str) -> str:
        done = subprocess.run(["isql-vt", str(self.sql_port), "dba", "dba"], input=script, capture_output=True,
                              text=True, timeout=300)
        return done.stdout + done.stderr

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        (self.folder / "virtuoso.lck").unlink(missing_ok=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
