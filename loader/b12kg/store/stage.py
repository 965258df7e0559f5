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

from b12kg.errors import B12kgError
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import StoreRefused, send, send_stream, sparql_request

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

    def stage_stream(self, make_pairs: Callable[[], Iterable[tuple[str, str]]], rename: Callable[[str], str], *,
                     timeout: float) -> None:
        """Send the pairs ``make_pairs()`` gives. Where the store takes N-Quads, in ONE streamed request (chunked):
        Oxigraph's no_transaction POST costs about a second per request whatever its size (1 request of 497k quads:
        5.9 s; 2: 8.5 s; 10: 15.3 s, measured here), and a streamed body holds no more than a chunk in memory. A
        retry calls ``make_pairs`` again. Elsewhere, bounded requests as `stage` sends them."""
        if not self.quads:
            self.stage(make_pairs(), rename)
            return
        assert self.config.gsp_url
        url = self.config.gsp_url + (f"?{self.config.gsp_bulk_param}" if self.config.gsp_bulk_param else "")

        def chunks() -> Iterator[bytes]:
            names: dict[str, str] = {}
            self.sent = 0
            for batch in _batches(make_pairs(), 20_000):
                yield _nquads(batch, rename, names)
                self.sent += len(batch)
                if self.sent % 200_000 < len(batch):
                    elapsed = max(time.monotonic() - self.started, 1e-6)
                    self.progress(f"staged {self.sent:,} statements ({self.sent / elapsed:,.0f}/s)")

        send_stream(self.config, url, chunks, content_type="application/n-quads", timeout=timeout,
                    what="staging the release (one streamed Graph Store POST)")

    def stage(self, pairs: Iterable[tuple[str, str]], rename: Callable[[str], str]) -> None:
        """Send every pair, in requests of at most ``config.batch_size`` statements, one in flight at a time."""
        with ThreadPoolExecutor(max_workers=1) as sender:
            pending: Future[None] | None = None
            for batch in _batches(pairs, self.config.batch_size):
                requests = self._requests(batch, rename)  # built while the previous batch is being sent
                if pending is not None:
                    pending.result()
                pending = sender.submit(self._send_all, requests, len(batch))
            if pending is not None:
                pending.result()

    def _requests(self, batch: list[tuple[str, str]], rename: Callable[[str], str]) -> list[Callable[[], object]]:
        if self.quads:
            return [self._quads_request(batch, rename)]
        groups: dict[str, list[str]] = {}
        for graph, triple in batch:
            groups.setdefault(rename(graph), []).append(f"{triple} .\n")
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

    def _quads_request(self, batch: list[tuple[str, str]], rename: Callable[[str], str]) -> Callable[[], object]:
        body = _nquads(batch, rename, {})
        assert self.config.gsp_url
        # In a transaction: Oxigraph's no_transaction path costs about a second per request, and more on a store
        # that holds a release already (the plan graph of 20k triples: 12 s with it, under a second without).
        url = self.config.gsp_url
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


def _batches(pairs: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for pair in pairs:
        batch.append(pair)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def as_pairs(graph: str, lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """N-Triples lines (the catalog, a swap plan), one statement each, as (graph, "S P O") pairs for the stager."""
    for line in lines:
        yield graph, line.rstrip().removesuffix(".").rstrip()


def _nquads(batch: list[tuple[str, str]], rename: Callable[[str], str], names: dict[str, str]) -> bytes:
    """N-Quads of (graph, "S P O") pairs, each graph renamed once (`names` caches the renamed graph's line end)."""
    lines = []
    for graph, triple in batch:
        name = names.get(graph)
        if name is None:
            name = names[graph] = f" <{rename(graph)}> .\n"
        lines.append(triple + name)
    return "".join(lines).encode("utf-8")
