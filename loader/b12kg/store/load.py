"""Load stage: put the release into any SPARQL 1.1 store (Graph Store Protocol or Update), atomically for readers.

A replace streams the release into staging graphs under this run's names (b12kg.store.stage), checks their total
size with one count, uploads a plan graph (staging graph -> release graph), writes a guard triple, then swaps all
graphs in with one fixed-size update request, sent once (`swap_update`), and removes the staging graphs; after any
failure of the swap the store is read back (b12kg.store.state) and the outcome told.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from b12kg.errors import B12kgError, MixedStoreState, StoreError, SwapOutcomeUnknown
from b12kg.paths import GRAPHS_DIR
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import sparql_request
from b12kg.store.pieces import PIECE, piece_patterns, swap_in_pieces
from b12kg.store.release import RELEASE_SPACE, STAGING_BASE
from b12kg.store.stage import Stager, as_pairs
from b12kg.store.state import StoreState, read_state, recover_failed_swap
from b12kg.store.stream import (
    ReleaseSummary,
    catalog_lines,
    finish,
    release_files,
    stream_release,
)
from b12kg.store.upload import drop_prefix
from b12kg.vocab import CATALOG_GRAPH

__all__ = ["LoadReport", "Meter", "load_release", "swap_update", "swap_config", "in_bulk", "SWAP_GUARD", "PLAN_INTO",
           "PLAN_CLEAR"]

SWAP_GUARD = STAGING_BASE + "swap-guard"  # predicate of a load's guard triple; every statement of its swap needs it
PLAN_INTO = STAGING_BASE + "into"  # in a load's plan graph: staging graph -> the release graph it becomes
PLAN_CLEAR = STAGING_BASE + "clear"  # in a load's plan graph: plan -> a graph the swap empties (gone from the release)


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


def _counts(release: ReleaseSummary, state: StoreState) -> dict[str, tuple[int, int]]:
    return {graph: (size, state.graphs.get(graph, 0)) for graph, size in release.sizes.items()}


Meter = Callable[[str, int, "int | None"], None]  # (what, how many more done, total or None): progress counts
_TICK = 10_000  # statements between two progress ticks


def load_release(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, mode: str = "replace",
                 inferred: bool = True, progress: Progress | None = None, meter: Meter | None = None) -> LoadReport:
    """Load the release into the store. Replace: stage every graph, check the sizes, then swap all in one update.

    The release is streamed from its files (b12kg.store.stream), never held in memory. The swap is sent once. If
    it fails in any way (lost or late reply, 5xx, reset, the store dying), the store is read back and the outcome
    told: the report's ``fault`` is set when this release is live; `PreviousReleaseKept`, `MixedStoreState` or
    `SwapOutcomeUnknown` is raised otherwise.
    """
    say = progress or (lambda message: None)
    tick = meter or (lambda what, done, total: None)
    started = time.monotonic()
    stager = Stager(config, say)
    release = ReleaseSummary()
    if mode == "append":
        # Retrying an append's requests (Graph Store POST, INSERT DATA) is safe: sent twice, they add the same set
        # of triples again, which changes nothing (blank nodes, which would be copied, are refused).
        stager.stage(stream_release(graphs_dir, release, inferred=inferred), lambda graph: graph)
        finish(release, release.checksum)
        stager.stage(as_pairs(CATALOG_GRAPH, catalog_lines(release.sizes, release.checksum)), lambda graph: graph)
        return LoadReport(mode, _counts(release, read_state(config)), time.monotonic() - started)
    if mode != "replace":
        raise B12kgError(f"unknown mode {mode!r}", fix="use replace or append")

    first = read_state(config)
    say(f"the store holds {first.describe()}")
    if first.staging:
        say(f"removing {len(first.staging)} staging graph(s) left by an interrupted load")
        drop_prefix(config, STAGING_BASE)  # also cancels that load's swap, should it still arrive (it needs its guard)
    if not first.graphs and not first.checksums:
        return _first_load(config, graphs_dir, stager, inferred=inferred, say=say, started=started, tick=tick)
    run = uuid.uuid4().hex[:12]
    prefix = f"{STAGING_BASE}{run}/"
    guard, plan = prefix + "guard", prefix + "plan"
    staging: dict[str, str] = {}

    def rename(graph: str) -> str:
        name = staging.get(graph)
        if name is None:
            name = staging[graph] = f"{prefix}{len(staging)}"
        return name

    try:
        say(f"staging the release under <{prefix}…>")
        stager.stage_stream(_streamed(graphs_dir, release, inferred=inferred, tick=tick), rename,
                            timeout=_upload_timeout(config, graphs_dir, inferred=inferred))
        finish(release, release.checksum)
        say(f"release {release.checksum[:12]}: {release.triples():,} triples in {len(release.sizes):,} graphs")
        stager.stage(as_pairs(CATALOG_GRAPH, catalog_lines(release.sizes, release.checksum)), rename)
        _check_staged(config, prefix, release, staging)
        before = read_state(config)
        removed = sorted(g for g in before.graphs if g not in release.sizes)
        sources = {target: staging[target] if release.sizes.get(target) else None for target in release.sizes}
        stager.stage(as_pairs(plan, _plan_lines(plan, sources, removed)), lambda graph: graph)
        sparql_request(config, f'INSERT DATA {{ GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{release.checksum}" }} }}',
                       update=True, what="writing the swap's guard")
    except BaseException as exc:
        try:
            drop_prefix(config, prefix, first=guard)  # this run's graphs only: safe to retry
        except StoreError:
            pass
        if isinstance(exc, StoreError):
            exc.message += (" — nothing was replaced: the store still holds the graphs it had before this load "
                            "(staging graphs were removed where the store could be reached)")
        raise
    before_text = before.describe(release)
    swap = swap_config(config, release.triples())
    in_pieces = in_bulk(config, release.triples())
    say(f"swapping {len(release.sizes):,} graph(s) in " + (
        f"in guarded pieces of at most {PIECE:,} rows (readers see it progress)" if in_pieces else
        "with one update request (sent once, never retried)"))
    try:
        if in_pieces:
            swap_in_pieces(swap, piece_patterns(guard, plan, release.checksum, into=PLAN_INTO, clear=PLAN_CLEAR,
                                                swap_guard=SWAP_GUARD), guard, say=say)
        else:
            sparql_request(swap, swap_update(guard, plan, release.checksum), update=True, once=True,
                           what="swapping the staged graphs in")
    except Exception as exc:  # noqa: BLE001 — whatever went wrong, the store is read back before anything is said
        fault = exc.message if isinstance(exc, B12kgError) else f"{type(exc).__name__}: {exc}"
        state = recover_failed_swap(swap, fault, guard=guard, run_prefix=prefix, before=before, release=release,
                                    say=say)
        return LoadReport(mode, _counts(release, state), time.monotonic() - started, removed, before_text, fault)
    say("removing the staging graphs")
    try:
        drop_prefix(config, prefix)
    except StoreError as exc:
        say(f"could not remove the staging graphs ({exc.message[:200]}); the next load removes them")
    return LoadReport(mode, _counts(release, read_state(config)), time.monotonic() - started, removed, before_text)


def _streamed(graphs_dir: Path, release: ReleaseSummary, *, inferred: bool, tick: Meter
              ) -> Callable[[], Iterator[tuple[str, str]]]:
    """The release's statements, streamed anew (its counts started again) each time the upload is sent; `tick`
    counts them as they are sent (a progress bar)."""

    def pairs() -> Iterator[tuple[str, str]]:
        release.sizes.clear()
        count = 0
        for pair in stream_release(graphs_dir, release, inferred=inferred):
            yield pair
            count += 1
            if count == _TICK:
                tick("statements sent", count, None)
                count = 0
        tick("statements sent", count, None)

    return pairs


def _upload_timeout(config: StoreConfig, graphs_dir: Path, *, inferred: bool) -> float:
    """How long to wait for a store to answer a whole release in one request: 1 MB of N-Quads a second at least."""
    files = release_files(graphs_dir, inferred=inferred)
    return max(config.timeout, sum(path.stat().st_size for path, _ in files) / 1e6)


def _first_load(config: StoreConfig, graphs_dir: Path, stager: Stager, *, inferred: bool, say: Progress,
                started: float, tick: Meter) -> LoadReport:
    """Into a store that holds no b12kg graph there is no release to keep: write the graphs in place, the catalog
    (which names the release) last, and count. Readers see the release grow until then (`--status`: mixed). On any
    failure the store is read back: this release complete is kept (exit 6); otherwise every b12kg graph is removed,
    which gives back the store as it was (exit 4, nothing was replaced), or says it could not (exit 8 or 9)."""
    release = ReleaseSummary()
    say("the store holds no b12kg graph: writing the release in place (no previous release to keep)")
    try:
        stager.stage_stream(_streamed(graphs_dir, release, inferred=inferred, tick=tick), lambda graph: graph,
                            timeout=_upload_timeout(config, graphs_dir, inferred=inferred))
        finish(release, release.checksum)
        say(f"release {release.checksum[:12]}: {release.triples():,} triples in {len(release.sizes):,} graphs; "
            "writing the catalog")
        stager.stage(as_pairs(CATALOG_GRAPH, catalog_lines(release.sizes, release.checksum)), lambda graph: graph)
        _check_staged(config, RELEASE_SPACE, release, {graph: graph for graph in release.sizes})
    except Exception as exc:  # noqa: BLE001 — the store is read back before anything is said
        fault = exc.message if isinstance(exc, B12kgError) else f"{type(exc).__name__}: {exc}"
        return _undo_first_load(config, fault, exc, release, say=say, started=started)
    counts = {graph: (size, size) for graph, size in release.sizes.items()}  # the count above proved each
    return LoadReport("replace", counts, time.monotonic() - started, [], "no b12kg release")


def _undo_first_load(config: StoreConfig, fault: str, exc: Exception, release: ReleaseSummary, *, say: Progress,
                     started: float) -> LoadReport:
    """A first load failed: keep this release if the store holds it complete, else remove every b12kg graph."""
    try:
        state = read_state(config)
        if release.checksum and state.holds(release):
            return LoadReport("replace", _counts(release, state), time.monotonic() - started, [],
                              "no b12kg release", fault)
        say(f"the load failed ({fault.splitlines()[0][:200]}); removing the graphs written so far")
        drop_prefix(config, RELEASE_SPACE)
        state = read_state(config)
    except StoreError as unreachable:
        raise SwapOutcomeUnknown(
            f"a first load failed ({fault}), and the store could not be read back ({unreachable.message}): it may "
            "hold part of this release",
            fix="when the store answers again, `b12kg load --status` says what it holds; running `b12kg load` "
                "again is safe: it replaces whatever the store holds") from exc
    if state.graphs or state.staging:
        raise MixedStoreState(f"a first load failed ({fault}); the graphs it wrote could not all be removed: "
                              f"{state.difference(release)}", fix="run `b12kg load` again: it replaces them")
    if isinstance(exc, B12kgError):
        exc.message += (" — nothing was replaced: the store held no b12kg release, and the graphs this load wrote "
                        "were removed")
    raise exc


def swap_config(config: StoreConfig, triples: int) -> StoreConfig:
    """How the swap of ``triples`` triples is sent: with time to copy them (5,000 a second at least), and, above
    ``config.atomic_swap_max``, in the store's bulk mode and in bounded pieces (b12kg.store.pieces; Virtuoso: row
    autocommit, so readers see it progress)."""
    return replace(config, timeout=max(config.timeout, triples / 5_000),
                   update_prefix=config.bulk_update_prefix if in_bulk(config, triples) else config.update_prefix)


def in_bulk(config: StoreConfig, triples: int) -> bool:
    """Whether a swap of ``triples`` triples goes in bounded pieces, in the store's bulk mode."""
    return config.atomic_swap_max is not None and triples > config.atomic_swap_max


