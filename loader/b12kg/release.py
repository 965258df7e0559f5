"""Release stage: a dated, immutable folder holding a fresh build, its inferences and exports, gzip dumps, checksums."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from b12kg.build import build
from b12kg.describe import CHANGELOG, read_release
from b12kg.errors import B12kgError
from b12kg.export import export
from b12kg.paths import CURATED_DIR, ONTOLOGY_DIR, PROJECT

__all__ = ["RELEASES_DIR", "CHECKSUMS", "GZIPPED", "ReleaseResult", "make_release", "checksums_of"]

RELEASES_DIR = PROJECT / "releases"
CHECKSUMS = "SHA256SUMS"  # the format `sha256sum -c` reads
GZIPPED = ("b12kg.nt", "b12kg.nq", "b12kg-inferred.nt")  # the dumps VoID points to, compressed beside them
# Hand-edited ontology files that belong in a release beside the generated ones.
_ONTOLOGY_SOURCES = ("b12kg.ttl", "shapes.ttl", "b12kg.context.jsonld")

Progress = Callable[[str], None]


@dataclass
class ReleaseResult:
    folder: Path
    version: str
    date: str
    files: int
    created: bool  # False when the same release was already there (idempotent)


def _gzip(source: Path) -> None:
    """Deterministic gzip (no file name, time 0), so the same release gives the same bytes."""
    with source.open("rb") as raw, open(f"{source}.gz", "wb") as target:
        with gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0, compresslevel=9) as packed:
            shutil.copyfileobj(raw, packed)


def checksums_of(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under the folder but the checksum list, by path relative to it."""
    sums = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != CHECKSUMS:
            sums[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def _freeze(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def make_release(*, curated_dir: Path = CURATED_DIR, ontology_dir: Path = ONTOLOGY_DIR,
                 releases_dir: Path = RELEASES_DIR, changelog: Path = CHANGELOG, reasoner: str = "hermit",
                 progress: Progress | None = None) -> ReleaseResult:
    """Build everything afresh into a staging folder, then move it into place as releases/DATE/ in one rename.

    A release folder is never changed: running again with the same sources is a no-op; with other sources and
    the same CHANGELOG version it is an error that says to add a new version.
    """
    from b12kg.reason import hermit_inference, owlrl_inference, write_inferred

    say = progress or (lambda message: None)
    release = read_release(changelog)
    target = releases_dir / release.date
    for other in releases_dir.glob("*/CHANGELOG.md") if releases_dir.is_dir() else []:
        folder = other.parent
        if folder != target and read_release(other).version == release.version:
            raise B12kgError(f"version {release.version} was already released as {folder}",
                             fix="add a new `## [X.Y.Z] - YYYY-MM-DD` heading to CHANGELOG.md for this release")
    releases_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{release.date}-", dir=releases_dir))
    try:
        say(f"building release {release.version} ({release.date}) in {staging}")
        build(curated_dir=curated_dir, ontology_dir=ontology_dir, out_dir=staging,
              ontology_out_dir=staging / "ontology", changelog=changelog, progress=say)
        say(f"reasoning ({reasoner})")
        inference = (hermit_inference if reasoner == "hermit" else owlrl_inference)(staging / "b12kg.nt")
        write_inferred(inference, out_dir=staging)
        say("exporting")
        export(curated_dir=curated_dir, ontology_dir=ontology_dir, out_dir=staging / "exports",
               changelog=changelog)
        for name in _ONTOLOGY_SOURCES:
            shutil.copy2(ontology_dir / name, staging / "ontology" / name)
        shutil.copy2(changelog, staging / "CHANGELOG.md")
        for name in GZIPPED:
            _gzip(staging / name)
        sums = checksums_of(staging)
        (staging / CHECKSUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()),
                                         encoding="utf-8")
        if target.exists():
            existing = checksums_of(target)
            if existing == sums:
                say(f"{target} already holds this release; nothing changed")
                return ReleaseResult(target, release.version, release.date, len(sums) + 1, created=False)
            changed = sorted(n for n in sums.keys() | existing.keys() if existing.get(n) != sums.get(n))
            raise B12kgError(f"{target} holds release {release.version} with other content ({', '.join(changed[:5])}"
                             f"{' ...' if len(changed) > 5 else ''}); releases are immutable",
                             fix="add a new version heading to CHANGELOG.md (and bump pyproject.toml, "
                                 "loader/b12kg/__init__.py and the ontology's version) and release again")
        _freeze(staging)
        os.chmod(staging, 0o755)
        os.rename(staging, target)  # one rename: readers see no release, or all of it
        say(f"released {target}")
        return ReleaseResult(target, release.version, release.date, len(sums) + 1, created=True)
    finally:
        if staging.exists():
            for path in staging.rglob("*"):
                if path.is_file():
                    path.chmod(stat.S_IWUSR | stat.S_IRUSR)
            shutil.rmtree(staging, ignore_errors=True)
