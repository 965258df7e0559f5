"""Progress bars of the long stages: counts and rate on a terminal, nothing when stderr is not one."""

from __future__ import annotations

import io

import pytest

import b12kg.cli.progress as progress_module
from b12kg.cli.progress import progress_bars


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_shows_counts_total_and_rate_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "MIN_SECONDS", 0.0)
    screen = _Terminal()
    with progress_bars(screen) as bars:
        for _ in range(5):
            bars("documents", 1, 5)
        bars.say("next step")  # finishes the bar first
        bars("quads", 1_000, None)
    text = screen.getvalue()
    assert "documents" in text and "5/5" in text and "documents/s" in text
    assert "quads" in text and "quads/s" in text
    assert text.index("5/5") < text.index("quads")


def test_no_bar_when_the_stream_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "MIN_SECONDS", 0.0)
    pipe = io.StringIO()
    with progress_bars(pipe) as bars:
        for _ in range(5):
            bars("documents", 1, 5)
    assert pipe.getvalue() == ""


def test_a_quick_stage_draws_no_bar() -> None:
    screen = _Terminal()
    with progress_bars(screen) as bars:
        bars("documents", 1, 2)  # well under MIN_SECONDS after the stage began
    assert screen.getvalue() == ""
