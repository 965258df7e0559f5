"""The nanopublication index: which nanopublication stands for each claim, and what it supersedes or retracts.

`b12kg.nanopubs.tsv`, beside the nanopublications, one row per claim, tab-separated, with a header row:

    claim      the claim's id (the curated file's `id`)
    kind       `claim` (the claim's nanopublication) or `retraction` (the claim is gone; this retracts it)
    nanopub    the nanopublication's Trusty URI
    previous   for `claim`: the nanopublication it supersedes (`npx:supersedes`), empty when it supersedes none;
               for `retraction`: the nanopublication it retracts (`npx:retracts`)

Rows are in the order the claims are exported, retractions last. An export given the previous release's index
(`--previous-index`) keeps an unchanged claim's nanopublication (same IRI, same row), gives a changed claim a
new one that supersedes the old, and retracts claims that are gone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from b12kg.errors import B12kgError

__all__ = ["INDEX_NAME", "COLUMNS", "IndexRow", "index_rows", "read_index", "write_header", "write_row"]

INDEX_NAME = "b12kg.nanopubs.tsv"
COLUMNS = ("claim", "kind", "nanopub", "previous")
KINDS = ("claim", "retraction")


class IndexRow(NamedTuple):
    claim: str
    kind: str
    nanopub: str
    previous: str


def index_rows(path: Path) -> Iterator[IndexRow]:
    """The index's rows in file order; a file that is not an index, or a malformed row, is a located error."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if tuple(header or ()) != COLUMNS:
            raise B12kgError(f"{path}:1: not a b12kg nanopublication index (header {header}, expected {COLUMNS})",
                             fix="give --previous-index the b12kg.nanopubs.tsv of the previous release")
        for number, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS) or row[1] not in KINDS or not row[2]:
                raise B12kgError(f"{path}:{number}: malformed index row {row}",
                                 fix="restore the file from the previous release folder (it is generated)")
            yield IndexRow(*row)


def read_index(path: Path) -> dict[str, IndexRow]:
    """The previous index by claim id."""
    if not path.is_file():
        raise B12kgError(f"the previous nanopublication index {path} does not exist",
                         fix="give the b12kg.nanopubs.tsv of the previous release (releases/DATE-vX.Y.Z/exports/)")
    return {row.claim: row for row in index_rows(path)}


def write_header(out: IO[str]) -> None:
    out.write("\t".join(COLUMNS) + "\n")


def write_row(out: IO[str], row: IndexRow) -> None:
    out.write("\t".join(row) + "\n")
