"""Staging a streamed release into a store in bounded requests: N-Quads posts where the store takes them, else
Graph Store posts for large graphs and multi-graph `INSERT DATA` for the many small per-claim graphs.

Every request is safe to retry (a POST or `INSERT DATA` sent twice adds the same set of triples again), so each
goes through the one retry policy (b12kg.store.http.call). Requests are built while the previous one is in flight,
so the loader's parsing and the store's indexing use both cores.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from b12kg.errors import B12kgError
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import StoreRefused, send, sparql_request

if TYPE_CHECKING:
    from pyoxigraph import Quad

__all__ = ["Stager", "as_pairs", "INSERT_DATA_MAX"]

INSERT_DATA_MAX = 1_000  # triples per INSERT DATA request: Virtuoso fails above about that (stack-notes.md)


class Stager:
    """Sends (graph, quad) pairs to the store, each quad into the graph ``rename(graph)`` names."""

    def __init__(self, config: StoreConfig, progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self.sent = 0
        self.started = time.monotonic()
        self.content_type = "application/n-triples"
        self.quads = bool(config.gsp_quads and config.gsp_url and config.method in ("auto", "gsp"))
        self.gsp = bool(config.gsp_url) and config.method in ("auto", "gsp")
        self.update = bool(config.update_url or config.query_url) and config.method in ("auto", "update")
        if not (self.gsp or self.update):
            wanted = "a Graph Store URL" if config.method == "gsp" else "an update URL"
            raise B12kgError(f"--method {config.method} needs {wanted}", fix="give --gsp-url or --update-url")

    def stage(self, pairs: Iterable[tuple[str, Quad]], rename: Callable[[str], str]) -> None:
        """Send every pair, in requests of at most ``config.stage_batch`` statements, one in flight at a time."""
        with ThreadPoolExecutor(max_workers=1) as sender:
            pending: Future[None] | None = None
            for batch in _batches(pairs, self.config.stage_batch):
                requests = self._requests(batch, rename)  # built while the previous batch is being sent
                if pending is not None:
                    pending.result()
                pending = sender.submit(self._send_all, requests, len(batch))
            if pending is not None:
                pending.result()

    def _requests(self, batch: list[tuple[str, Quad]], rename: Callable[[str], str]) -> list[Callable[[], object]]:
        if self.quads:
            return [self._quads_request(batch, rename)]
        groups: dict[str, list[str]] = {}
        for graph, quad in batch:
            groups.setdefault(rename(graph), []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
        requests: list[Callable[[], object]] = []
        small: list[tuple[str, list[str]]] = []
        for graph, lines in groups.items():
            if self.gsp and (len(lines) >= INSERT_DATA_MAX or not self.update):
                requests.append(self._gsp_request(graph, lines))
            else:
                small.append((graph, lines))
        requests += self._insert_requests(small)
        return requests

    def _send_all(self, requests: list[Callable[[], object]], statements: int) -> None:
        for request in requests:
            request()
        self.sent += statements
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.progress(f"staged {self.sent:,} statements ({self.sent / elapsed:,.0f}/s)")

    def _quads_request(self, batch: list[tuple[str, Quad]], rename: Callable[[str], str]) -> Callable[[], object]:
        from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

        names: dict[str, NamedNode] = {}

        def renamed() -> Iterator[Quad]:
            for graph, quad in batch:
                node = names.get(graph)
                if node is None:
                    node = names[graph] = NamedNode(rename(graph))
                yield Quad(quad.subject, quad.predicate, quad.object, node)

        body = serialize(renamed(), format=RdfFormat.N_QUADS) or b""
        assert self.config.gsp_url
        url = self.config.gsp_url + (f"?{self.config.gsp_bulk_param}" if self.config.gsp_bulk_param else "")
        return lambda: send(self.config, "POST", url, body, headers={"Content-Type": "application/n-quads"},
                            what=f"staging {len(batch):,} quads (Graph Store POST)")

    def _gsp_request(self, graph: str, lines: list[str]) -> Callable[[], object]:
        assert self.config.gsp_url
        separator = "&" if "?" in self.config.gsp_url else "?"
        url = f"{self.config.gsp_url}{separator}{self.config.gsp_graph_param}={urllib.parse.quote(graph, safe='')}"
        body = "".join(lines).encode("utf-8")

        def post() -> None:
            try:
                send(self.config, "POST", url, body, headers={"Content-Type": f"{self.content_type}; charset=utf-8"},
                     what=f"Graph Store POST of {len(lines):,} triples into <{graph}>")
            except StoreRefused as exc:
                if exc.status != 415 or self.content_type == "text/turtle":
                    raise
                self.content_type = "text/turtle"  # N-Triples is Turtle: try the type every store reads
                post()

        return post

    def _insert_requests(self, groups: list[tuple[str, list[str]]]) -> list[Callable[[], object]]:
        """`INSERT DATA` requests of at most INSERT_DATA_MAX triples, each with a GRAPH block per graph."""
        requests: list[Callable[[], object]] = []
        blocks: list[str] = []
        size = 0

        def flush() -> None:
            nonlocal blocks, size
            if blocks:
                text, count = "INSERT DATA {\n" + "".join(blocks) + "}", size
                requests.append(lambda: sparql_request(self.config, text, update=True,
                                                       what=f"INSERT DATA of {count:,} triples"))
            blocks, size = [], 0

        for graph, lines in groups:
            for start in range(0, len(lines), INSERT_DATA_MAX):
                chunk = lines[start:start + INSERT_DATA_MAX]
                if size + len(chunk) > INSERT_DATA_MAX:
                    flush()
                blocks.append(f"GRAPH <{graph}> {{\n{''.join(chunk)}}}\n")
                size += len(chunk)
        flush()
        return requests


def _batches(pairs: Iterable[tuple[str, Quad]], size: int) -> Iterator[list[tuple[str, Quad]]]:
    batch: list[tuple[str, Quad]] = []
    for pair in pairs:
        batch.append(pair)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def as_pairs(graph: str, lines: Iterable[str], *, chunk: int = 50_000) -> Iterator[tuple[str, Quad]]:
    """N-Triples lines (the catalog, a swap plan) as (graph, quad) pairs for `Stager.stage`, parsed in chunks."""
    from pyoxigraph import RdfFormat, parse

    buffer: list[str] = []

    def parsed() -> Iterator[tuple[str, Quad]]:
        for quad in parse("".join(buffer), format=RdfFormat.N_TRIPLES):
            yield graph, quad

    for line in lines:
        buffer.append(line)
        if len(buffer) >= chunk:
            yield from parsed()
            buffer = []
    if buffer:
        yield from parsed()
