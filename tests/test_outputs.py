"""A stage's outputs change together or not at all: killed runs, full disks, failed replacements, open files."""

from __future__ import annotations

import importlib.util
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from b12kg.build.outputs import TMP_PREFIX, output_set, recover
from b12kg.build.pipeline import build
from b12kg.errors import OutputError
from b12kg.export.run import export
from b12kg.paths import PROJECT

CHANGELOG = PROJECT / "CHANGELOG.md"
ENV = {**os.environ, "PYTHONPATH": str(PROJECT / "loader")}
SYNTHETIC_CLAIMS = 1500


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (leftovers of staging excluded), by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(TMP_PREFIX) for part in p.relative_to(root).parts)}


def _leftovers(root: Path) -> list[Path]:
    """Staging leftovers under root (os.walk skips folders that vanish while a live run cleans up)."""
    return sorted(Path(folder) / name for folder, dirs, files in os.walk(root) for name in dirs + files
                  if name.startswith(TMP_PREFIX))


def _b12kg(*args: str, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "b12kg", *args], env=ENV, capture_output=True, text=True,
                          timeout=300, **kwargs)  # type: ignore[call-overload]


def _other_changelog(tmp_path: Path) -> Path:
    """CHANGELOG.md with another date on its newest version: the description and the HPOA rows change with it."""
    text = CHANGELOG.read_text(encoding="utf-8")
    head, _, rest = text.partition("## [")
    version, _, after = rest.partition("] - ")
    changed = tmp_path / "CHANGELOG.md"
    changed.write_text(f"{head}## [{version}] - 2001-02-03{after[10:]}", encoding="utf-8")
    return changed


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A curated folder of 1,500 claims, made as bench/build_scaling.py makes them (real claims, new ids)."""
    spec = importlib.util.spec_from_file_location("build_scaling", PROJECT / "bench" / "build_scaling.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    folder = tmp_path_factory.mktemp("synthetic") / "curated"
    bench.synthetic_curated(folder, SYNTHETIC_CLAIMS)
    return folder


# ------------------------------------------------------------------ killed runs


@pytest.mark.slow
def test_a_killed_build_leaves_old_or_new_outputs_and_the_next_build_removes_its_leftovers(
        synthetic: Path, tmp_path: Path) -> None:
    """SIGKILL a real `b12kg build` at random moments while it writes; then build again."""
    reference = tmp_path / "reference"
    started = time.monotonic()
    build(curated_dir=synthetic, out_dir=reference / "graphs", ontology_out_dir=reference / "ontology")
    seconds = time.monotonic() - started
    new = _snapshot(reference)
    out = tmp_path / "out"
    build(out_dir=out / "graphs", ontology_out_dir=out / "ontology")  # the previous outputs: the real document
    old = _snapshot(out)
    assert old != new
    (out / "graphs" / f"{TMP_PREFIX}abc123.nt").write_text("left by an older b12kg", encoding="utf-8")
    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    hits = 0
    for _ in range(8):  # until three kills hit a run while it writes (a later kill finds it done: also fine)
        process = subprocess.Popen([sys.executable, "-m", "b12kg", "build", "--curated", str(synthetic),
                                    "--out", str(out / "graphs"), "--ontology-out", str(out / "ontology")],
                                   env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mine = f"{TMP_PREFIX}{process.pid}-"  # its staging folders are named after its pid

        def staging(mine: str = mine) -> bool:  # this run's prefix, bound now
            return any(p.name.startswith(mine) for p in _leftovers(out))

        deadline = time.monotonic() + 120
        while not staging() and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(chance.uniform(0, 0.6 * seconds))  # a random moment of the writing
        process.send_signal(signal.SIGKILL)
        process.wait()
        hits += process.returncode == -signal.SIGKILL and staging()
        state = _snapshot(out)
        journal = [p for p in out.rglob("journal.json") if TMP_PREFIX in str(p)]
        assert journal or state in (old, new), f"mixed outputs without a journal (seed {seed})"
        if hits == 3:
            break
    assert hits >= 2, f"only {hits} kills hit a run that was writing (seed {seed})"
    done = _b12kg("build", "--curated", str(synthetic), "--out", str(out / "graphs"),
                  "--ontology-out", str(out / "ontology"))
    assert done.returncode == 0, done.stderr
    assert _leftovers(out) == []
    assert _snapshot(out) == new


_CHILD = """
import os, shutil, signal, sys
from pathlib import Path
from b12kg.build.outputs import output_set

root, mode, k = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
calls = [0]
real_rename = os.rename

