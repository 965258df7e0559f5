"""Test helpers that read processes from /proc (proc(5)): a process's children, and whether it still runs."""

from __future__ import annotations

from pathlib import Path

__all__ = ["children", "running"]


def children(pid: int) -> list[int]:
    """The child processes of a process (/proc/PID/task/TID/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def running(pid: int) -> bool:
    """Whether the process exists and is neither a zombie nor dead (/proc/PID/stat's state field)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"
