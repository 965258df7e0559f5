"""A claim diff's two reports, written as the changes stream by: Markdown for the changelog, RDF (PROV) between
claim versions."""

from __future__ import annotations

import json
import tempfile
from typing import IO, Any

from pyoxigraph import BlankNode, Literal, NamedNode

from b12kg.diff.compare import GROUP_ORDER, Change, Tally, group_of
from b12kg.diff.sides import NanopubIndex, Side
from b12kg.rdf.nodes import claim_iri
from b12kg.vocab import NS

__all__ = ["NPX", "version_iri", "Reports"]

# The nanopublication extension vocabulary (npx:supersedes, npx:retracts), as the nanopublication network uses
# it (https://github.com/Nanopublication/nanopub-java, vocabulary class NPX).
NPX = "http://purl.org/nanopub/x/"
PROV, RDF, RDFS, DCTERMS = NS["prov"], NS["rdf"], NS["rdfs"], NS["dcterms"]
_VALUE_WIDTH = 120  # characters of an old or new value shown in the Markdown
_KINDS = ("added", "removed", "changed")


def version_iri(claim_id: str, sha256: str) -> str:
    """A claim version's IRI: the claim's IRI, /version/, and the first 32 hex digits of its content's SHA-256 —
    the same content gives the same IRI in every release and revision."""
    return f"{claim_iri(claim_id)}/version/{sha256[:32]}"


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(record: dict[str, Any], path: str) -> str:
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return "(none)"
        value = value[step]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return _code(text if len(text) <= _VALUE_WIDTH else text[:_VALUE_WIDTH - 1] + "…")


def _gloss(record: dict[str, Any]) -> str:
    return " ".join(str(record.get("gloss", "")).split())


class Reports:
    """Write the Markdown and/or the RDF of a diff, one change at a time; `finish` puts the counts on top of the
    Markdown (the sections wait in temporary files, so memory does not grow with the number of changes)."""

    def __init__(self, *, old: Side, new: Side, markdown: IO[str] | None, rdf: IO[str] | None) -> None:
        self.old, self.new, self.markdown, self.rdf = old, new, markdown, rdf
        self.old_np, self.new_np = old.nanopubs(), new.nanopubs()
        self.parts = {kind: tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")
                      for kind in _KINDS} if markdown is not None else {}
        self.activity = BlankNode("diff")
        self.started = False

    def add(self, change: Change) -> None:
        if self.markdown is not None:
            self._markdown(change)
        if self.rdf is not None:
            self._rdf(change)

    def _markdown(self, change: Change) -> None:
        out = self.parts[change.kind]
        record = (change.new or change.old)
        assert record is not None
        if change.kind != "changed":
            out.write(f"- {_code(change.id)} — {_gloss(record.record())}\n")
            retraction = self.new_np.retracts.get(change.id) if change.kind == "removed" else None
            if retraction:
                out.write(f"  - nanopublication: <{retraction[0]}> retracts <{retraction[1]}>\n")
            return
        assert change.old is not None and change.new is not None
        old, new = change.old.record(), change.new.record()
        groups = {group_of(path) for path in change.fields}
        shown = ", ".join(f"{group} ({', '.join(p for p in change.fields if group_of(p) == group)})"
                          for group in GROUP_ORDER if group in groups)
        out.write(f"- {_code(change.id)} — {shown}\n")
        for path in change.fields:
            out.write(f"  - {_code(path)}: {_value(old, path)} → {_value(new, path)}\n")
        superseding = self._supersession(change.id)
        if superseding:
            out.write(f"  - nanopublication: <{superseding[0]}> supersedes <{superseding[1]}>\n")

    def _triple(self, subject: NamedNode | BlankNode, predicate: str, obj: NamedNode | BlankNode | Literal) -> None:
        assert self.rdf is not None
        self.rdf.write(f"{subject} {NamedNode(predicate)} {obj} .\n")

    def _supersession(self, claim_id: str) -> tuple[str, str] | None:
        """(new, old) nanopublication of a changed claim: as the new release's index says, else from both indexes."""
        after = self.new_np.nanopub.get(claim_id)
        before = self.new_np.supersedes.get(claim_id) or self.old_np.nanopub.get(claim_id)
        return (after, before) if after and before and after != before else None

    def _version(self, claim_id: str, sha256: str, nanopubs: NanopubIndex) -> NamedNode:
        version = NamedNode(version_iri(claim_id, sha256))
        self._triple(version, RDF + "type", NamedNode(PROV + "Entity"))
        self._triple(version, PROV + "specializationOf", NamedNode(claim_iri(claim_id)))
        if claim_id in nanopubs.nanopub:  # the nanopublication that publishes this version of the claim
            self._triple(version, PROV + "alternateOf", NamedNode(nanopubs.nanopub[claim_id]))
        return version

    def _rdf(self, change: Change) -> None:
        if not self.started:  # the diff itself, stated with its first change: no change, no triples
            self.started = True
            self._triple(self.activity, RDF + "type", NamedNode(PROV + "Activity"))
            self._triple(self.activity, RDFS + "label",
                         Literal(f"b12kg diff: claims of {self.old.label} → {self.new.label}", language="en"))
            for side, predicate in ((self.old, "used"), (self.new, "generated")):
                if side.iri:
                    self._triple(self.activity, PROV + predicate, NamedNode(side.iri))
        old = self._version(change.id, change.old.sha256, self.old_np) if change.old else None
        new = self._version(change.id, change.new.sha256, self.new_np) if change.new else None
        if old is not None:
            self._triple(old, PROV + "wasInvalidatedBy", self.activity)
        if new is not None:
            self._triple(new, PROV + "wasGeneratedBy", self.activity)
        if old is not None and new is not None:
            self._triple(new, PROV + "wasRevisionOf", old)
            self._triple(new, DCTERMS + "description",
                         Literal(f"changed fields: {', '.join(change.fields)}", language="en"))
            superseding = self._supersession(change.id)
            if superseding:  # as the new nanopublication's publication info says
                self._triple(NamedNode(superseding[0]), NPX + "supersedes", NamedNode(superseding[1]))
        retraction = self.new_np.retracts.get(change.id) if change.kind == "removed" else None
        if retraction:  # the new release's retraction of the claim's last nanopublication
            self._triple(NamedNode(retraction[0]), NPX + "retracts", NamedNode(retraction[1]))

    def finish(self, tally: Tally) -> None:
        """The Markdown: title, counts, then the added, removed and changed claims (each in id order)."""
        if self.markdown is None:
            return
        out = self.markdown
        out.write(f"## Claims: {self.old.label} → {self.new.label}\n\n")
        if tally.empty:
            out.write(f"No claim was added, removed or changed ({tally.unchanged} unchanged).\n")
        else:
            groups = ", ".join(f"{tally.groups[g]} {g}" for g in GROUP_ORDER if g in tally.groups)
            out.write(f"{tally.added} added, {tally.removed} removed, {tally.changed} changed"
                      f"{f' ({groups})' if groups else ''}, {tally.unchanged} unchanged.\n")
        for note in self.old.notes + self.new.notes:
            out.write(f"\nNote: {note}\n")
        titles = {"added": "Added", "removed": "Removed", "changed": "Changed (field groups, then each field: "
                                                                      "old → new)"}
        for kind in _KINDS:
            part = self.parts[kind]
            if part.tell() == 0:
                continue
            out.write(f"\n### {titles[kind]}\n\n")
            part.seek(0)
            for line in part:
                out.write(line)
        for part in self.parts.values():
            part.close()
