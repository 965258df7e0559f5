"""Removing a load's graphs from a store: every graph under a prefix, in one idempotent request."""

from __future__ import annotations

from dataclasses import replace

from b12kg.store.config import StoreConfig
from b12kg.store.http import sparql_request

__all__ = ["drop_prefix"]


def drop_prefix(config: StoreConfig, prefix: str, *, first: str | None = None) -> None:
    """Remove every graph whose IRI starts with ``prefix`` (a load's staging graphs), in one request, after
    ``DROP SILENT GRAPH <first>`` (the load's guard: dropped first, it cancels the swap). Idempotent."""
    statements = [f"DROP SILENT GRAPH <{first}>"] if first else []
    statements.append(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                      f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}')
    # Large removals: the store's bulk mode (Virtuoso: row autocommit; one transaction of a large delete fails)
    bulk = replace(config, update_prefix=config.bulk_update_prefix or config.update_prefix)
    sparql_request(bulk, " ;\n".join(statements), update=True, what="removing staging graphs")
