"""A swap in bounded pieces, for stores whose single request cannot hold a large one (Virtuoso: a SPARQL request is
stopped after [SPARQL] MaxQueryExecutionTime, 60 s by default, "SR171 Transaction timed out"; a transaction's log is
capped by TransactionAfterImageLimit, 50 MB by default).

Each piece is a guarded update of at most ``PIECE`` rows: first the targets whose staging graph is there are
emptied, then the graphs the release no longer has, then the staged triples are moved (one DELETE/INSERT with one
WHERE: the same rows leave the staging graph and enter the target). Every piece needs the load's guard triple, so a
piece that arrives after the load gave up (and dropped the guard) changes nothing; each is sent once, and the next
only after its answer. The work left is asked with cheap patterns (no NOT EXISTS: Virtuoso timed out on those at
10^4 claims). Readers see the graphs change piece by piece; the guard is dropped last. A failure is read back by the
caller like a failed single swap (usually exit 8: run the load again).
"""

from __future__ import annotations

from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import sparql_request

__all__ = ["PIECE", "swap_in_pieces", "piece_patterns"]

PIECE = 20_000  # rows per piece: well under a minute each on Virtuoso here


def piece_patterns(guard: str, plan: str, checksum: str, *, into: str, clear: str, swap_guard: str
                   ) -> dict[str, tuple[str, str]]:
    """The three kinds of piece, in the order they run: kind -> (its WHERE pattern, binding ?t ?s ?p ?o and
    ?source, and its template)."""
    condition = f'GRAPH <{guard}> {{ <{guard}> <{swap_guard}> "{checksum}" }}'
    into_pattern = f"GRAPH <{plan}> {{ ?source <{into}> ?t }}"
    return {
        "empty": (f"{condition} {into_pattern} FILTER(EXISTS {{ GRAPH ?source {{ ?a ?b ?c }} }}) "
                  "GRAPH ?t { ?s ?p ?o }", "DELETE { GRAPH ?t { ?s ?p ?o } }"),
        "remove": (f"{condition} GRAPH <{plan}> {{ <{plan}> <{clear}> ?t }} BIND(?t AS ?source) "
                   "GRAPH ?t { ?s ?p ?o }", "DELETE { GRAPH ?t { ?s ?p ?o } }"),
        "move": (f"{condition} {into_pattern} GRAPH ?source {{ ?s ?p ?o }}",
                 "DELETE { GRAPH ?source { ?s ?p ?o } } INSERT { GRAPH ?t { ?s ?p ?o } }"),
    }


def swap_in_pieces(config: StoreConfig, patterns: dict[str, tuple[str, str]], guard: str, *,
                   say: Progress) -> None:
    """Run the pieces of each kind until none is left (an ASK tells), then drop the guard. Raises on any failure."""
    for kind, (pattern, template) in patterns.items():
        pieces = 0
        while sparql_request(config, f"ASK {{ {pattern} }}", what=f"asking for {kind} work left")["boolean"]:
            sparql_request(config, f"{template} WHERE {{ {{ SELECT ?source ?t ?s ?p ?o WHERE {{ {pattern} }} "
                                   f"LIMIT {PIECE} }} }}", update=True, once=True,
                           what=f"swap piece ({kind} {pieces + 1})")
            pieces += 1
            say(f"swap: {kind} piece {pieces} done")
    sparql_request(config, f"DROP SILENT GRAPH <{guard}>", update=True, once=True, what="dropping the swap's guard")
