"""`b12kg load` into real stores the tests start: the Oxigraph server (PyPI) and Virtuoso (Debian)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from b12kg.cli import main
from b12kg.errors import StoreError
from b12kg.sparql.library import library_queries
from b12kg.store.config import StoreConfig, store_preset
from b12kg.store.http import count_triples, graphs_with_prefix, sparql_request
from b12kg.store.load import in_bulk, load_release, swap_config
from b12kg.store.processes import free_port
from b12kg.store.release import STAGING_BASE, release_graphs
from b12kg.store.verify import verify_store
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH, INFERRED_GRAPH
from stores import OxigraphServer, VirtuosoServer

# Every test here loads into a real Oxigraph server or Virtuoso.
pytestmark = pytest.mark.store

SECRET = "not-the-password-3f9c"


@dataclass
class Store:
    kind: str
    server: OxigraphServer | VirtuosoServer

    def config(self, **options: object) -> StoreConfig:
        options = {"timeout": 30, **options}
        if self.kind == "virtuoso":
            config = store_preset("virtuoso", self.server.url, user="dba", **options)
            config.password = "dba"
            return config
        return store_preset("oxigraph", self.server.url, **options)

    def cli(self, *extra: str) -> list[str]:
        args = ["load", "--store", self.kind, "--url", self.server.url, "--timeout", "30"]
        return args + (["--user", "dba"] if self.kind == "virtuoso" else []) + list(extra)

    def env(self, password: str = "dba") -> dict[str, str]:
        return {"B12KG_STORE_PASSWORD": password} if self.kind == "virtuoso" else {}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "oxigraph":
        server: OxigraphServer | VirtuosoServer = OxigraphServer(folder / "db")
    else:
        server = VirtuosoServer(folder / "db", allowed=tmp_path_factory.getbasetemp())
    server.start()
    yield Store(request.param, server)
    server.stop()


def _clear(config: StoreConfig) -> None:
    graphs = graphs_with_prefix(config, "https://w3id.org/b12kg/")
    if graphs:
        sparql_request(config, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), update=True)


def _counts(config: StoreConfig, graphs: list[str]) -> dict[str, int]:
    return {g: count_triples(config, g) for g in graphs}


def test_first_load_verifies_and_a_reload_is_idempotent(store: Store, inferred_build: Path) -> None:
    config = store.config()
    _clear(config)
    first = CliRunner().invoke(main, store.cli("--graphs", str(inferred_build)), env=store.env())
    assert first.exit_code == 0, first.output
    assert "Arabic literals byte-identical" in first.output
    size = len(library_queries())  # the whole library, whatever its size
    assert f"query library {size}/{size} same answers" in first.output
    release = release_graphs(inferred_build)
    counts = _counts(config, list(release))
    assert counts == {g: len(lines) for g, lines in release.items()}
    again = CliRunner().invoke(main, store.cli("--graphs", str(inferred_build)), env=store.env())
    assert again.exit_code == 0, again.output
    assert _counts(config, list(release)) == counts
    assert graphs_with_prefix(config, STAGING_BASE) == []  # no staging graph is left behind


def test_append_adds_the_release_to_what_is_there(store: Store, inferred_build: Path) -> None:
    config = store.config()
    _clear(config)
    report = load_release(config, inferred_build, mode="append")
    assert report.ok() and all(release == stored for release, stored in report.graphs.values())
    again = load_release(config, inferred_build, mode="append")  # the same triples again: sets do not grow
    assert again.graphs == report.graphs
    check = verify_store(config, inferred_build)
    assert check.ok(), check


def test_a_load_counts_every_statement_it_sends_for_the_progress_bar(store: Store, inferred_build: Path) -> None:
    """The meter (a progress bar on a terminal) is told of every statement as it is sent, first load and replace."""
    config = store.config()
    _clear(config)
    for _ in range(2):  # into an empty store (written in place), then a replace (staged and swapped)
        ticks: list[tuple[str, int, int | None]] = []
        report = load_release(config, inferred_build, meter=lambda what, done, total, seen=ticks: seen.append(
            (what, done, total)))
        assert report.ok()
        sent = sum(done for what, done, _ in ticks if what == "statements sent")
        catalog = report.graphs[CATALOG_GRAPH][0]  # the catalog is written after the stream, from its counts
        assert sent == sum(expected for expected, _ in report.graphs.values()) - catalog > 3000


def test_verify_notices_one_arabic_literal_changed_in_the_store(store: Store, inferred_build: Path) -> None:
    """The Arabic check compares the store's literals with the files' (streamed), not just counts: one literal
    rewritten in place (same triple count) is found."""
    config = store.config()
    _clear(config)
    assert load_release(config, inferred_build).ok()
    assert verify_store(config, inferred_build).arabic_identical
    found = sparql_request(config, f'SELECT ?s ?p ?o WHERE {{ GRAPH <{ASSERTED_GRAPH}> {{ ?s ?p ?o '
                                   'FILTER(LANG(?o) = "ar") } } LIMIT 1', what="an Arabic literal")
    row = found["results"]["bindings"][0]
    s, p, o = row["s"]["value"], row["p"]["value"], row["o"]["value"]
    changed = o.replace("\u0647", "\u0629", 1) if "\u0647" in o else o + "\u064b"  # one letter: هـ to ة, or a tanween
    sparql_request(config, f'DELETE DATA {{ GRAPH <{ASSERTED_GRAPH}> {{ <{s}> <{p}> {json.dumps(o)}@ar }} }};'
                           f'INSERT DATA {{ GRAPH <{ASSERTED_GRAPH}> {{ <{s}> <{p}> {json.dumps(changed)}@ar }} }}',
                   update=True, what="changing it")
    check = verify_store(config, inferred_build)
    assert not check.arabic_identical
    assert all(release == stored for release, stored in check.counts.values())  # the counts alone would pass


def test_insert_data_path_loads_the_same(store: Store, inferred_build: Path) -> None:
    """The SPARQL Update fallback (batched INSERT DATA through SPARQLWrapper) for stores without the GSP."""
    config = store.config(method="update", batch_size=500)
    _clear(config)
    report = load_release(config, inferred_build)
    assert report.ok()
    assert verify_store(config, inferred_build).arabic_identical


def test_a_refused_connection_exits_4_with_a_message() -> None:
    result = CliRunner().invoke(main, ["load", "--store", "oxigraph", "--url", f"http://127.0.0.1:{free_port()}",
                                       "--retries", "1", "--timeout", "5"])
    assert result.exit_code == 4
    assert "cannot reach" in result.output and "fix:" in result.output


def test_a_wrong_url_exits_4_with_a_message(store: Store, inferred_build: Path) -> None:
    args = store.cli("--graphs", str(inferred_build))
    args[args.index("--url") + 1] = store.server.url + "/no-such-path"
    result = CliRunner().invoke(main, args, env=store.env())
    assert result.exit_code == 4, result.output
    assert "404" in result.output or "does not exist" in result.output


@pytest.mark.parametrize("store", ["virtuoso"], indirect=True)  # the Oxigraph server has no authentication
def test_a_wrong_password_exits_4_and_is_never_printed(store: Store, inferred_build: Path) -> None:
    result = CliRunner().invoke(main, store.cli("--graphs", str(inferred_build), "--retries", "0"),
                                env=store.env(SECRET))
    assert result.exit_code == 4, result.output
    assert "refused the credentials" in result.output
    assert SECRET not in result.output


def test_a_server_killed_mid_replace_keeps_the_previous_graphs(store: Store, inferred_build: Path) -> None:
    config = store.config(retries=1, timeout=5)
    _clear(config)
    previous = load_release(config, inferred_build, inferred=False)  # the release without its inferred graph
    assert previous.ok() and INFERRED_GRAPH not in previous.graphs

    def kill_when_staging_inferred(message: str) -> None:
        if message.startswith("staged "):  # the release's statements, the inferred graph's among them, are sent
            store.server.kill()

    with pytest.raises(StoreError) as failure:
        load_release(config, inferred_build, inferred=True, progress=kill_when_staging_inferred)
    assert "nothing was replaced" in failure.value.message
    store.server.start()  # restart on the same data folder
    assert count_triples(config, ASSERTED_GRAPH) == previous.graphs[ASSERTED_GRAPH][1]
    assert count_triples(config, CATALOG_GRAPH) == previous.graphs[CATALOG_GRAPH][1]
    assert count_triples(config, INFERRED_GRAPH) == 0  # the interrupted load's new graph never reached readers
    rerun = load_release(config, inferred_build, inferred=True)
    assert rerun.ok() and rerun.graphs[INFERRED_GRAPH][1] > 0
    assert graphs_with_prefix(config, STAGING_BASE) == []


def test_a_swap_above_the_atomic_limit_runs_in_the_store_s_bulk_mode_and_replaces(store: Store,
                                                                                   inferred_build: Path) -> None:
    """Virtuoso cannot hold a large swap in one transaction: above ``atomic_swap_max`` triples the guarded swap is
    sent in bounded pieces, in its bulk mode (Virtuoso: DEFINE sql:log-enable 3, row autocommit). Forced here with
    a limit of 0."""
    config = store.config(atomic_swap_max=0)
    assert in_bulk(config, 1) and swap_config(config, 1).update_prefix == config.bulk_update_prefix
    _clear(config)
    first = load_release(config, inferred_build, inferred=False)  # in place: the store held no b12kg graph
    assert first.ok() and INFERRED_GRAPH not in first.graphs
    said: list[str] = []
    again = load_release(config, inferred_build, progress=said.append)  # a replace: staged, counted, swapped in pieces
    assert any(message.startswith("swap: move piece") for message in said), said
    assert again.ok() and again.graphs[INFERRED_GRAPH][1] > 0
    assert _counts(config, [ASSERTED_GRAPH, INFERRED_GRAPH]) == {
        ASSERTED_GRAPH: again.graphs[ASSERTED_GRAPH][0], INFERRED_GRAPH: again.graphs[INFERRED_GRAPH][0]}
    assert graphs_with_prefix(config, STAGING_BASE) == []