def _check_staged(config: StoreConfig, prefix: str, release: ReleaseSummary, staging: dict[str, str]) -> None:
    """One count over the graphs this load wrote (named under ``prefix``). Each holds only triples this load sent
    it (its name is new, or the store held no b12kg graph before), so the total equals the release's only if every
    graph is complete; if it differs, one GROUP BY names where."""
    within = f'FILTER(STRSTARTS(STR(?g), "{prefix}"))'
    answer = sparql_request(config, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {within} }}",
                            what="counting the staged triples")
    stored = int(answer["results"]["bindings"][0]["n"]["value"])
    if stored == release.triples():
        return
    result = sparql_request(config, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {within} }} "
                                    "GROUP BY ?g", what="counting the staging graphs")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in result["results"]["bindings"]}
    wrong = [f"<{graph}> {sizes.get(staging.get(graph, ''), 0)} of {size}" for graph, size in release.sizes.items()
             if size and sizes.get(staging.get(graph, ""), 0) != size]
    raise StoreError(f"the staging graphs hold {stored:,} triples, the release {release.triples():,}"
                     f" ({'; '.join(wrong[:3])}{' …' if len(wrong) > 3 else ''})",
                     fix="the store changed or dropped triples on the way (see its log); or the release files hold "
                         "a statement twice (rebuild them with `b12kg build`)")


