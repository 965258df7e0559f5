"""A stage's outputs change together or not at all: staged beside their targets, committed by renames, rolled back."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from b12kg.errors import OutputError

__all__ = ["TMP_PREFIX", "OutputSet", "output_set", "recover", "leftovers", "as_output_error"]

# Everything this module leaves behind starts with this prefix (ignored by git: .gitignore), so a killed run's
# leftovers are recognisable and the next run removes them.
TMP_PREFIX = ".b12kg-tmp-"
_JOURNAL = "journal.json"  # in the first staging folder: the commit's plan, present while renames are under way
_POINTER = "journal-at"  # in the other staging folders: where the journal is
_LOCK = "lock"  # flock()ed by the running process: a staging folder whose lock is free belongs to a dead run
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def _fsync_dir(folder: Path) -> None:
    """Make renames and new names in a folder durable (POSIX: fsync on the directory itself)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_MANY_FILES = 64  # above this many staged files one sync() is cheaper than an fsync() each (~2 ms a file on ext4)


def _make_durable(roots: Sequence[Path]) -> None:
    """Put every staged file and folder under `roots` on disk before the renames that publish them."""
    files = [os.path.join(folder, name) for root in roots for folder, _, names in os.walk(root) for name in names]
    if len(files) > _MANY_FILES:
        os.sync()  # POSIX sync(2); on Linux it returns when the data is written
        return
    for name in files:
        fd = os.open(name, os.O_RDONLY)  # one open at a time
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for root in roots:
        for folder, _, _ in os.walk(root):
            _fsync_dir(Path(folder))


def _remove(path: Path) -> None:
    """Remove a file or a folder tree; never raises (clean-up must not hide the real error, e.g. a full disk)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            path.unlink()
    except OSError:
        pass


@dataclass(frozen=True)
class _Entry:
    """One replacement: the new `staged` file or folder becomes `target`; the old one waits at `backup`."""

    kind: str  # "file", "dir", or "gone" (a file this run removes: it goes to `backup`, nothing replaces it)
    target: Path
    staged: Path
    backup: Path
    existed: bool

    def to_json(self, base: Path) -> dict[str, object]:
        return {"kind": self.kind, "existed": self.existed,
                **{k: os.path.relpath(getattr(self, k), base) for k in ("target", "staged", "backup")}}

    @staticmethod
    def from_json(data: dict[str, object], base: Path) -> _Entry:
        paths = {k: Path(os.path.normpath(base / str(data[k]))) for k in ("target", "staged", "backup")}
        return _Entry(str(data["kind"]), existed=bool(data["existed"]), **paths)


def _rollback(entries: Sequence[_Entry]) -> None:
    """Put every previous output back, whatever point the renames reached; safe to run more than once."""
    for entry in reversed(entries):
        if os.path.lexists(entry.backup):
            if entry.kind == "dir" and entry.target.is_dir() and not entry.target.is_symlink():
                shutil.rmtree(entry.target)  # the new folder, moved in before the failure
            os.replace(entry.backup, entry.target)
        elif entry.kind != "gone" and not entry.existed and not os.path.lexists(entry.staged) \
                and os.path.lexists(entry.target):
            if entry.kind == "dir" and not entry.target.is_symlink():
                shutil.rmtree(entry.target)  # a new output that had no previous version
            else:
                entry.target.unlink()


def _try_lock(staging: Path) -> int | None:
    """An fd holding a dead run's staging lock; -1 if it has no lock file (it died first); None if a live run
    holds it (flock(2) locks end with their process, so a free lock means a dead run)."""
    try:
        fd = os.open(staging / _LOCK, os.O_RDWR)
    except OSError:
        return -1  # no lock file: the run died before it took the lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _owner(staging: Path) -> str:
    try:
        return (staging / _LOCK).read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def _journal_of(staging: Path) -> Path | None:
    """The journal of the run a staging folder belongs to, if that run had started its renames."""
    if (staging / _JOURNAL).is_file():
        return staging / _JOURNAL
    try:
        pointer = (staging / _POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    journal = Path(os.path.normpath(staging / pointer)) / _JOURNAL
    return journal if journal.is_file() else None


def _finish_journal(journal: Path) -> None:
    """Roll a dead run's half-done commit back, then remove all its staging folders (the journal's last)."""
    primary = journal.parent
    plan = json.loads(journal.read_text(encoding="utf-8"))
    _rollback([_Entry.from_json(e, primary) for e in plan["entries"]])
    for name in plan["staging"]:
        staging = Path(os.path.normpath(primary / name))
        if staging != primary:
            _remove(staging)
    journal.unlink()
    _fsync_dir(primary)
    _remove(primary)


def leftovers(folder: Path) -> list[Path]:
    """The entries of a folder that b12kg's staging left (live or dead)."""
    return sorted(folder.glob(TMP_PREFIX + "*")) if folder.is_dir() else []