def rename(src, dst):  # fault injection: a real SIGKILL just before the k-th rename of the commit
    if mode == "rename" and calls[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    real_rename(src, dst)

def rmtree(*args, **kwargs):  # ... or once the commit is done, when the clean-up starts
    os.kill(os.getpid(), signal.SIGKILL)

os.rename = rename
if mode == "cleanup":
    shutil.rmtree = rmtree
with output_set(files=[root / "a.nt", root / "b.ttl", root / "sub" / "c.tsv"],
                directories=[root / "many"]) as staged:
    for target in (root / "a.nt", root / "b.ttl", root / "sub" / "c.tsv"):
        staged.path(target).write_text("new " + target.name, encoding="utf-8")
    folder = staged.directory(root / "many")
    for n in range(3):
        (folder / f"{n}.trig").write_text(f"new {n}", encoding="utf-8")
"""

_HOLD = """
import sys, time
from pathlib import Path
from b12kg.build.outputs import output_set

root = Path(sys.argv[1])
with output_set(files=[root / "a.nt"]) as staged:
    staged.path(root / "a.nt").write_text("new", encoding="utf-8")
    print("writing", flush=True)
    time.sleep(60)
"""


def _old_outputs(root: Path) -> dict[str, bytes]:
    (root / "sub").mkdir(parents=True)
    (root / "many").mkdir()
    for name in ("a.nt", "b.ttl", "sub/c.tsv", "many/0.trig", "many/old-only.trig"):
        (root / name).write_text("old " + name, encoding="utf-8")
    return _snapshot(root)


@pytest.mark.parametrize("k", range(8))
def test_a_run_killed_between_renames_is_rolled_back_by_the_next(tmp_path: Path, k: int) -> None:
    """Four outputs in two folders (a folder of files among them) need 8 renames; a kill before any of them
    leaves a journal, and the next run puts every previous output back and removes the leftovers."""
    root = tmp_path / "out"
    old = _old_outputs(root)
    child = subprocess.run([sys.executable, "-c", _CHILD, str(root), "rename", str(k)], env=ENV,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert _leftovers(root), "the killed run left its journal and staging folders"
    if k:
        assert _snapshot(root) != old  # some outputs were already replaced when it died
    recover([root, root / "sub"])
    assert _snapshot(root) == old
    assert _leftovers(root) == []


def test_a_run_killed_after_its_last_rename_keeps_the_new_outputs(tmp_path: Path) -> None:
    root = tmp_path / "out"
    _old_outputs(root)
    child = subprocess.run([sys.executable, "-c", _CHILD, str(root), "cleanup", "0"], env=ENV,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert _leftovers(root)
    recover([root, root / "sub"])
    assert _snapshot(root) == {"a.nt": b"new a.nt", "b.ttl": b"new b.ttl", "sub/c.tsv": b"new c.tsv",
                               "many/0.trig": b"new 0", "many/1.trig": b"new 1", "many/2.trig": b"new 2"}
    assert _leftovers(root) == []


def test_a_live_run_is_left_alone(tmp_path: Path) -> None:
    """Another process writing into the same folder: its staging is not taken for a leftover."""
    root = tmp_path / "out"
    root.mkdir()
    (root / "a.nt").write_text("old", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(root)], env=ENV, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "writing\n"
        with pytest.raises(OutputError, match=f"another b12kg run \\(pid {holder.pid}\\) is writing"):
            with output_set(files=[root / "a.nt"]):
                pass
        assert len(_leftovers(root)) == 1  # the live run's staging folder is still there
    finally:
        holder.kill()
        holder.wait()
    recover([root])
    assert _leftovers(root) == [] and (root / "a.nt").read_text(encoding="utf-8") == "old"


# ------------------------------------------------------------------ failures while replacing


@pytest.mark.slow
def test_a_failed_replacement_in_the_middle_of_a_build_puts_every_output_back(tmp_path: Path) -> None:
    """The last output of the build (an import module) is immutable (chattr +i: even root cannot rename it), so
    the commit fails after the graphs and the ontology's RDF/XML were already replaced."""
    out = tmp_path / "out"
    build(out_dir=out / "graphs", ontology_out_dir=out / "ontology")
    old = _snapshot(out)
    last = out / "ontology" / "imports" / "terms_import.owl"
    subprocess.run(["chattr", "+i", str(last)], check=True)
    try:
        with pytest.raises(OutputError) as failure:
            build(out_dir=out / "graphs", ontology_out_dir=out / "ontology", changelog=_other_changelog(tmp_path))
    finally:
        subprocess.run(["chattr", "-i", str(last)], check=True)
    assert f"could not replace {last}" in str(failure.value)
    assert "every output of this run was put back as it was" in str(failure.value)
    assert _snapshot(out) == old
    assert _leftovers(out) == []


def test_a_folder_in_the_way_of_an_export_changes_no_export(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    export(out_dir=out)
    blocker = out / "kgx" / "b12kg_edges.jsonl"
    blocker.unlink()
    blocker.mkdir()
    (blocker / "keep.txt").write_text("someone's file", encoding="utf-8")
    old = _snapshot(out)
    with pytest.raises(OutputError, match="b12kg_edges.jsonl is a folder, where b12kg writes a file; nothing was "
                                          "replaced"):
        export(out_dir=out, changelog=_other_changelog(tmp_path))  # the HPOA rows would change
    assert _snapshot(out) == old
    assert _leftovers(out) == []


# ------------------------------------------------------------------ a full disk


@pytest.mark.slow
def test_a_full_disk_keeps_the_previous_outputs_and_says_so(tmp_path: Path) -> None:
    """A real small filesystem (tmpfs) holding the previous build, with too little room for the next."""
    seed = tmp_path / "seed"
    build(out_dir=seed / "graphs", ontology_out_dir=seed / "ontology")
    size = sum(p.stat().st_size for p in seed.rglob("*") if p.is_file())
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size + 600_000}", "tmpfs", str(disk)], check=True)
    try:
        shutil.copytree(seed, disk / "out")
        old = _snapshot(disk / "out")
        done = _b12kg("build", "--out", str(disk / "out" / "graphs"), "--ontology-out", str(disk / "out" / "ontology"))
        assert done.returncode == 5, done.stderr
        assert "no space left to write the outputs" in done.stderr and "the previous outputs are unchanged" in \
            done.stderr
        assert "Traceback" not in done.stderr
        assert _snapshot(disk / "out") == old
        assert _leftovers(disk / "out") == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# ------------------------------------------------------------------ open files


@pytest.mark.slow
def test_export_of_many_claims_holds_few_files_open(synthetic: Path, tmp_path: Path) -> None:
    """Under `ulimit -n 256`, 1,500 claims export (one nanopublication file open at a time)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    out = tmp_path / "exports"
    done = _b12kg("export", "--curated", str(synthetic), "--out", str(out), preexec_fn=limit)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((out / "nanopubs").glob("*.trig"))) == SYNTHETIC_CLAIMS
    assert _leftovers(out) == []
