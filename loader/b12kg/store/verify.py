"""Checking a store after a load: per-graph counts, Arabic literals byte for byte, the query library's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from b12kg.paths import GRAPHS_DIR, QUERIES_DIR
from b12kg.sparql.compare import same_results
from b12kg.sparql.engines import dataset_query
from b12kg.sparql.library import library_queries, prepare
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import sparql_request
from b12kg.store.state import read_state
from b12kg.store.stream import ReleaseSummary, finish, stream_release
from b12kg.vocab import ASSERTED_GRAPH

__all__ = ["Verification", "verify_store"]


@dataclass
class Verification:
    """What `verify_store` found: (release, store) counts per graph, the Arabic literals, each query's answer."""

    counts: dict[str, tuple[int, int]]
    arabic_identical: bool
    queries: dict[str, bool]

    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values()) and self.arabic_identical and all(self.queries.values())


def verify_store(config: StoreConfig, graphs_dir: Path = GRAPHS_DIR, *, inferred: bool = True,
                 queries_dir: Path = QUERIES_DIR, progress: Progress | None = None) -> Verification:
    """Per-graph counts, Arabic literals byte for byte, and the whole query library against its expected results."""
    say = progress or (lambda message: None)
    from pyoxigraph import Literal, RdfFormat, parse

    # one streamed pass over the release's files: each graph's count and the asserted graph's Arabic literals (the
    # release is never held in memory; only the distinct Arabic values are)
    summary = ReleaseSummary()
    arabic: set[str] = set()
    for graph, triple in stream_release(graphs_dir, summary, inferred=inferred):
        if graph == ASSERTED_GRAPH and triple.endswith('"@ar'):
            arabic.update(q.object.value for q in parse(triple + " .\n", format=RdfFormat.N_TRIPLES)
                          if isinstance(q.object, Literal) and q.object.language == "ar")
    finish(summary, summary.checksum)
    stored = read_state(config).graphs  # one GROUP BY, not one count per graph
    counts = {g: (size, stored.get(g, 0)) for g, size in summary.sizes.items()}
    wanted = sorted(arabic)
    result = sparql_request(config, f'SELECT DISTINCT ?o WHERE {{ GRAPH <{ASSERTED_GRAPH}> {{ ?s ?p ?o '
                                    f'FILTER(LANG(?o) = "ar") }} }}', what="reading Arabic literals back")
    got = sorted(b["o"]["value"] for b in result["results"]["bindings"])
    queries: dict[str, bool] = {}
    for path in library_queries(queries_dir):
        _, sparql, needs = prepare(str(path), queries_dir=queries_dir)
        answer = sparql_request(config, dataset_query(sparql, inferred=needs), what=f"query {path.name}")
        expected = json.loads(path.with_suffix(".srj").read_text(encoding="utf-8"))
        queries[path.stem] = same_results(expected, answer, ordered="ORDER BY" in sparql.upper())
        say(f"{path.stem}: {'same answer' if queries[path.stem] else 'DIFFERENT answer'}")
    return Verification(counts, got == wanted, queries)
