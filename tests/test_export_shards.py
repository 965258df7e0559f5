"""Exports that scale: nanopublications in folders of at most SHARD_SIZE files, few files open at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import b12kg.export.run as export_run
from b12kg.export.run import export
from b12kg.export.shards import Shards
from b12kg.paths import PROJECT


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_shards_stay_flat_up_to_their_size_then_number_their_folders(tmp_path: Path) -> None:
    flat = Shards(tmp_path / "flat", size=3)
    (tmp_path / "flat").mkdir()
    for n in range(3):
        flat.place(f"f{n}.trig").write_text(str(n), encoding="utf-8")
    assert not flat.sharded and sorted(p.name for p in (tmp_path / "flat").iterdir()) == ["f0.trig", "f1.trig",
                                                                                            "f2.trig"]
    many = Shards(tmp_path / "many", size=3)
    (tmp_path / "many").mkdir()
    for n in range(7):
        many.place(f"f{n}.trig").write_text(str(n), encoding="utf-8")
    assert many.sharded and many.count == 7
    assert _files(tmp_path / "many") == {"000000/f0.trig": b"0", "000000/f1.trig": b"1", "000000/f2.trig": b"2",
                                         "000001/f3.trig": b"3", "000001/f4.trig": b"4", "000001/f5.trig": b"5",
                                         "000002/f6.trig": b"6"}
    assert many.relative("f4.trig", 4) == "000001/f4.trig"


def test_a_sharded_export_holds_the_same_nanopublications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = export(out_dir=tmp_path / "flat")
    monkeypatch.setattr(export_run, "SHARD_SIZE", 10)
    sharded = export(out_dir=tmp_path / "sharded")
    assert not flat.sharded and sharded.sharded and flat.nanopubs == sharded.nanopubs >= 35
    by_name = {Path(name).name: data for name, data in _files(tmp_path / "sharded" / "nanopubs").items()}
    assert by_name == _files(tmp_path / "flat" / "nanopubs")
    folders = sorted(p for p in (tmp_path / "sharded" / "nanopubs").iterdir())
    assert all(p.is_dir() for p in folders) and [len(list(p.iterdir())) for p in folders][:-1] == [10] * (
        len(folders) - 1)
    # everything else is the same
    for name in ("b12kg.phenotype.hpoa", "kgx/b12kg_nodes.tsv", "kgx/b12kg_edges.tsv", "kgx/b12kg_edges.jsonl"):
        assert (tmp_path / "flat" / name).read_bytes() == (tmp_path / "sharded" / name).read_bytes()


def test_an_export_of_many_claims_needs_few_open_files(tmp_path: Path) -> None:
    """160 claims, RLIMIT_NOFILE 48 in a child process: one nanopublication file is open at a time."""
    script = textwrap.dedent(f"""
        import importlib.util, resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
        spec = importlib.util.spec_from_file_location("bench_corpus", {str(PROJECT / "bench" / "corpus.py")!r})
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_corpus"] = module
        spec.loader.exec_module(module)
        made, _ = module.corpus(Path({str(tmp_path)!r}), 160, per_document=40)
        import b12kg.export.run as run
        run.SHARD_SIZE = 50
        result = run.export(curated_dir=made.curated, out_dir=Path({str(tmp_path / "out")!r}))
        print(result.nanopubs, result.sharded)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(PROJECT / "loader"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["160", "True"]
    folders = sorted((tmp_path / "out" / "nanopubs").iterdir())
    assert [p.name for p in folders] == ["000000", "000001", "000002", "000003"]
    assert [len(list(p.iterdir())) for p in folders] == [50, 50, 50, 10]
