"""A scratch folder on the disk of a given folder, removed afterwards, also when the process is stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from b12kg.scratch import locked_folder, remove_dead

__all__ = ["scratch_folder"]


def _writable_parent(near: Path) -> Path | None:
    return near if near.is_dir() and os.access(near, os.W_OK | os.X_OK) else None


@contextmanager
def scratch_folder(*, near: Path, prefix: str) -> Iterator[Path]:
    """A new empty folder inside `near` (or the system's temporary folder when `near` is not writable, e.g. a
    frozen release), removed when the block ends: normally, on an exception, on Ctrl-C, and on SIGTERM (turned
    into SystemExit while the block runs, in the main thread only; the previous handler is put back after).
    A SIGKILL leaves it behind (at 10^6 claims, gigabytes): the next scratch_folder with the same prefix there
    removes it (b12kg.scratch: the folder is locked while its process lives)."""
    parent = _writable_parent(near) or Path(tempfile.gettempdir())
    remove_dead(parent, prefix=prefix)
    previous: Callable[[int, FrameType | None], Any] | int | None = None
    in_main = threading.current_thread() is threading.main_thread()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    if in_main:
        previous = signal.signal(signal.SIGTERM, stop)
    try:
        with locked_folder(parent, prefix=prefix) as folder:
            yield folder
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
