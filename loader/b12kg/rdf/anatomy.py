"""The curated UBERON/CL edge table (ontology/imports/anatomy_edges.tsv): read, checked, one edge per row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from b12kg.errors import CurationError
from b12kg.vocab import parse_curie

__all__ = ["ANATOMY_EDGES", "RELATIONS", "AnatomyEdge", "read_anatomy_edges", "anatomy_labels"]

ANATOMY_EDGES = "anatomy_edges.tsv"  # inside ontology/imports/
# UBERON writes is_a and `relationship: part_of` (part_of = BFO:0000050 in its [Typedef]); nothing else is kept.
RELATIONS = ("is_a", "part_of")
_HEADER = ["child", "relation", "parent", "parent_label", "source"]
_PREFIXES = ("UBERON", "CL")  # their ID patterns are the prefix map's (b12kg.vocab)


@dataclass(frozen=True)
class AnatomyEdge:
    child: str
    relation: str
    parent: str
    parent_label: str
    source: str
    line: int


def _bad(path: Path, line: int, message: str, fix: str) -> CurationError:
    return CurationError(message, fix=fix, file=path, line=line)


def _anatomy_curie(text: str) -> bool:
    try:
        return parse_curie(text).prefix in _PREFIXES
    except ValueError:
        return False


def _edge(path: Path, number: int, fields: list[str]) -> AnatomyEdge:
    if len(fields) != len(_HEADER):
        raise _bad(path, number, f"{len(fields)} tab-separated fields, expected {len(_HEADER)} "
                   f"({', '.join(_HEADER)})", "separate the five columns with single tabs")
    child, relation, parent, label, source = (field.strip() for field in fields)
    for curie in (child, parent):
        if not _anatomy_curie(curie):
            raise _bad(path, number, f"{curie!r} is not an UBERON or CL CURIE (UBERON:NNNNNNN, CL:NNNNNNN)",
                       "write the ID as UBERON's or CL's own files write it")
    if relation not in RELATIONS:
        raise _bad(path, number, f"relation {relation!r} is not one of {', '.join(RELATIONS)}",
                   "use is_a or part_of, as UBERON's file states the edge")
    if child == parent:
        raise _bad(path, number, f"{child} is its own parent", "remove the row")
    if not label:
        raise _bad(path, number, f"no label for the parent {parent}", "copy UBERON's primary label (name:) exactly")
    if not source:
        raise _bad(path, number, f"edge {child} {relation} {parent} has no source",
                   "name the file (repository, path and commit) where the edge was read, or leave the edge out "
                   "and list it as unverified in the header")
    return AnatomyEdge(child, relation, parent, label, source, number)


def read_anatomy_edges(path: Path) -> list[AnatomyEdge]:
    """Every edge of the table, in file order; refuses bad rows, duplicates and contradictory labels."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CurationError(f"cannot read the anatomy edge table: {exc}",
                            fix="restore ontology/imports/anatomy_edges.tsv from git", file=path) from exc
    edges: list[AnatomyEdge] = []
    header_seen = False
    seen: dict[tuple[str, str, str], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        if not header_seen:
            if [f.strip() for f in fields] != _HEADER:
                raise _bad(path, number, f"the first row is not the header {'/'.join(_HEADER)}",
                           "keep the header line: " + "\\t".join(_HEADER))
            header_seen = True
            continue
        edge = _edge(path, number, fields)
        key = (edge.child, edge.relation, edge.parent)
        if key in seen:
            raise _bad(path, number, f"edge {' '.join(key)} repeats line {seen[key]}", "remove one of the rows")
        seen[key] = number
        edges.append(edge)
    if not header_seen:
        raise CurationError("the anatomy edge table has no header row", file=path,
                            fix="start the table with: " + "\\t".join(_HEADER))
    anatomy_labels(edges, path=path)
    return edges


def anatomy_labels(edges: list[AnatomyEdge], *, path: Path) -> dict[str, str]:
    """The label each parent carries in the table; one term, one label."""
    labels: dict[str, tuple[str, int]] = {}
    for edge in edges:
        known = labels.setdefault(edge.parent, (edge.parent_label, edge.line))
        if known[0] != edge.parent_label:
            raise _bad(path, edge.line, f"{edge.parent} is labelled {edge.parent_label!r} here but "
                       f"{known[0]!r} on line {known[1]}", "use UBERON's primary label in both rows")
    return {curie: label for curie, (label, _line) in labels.items()}
