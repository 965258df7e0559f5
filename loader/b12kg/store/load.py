"""Load stage: put the release into any SPARQL 1.1 store (Graph Store Protocol or Update), atomically for readers.

A replace stages every graph under this run's names, checks each staged size, writes a guard triple, then swaps
all graphs in with one update request, sent once (`swap_update`); after any failure of that request the store is
read back (b12kg.store.state) and the outcome told.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from b12kg.errors import B12kgError, StoreError
from b12kg.paths import GRAPHS_DIR
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import count_triples, sparql_request
from b12kg.store.release import STAGING_BASE, release_checksum, release_graphs
from b12kg.store.state import read_state, recover_failed_swap
from b12kg.store.upload import Uploader, drop_graphs

__all__ = ["LoadReport", "load_release", "swap_update", "SWAP_GUARD"]

SWAP_GUARD = STAGING_BASE + "swap-guard"  # predicate of a load's guard triple; every statement of its swap needs it


@dataclass
class LoadReport:
    """What a load did: each graph's size in the release and in the store after, and what it replaced."""

    mode: str
    graphs: dict[str, tuple[int, int]]  # graph -> (triples in the release, triples in the store after)
    seconds: float
    removed: list[str] = field(default_factory=list)
    before: str = ""  # what the store held before the load (StoreState.describe)
    fault: str | None = None  # the swap's reply was lost, yet the store, read back, holds this release: why

    def ok(self) -> bool:
        return all(release == stored for release, stored in self.graphs.values()) if self.mode == "replace" else \
            all(stored >= release for release, stored in self.graphs.values())


def load_release(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, mode: str = "replace",
                 inferred: bool = True, progress: Progress | None = None) -> LoadReport:
    """Load the release into the store. Replace: stage every graph, check its size, then swap all in one update.

    The swap is sent once. If it fails in any way (lost or late reply, 5xx, reset, the store dying), the store is
    read back and the outcome told: the report's ``fault`` is set when this release is live; `PreviousReleaseKept`,
    `MixedStoreState` or `SwapOutcomeUnknown` is raised otherwise.
    """
    say = progress or (lambda message: None)
    started = time.monotonic()
    graphs = release_graphs(graphs_dir, inferred=inferred)
    uploader = Uploader(config, say)
    if mode == "append":
        # Retrying an append's requests (Graph Store POST, INSERT DATA) is safe: sent twice, they add the same set
        # of triples again, which changes nothing (release_graphs refuses blank nodes, which would be copied).
        for graph, lines in graphs.items():
            uploader.upload(graph, lines, replace_first=False)
        counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
        return LoadReport(mode, counts, time.monotonic() - started)
    if mode != "replace":
        raise B12kgError(f"unknown mode {mode!r}", fix="use replace or append")

    checksum = release_checksum(graphs)
    first = read_state(config)
    before_text = first.describe(graphs)
    say(f"the store holds {before_text}; loading release {checksum[:12]}")
    if first.staging:
        say(f"removing {len(first.staging)} staging graph(s) left by an interrupted load")
        drop_graphs(config, first.staging)  # also cancels that load's swap, should it still arrive (it needs its guard)
    run = uuid.uuid4().hex[:12]
    staging = {graph: f"{STAGING_BASE}{run}/{index}" for index, graph in enumerate(graphs)}
    guard = f"{STAGING_BASE}{run}/guard"
    try:
        for graph, lines in graphs.items():
            say(f"staging <{graph}> ({len(lines)} triples)")
            # POST only, no PUT: the staging graphs are new (this run's names), and a POST that arrives twice, or
            # late after its retry, adds the same triples again; a late PUT would wipe the batches posted after it.
            uploader.upload(staging[graph], lines, replace_first=False)
        for graph, lines in graphs.items():
            stored = count_triples(config, staging[graph])
            if stored != len(lines):
                raise StoreError(f"staging graph for <{graph}> holds {stored} triples, the release {len(lines)}",
                                 fix="the store changed or dropped triples on the way; see its log")
        sparql_request(config, f'INSERT DATA {{ GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{checksum}" }} }}',
                       update=True, what="writing the swap's guard")
        before = read_state(config)
    except BaseException as exc:
        try:
            drop_graphs(config, [guard, *staging.values()])  # DROP SILENT of this run's graphs: safe to retry
        except StoreError:
            pass
        if isinstance(exc, StoreError):
            exc.message += (" — nothing was replaced: the store still holds the graphs it had before this load "
                            "(staging graphs were removed where the store could be reached)")
        raise
    removed = sorted(g for g in before.graphs if g not in graphs)
    say(f"swapping {len(graphs)} graph(s) in one update request (sent once, never retried)")
    sources = {target: staging[target] if graphs[target] else None for target in graphs}
    try:
        sparql_request(config, swap_update(sources, removed, guard, checksum), update=True, once=True,
                       what="swapping the staged graphs in")
    except Exception as exc:  # noqa: BLE001 — whatever went wrong, the store is read back before anything is said
        fault = exc.message if isinstance(exc, B12kgError) else f"{type(exc).__name__}: {exc}"
        state = recover_failed_swap(config, fault, guard=guard, staging=list(staging.values()), before=before,
                                    graphs=graphs, say=say)
        counts = {g: (len(lines), state.graphs.get(g, 0)) for g, lines in graphs.items()}
        return LoadReport(mode, counts, time.monotonic() - started, removed, before_text, fault)
    counts = {g: (len(lines), count_triples(config, g)) for g, lines in graphs.items()}
    return LoadReport(mode, counts, time.monotonic() - started, removed, before_text)


def swap_update(sources: dict[str, str | None], removed: list[str], guard: str, checksum: str) -> str:
    """The swap: one SPARQL Update request that puts every staged graph in place and removes ``removed``.

    One request, so readers see the old graphs or the new ones, never a mix, where the store runs a request as one
    transaction (Oxigraph and Virtuoso do). Safe to run twice: every statement that changes a release graph holds
    only while this load's guard triple is in the store, and the request drops the guard last, so a replay (or a
    late copy) changes nothing. A target is cleared only if its staging graph is there (MOVE would not do this:
    Virtuoso 7.2's `MOVE <a> TO <b>` with no graph <a> empties <b>, see ../shared/reference/stack-notes.md), and
    triples are copied with INSERT … WHERE, which adds nothing from a graph that is not there. ``sources`` maps
    each target to its staging graph, or to None for a release graph without triples (its target is cleared).
    """
    condition = f'GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{checksum}" }}'
    statements = []
    for target, source in sources.items():
        present = f" FILTER(EXISTS {{ GRAPH <{source}> {{ ?a ?b ?c }} }})" if source else ""
        statements.append(f"DELETE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {condition}{present} "
                          f"GRAPH <{target}> {{ ?s ?p ?o }} }}")
        if source:
            statements.append(f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {condition} "
                              f"GRAPH <{source}> {{ ?s ?p ?o }} }}")
    statements += [f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {condition} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
                   for graph in removed]
    statements += [f"DROP SILENT GRAPH <{source}>" for source in sources.values() if source]
    statements.append(f"DROP SILENT GRAPH <{guard}>")  # last: until here, every statement above sees the guard
    return " ;\n".join(statements)
