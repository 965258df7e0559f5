"""Compare two sorted claim streams by id: added, removed and changed claims, and which fields changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from b12kg.curation.schema import QUALIFIERS
from b12kg.diff.snapshot import Row
from b12kg.errors import B12kgError

__all__ = ["FIELD_GROUPS", "GROUP_ORDER", "Change", "Tally", "compare", "changed_fields", "group_of"]

# Each field of a claim (the curated format's names, b12kg.curation.schema.ClaimEntry, plus the claim's place)
# in the group a changelog reader looks for; a test checks that every ClaimEntry field has one.
FIELD_GROUPS: dict[str, str] = {
    "quote": "quote", "occurrence": "quote",
    "subject": "IDs", "relation": "IDs", "object": "IDs",
    "modality": "modality", "hedge": "modality",
    "source": "attribution", "paragraph_source": "attribution", "curated": "attribution",
    **{name: "qualifiers" for name in QUALIFIERS},
    "frequency": "qualifiers", "onset": "qualifiers", "resolution": "qualifiers", "qualifier": "qualifiers",
    "object_description": "qualifiers", "population_basis": "qualifiers", "population_reason": "qualifiers",
    "population_text": "qualifiers", "resembles": "qualifiers",
    "gloss": "text", "note": "text", "curator_inference": "text", "references": "text", "flags": "text",
    "id": "IDs", "document": "place", "section": "place",
}
GROUP_ORDER = ("quote", "IDs", "modality", "attribution", "qualifiers", "text", "place", "other")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """A claim added (only `new`), removed (only `old`) or changed (both, and the dotted paths that differ)."""

    kind: str  # "added", "removed" or "changed"
    id: str
    old: Row | None
    new: Row | None
    fields: tuple[str, ...] = ()


@dataclass
class Tally:
    """How many claims were added, removed, changed and left as they were."""

    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    groups: dict[str, int] = field(default_factory=dict)  # changed claims per field group

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def group_of(path: str) -> str:
    """The group of a dotted field path (its top-level field's)."""
    return FIELD_GROUPS.get(path.split(".", 1)[0], "other")


def changed_fields(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths where two claim records differ: mappings are compared key by key (`frequency.category`,
    `curated.date`), lists and scalars as a whole (`body_sites`, `flags`); a field added or removed counts."""
    paths: list[str] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            paths += changed_fields(a, b, f"{prefix}{key}.")
        else:
            paths.append(f"{prefix}{key}")
    return paths


def _next(rows: Iterator[Row], previous: Row | None) -> Row | None:
    row = next(rows, None)
    if row is not None and previous is not None and row.id <= previous.id:
        raise B12kgError(f"claims out of order: {row.id!r} after {previous.id!r}",
                         fix="a claims stream must be sorted by id (b12kg.diff.snapshot.sorted_rows)")
    return row


def compare(old: Iterator[Row], new: Iterator[Row], tally: Tally) -> Iterator[Change]:
    """Merge the two id-sorted streams: equal digests are skipped without reading the JSON, so time is linear
    and memory holds two claims at a time; `tally` counts as it goes."""
    a, b = _next(old, None), _next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a.id < b.id):
            assert a is not None
            tally.removed += 1
            yield Change("removed", a.id, a, None)
            a = _next(old, a)
        elif a is None or b.id < a.id:
            tally.added += 1
            yield Change("added", b.id, None, b)
            b = _next(new, b)
        else:
            if a.sha256 == b.sha256:
                tally.unchanged += 1
            else:
                paths = changed_fields(a.record(), b.record())
                tally.changed += 1
                for group in {group_of(p) for p in paths}:
                    tally.groups[group] = tally.groups.get(group, 0) + 1
                yield Change("changed", a.id, a, b, tuple(paths))
            a, b = _next(old, a), _next(new, b)