def _plan_lines(plan: str, sources: dict[str, str | None], removed: list[str]) -> Iterator[str]:
    """The swap's plan: which staging graph becomes which release graph, and which graphs it empties."""
    for target, source in sources.items():
        yield f"<{source}> <{PLAN_INTO}> <{target}> .\n" if source else f"<{plan}> <{PLAN_CLEAR}> <{target}> .\n"
    for graph in removed:
        yield f"<{plan}> <{PLAN_CLEAR}> <{graph}> .\n"


def swap_update(guard: str, plan: str, checksum: str) -> str:
    """The swap: one SPARQL Update request of fixed size that puts every staged graph in place, as the plan graph
    (uploaded before it) says, and empties the graphs the release no longer has.

    One request, so readers see the old graphs or the new ones, never a mix, where the store runs a request as one
    transaction (Oxigraph and Virtuoso do). Safe to run twice: every statement holds only while this load's guard
    triple is in the store, and the request drops the guard last, so a replay (or a late copy) changes nothing. A
    target is cleared only if its staging graph is there (MOVE would not do this: Virtuoso 7.2's `MOVE <a> TO <b>`
    with no graph <a> empties <b>, see ../shared/reference/stack-notes.md), and triples are copied with
    INSERT … WHERE, which adds nothing from a graph that is not there. The staging graphs are removed afterwards,
    by a request of their own.
    """
    condition = f'GRAPH <{guard}> {{ <{guard}> <{SWAP_GUARD}> "{checksum}" }}'
    into = f"GRAPH <{plan}> {{ ?source <{PLAN_INTO}> ?t }}"
    return " ;\n".join([
        f"DELETE {{ GRAPH ?t {{ ?s ?p ?o }} }} WHERE {{ {condition} {into} "
        "FILTER(EXISTS { GRAPH ?source { ?a ?b ?c } }) GRAPH ?t { ?s ?p ?o } }",
        f"INSERT {{ GRAPH ?t {{ ?s ?p ?o }} }} WHERE {{ {condition} {into} GRAPH ?source {{ ?s ?p ?o }} }}",
        f"DELETE {{ GRAPH ?t {{ ?s ?p ?o }} }} WHERE {{ {condition} GRAPH <{plan}> {{ <{plan}> <{PLAN_CLEAR}> ?t }} "
        "GRAPH ?t { ?s ?p ?o } }",
        f"DROP SILENT GRAPH <{guard}>",  # last: until here, every statement above sees the guard
    ])
