"""Writing graphs into a store: batches by Graph Store Protocol POST/PUT or SPARQL INSERT DATA, and DROP SILENT."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import replace

from b12kg.errors import B12kgError
from b12kg.store.config import Progress, StoreConfig
from b12kg.store.http import StoreRefused, send, sparql_request

__all__ = ["Uploader", "drop_graphs", "drop_prefix"]


def _batches(lines: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(lines), size):
        yield lines[start:start + size]


class Uploader:
    """Sends N-Triples lines into named graphs, in batches, by the method the config names (gsp, update, auto)."""

    def __init__(self, config: StoreConfig, progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self.method = config.method if config.method != "auto" else ("gsp" if config.gsp_url else "update")
        if self.method == "gsp" and not config.gsp_url:
            raise B12kgError("--method gsp needs a Graph Store URL", fix="give --gsp-url, or use --method update")
        if self.method == "update" and not (config.update_url or config.query_url):
            raise B12kgError("--method update needs an update URL", fix="give --update-url")
        self.content_type = "application/n-triples"
        self.sent = 0
        self.started = time.monotonic()

    def upload(self, graph: str, lines: list[str], *, replace_first: bool) -> None:
        """Add ``lines`` to ``graph`` (with ``replace_first``, the first batch replaces what the graph held)."""
        size = self.config.batch_size if self.method == "gsp" else min(self.config.batch_size, 1000)
        first = True
        for batch in _batches(lines, size):
            if self.method == "gsp":
                self._gsp(graph, batch, "PUT" if first and replace_first else "POST")
            else:
                body = "".join(batch)
                sparql_request(self.config, f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}", update=True,
                               what=f"INSERT DATA into <{graph}>")
            first = False
            self.sent += len(batch)
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress(f"sent {self.sent} triples ({self.sent / elapsed:,.0f} triples/s)")

    def _gsp(self, graph: str, batch: list[str], method: str) -> None:
        assert self.config.gsp_url
        separator = "&" if "?" in self.config.gsp_url else "?"
        url = f"{self.config.gsp_url}{separator}{self.config.gsp_graph_param}={urllib.parse.quote(graph, safe='')}"
        body = "".join(batch).encode("utf-8")
        try:
            send(self.config, method, url, body, headers={"Content-Type": f"{self.content_type}; charset=utf-8"},
                 what=f"Graph Store {method} into <{graph}>")
        except StoreRefused as exc:
            if exc.status == 415 and self.content_type != "text/turtle":
                self.content_type = "text/turtle"  # N-Triples is Turtle: try the type every store reads
                self._gsp(graph, batch, method)
                return
            raise


def drop_graphs(config: StoreConfig, graphs: Iterable[str]) -> None:
    """DROP SILENT each graph, in one request. Idempotent, so it may be retried; used for staging graphs only."""
    statements = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
    if statements:
        sparql_request(config, statements, update=True, what="dropping staging graphs")


def drop_prefix(config: StoreConfig, prefix: str, *, first: str | None = None) -> None:
    """Remove every graph whose IRI starts with ``prefix`` (a load's staging graphs), in one request, after
    ``DROP SILENT GRAPH <first>`` (the load's guard: dropped first, it cancels the swap). Idempotent."""
    statements = [f"DROP SILENT GRAPH <{first}>"] if first else []
    statements.append(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                      f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}')
    # Large removals: the store's bulk mode (Virtuoso: row autocommit; one transaction of a large delete fails)
    bulk = replace(config, update_prefix=config.bulk_update_prefix or config.update_prefix)
    sparql_request(bulk, " ;\n".join(statements), update=True, what="removing staging graphs")
