"""Are the built graphs and exports up to date? By rebuilding and comparing bytes, or against the build's record."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from b12kg.paths import PROJECT

__all__ = ["STALENESS_MODES", "Staleness", "by_rebuild", "by_record"]

STALENESS_MODES = ("rebuild", "recorded")


@dataclass
class Staleness:
    """What a staleness check found: claims counted, and (reason, file) pairs for whatever is stale."""

    claims: int
    stale: list[tuple[str, str]] = field(default_factory=list)
    exports_checked: bool = True


def by_rebuild(*, graphs_dir: Path, curated_dir: Path, exports_dir: Path | None, workers: int) -> Staleness:
    """Build and export afresh into a temporary folder and compare every file's bytes with the committed ones
    (re-checks every curated claim and ID on the way; as long as a build plus an export)."""
    from b12kg.build.manifest import MANIFEST_FILE, same_record
    from b12kg.build.pipeline import build as run_build
    from b12kg.build.pipeline import formats_in
    from b12kg.export.run import export as run_export

    with tempfile.TemporaryDirectory(prefix="b12kg-validate-") as tmp:
        fresh = Path(tmp)
        result = run_build(curated_dir=curated_dir, out_dir=fresh / "graphs", ontology_out_dir=fresh / "ontology",
                           workers=workers, formats=formats_in(graphs_dir))  # the formats it holds
        found = Staleness(result.claims)
        for path in result.files:
            relative = path.relative_to(fresh)
            committed = (graphs_dir if relative.parts[0] == "graphs" else PROJECT / relative.parts[0]) \
                .joinpath(*relative.parts[1:])
            if path.name == MANIFEST_FILE and relative.parts[0] == "graphs":
                same = same_record(path, committed)  # the record names where the ontology went: --out differs
            else:
                same = committed.is_file() and committed.read_bytes() == path.read_bytes()
            if not same:
                found.stale.append(("differs from a fresh build", str(relative)))
        run_export(curated_dir=curated_dir, out_dir=fresh / "exports")
        fresh_names = {p.relative_to(fresh / "exports").as_posix() for p in (fresh / "exports").rglob("*")
                       if p.is_file()}
        committed_exports = exports_dir or graphs_dir / "exports"
        old_names = {p.relative_to(committed_exports).as_posix() for p in committed_exports.rglob("*")
                     if p.is_file()} if committed_exports.is_dir() else set()
        for name in sorted(fresh_names | old_names):
            new, old = fresh / "exports" / name, committed_exports / name
            if not (new.is_file() and old.is_file() and new.read_bytes() == old.read_bytes()):
                found.stale.append(("differs from a fresh export", f"{committed_exports / name}"))
    return found


def by_record(*, graphs_dir: Path, curated_dir: Path, workers: int) -> Staleness:
    """Compare the build's record (graphs/b12kg.build.json) with the curated files, sources and outputs as they are
    now, hashing them in threads: no rebuild. The exports are not checked (they have no record)."""
    from b12kg import __version__
    from b12kg.build.manifest import MANIFEST_FILE, read_manifest, stale_against_record
    from b12kg.build.pipeline import OUTPUT_NAMES
    from b12kg.rdf.hpo import hpo_release

    record = read_manifest(graphs_dir)
    if record is None:
        return Staleness(0, [("no build record: built before builds wrote one, or not by `b12kg build`",
                              str(graphs_dir / MANIFEST_FILE))], exports_checked=False)
    present = [graphs_dir / name for name in OUTPUT_NAMES.values()]
    stale = stale_against_record(record, graphs_dir=graphs_dir, curated_dir=curated_dir,
                                 b12kg_version=__version__,
                                 hpo_version=hpo_release().version, present=present, workers=workers)
    return Staleness(int(record["claims"]), [(s.what, s.file) for s in stale], exports_checked=False)