def recover(folders: Sequence[Path]) -> None:
    """Undo what killed runs left in these folders: roll back a half-done commit, remove staging leftovers.

    Raises OutputError when a live b12kg process is writing into one of them.
    """
    for folder in folders:
        for entry in leftovers(folder):
            if not entry.is_dir() or entry.is_symlink():
                _remove(entry)  # a temporary file of an older b12kg, or of a killed run
                continue
            fd = _try_lock(entry)
            if fd is None:
                raise OutputError(f"another b12kg run (pid {_owner(entry)}) is writing into {folder}",
                                  fix="wait for it to finish (or end it), then run again")
            try:
                journal = _journal_of(entry)
                if journal is not None and journal.parent != entry:
                    other = _try_lock(journal.parent)
                    if other is None:
                        raise OutputError(f"another b12kg run (pid {_owner(journal.parent)}) is writing into "
                                          f"{journal.parent.parent}", fix="wait for it to finish, then run again")
                    if other >= 0:
                        os.close(other)
                if journal is not None:
                    try:
                        _finish_journal(journal)
                    except OSError as exc:
                        raise OutputError(f"a killed b12kg run left a half-replaced set of outputs, and putting "
                                          f"the previous ones back failed: {exc}",
                                          fix=f"free the cause ({exc.strerror}) and run again; the plan is in "
                                              f"{journal}") from exc
                _remove(entry)
            finally:
                if fd >= 0:
                    os.close(fd)


