"""One release's nanopublications, claim by claim: kept, superseding, new, or retracting, with their index rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import Quad

from b12kg.curation.read import Claim, Document
from b12kg.export.nanopub import Signing, nanopub_quads, retraction_quads
from b12kg.export.npindex import IndexRow

__all__ = ["Published", "Publisher"]


@dataclass(frozen=True)
class Published:
    """A nanopublication to write: its file name, IRI, quads and index row."""

    name: str
    iri: str
    quads: list[Quad]
    row: IndexRow


@dataclass
class Publisher:
    """Turns claims into nanopublications against the previous release's index (claim id -> row), if any.

    Memory holds the previous index and the ids seen (one short row per claim); the claims themselves stream.
    """

    signing: Signing | None = None
    previous: dict[str, IndexRow] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"new": 0, "kept": 0, "superseding": 0,
                                                            "retracting": 0})

    def claim(self, document: Document, claim: Claim) -> Published:
        self.seen.add(claim.id)
        old = self.previous.get(claim.id)
        if old is None or old.kind != "claim":
            iri, quads = nanopub_quads(document, claim, signing=self.signing)
            self.counts["new"] += 1
            return Published(f"{claim.id}.trig", iri, quads, IndexRow(claim.id, "claim", iri, ""))
        # unchanged: the same content (superseding what the old one superseded) gives the same Trusty URI
        iri, quads = nanopub_quads(document, claim, supersedes=old.previous or None, signing=self.signing)
        if iri == old.nanopub:
            self.counts["kept"] += 1
            return Published(f"{claim.id}.trig", iri, quads, old)
        iri, quads = nanopub_quads(document, claim, supersedes=old.nanopub, signing=self.signing)
        self.counts["superseding"] += 1
        return Published(f"{claim.id}.trig", iri, quads, IndexRow(claim.id, "claim", iri, old.nanopub))

    def retractions(self) -> Iterator[Published]:
        """A retraction for every claim of the previous index that is gone (kept as is when already retracted)."""
        for claim_id, old in self.previous.items():
            if claim_id in self.seen:
                continue
            retracted = old.nanopub if old.kind == "claim" else old.previous
            iri, quads = retraction_quads(claim_id, retracted, signing=self.signing)
            self.counts["retracting"] += 1
            yield Published(f"{claim_id}.retraction.trig", iri, quads,
                            IndexRow(claim_id, "retraction", iri, retracted))
