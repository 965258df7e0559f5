"""What a store holds of a release, read back: graph sizes, staging graphs, the catalog; and a failed swap's outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from b12kg.errors import MixedStoreState, PreviousReleaseKept, StoreError, SwapOutcomeUnknown
from b12kg.paths import GRAPHS_DIR
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import sparql_request
from b12kg.store.release import RELEASE_SPACE, STAGING_BASE
from b12kg.store.stream import DATASET, HAS_PART, RELEASE_CHECKSUM, VOID_TRIPLES, ReleaseSummary, summarize
from b12kg.store.upload import drop_prefix
from b12kg.vocab import CATALOG_GRAPH

__all__ = ["StoreState", "read_state", "store_status", "recover_failed_swap"]


@dataclass
class StoreState:
    """What a store holds under RELEASE_SPACE, read back: graph sizes, staging graphs, and what its catalog says."""

    graphs: dict[str, int]  # release graphs (all but staging) -> triples
    staging: dict[str, int]  # staging graphs -> triples
    checksums: list[str]  # the release checksum(s) the catalog states (one for a release, none for an empty store)
    catalog: dict[str, int]  # graph -> triples, as the catalog lists them

    def holds(self, release: ReleaseSummary) -> bool:
        """The store holds exactly this release, complete: every graph at its size, no other, the catalog agreeing."""
        return self.graphs == release.expected() and self.checksums == [release.checksum]

    def staged(self, prefix: str) -> bool:
        """Whether any staging graph named under ``prefix`` (one load's) is in the store."""
        return any(graph.startswith(prefix) for graph in self.staging)

    def complete(self) -> bool:
        """The store holds one release as its catalog describes it (or nothing at all)."""
        if not self.graphs and not self.checksums:
            return True
        listed = {graph: size for graph, size in self.catalog.items() if size}
        return len(self.checksums) <= 1 and CATALOG_GRAPH in self.graphs and \
            {g: n for g, n in self.graphs.items() if g != CATALOG_GRAPH} == listed

    def release_id(self) -> str:
        return ", ".join(c[:12] for c in self.checksums) or ("none" if not self.graphs else "unknown")

    def describe(self, release: ReleaseSummary | None = None) -> str:
        if not self.graphs:
            return "no b12kg release"
        if release is not None and self.holds(release):
            return f"this release ({self.release_id()}), complete"
        if self.complete():
            return f"release {self.release_id()}, complete ({len(self.graphs)} graphs)"
        return f"a mixed or incomplete state: {self.difference()}"

    def difference(self, release: ReleaseSummary | None = None) -> str:
        """Where the store departs from a release (``release``, else the one its own catalog describes)."""
        if release is not None:
            want, checksums = release.expected(), [release.checksum]
        else:
            want = {g: n for g, n in self.catalog.items() if n}
            want[CATALOG_GRAPH] = self.graphs.get(CATALOG_GRAPH, 0)
            checksums = self.checksums[:1]
        wrong = sorted(g for g in set(want) | set(self.graphs) if want.get(g, 0) != self.graphs.get(g, 0))
        parts = [f"<{g}> holds {self.graphs.get(g, 0)} triples, not {want.get(g, 0)}" for g in wrong[:3]]
        if len(wrong) > 3:
            parts.append(f"and {len(wrong) - 3} more graph(s)")
        if self.checksums != checksums:
            parts.append(f"the catalog names release(s) [{self.release_id()}]")
        return "; ".join(parts) or "nothing"


def read_state(config: StoreConfig) -> StoreState:
    """Read the store's b12kg graphs, their sizes and its catalog (four queries; retried like every read)."""
    result = sparql_request(config, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                    f'FILTER(STRSTARTS(STR(?g), "{RELEASE_SPACE}")) }} GROUP BY ?g',
                            what="reading the store's graphs")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in result["results"]["bindings"]}
    if config.truncates:
        _check_complete(config, len(sizes))
    listed = sparql_request(config, f"SELECT ?g ?n WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{DATASET}> <{HAS_PART}> ?g "
                                    f"OPTIONAL {{ ?g <{VOID_TRIPLES}> ?n }} }} }}", what="reading the catalog graph")
    catalog = {b["g"]["value"]: int(b["n"]["value"]) if "n" in b else -1 for b in listed["results"]["bindings"]}
    stated = sparql_request(config, f"SELECT ?c WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{DATASET}> "
                                    f"<{RELEASE_CHECKSUM}> ?c }} }}", what="reading the release checksum")
    return StoreState(graphs={g: n for g, n in sizes.items() if not g.startswith(STAGING_BASE)},
                      staging={g: n for g, n in sizes.items() if g.startswith(STAGING_BASE)},
                      checksums=sorted({b["c"]["value"] for b in stated["results"]["bindings"]}), catalog=catalog)