class OutputSet:
    """The new versions of a stage's output files and folders, written to staging folders beside them.

    Use it through `output_set`: write each file through `open(target)` (or at `path(target)`), each output
    folder's content under `directory(target)`; on leaving the block every target is replaced, or none is.
    """

    def __init__(self, files: Sequence[Path], directories: Sequence[Path], removed: Sequence[Path] = ()) -> None:
        self._kinds: dict[Path, str] = {}
        for kind, targets in (("file", files), ("dir", directories), ("gone", removed)):
            for target in targets:
                path = Path(os.path.abspath(target))
                if path in self._kinds:
                    raise ValueError(f"output {path} given twice")
                self._kinds[path] = kind
        self._folders: list[Path] = list(dict.fromkeys(path.parent for path in self._kinds))
        self._staging: dict[Path, Path] = {}
        self._locks: list[int] = []
        self._handles: list[IO[str]] = []
        self._cancelled = False
        self._keep = False

    # -------------------------------------------------------------- for the stage

    def path(self, target: Path) -> Path:
        """Where a file target's new content is written."""
        path = self._target(target, "file")
        return self._staging[path.parent] / "new" / path.name

    def open(self, target: Path) -> IO[str]:
        """A UTF-8 text handle (newline "\\n") on a file target's new content; closed at the latest on commit."""
        handle = self.path(target).open("w", encoding="utf-8", newline="\n")
        self._handles.append(handle)
        return handle

    def directory(self, target: Path) -> Path:
        """An empty folder that becomes the folder target, as a whole."""
        path = self._target(target, "dir")
        staged = self._staging[path.parent] / "new" / path.name
        staged.mkdir(exist_ok=True)
        return staged

    def scratch(self) -> Path:
        """A work folder on the outputs' filesystem, removed with the staging folders."""
        folder = self._staging[self._folders[0]] / "scratch"
        folder.mkdir(exist_ok=True)
        return folder

    def cancel(self) -> None:
        """Leave every target as it is: the staged outputs are dropped on leaving the block."""
        self._cancelled = True

    # -------------------------------------------------------------- machinery

    def _target(self, target: Path, kind: str) -> Path:
        path = Path(os.path.abspath(target))
        if self._kinds.get(path) != kind:
            raise ValueError(f"{path} is not a {kind} output of this set")
        return path

    def _prepare(self) -> None:
        for folder in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
        recover(self._folders)
        txid = f"{os.getpid()}-{secrets.token_hex(4)}"
        primary: Path | None = None
        for folder in self._folders:
            staging = folder / f"{TMP_PREFIX}{txid}"
            staging.mkdir()
            self._staging[folder] = staging
            fd = os.open(staging / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._locks.append(fd)
            os.write(fd, str(os.getpid()).encode())
            if primary is None:
                primary = staging
            else:
                (staging / _POINTER).write_text(os.path.relpath(primary, staging), encoding="utf-8")
            (staging / "new").mkdir()
            (staging / "backup").mkdir()

    def _close_handles(self) -> None:
        for handle in self._handles:
            if not handle.closed:
                handle.close()

    def _release(self) -> None:
        """Drop the staging folders and locks; never raises."""
        for handle in self._handles:
            try:
                handle.close()
            except OSError:
                pass  # a full disk fails the flush again; the file is removed below anyway
        for staging in self._staging.values() if not self._keep else ():
            _remove(staging)
        for fd in self._locks:
            try:
                os.close(fd)
            except OSError:
                pass

    def _entries(self) -> list[_Entry]:
        entries = []
        for path, kind in self._kinds.items():
            staging = self._staging[path.parent]
            staged, backup = staging / "new" / path.name, staging / "backup" / path.name
            if kind == "gone":
                if os.path.lexists(path) and (path.is_dir() and not path.is_symlink()):
                    raise OutputError(f"{path} is a folder, where b12kg removes a file it no longer writes; nothing "
                                      "was replaced", fix=f"move {path} out of the way and run again")
                entries.append(_Entry(kind, path, staged, backup, os.path.lexists(path)))
                continue
            if kind == "file" and not staged.is_file():
                raise OutputError(f"{path} was not written", fix="report this: a stage declared an output it did "
                                  "not write")
            if kind == "dir" and not staged.is_dir():
                raise OutputError(f"folder {path} was not written", fix="report this: a stage declared an "
                                  "output folder it did not write")
            present = os.path.lexists(path)
            if present and kind == "file" and path.is_dir() and not path.is_symlink():
                raise OutputError(f"{path} is a folder, where b12kg writes a file; nothing was replaced",
                                  fix=f"move {path} out of the way and run again")
            if present and kind == "dir" and not (path.is_dir() and not path.is_symlink()):
                raise OutputError(f"{path} is not a folder, where b12kg writes a folder; nothing was replaced",
                                  fix=f"move {path} out of the way and run again")
            entries.append(_Entry(kind, path, staged, backup, present))
        return entries

    def _commit(self) -> None:
        self._close_handles()
        entries = self._entries()
        primary = self._staging[self._folders[0]]
        _make_durable([staging / "new" for staging in self._staging.values()])
        journal = primary / _JOURNAL
        part = primary / (_JOURNAL + ".part")
        plan = {"pid": os.getpid(), "entries": [e.to_json(primary) for e in entries],
                "staging": [os.path.relpath(s, primary) for s in self._staging.values()]}
        with part.open("w", encoding="utf-8") as out:
            json.dump(plan, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, journal)
        _fsync_dir(primary)
        # From here on a killed run leaves the journal, and the next run rolls back (recover).
        current = entries[0].target if entries else primary
        try:
            for entry in entries:
                current = entry.target
                if entry.existed:
                    os.rename(entry.target, entry.backup)
                if entry.kind != "gone":
                    os.rename(entry.staged, entry.target)
            for folder in self._folders:
                _fsync_dir(folder)
        except OSError as exc:
            try:
                _rollback(entries)
            except OSError as again:
                self._keep = True  # journal and backups stay: the next run finishes the rollback
                raise OutputError(f"could not replace {current}: {exc.strerror}; putting the previous outputs back "
                                  f"failed too ({again})", fix=f"remove the cause and run any b12kg command that "
                                  f"writes there: it restores them from {journal}") from exc
            raise OutputError(f"could not replace {current}: {exc.strerror}; every output of this run was put back "
                              "as it was", fix="remove the cause (permissions, an immutable or busy file) and run "
                              "again") from exc
        journal.unlink()  # the commit point: the new outputs are in place
        _fsync_dir(primary)


def as_output_error(exc: OSError, folders: Sequence[Path]) -> OutputError | None:
    """A clear message for a failure to write the outputs (full disk, read-only folder), else None."""
    where = ", ".join(str(f) for f in folders)
    if exc.errno in _NO_SPACE:
        return OutputError(f"no space left to write the outputs in {where} ({exc.strerror}); the previous "
                           "outputs are unchanged", fix="free space on that filesystem (or write elsewhere with "
                           "--out) and run again")
    name = str(exc.filename or "")
    if exc.errno in _NOT_WRITABLE and any(name.startswith(str(f)) for f in folders):
        return OutputError(f"cannot write {name} ({exc.strerror}); the previous outputs are unchanged",
                           fix="make the folder writable (or write elsewhere with --out) and run again")
    return None


@contextmanager
def output_set(*, files: Sequence[Path] = (), directories: Sequence[Path] = (),
               removed: Sequence[Path] = ()) -> Iterator[OutputSet]:
    """Stage new versions of `files` and `directories`; on leaving the block replace them all, or none.

    `removed` are files this run no longer writes (a format left out): they go in the same step as the others are
    replaced, so that no file of an older run stays beside the new ones (and come back if the replacement fails).

    Leftovers of killed runs in the targets' folders are handled first (see `recover`). A failure while writing
    (a full disk, say) or while replacing leaves every previous output as it was, with an OutputError that says
    so; staging folders (named TMP_PREFIX...) are removed in every case but a failed roll-back, whose journal the
    next run uses.
    """
    outputs = OutputSet(files, directories, removed)
    try:
        outputs._prepare()
        yield outputs
        if not outputs._cancelled:
            outputs._commit()
    except OSError as exc:
        clear = as_output_error(exc, outputs._folders)
        if clear is None:
            raise
        raise clear from exc
    finally:
        outputs._release()
