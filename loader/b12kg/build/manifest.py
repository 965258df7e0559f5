"""The build record (graphs/b12kg.build.json): what a build read and wrote, with SHA-256s, for cheap staleness."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from b12kg.errors import B12kgError
from b12kg.paths import PROJECT

__all__ = ["MANIFEST_FILE", "BuildInputs", "Stale", "sha256_of", "hash_files", "curated_files", "write_manifest",
           "read_manifest", "same_record", "stale_against_record"]

MANIFEST_FILE = "b12kg.build.json"
_FORMAT = "b12kg-build-record/1"


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in 1 MiB blocks (hashlib releases the GIL on each, so threads hash side by side)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_files(paths: Iterable[Path], *, workers: int) -> dict[Path, str | None]:
    """SHA-256 of each file, `workers` at a time in threads; None for a file that does not exist."""
    def one(path: Path) -> str | None:
        return sha256_of(path) if path.is_file() else None

    listed = list(paths)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip(listed, pool.map(one, listed), strict=True))


def curated_files(curated_dir: Path) -> list[Path]:
    """Every file in the curated folder: the claims files and the source texts they name (a build reads both)."""
    return sorted(path for path in curated_dir.rglob("*") if path.is_file())


def _source_name(path: Path) -> str:
    """A source file's name in the record: relative to the project when inside it (so that the committed record is
    the same in every checkout), else absolute."""
    try:
        return path.resolve().relative_to(PROJECT.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


@dataclass(frozen=True)
class BuildInputs:
    """What a build reads besides the code: the curated folder's files (claims files and source texts), the project's
    sources (ontology, anatomy edges, CHANGELOG, query library), and the versions of b12kg and of the HPO release its
    checks used."""

    curated_dir: Path
    curated: tuple[Path, ...]
    sources: tuple[Path, ...]
    b12kg_version: str
    hpo_version: str


@dataclass(frozen=True)
class Stale:
    """One reason the built graphs are stale: what, and the file it concerns."""

    what: str
    file: str


def write_manifest(handle: IO[str], *, inputs: BuildInputs, claims: int, out_dir: Path, ontology_dir: Path,
                   outputs: Mapping[Path, Path], ontology_outputs: Iterable[Path], known: Mapping[Path, str],
                   workers: int) -> None:
    """Write the record as sorted JSON. `outputs` maps each final path to the file that holds its bytes now (the
    staged copy); `known` gives SHA-256s already computed by final path, the others are hashed here in threads.
    Output names are relative to out_dir ("b12kg.nt", "explorer/…"), and for `ontology_outputs` "ontology/…"
    relative to ontology_dir, which is recorded relative to out_dir (so a record names no absolute path)."""
    of_ontology = set(ontology_outputs)
    missing = [staged for final, staged in outputs.items() if final not in known]
    hashed = hash_files([*missing, *inputs.curated, *inputs.sources], workers=workers)
    recorded: dict[str, str | None] = {}
    for final, staged in outputs.items():
        name = "ontology/" + final.relative_to(ontology_dir).as_posix() if final in of_ontology \
            else final.relative_to(out_dir).as_posix()
        recorded[name] = known.get(final) or hashed[staged]
    record = {
        "format": _FORMAT,
        "b12kg": inputs.b12kg_version,
        "hpo": inputs.hpo_version,
        "claims": claims,
        "ontology_dir": os.path.relpath(ontology_dir, out_dir).replace(os.sep, "/"),
        "curated": {path.relative_to(inputs.curated_dir).as_posix(): hashed[path] for path in inputs.curated},
        "sources": {_source_name(path): hashed[path] for path in inputs.sources},
        "outputs": recorded,
    }
    handle.write(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def same_record(first: Path, second: Path) -> bool:
    """Whether two build records say the same, apart from where the ontology's files were written (a build with
    --out writes them beside the graphs; the project's build, and validate's rebuild, into ontology/)."""
    def content(path: Path) -> object:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return {k: v for k, v in record.items() if k != "ontology_dir"} if isinstance(record, dict) else None

    return content(first) is not None and content(first) == content(second)


def read_manifest(graphs_dir: Path) -> dict[str, Any] | None:
    """The record a build left in graphs_dir, None when there is none; B12kgError when it cannot be read."""
    path = graphs_dir / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise B12kgError(f"{path}: cannot read the build record: {exc}",
                         fix="run `b12kg build`, or `b12kg validate --staleness rebuild`") from exc
    if not isinstance(record, dict) or record.get("format") != _FORMAT:
        raise B12kgError(f"{path}: not a build record of format {_FORMAT}",
                         fix="run `b12kg build`, or `b12kg validate --staleness rebuild`")
    return record


def stale_against_record(record: Mapping[str, Any], *, graphs_dir: Path, curated_dir: Path,
                         b12kg_version: str, hpo_version: str, present: Iterable[Path],
                         workers: int) -> list[Stale]:
    """Compare the record with the inputs and outputs as they are now: versions, every curated file (changed, added,
    removed), every source, every recorded output (changed or missing), and `present` output files the record does
    not list. Files are hashed `workers` at a time; nothing is rebuilt."""
    stale: list[Stale] = []
    if record["b12kg"] != b12kg_version:
        stale.append(Stale(f"built by b12kg {record['b12kg']}, this is b12kg {b12kg_version}",
                           str(graphs_dir / MANIFEST_FILE)))
    if record["hpo"] != hpo_version:
        stale.append(Stale(f"checked against HPO {record['hpo']}, the installed HPO release is {hpo_version}",
                           str(graphs_dir / MANIFEST_FILE)))
    now = {path.relative_to(curated_dir).as_posix(): path for path in curated_files(curated_dir)}
    sources = {name: (Path(name) if Path(name).is_absolute() else PROJECT / name) for name in record["sources"]}
    ontology_dir = graphs_dir / record["ontology_dir"]
    outputs = {name: (ontology_dir / name[len("ontology/"):] if name.startswith("ontology/") else graphs_dir / name)
               for name in record["outputs"]}
    hashed = hash_files([*now.values(), *sources.values(), *outputs.values()], workers=workers)
    for name in sorted(set(now) | set(record["curated"])):
        if name not in now:
            stale.append(Stale("a curated file the build read is gone", str(curated_dir / name)))
        elif name not in record["curated"]:
            stale.append(Stale("a curated file the build did not read", str(now[name])))
        elif hashed[now[name]] != record["curated"][name]:
            stale.append(Stale("a curated file changed since the build", str(now[name])))
    for name, path in sorted(sources.items()):
        if hashed[path] != record["sources"][name]:
            stale.append(Stale("a source changed since the build" if hashed[path] else "a source is gone", str(path)))
    for name, path in sorted(outputs.items()):
        if hashed[path] is None:
            stale.append(Stale("an output of the build is missing", str(path)))
        elif hashed[path] != record["outputs"][name]:
            stale.append(Stale("an output differs from what the build wrote", str(path)))
    listed = {path.resolve() for path in outputs.values()}
    for path in sorted(present):
        if path.is_file() and path.resolve() not in listed:
            stale.append(Stale("a file the build did not write (a left-over of an older build)", str(path)))
    return stale
