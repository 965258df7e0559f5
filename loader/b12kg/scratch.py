"""Work folders named after their process and locked while in use: the next run removes what a killed one left."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["locked_folder", "remove_dead"]

_LOCK = "lock"


@contextmanager
def locked_folder(parent: Path, *, prefix: str) -> Iterator[Path]:
    """A new folder `parent/PREFIX<pid>-<random>`, holding an flock(2) on its lock file while the block runs, removed
    when it ends. A process killed with SIGKILL leaves it behind with its lock free: `remove_dead` finds it."""
    path = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir()
    fd = -1
    try:
        fd = os.open(path / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, str(os.getpid()).encode())
        yield path
    finally:
        if fd >= 0:
            os.close(fd)
        shutil.rmtree(path, ignore_errors=True)


def remove_dead(parent: Path, *, prefix: str) -> None:
    """Remove the folders `locked_folder` made in `parent` with `prefix` whose process is gone (their lock is free:
    an flock ends with its process; a folder without a lock file is judged by the process its name carries)."""
    for entry in parent.glob(prefix + "*"):
        try:
            fd = os.open(entry / _LOCK, os.O_RDWR)
        except OSError:
            if entry.is_dir() and not _alive(entry.name[len(prefix):].split("-", 1)[0]):
                shutil.rmtree(entry, ignore_errors=True)  # killed before it took its lock
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live process's
        finally:
            os.close(fd)
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: str) -> bool:
    """Whether the process a folder is named after still runs (True when that cannot be told)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError):
        return True
    return True
