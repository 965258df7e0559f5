"""The claim diff's child work for the benchmark: a release's claims snapshot, and a synthetic next release.

    python bench/diffbench.py snapshot CURATED FOLDER   # FOLDER/b12kg.claims.tsv from the curated folder
    python bench/diffbench.py next OLD NEW              # NEW/b12kg.claims.tsv: OLD with claims changed, gone, added
    python bench/diffbench.py widen OLD FACTOR NEW      # NEW/b12kg.claims.tsv: FACTOR copies of OLD's claims

`widen` makes snapshots of a million claims without curating a million-claim YAML corpus first (its snapshot alone
would take a quarter of an hour): each claim of OLD under FACTOR ids (`ID-wK`), each copy its own JSON and digest.
A million-claim diff of two releases, by hand:

    python bench/diffbench.py snapshot bench/results/corpus-10000/curated /tmp/s4
    python bench/diffbench.py widen /tmp/s4 100 /tmp/s6 && python bench/diffbench.py next /tmp/s6 /tmp/s6n
    /usr/bin/time -v python -m b12kg diff /tmp/s6 /tmp/s6n --markdown /tmp/d.md --rdf /tmp/d.nt

The next release changes 1 claim in 100 (its gloss, or every 500th its quote), removes 1 in 1,000 and adds as
many new claims as it removes; it is written by the same public writer as a release's snapshot
(b12kg.diff.snapshot.write_snapshot), so the diff reads what it reads after two real releases.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from b12kg.diff.snapshot import SNAPSHOT_FILE, Row, folder_rows, read_snapshot, write_snapshot

__all__ = ["main"]


def _next(rows: Iterator[Row]) -> Iterator[Row]:
    for n, row in enumerate(rows):
        if n % 1000 == 1:  # removed; a new claim takes its place
            record = row.record()
            record["id"] = f"{row.id}-new"
            yield Row.of(record)
            continue
        if n % 100 == 0:
            record = row.record()
            if n % 500 == 0:
                record["quote"] = record["quote"][1:]
            else:
                record["gloss"] = f"(revised) {record['gloss']}"
            yield Row.of(record)
            continue
        yield row


def _widen(source: Path, factor: int) -> Iterator[Row]:
    for k in range(factor):
        for row in read_snapshot(source / SNAPSHOT_FILE):
            record = row.record()
            record["id"] = f"{row.id}-w{k}"
            yield Row.of(record)


def main(argv: list[str]) -> int:
    kind, source, *factor, target = argv
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    rows = folder_rows(Path(source)) if kind == "snapshot" else _widen(Path(source), int(factor[0])) \
        if kind == "widen" else _next(read_snapshot(Path(source) / SNAPSHOT_FILE))
    with (folder / SNAPSHOT_FILE).open("w", encoding="utf-8", newline="\n") as out:
        count = write_snapshot(out, rows)
    print(f'{{"snapshot_claims": {count}}}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
