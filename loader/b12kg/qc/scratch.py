"""A scratch folder on the disk of a given folder, removed afterwards, also when the process is stopped by SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["scratch_folder"]


def _writable_parent(near: Path) -> Path | None:
    return near if near.is_dir() and os.access(near, os.W_OK | os.X_OK) else None


@contextmanager
def scratch_folder(*, near: Path, prefix: str) -> Iterator[Path]:
    """A new empty folder inside `near` (or the system's temporary folder when `near` is not writable, e.g. a
    frozen release), removed when the block ends: normally, on an exception, on Ctrl-C, and on SIGTERM (turned
    into SystemExit while the block runs, in the main thread only; the previous handler is put back after).
    A SIGKILL leaves it behind: its name starts with `prefix`, so it can be found and removed by hand.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=_writable_parent(near)))
    previous: Callable[[int, FrameType | None], Any] | int | None = None
    in_main = threading.current_thread() is threading.main_thread()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    if in_main:
        previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield folder
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        shutil.rmtree(folder, ignore_errors=True)
