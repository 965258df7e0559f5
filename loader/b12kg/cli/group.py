"""The `b12kg` command group: its help and exit codes, and what every command shares (errors, progress, timeouts)."""

from __future__ import annotations

import math
import sys

import click

from b12kg import __version__
from b12kg.errors import B12kgError

__all__ = ["main", "EXIT_CODES", "fail", "progress", "seconds", "MIN_TIMEOUT", "MAX_TIMEOUT"]

EXIT_CODES = {
    0: "success",
    1: "bad input: a curated claims file, the ontology or a query has a problem (the message names file, line, fix)",
    2: "usage error: unknown option or missing argument",
    3: "validation failed: HermiT found the ontology and data inconsistent, or the committed graphs (or the inferred "
       "graph) are stale; load: the store's counts or answers differ from the release's (load --status: it holds "
       "another release); check-nanopubs: a nanopublication is invalid",
    4: "a store or SPARQL endpoint could not be reached or answered an error",
    5: "the environment lacks something (Java for HermiT, a built graph), or the outputs could not be written (full "
       "disk, a folder in the way); the previous outputs are then kept",
    6: "load: the store's reply to the final swap was lost, but read back the store holds this release, complete",
    7: "load: the final swap failed; read back, the store still holds its previous release intact (staging removed)",
    8: "load: the store holds a mixed or incomplete state; run `b12kg load` again to finish (load --status: "
       "the store does not hold one complete release)",
    9: "load: the final swap failed and the store could not be read back: the outcome is unknown (check with "
       "`b12kg load --status`)",
}

MIN_TIMEOUT, MAX_TIMEOUT = 1.0, 86400.0  # seconds: SPARQLWrapper truncates to whole seconds, where 0 means none


def fail(exc: B12kgError) -> None:
    """Print the error (message and fix) in red on stderr and exit with its kind's code (see EXIT_CODES)."""
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(exc.exit_code)


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout keeps only the answer."""
    click.echo(f"  · {message}", err=True)


def seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A --timeout: a finite number of seconds from 1 (SPARQLWrapper keeps whole seconds, and 0 turns it off)."""
    if not math.isfinite(value) or not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        raise click.BadParameter(f"{value} is not a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g} "
                                 "(below one second the timeout would be off)")
    return value


_EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."
LOAD_EPILOG = "Exit codes: " + "; ".join(f"{k} {EXIT_CODES[k].removeprefix('load: ')}"
                                         for k in (0, 3, 4, 5, 6, 7, 8, 9)) + "."


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="b12kg")
def main() -> None:
    """b12kg turns every claim of a health article into a knowledge graph with exact-quote provenance.

    \b
    Typical use:
      b12kg all                  build, export, reason, validate, and answer a few example questions
      b12kg build                compile ontology/ + graphs/curated/*.claims.yaml into graphs/
      b12kg export               HPO annotation rows, KGX (Biolink) nodes/edges, nanopublications
      b12kg reason               write what HermiT infers (class hierarchy, types) to graphs/b12kg-inferred.*
      b12kg validate             check IDs, staleness, SHACL shapes, and HermiT on ontology + data
      b12kg query 01             run queries/01-*.rq on the built graph (or a .rq file, or inline SPARQL)
      b12kg stats                triples, claims by modality and source, terms by ontology
      b12kg serve                a read-only SPARQL endpoint on 127.0.0.1 (the Oxigraph server)
      b12kg load                 load the release into a SPARQL 1.1 store (Oxigraph, Virtuoso, ...)
      b12kg release              write releases/DATE-vVERSION/: the dated, checksummed release folder
      b12kg diff OLD NEW         claims added, removed and changed between two releases (or --git revisions)
    """
