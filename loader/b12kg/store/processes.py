"""Processes and folders of `serve`: the `oxigraph` executable, free ports, children that die with this process,
and temporary database folders that name their owner (removed by the next `serve` once the owner is gone)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from b12kg.errors import MissingPrerequisite

__all__ = ["oxigraph_binary", "free_port", "die_with_parent", "make_run_folder", "remove_stale_run_folders",
           "RUN_PREFIX", "OWNER_FILE"]

RUN_PREFIX = "b12kg-serve-"
OWNER_FILE = "b12kg-serve.owner"


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
    """A TCP port no socket uses now on ``host`` (the kernel's pick; free until someone else takes it)."""
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
