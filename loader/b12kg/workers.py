"""Forked worker processes that die with the process that started them, and never leave a caller waiting forever."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

__all__ = ["default_workers", "die_with_parent", "process_executor", "MAX_WORKERS"]

MAX_WORKERS = 8  # more processes than this rarely help: the build's merge and writers run in one process

def default_workers() -> int:
    """The processes a stage (build, validate) uses by default: the CPUs this process may run on, at most
    MAX_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


_PR_SET_PDEATHSIG = 1  # linux/prctl.h: a signal the kernel sends this process when its parent dies


def die_with_parent(parent: int) -> None:
    """In a worker: be killed when the process that forked it dies, so that a killed run (SIGKILL) leaves no
    process holding its staging locks or writing its files (Linux prctl(2); elsewhere nothing is done).

    SIGTERM gets its default action back: a handler inherited from the parent (b12kg.qc.scratch turns SIGTERM into
    SystemExit) runs only between Python bytecodes, never inside a long query in Rust or C, so a worker would
    outlive the SIGTERM meant to stop it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


@contextmanager
def process_executor(processes: int) -> Iterator[ProcessPoolExecutor]:
    """An executor of `processes` forked workers (they inherit what this process loaded).

    A worker that dies (killed, out of memory) fails its futures with BrokenProcessPool instead of leaving them
    unanswered, and leaving the block early (an error, a violation found, Ctrl-C, SIGTERM) kills the workers still
    running rather than waiting for them (they hold nothing to clean up: they return their results).
    """
    before = set(multiprocessing.active_children())
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        for child in set(multiprocessing.active_children()) - before:
            child.kill()
        executor.shutdown(wait=True)
