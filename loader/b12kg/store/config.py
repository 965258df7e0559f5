"""How to reach a store: its URLs, credentials, timeouts and retries, and the usual URLs of each store type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["StoreConfig", "store_preset", "STORE_TYPES", "Progress"]

STORE_TYPES = ("oxigraph", "virtuoso", "generic")

Progress = Callable[[str], None]  # told each step of a load, one line at a time


@dataclass
class StoreConfig:
    """How to reach a store: its SPARQL query and update URLs and its Graph Store Protocol URL."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    gsp_graph_param: str = "graph"  # "graph" in the GSP standard; Virtuoso's crud endpoint uses "graph-uri"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "digest"  # or "basic"
    timeout: float = 60.0
    retries: int = 3  # for uploads and reads; the final swap is sent once, never retried
    recovery_wait: float = 120.0  # after a failed swap: how long to keep trying to read the store back
    verify_tls: bool = True
    method: str = "auto"  # gsp, update, auto (gsp when a GSP URL is known)
    batch_size: int = 100_000  # statements per staging request (Virtuoso: its GSP posts of 100k triples work)
    # Put before every SPARQL Update. Virtuoso: "DEFINE sql:log-enable 1" (transaction log on, no row autocommit):
    # without it, Virtuoso 7.2.5 killed with SIGKILL came back, after its roll-forward, with the last swap partly
    # applied or partly lost (4 of 9 runs here; 0 of 6 with it; tests/test_load_faults.py kills it).
    update_prefix: str = ""
    # Staging: a Graph Store endpoint that takes N-Quads for many graphs in one POST (Oxigraph's /store), and the
    # query parameter that makes such a POST skip its transaction (Oxigraph's no_transaction: its bulk path, about
    # 3x faster; safe for staging graphs, which no reader uses and a retried POST fills again).
    gsp_quads: bool = False
    gsp_bulk_param: str | None = None
    # Whether the store may cut query results short without saying so (Virtuoso's ResultSetMaxRows): graph listings
    # are then checked against a count.
    truncates: bool = True
    # A swap of more than this many triples runs in bounded pieces (b12kg.store.pieces) with ``bulk_update_prefix``
    # instead of ``update_prefix`` (and so do removals of staging graphs). Virtuoso: "DEFINE sql:log-enable 3"
    # (each row committed and logged on its own): one request of a large swap fails there (SR171 "Transaction timed
    # out" at 10^4 claims, measured here: any request is stopped after [SPARQL] MaxQueryExecutionTime, 60 s by
    # default; a transaction's log is capped by TransactionAfterImageLimit, 50 MB by default, SR325). None: every
    # swap is one request, one transaction.
    atomic_swap_max: int | None = None
    bulk_update_prefix: str = ""

    def describe(self) -> str:
        return f"{self.query_url}" + (f" as {self.user}" if self.user else "")


def store_preset(kind: str, base_url: str, **options: object) -> StoreConfig:
    """The usual URLs of a store type under its base URL (e.g. http://127.0.0.1:7878 for Oxigraph server)."""
    base = base_url.rstrip("/")
    if kind == "oxigraph":
        config = StoreConfig(query_url=f"{base}/query", update_url=f"{base}/update", gsp_url=f"{base}/store",
                             gsp_quads=True, gsp_bulk_param="no_transaction", truncates=False)
    elif kind == "virtuoso":
        authenticated = bool(options.get("user"))
        config = StoreConfig(query_url=f"{base}/sparql-auth" if authenticated else f"{base}/sparql",
                             update_url=f"{base}/sparql-auth" if authenticated else f"{base}/sparql",
                             gsp_url=f"{base}/sparql-graph-crud-auth" if authenticated else
                             f"{base}/sparql-graph-crud", gsp_graph_param="graph-uri",
                             update_prefix="DEFINE sql:log-enable 1\n",  # each update one logged transaction
                             atomic_swap_max=100_000, bulk_update_prefix="DEFINE sql:log-enable 3\n")
    else:
        config = StoreConfig(query_url=base)
    for key, value in options.items():
        if value is not None:
            setattr(config, key, value)
    return config
