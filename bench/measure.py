"""Run one stage as a child process and measure it: wall seconds and the child's own peak resident memory."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MEASURED", "Measurement", "StageFailed", "run_child", "server_peak_mib"]


MEASURED = ("ok", "partial")  # statuses whose seconds and peak memory were measured


class StageFailed(RuntimeError):
    """A stage's command exited non-zero or ran out of time; the message keeps the end of its error output,
    `stdout` what it printed before it ended."""

    def __init__(self, message: str, stdout: str = "", seconds: float | None = None) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.seconds = seconds  # how long it ran before it failed or was stopped


@dataclass
class Measurement:
    """What one stage cost at one size. `status` is "ok", "partial" (some queries failed),
    "timeout", "failed" or "skipped" (with `note`)."""

    stage: str
    claims: int
    seconds: float | None = None  # for a failed or stopped stage: how long it ran before that
    peak_mib: float | None = None  # the measured process and the descendants it waited for
    server_mib: float | None = None  # peak of the server a load stage sent its data to (VmHWM), if any
    quads: int | None = None
    status: str = "ok"
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # per-query p50 seconds, and the like

    @property
    def quads_per_second(self) -> float | None:
        if self.status not in MEASURED or not self.seconds or not self.quads:
            return None
        return self.quads / self.seconds


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_child(argv: list[str], *, timeout: float, env: dict[str, str] | None = None,
              stdin: bytes | None = None, cwd: Path | None = None) -> tuple[float, float, str]:
    """Run argv to its end; (seconds, peak MiB, stdout). Raises StageFailed on a non-zero exit or a timeout.

    The peak is ru_maxrss of os.wait4 on this very child (Linux: KiB), which covers the child and the
    descendants it waited for, and nothing else this process started (getrusage(RUSAGE_CHILDREN) would keep the
    maximum over every child so far).
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile(suffix=".err") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(stdin)
            process.stdin.close()
        try:
            status, usage = _wait(process.pid, started + timeout)
        except BaseException:  # interrupted: take the stage's whole process group down with us
            os.killpg(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            raise
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status) if status is not None else -9
        out.seek(0)
        printed = out.read().decode("utf-8", errors="replace")
        if status is None:
            raise StageFailed(f"timeout after {timeout:.0f} s: {' '.join(argv[:4])} …", printed, seconds)
        if process.returncode != 0:
            raise StageFailed(f"exit {process.returncode}: {' '.join(argv[:4])} …\n{_tail(Path(err.name))}", printed,
                              seconds)
        assert usage is not None
        return seconds, usage.ru_maxrss / 1024, printed


def _wait(pid: int, deadline: float) -> tuple[int | None, os.struct_rusage | None]:  # type: ignore[name-defined]
    """wait4 the child until the deadline; on a timeout kill its process group and return (None, None)."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done == pid:
            return status, usage
        if time.perf_counter() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            return None, None
        time.sleep(0.02)


def server_peak_mib(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a running server process and its children, from /proc (None if gone)."""
    peaks = [_vm_hwm(pid)] + [_vm_hwm(child) for child in _children(pid)]
    found = [p for p in peaks if p is not None]
    return sum(found) / 1024 if found else None


def _vm_hwm(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])  # kB
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found: list[int] = []
        for task in tasks:
            text = (task / "children").read_text().split()
            found += [int(t) for t in text]
        return found
    except OSError:
        return []
