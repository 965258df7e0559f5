"""The two sides of a diff: a release folder, a curated folder, or a git revision of the curated files."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from b12kg.build.describe import DOWNLOAD_BASE
from b12kg.curation.read import claim_files
from b12kg.diff.snapshot import SNAPSHOT_FILE, Row, file_rows, folder_rows, read_snapshot, sorted_rows
from b12kg.errors import B12kgError
from b12kg.export.npindex import INDEX_NAME, index_rows
from b12kg.paths import CURATED_DIR, PROJECT

__all__ = ["NANOPUB_INDEX", "CURATED_IN_REPO", "NOTHING", "BadSide", "NanopubIndex", "Side", "side_of_path",
           "side_of_git", "read_nanopub_index"]

# The index the nanopublication export writes beside the nanopublications (branch r3-nanopub,
# b12kg.export.npindex): a header `claim kind nanopub previous`, then per claim `claim` rows (its nanopublication
# and the one it supersedes, if any) and `retraction` rows (a retraction nanopublication and the one it retracts).
# When a release folder holds it, the diff links each claim version to its nanopublication and states the
# supersessions and retractions of the new release.
NANOPUB_INDEX = f"exports/{INDEX_NAME}"
CURATED_IN_REPO = CURATED_DIR.relative_to(PROJECT).as_posix()  # graphs/curated
_RELEASE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-v\d+\.\d+\.\d+")


class BadSide(B12kgError):
    """An argument that names no release folder, curated folder or git revision: a usage error."""

    exit_code = 2


@dataclass(frozen=True)
class Side:
    """One side of a diff: where its claims come from and how to name it."""

    label: str  # as reports show it
    kind: str  # "release", "curated", "git", or "none" (no claims: before the first release)
    location: Path  # the release folder, the curated folder, or the repository
    revision: str = ""  # git: the full commit id
    iri: str = ""  # release: its download IRI (b12kg.build.describe.DOWNLOAD_BASE + folder name)
    nanopub_index: Path | None = field(default=None)
    notes: list[str] = field(default_factory=list, compare=False)  # files compared as written (see file_rows)

    def rows(self) -> Iterator[Row]:
        """The side's claims sorted by id (a release's snapshot is stored sorted; the others are sorted here)."""
        if self.kind == "release":
            return read_snapshot(self.location / SNAPSHOT_FILE)
        if self.kind == "none":
            return iter(())
        if self.kind == "curated":
            return sorted_rows(folder_rows(self.location))
        return sorted_rows(_git_rows(self.location, self.revision, self.notes))

    def nanopubs(self) -> NanopubIndex:
        """The release's nanopublication index (empty without one)."""
        return read_nanopub_index(self.nanopub_index) if self.nanopub_index else NanopubIndex()


NOTHING = Side("no earlier release", "none", Path())


def side_of_path(path: Path) -> Side:
    """A release folder (it holds b12kg.claims.tsv) or a folder of curated *.claims.yaml files."""
    if not path.is_dir():
        raise BadSide(f"{path}: no such folder", fix="name a release folder (releases/DATE-vVERSION/) or a folder "
                                                     "of *.claims.yaml files; for git revisions use --git")
    if (path / SNAPSHOT_FILE).is_file():
        index = path / NANOPUB_INDEX
        name = path.resolve().name
        return Side(name, "release", path, iri=f"{DOWNLOAD_BASE}{name}/" if _RELEASE_NAME.fullmatch(name) else "",
                    nanopub_index=index if index.is_file() else None)
    if claim_files(path):
        return Side(str(path), "curated", path)
    if (path / "SHA256SUMS").is_file():
        raise BadSide(f"{path}: a release folder without {SNAPSHOT_FILE} (released before b12kg wrote claim "
                      "snapshots)", fix="diff the curated files of the two versions instead: "
                                        "`b12kg diff --git TAG1 TAG2`")
    raise BadSide(f"{path}: neither a release folder (no {SNAPSHOT_FILE}) nor a folder of *.claims.yaml files",
                  fix="name a release folder (releases/DATE-vVERSION/) or a curated folder (graphs/curated/)")


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except OSError as exc:
        raise BadSide(f"cannot run git: {exc}", fix="install git, or diff two folders instead") from exc
    if done.returncode != 0:
        raise BadSide(f"git {' '.join(args)} in {repo}: {done.stderr.decode(errors='replace').strip()}",
                      fix="name a commit, tag or branch of the repository (see `git log --oneline`)")
    return done.stdout


def side_of_git(revision: str, *, repo: Path = PROJECT, curated: str = CURATED_IN_REPO) -> Side:
    """A git revision's curated files, read with `git show` (the working tree is never checked out)."""
    if revision.startswith("-") or not revision.strip():
        raise BadSide(f"{revision!r} is not a git revision", fix="name a commit, tag or branch (e.g. v0.1.0, HEAD~1)")
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
    names = _git(repo, "ls-tree", "--name-only", "-z", commit, f"{curated}/").decode("utf-8").split("\0")
    if not any(name.endswith(".claims.yaml") for name in names):
        raise BadSide(f"git revision {revision} ({commit[:12]}) has no {curated}/*.claims.yaml",
                      fix="name a revision that holds curated claims files")
    return Side(f"{revision} ({commit[:12]})", "git", repo, revision=commit)


def _git_rows(repo: Path, commit: str, notes: list[str]) -> Iterator[Row]:
    names = sorted(n for n in _git(repo, "ls-tree", "--name-only", "-z", commit, f"{CURATED_IN_REPO}/")
                   .decode("utf-8").split("\0") if n.endswith(".claims.yaml"))
    with tempfile.TemporaryDirectory(prefix="b12kg-diff-git-") as tmp:
        for name in names:
            copy = Path(tmp) / Path(name).name
            copy.write_bytes(_git(repo, "show", f"{commit}:{name}"))
            yield from file_rows(copy, shown_as=f"{commit[:12]}:{name}", notes=notes)
            copy.unlink()


@dataclass
class NanopubIndex:
    """A release's nanopublications by claim id: its own, the one each supersedes, and the retractions."""

    nanopub: dict[str, str] = field(default_factory=dict)
    supersedes: dict[str, str] = field(default_factory=dict)
    retracts: dict[str, tuple[str, str]] = field(default_factory=dict)  # claim → (retraction, retracted)


def read_nanopub_index(path: Path) -> NanopubIndex:
    """A nanopublication index (the format of b12kg.export.npindex, read by its own reader)."""
    index = NanopubIndex()
    for claim, kind, nanopub, previous in index_rows(path):
        if kind == "retraction":
            index.retracts[claim] = (nanopub, previous)
            continue
        index.nanopub[claim] = nanopub
        if previous:
            index.supersedes[claim] = previous
    return index