def _check_complete(config: StoreConfig, rows: int) -> None:
    """Refuse a truncated answer: Virtuoso cuts results at ResultSetMaxRows (10,000 by default) without a word."""
    answer = sparql_request(config, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                    f'FILTER(STRSTARTS(STR(?g), "{RELEASE_SPACE}")) }}', what="counting the graphs")
    graphs = int(answer["results"]["bindings"][0]["n"]["value"])
    if graphs != rows:
        raise StoreError(f"the store listed {rows} of its {graphs} b12kg graphs: it truncates query results",
                         fix="raise the store's result limit (Virtuoso: [SPARQL] ResultSetMaxRows in virtuoso.ini) "
                             "above the release's number of graphs, and restart it")


def _read_until(config: StoreConfig, deadline: float, say: Progress) -> StoreState | None:
    """`read_state`, tried again (reads only) until it answers or ``deadline`` passes; None if it never did."""
    while True:
        try:
            return read_state(config)
        except StoreError as exc:
            if time.monotonic() >= deadline:
                return None
            say(f"the store does not answer yet ({exc.message[:120]}); trying again")
            time.sleep(min(2.0, max(deadline - time.monotonic(), 0)))


def store_status(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *,
                 inferred: bool = True) -> tuple[str, StoreState]:
    """Which release the store holds: ("this", …) this release complete; ("other", …) another complete release or
    none; ("mixed", …) graphs of more than one release, or an incomplete one. Staging graphs left by an
    interrupted load (``state.staging``) are not part of a release; the next load removes them."""
    release = summarize(graphs_dir, inferred=inferred)
    state = read_state(config)
    if state.holds(release):
        return "this", state
    if state.complete():
        return "other", state
    return "mixed", state


def recover_failed_swap(config: StoreConfig, fault: str, *, guard: str, run_prefix: str, before: StoreState,
                        release: ReleaseSummary, say: Progress) -> StoreState:
    """After a failed swap: read the store back (reads only, retried up to ``config.recovery_wait``) and say what
    it holds. Returns the state when this release is live; raises `PreviousReleaseKept`, `MixedStoreState` or
    `SwapOutcomeUnknown` otherwise. Only idempotent requests are sent (reads, DROP SILENT of this load's graphs).
    """
    deadline = time.monotonic() + config.recovery_wait
    say(f"the swap failed ({fault.splitlines()[0][:200]}); reading the store back to learn what it holds")

    def read() -> StoreState:
        state = _read_until(config, deadline, say)
        if state is None:
            raise SwapOutcomeUnknown(
                f"the final swap failed ({fault}), and the store could not be read back within "
                f"{config.recovery_wait:.0f} s: whether it holds this release or its previous one is unknown",
                fix="when the store answers again, `b12kg load --status` (with the same store options) says which "
                    "release it holds; running `b12kg load` again is safe: it replaces whatever the store holds")
        return state

    state = read()
    # A guard still there: the swap has not run, or is still running (a late reply: the store may be busy with it).
    # Give it as long again as --timeout before cancelling it.
    settle = time.monotonic() + min(config.timeout, max(deadline - time.monotonic(), 0.0))
    while guard in state.staging and time.monotonic() < settle:
        say("the swap's guard is still in the store: waiting in case the store is still running the swap")
        time.sleep(1.0)
        state = read()
    if state.staged(run_prefix):
        # Cancel: without its guard the swap changes nothing, even if it arrives or commits later. Where the store
        # runs updates one at a time (Virtuoso's locks) this settles it; Oxigraph runs each update on a snapshot,
        # so a swap still running after the wait above could still commit (all of it: a complete release).
        # The swap leaves its staging graphs (they are removed after it): their presence says nothing of it.
        say("removing this load's guard and staging graphs")
        while True:
            try:
                drop_prefix(config, run_prefix, first=guard)
                break
            except StoreError:
                if time.monotonic() >= deadline:
                    state = read()  # raises SwapOutcomeUnknown if the store is gone
                    break
                time.sleep(1.0)
        state = read()
    if state.holds(release):
        return state
    if state.graphs == before.graphs and state.checksums == before.checksums and not state.staged(run_prefix):
        raise PreviousReleaseKept(
            f"the final swap failed ({fault}); read back, the store still holds its previous state intact "
            f"({before.describe()}), and this load's staging graphs are removed",
            fix="run `b12kg load` again (raise --timeout if the swap timed out)")
    raise MixedStoreState(
        f"the final swap failed ({fault}); read back, the store holds a mixed state: {state.difference(release)}",
        fix="run `b12kg load` again (same options) to finish: it replaces every graph named under "
            f"{RELEASE_SPACE} with this release's")

