"""The benchmark's corpus generator (bench/corpus.py) for tests: synthetic documents with real quotes and IDs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from b12kg.paths import PROJECT

__all__ = ["bench_corpus", "synthetic_curated"]


def bench_corpus() -> ModuleType:
    """bench/corpus.py, loaded by path once (bench/ is not a package); registered so its dataclasses find it."""
    name = "bench_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PROJECT / "bench" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def synthetic_curated(folder: Path, claims: int, *, per_document: int, documents: int | None = None) -> Path:
    """A curated folder of `claims` synthetic claims in documents of `per_document` (checked: `documents` of them)."""
    made, _ = bench_corpus().corpus(folder, claims, per_document=per_document)
    if documents is not None:
        assert made.documents == documents
    return Path(made.curated)
