"""The `b12kg` command line: one subcommand per pipeline stage, and `all` to run them in order.

The group and what its commands share live in group.py; the commands, one module per stage group, register
from b12kg.cli import build, diff, nanopubs, query, store  # noqa: F401  (importing them registers their commands)
"""

from __future__ import annotations

from b12kg.cli import build, diff, nanopubs, query, store  # noqa: F401  (importing them registers their commands)
from b12kg.cli.group import EXIT_CODES, main

__all__ = ["main", "EXIT_CODES"]
