"""Synthetic curated corpora for the benchmark: N claims over many documents, every quote and ID real."""

from __future__ import annotations

import copy
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CLAIMS_PER_DOCUMENT", "CURATED", "ROOT", "SOURCE_NAME", "Corpus", "NoAliases", "corpus", "repeat_claims"]

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "graphs" / "curated"
SOURCE_NAME = "b12-involuntary-movements"
CLAIMS_PER_DOCUMENT = 500
# One line appended to each document's copy of the source text, so that every document has its own sha256; it
# is listed under non_claims (every sentence of a source must be accounted for). Arabic: "synthetic benchmark
# document number N".
_MARKER = "وثيقة اصطناعية لقياس الأداء رقم {number}"
_STAMP = "corpus.json"  # written last: a folder without it is an interrupted generation


class NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes a value each time it occurs: curated files refuse YAML anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


@dataclass(frozen=True)
class Corpus:
    """A generated corpus: its curated folder and what it holds."""

    folder: Path  # bench/results/corpus-N/
    claims: int
    documents: int
    per_document: int

    @property
    def curated(self) -> Path:
        return self.folder / "curated"


def _template() -> tuple[dict[str, Any], str]:
    """The real claims file (parsed) and its source text."""
    data = yaml.safe_load((CURATED / f"{SOURCE_NAME}.claims.yaml").read_text(encoding="utf-8"))
    text = (CURATED / "sources" / f"{SOURCE_NAME}.ar.txt").read_text(encoding="utf-8")
    return data, text


def _document(template: dict[str, Any], text: str, number: int, claims: int) -> tuple[dict[str, Any], str]:
    """Document `number`: `claims` copies of the real claims (cycled, each in its own section, under new ids)."""
    marker = _MARKER.format(number=number)
    own_text = f"{text}\n{marker}"
    data = copy.deepcopy(template)
    meta = data["document"]
    meta["id"] = f"b12-synthetic-{number:07d}"
    meta["text"] = f"sources/doc-{number:07d}.ar.txt"
    meta["sha256"] = hashlib.sha256(own_text.encode("utf-8")).hexdigest()
    data.setdefault("non_claims", []).append(
        {"quote": marker,
         "reason": "benchmark marker line (bench/corpus.py): gives each synthetic copy its own sha256"})
    repeat_claims(data, claims, lambda claim_id, n: f"{claim_id}-d{number}-{n}")
    return data, own_text


def repeat_claims(data: dict[str, Any], claims: int, new_id: Callable[[str, int], str]) -> None:
    """Replace the parsed claims file's claims by `claims` copies of them, cycled in order, each in its own
    section, the n-th copy of claim `id` renamed `new_id(id, n)`: real quotes and IDs, unique claim ids."""
    originals = [(section, claim) for section in data["sections"] for claim in section["claims"]]
    for section in data["sections"]:
        section["claims"] = []
    for n in range(claims):
        section, claim = originals[n % len(originals)]
        duplicate = dict(claim)
        duplicate["id"] = new_id(claim["id"], n)
        section["claims"].append(duplicate)


def _counts(claims: int, per_document: int) -> list[int]:
    """Claims of each document: `per_document` each, the last one holding the remainder."""
    full, rest = divmod(claims, per_document)
    return [per_document] * full + ([rest] if rest else [])


def _generate(folder: Path, claims: int, per_document: int) -> None:
    template, text = _template()
    curated = folder / "curated"
    shutil.rmtree(folder, ignore_errors=True)
    (curated / "sources").mkdir(parents=True)
    counts = _counts(claims, per_document)
    for number, count in enumerate(counts, start=1):
        data, own_text = _document(template, text, number, count)
        (curated / data["document"]["text"]).write_text(own_text, encoding="utf-8")
        with (curated / f"doc-{number:07d}.claims.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(data, handle, allow_unicode=True, sort_keys=False, Dumper=NoAliases)
    stamp = {"claims": claims, "documents": len(counts), "per_document": per_document,
             "template_sha256": hashlib.sha256((CURATED / f"{SOURCE_NAME}.claims.yaml").read_bytes()).hexdigest()}
    (folder / _STAMP).write_text(yaml.safe_dump(stamp), encoding="utf-8")


def _up_to_date(folder: Path, claims: int, per_document: int) -> bool:
    stamp = folder / _STAMP
    if not stamp.is_file():
        return False
    recorded = yaml.safe_load(stamp.read_text(encoding="utf-8"))
    template = hashlib.sha256((CURATED / f"{SOURCE_NAME}.claims.yaml").read_bytes()).hexdigest()
    return (recorded.get("claims"), recorded.get("per_document"), recorded.get("template_sha256")) == \
        (claims, per_document, template)


def corpus(results: Path, claims: int, *, per_document: int = CLAIMS_PER_DOCUMENT) -> tuple[Corpus, bool]:
    """The corpus of `claims` claims under results/corpus-N/, generated unless cached; (corpus, generated?)."""
    folder = results / f"corpus-{claims}"
    generated = not _up_to_date(folder, claims, per_document)
    if generated:
        _generate(folder, claims, per_document)
    documents = len(_counts(claims, per_document))
    return Corpus(folder, claims, documents, per_document), generated
