"""Errors that carry where the problem is (file, claim, line) and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["B12kgError", "CurationError", "StoreError", "MissingPrerequisite", "OutputError", "PreviousReleaseKept",
           "MixedStoreState", "SwapOutcomeUnknown"]


@dataclass
class B12kgError(Exception):
    """Base error: a message, and the fix a user can apply."""

    message: str
    fix: str = ""

    exit_code = 1  # the CLI's exit status for this kind of error (see b12kg.cli.EXIT_CODES)

    def __str__(self) -> str:
        text = self.message
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


@dataclass
class CurationError(B12kgError):
    """A problem in a curated claims file, located by file, line and claim id."""

    file: Path | None = None
    line: int | None = None
    claim: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<input>"
        if self.line:
            where += f":{self.line}"
        if self.claim:
            where += f" (claim {self.claim})"
        return f"{where}: {B12kgError.__str__(self)}"


@dataclass
class StoreError(B12kgError):
    """A problem talking to a triple store or SPARQL endpoint."""

    exit_code = 4


@dataclass
class MissingPrerequisite(B12kgError):
    """Something the environment lacks: Java for HermiT, a built graph, an installed package."""

    exit_code = 5


@dataclass
class OutputError(B12kgError):
    """Outputs could not be written or replaced (a full disk, a folder in the way); the previous ones are kept."""

    exit_code = 5


@dataclass
class PreviousReleaseKept(StoreError):
    """The final swap of a load failed; read back, the store still holds its previous release, intact."""

    exit_code = 7


@dataclass
class MixedStoreState(StoreError):
    """Read back, the store holds graphs of more than one release (or an incomplete one): a load must finish it."""

    exit_code = 8


@dataclass
class SwapOutcomeUnknown(StoreError):
    """The final swap of a load failed and the store could not be read afterwards: which release it holds is unknown."""

    exit_code = 9
