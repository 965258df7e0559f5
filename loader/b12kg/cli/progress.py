"""Progress bars on stderr for the long stages (counts and rate), silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TextIO, cast

import click

from b12kg.cli.group import progress

__all__ = ["Bars", "progress_bars", "MIN_SECONDS"]

MIN_SECONDS = 0.5  # a bar appears once its stage has run this long: quick stages print nothing


class Bars:
    """One bar at a time, named by what it counts; `__call__(what, done, total)` is a b12kg Meter.

    A new `what` finishes the bar before it. Each bar shows the count, the total when known (then drawn by
    click.progressbar, with the time left), and the rate. Nothing is written when the stream is not a terminal.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._live = self._stream.isatty()
        self._what: str | None = None
        self._bar: click._termui_impl.ProgressBar[int] | None = None
        self._done = 0
        self._started, self._drawn = time.monotonic(), 0.0
        self._counter = False  # a count line (no total) is on the screen

    def __call__(self, what: str, done: int, total: int | None) -> None:
        if not self._live:
            return
        if what != self._what:
            self.close()
            self._what, self._done, self._started, self._drawn = what, 0, time.monotonic(), 0.0
        self._done += done
        if total is None:  # no total: a count and a rate on one line, redrawn at most five times a second
            now = time.monotonic()
            if now - self._started >= MIN_SECONDS and now - self._drawn >= 0.2:
                self._stream.write(f"\r  {what}  {self._done:,}  {self._rate(self._done)}")
                self._stream.flush()
                self._drawn, self._counter = now, True
            return
        if self._bar is None:
            if time.monotonic() - self._started < MIN_SECONDS:
                return
            self._bar = click.progressbar(length=total, label=f"  {what}", file=cast(TextIO, self._stream),
                                          show_pos=True, show_eta=True, item_show_func=self._rate)
            self._bar.__enter__()
            self._bar.update(self._done, self._done)
            return
        if self._bar.length != total:
            self._bar.length = total
        self._bar.update(done, self._done)

    def _rate(self, done: int | None) -> str:
        seconds = max(time.monotonic() - self._started, 1e-6)
        return f"{(done or 0) / seconds:,.0f} {self._what}/s"

    def say(self, message: str) -> None:
        """A progress line (b12kg.cli.group.progress) after finishing the current bar, so the two do not mix."""
        self.close()
        progress(message)

    def close(self) -> None:
        """Finish the current bar (its last line stays on the terminal)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        if self._counter:
            self._stream.write(f"\r  {self._what}  {self._done:,}  {self._rate(self._done)}\n")
            self._stream.flush()
        self._bar, self._what, self._counter = None, None, False


@contextmanager
def progress_bars(stream: IO[str] | None = None) -> Iterator[Bars]:
    """Bars for one command: pass the object as a stage's `meter`; the last bar is finished on leaving."""
    bars = Bars(stream)
    try:
        yield bars
    finally:
        bars.close()
