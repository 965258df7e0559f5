"""Run a claim diff between two sides, and the release's diff against the release before it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import IO

from b12kg.build.describe import Release
from b12kg.diff.compare import Tally, compare
from b12kg.diff.report import Reports
from b12kg.diff.sides import NOTHING, Side, side_of_path
from b12kg.diff.snapshot import SNAPSHOT_FILE, folder_rows, write_snapshot

__all__ = ["DIFF_MARKDOWN", "DIFF_RDF", "diff", "previous_release", "release_diff"]

DIFF_MARKDOWN = "b12kg.claims-diff.md"  # in a release folder: its claims against the previous release's
DIFF_RDF = "b12kg.claims-diff.nt"
_FOLDER = re.compile(r"(\d{4}-\d{2}-\d{2})-v(\d+)\.(\d+)\.(\d+)")


def diff(old: Side, new: Side, *, markdown: IO[str] | None = None, rdf: IO[str] | None = None) -> Tally:
    """Compare the two sides claim by claim, writing the reports asked for; the counts."""
    tally = Tally()
    reports = Reports(old=old, new=new, markdown=markdown, rdf=rdf)
    for change in compare(old.rows(), new.rows(), tally):
        reports.add(change)
    reports.finish(tally)
    return tally


def previous_release(releases_dir: Path, release: Release) -> Path | None:
    """The release folder with the highest version below `release`'s (None before the first release)."""
    mine = tuple(int(n) for n in release.version.split("."))
    earlier = []
    for folder in releases_dir.iterdir() if releases_dir.is_dir() else []:
        match = _FOLDER.fullmatch(folder.name)
        if match and folder.is_dir() and tuple(int(n) for n in match.groups()[1:]) < mine:
            earlier.append((tuple(int(n) for n in match.groups()[1:]), folder))
    return max(earlier)[1] if earlier else None


def release_diff(staging: Path, *, curated_dir: Path, releases_dir: Path, release: Release) -> str:
    """Write the release's claims snapshot, and its claim diff against the previous release (or against nothing
    for the first one) into the staging folder; what was compared, for the progress line."""
    with (staging / SNAPSHOT_FILE).open("w", encoding="utf-8", newline="\n") as out:
        write_snapshot(out, folder_rows(curated_dir))
    before = previous_release(releases_dir, release)
    old = NOTHING
    if before is not None:
        if not (before / SNAPSHOT_FILE).is_file():
            return f"no claim diff: the previous release {before.name} has no {SNAPSHOT_FILE}"
        old = side_of_path(before)
    new = dataclasses.replace(side_of_path(staging), label=release.folder, iri=release.download_base)
    with (staging / DIFF_MARKDOWN).open("w", encoding="utf-8", newline="\n") as markdown, \
            (staging / DIFF_RDF).open("w", encoding="utf-8", newline="\n") as rdf:
        tally = diff(old, new, markdown=markdown, rdf=rdf)
    return (f"claims against {old.label}: {tally.added} added, {tally.removed} removed, {tally.changed} changed, "
            f"{tally.unchanged} unchanged")
