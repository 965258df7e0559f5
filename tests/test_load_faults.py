"""`b12kg load` when its final swap fails: real stores behind a fault-injecting proxy (tests/faultproxy.py).

After every fault the store must hold exactly one complete release (every graph at its size, the catalog naming
it), and the exit code must say which: 0 or 6 the new one, 7 the previous one, 8 a mixed state, 9 unknown.
Two releases take turns: A (the fresh build) and B (a copy with a claim graph gone, a graph added and a triple
changed), so which one is live can be checked. The proxy faults only the swap request, found by its body.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import NamedNode, RdfFormat, parse

from b12kg.cli import main
from b12kg.errors import B12kgError
from b12kg.store.config import StoreConfig, store_preset
from b12kg.store.http import count_triples, graphs_with_prefix, sparql_request
from b12kg.store.load import PLAN_INTO, load_release
from b12kg.store.release import STAGING_BASE, release_checksum, release_graphs
from b12kg.vocab import ASSERTED_GRAPH, CATALOG_GRAPH
from faultproxy import Fault, FaultProxy
from stores import OxigraphServer, VirtuosoServer

pytestmark = pytest.mark.store  # real Oxigraph and Virtuoso servers behind a fault-injecting proxy

TIMEOUT = 4  # seconds, the loader's --timeout in these tests
SWAP_MARK = b"staging/swap-guard"  # in the guarded swap's body (the guard's predicate)
_CHECKSUM = re.compile(r'#releaseSha256> "([0-9a-f]{64})"')


def _is_swap(body: bytes) -> bool:
    """The final swap request: the guarded DELETE/INSERT update, or the MOVE update of loaders before it."""
    return (b"DELETE" in body and SWAP_MARK in body) or b"MOVE <" in body


def _release_b(build: Path, out: Path) -> Path:
    """Release B: release A without one claim graph, with one more graph and one more asserted triple."""
    out.mkdir(parents=True)
    shutil.copy(build / "b12kg-inferred.nt", out / "b12kg-inferred.nt")
    lines = (build / "b12kg.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    graph = [None if line.startswith("#") else next(parse(line, format=RdfFormat.N_QUADS)).graph_name
             for line in lines]
    gone = next(g for g in graph if isinstance(g, NamedNode))
    kept = [line for line, g in zip(lines, graph, strict=True) if g != gone]
    assert len(kept) < len(lines)
    kept.append('<https://w3id.org/b12kg/id/release-b> <http://www.w3.org/2000/01/rdf-schema#label> "release B" .\n')
    kept.append('<https://w3id.org/b12kg/id/release-b> <http://www.w3.org/2000/01/rdf-schema#comment> "only in B" '
                '<https://w3id.org/b12kg/id/claim/zz-release-b/assertion> .\n')
    (out / "b12kg.nq").write_text("".join(kept), encoding="utf-8")
    return out


@dataclass
class Rig:
    kind: str
    server: OxigraphServer | VirtuosoServer
    proxy: FaultProxy
    releases: dict[str, Path]

    def config(self) -> StoreConfig:
        """Straight to the store (not through the proxy), for the tests' own checks."""
        if self.kind == "virtuoso":
            config = store_preset("virtuoso", self.server.url, user="dba", timeout=30)
            config.password = "dba"
            return config
        return store_preset("oxigraph", self.server.url, timeout=30)

    def load(self, release: str, *extra: str) -> Result:
        """`b12kg load` of a release through the proxy, as a user runs it."""
        args = ["load", "--store", self.kind, "--url", self.proxy.url, "--timeout", str(TIMEOUT), "--retries", "2",
                "--no-verify", "--graphs", str(self.releases[release]), *extra]
        if self.kind == "virtuoso":
            args += ["--user", "dba"]
        return CliRunner().invoke(main, args, env={"B12KG_STORE_PASSWORD": "dba"})

    def live(self, *, staging_left: bool = False) -> str:
        """Which release the store holds, checked graph by graph and against the catalog; fails on anything else."""
        config = self.config()
        if not staging_left:
            assert graphs_with_prefix(config, STAGING_BASE) == [], "staging graphs were left behind"
        graphs = {name: release_graphs(path) for name, path in self.releases.items()}
        names = sorted({g for release in graphs.values() for g in release})
        sizes = {g: count_triples(config, g) for g in names}
        stated = sparql_request(config, f"SELECT ?c WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?d ?p ?c "
                                 'FILTER(STRENDS(STR(?p), "#releaseSha256")) } }')["results"]["bindings"]
        for name, release in graphs.items():
            checksums = _CHECKSUM.findall("".join(release[CATALOG_GRAPH]))
            if all(sizes[g] == len(release.get(g, [])) for g in names) and \
                    sorted(b["c"]["value"] for b in stated) == checksums:
                return name
        shown = ", ".join(f"<{g}> {n}" for g, n in list(sizes.items())[:4])
        raise AssertionError(f"the store holds no complete release: {shown}, … ({sum(sizes.values())} triples)")

    def other(self) -> str:
        return "B" if self.live() == "A" else "A"

    def restart_later(self, seconds: float = 1.0) -> threading.Thread:
        thread = threading.Thread(target=lambda: (time.sleep(seconds), self.server.start()), daemon=True)
        thread.start()
        return thread


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        inferred_build: Path) -> Iterator[Rig]:
    folder = tmp_path_factory.mktemp(f"faults-{request.param}")
    server: OxigraphServer | VirtuosoServer = OxigraphServer(folder / "db") if request.param == "oxigraph" else \
        VirtuosoServer(folder / "db")
    server.start()
    proxy = FaultProxy(server.port if request.param == "oxigraph" else server.http_port, _is_swap).start()
    rig = Rig(request.param, server, proxy, {"A": inferred_build, "B": _release_b(inferred_build, folder / "b")})
    load_release(rig.config(), inferred_build)
    try:
        yield rig
    finally:
        proxy.stop()
        server.stop()


@pytest.mark.parametrize("mode", ["drop", "delay", "error500"])
def test_a_lost_answer_after_the_swap_ran_exits_6_and_the_new_release_is_live(rig: Rig, mode: str) -> None:
    target = rig.other()
    fault = rig.proxy.arm(Fault(mode, seconds=TIMEOUT + 3))
    result = rig.load(target)
    assert rig.proxy.matched and fault is not None
    assert result.exit_code == 6, result.output
    assert "read back, the store holds this release, complete" in result.output
    assert rig.live() == target


def test_a_reset_before_the_swap_reached_the_store_exits_7_and_keeps_the_previous_release(rig: Rig) -> None:
    before = rig.live()
    rig.proxy.arm(Fault("reset"))
    result = rig.load("B" if before == "A" else "A")
    assert result.exit_code == 7, result.output
    assert "still holds its previous state intact" in result.output
    assert rig.live() == before


def test_a_swap_arriving_after_the_loader_gave_up_changes_nothing(rig: Rig) -> None:
    """The request is held until the loader has timed out, waited and cancelled; then the store gets it."""
    before = rig.live()
    fault = rig.proxy.arm(Fault("late", seconds=2 * TIMEOUT + 2))
    result = rig.load("B" if before == "A" else "A")
    assert result.exit_code == 7, result.output
    assert fault.done.wait(60) and fault.answer is not None
    assert b" 20" in fault.answer.split(b"\r\n", 1)[0], fault.answer[:300]  # the store ran it, and succeeded
    assert rig.live() == before


def test_a_swap_delivered_twice_changes_nothing_the_second_time(rig: Rig) -> None:
    """A replayed swap must not empty the graphs (Virtuoso's MOVE from a graph that is gone empties its target)."""
    target = rig.other()
    fault = rig.proxy.arm(Fault("replay"))
    result = rig.load(target)
    assert result.exit_code == 0, result.output
    assert fault.answer is not None and b" 20" in fault.answer.split(b"\r\n", 1)[0]
    assert rig.live() == target


def _repaired_if_mixed(rig: Rig, result: Result, target: str) -> bool:
    """If the loader said the store is mixed (exit 8), it must be (no complete release), and a load must repair it."""
    if result.exit_code != 8:
        return False
    assert "mixed" in result.output
    with pytest.raises(AssertionError, match="no complete release"):
        rig.live(staging_left=True)
    repaired = rig.load(target)
    assert repaired.exit_code == 0, repaired.output
    assert rig.live() == target
    return True


@pytest.mark.parametrize("moment", ["kill", "kill-after"])
def test_the_store_killed_during_the_swap_and_restarted(rig: Rig, moment: str) -> None:
    """SIGKILL just after the swap reached the store, or just after it answered (committed: exit 6); restarted on
    the same data folder a second later. Oxigraph came back with the previous release (exit 7) or the new one.
    Virtuoso 7.2.5 sometimes comes back from its roll-forward with part of the swap applied (killed in the middle:
    the first graph's DELETE half done, nothing else) or part of it lost (killed just after it answered: the first
    graph short of triples, the rest new), even with "DEFINE sql:log-enable 1": the loader must then say the store
    is mixed (exit 8) and the next load must repair it."""
    before = rig.live()
    target = "B" if before == "A" else "A"
    restarted: list[threading.Thread] = []
    rig.proxy.arm(Fault(moment, on_fault=lambda: (rig.server.kill(), restarted.append(rig.restart_later()))))
    result = rig.load(target, "--recovery-wait", "90")
    restarted[0].join(120)
    allowed = ((6,) if moment == "kill-after" else (6, 7)) + ((8,) if rig.kind == "virtuoso" else ())
    assert result.exit_code in allowed, result.output
    if not _repaired_if_mixed(rig, result, target):
        assert rig.live() == (target if result.exit_code == 6 else before)


def test_a_store_gone_after_the_swap_exits_9_and_status_tells_later(rig: Rig) -> None:
    before = rig.live()
    target = "B" if before == "A" else "A"
    rig.proxy.arm(Fault("kill", on_fault=rig.server.kill))
    result = rig.load(target, "--recovery-wait", "1")
    assert result.exit_code == 9, result.output
    assert "unknown" in result.output and "b12kg load --status" in result.output
    rig.server.start()
    status = rig.load(target, "--status")
    assert status.exit_code in ((0, 3, 8) if rig.kind == "virtuoso" else (0, 3)), status.output
    if _repaired_if_mixed(rig, status, target):
        return
    live = rig.live(staging_left=True)  # the store died before the loader could remove them
    assert status.exit_code == (0 if live == target else 3), status.output
    if graphs_with_prefix(rig.config(), STAGING_BASE):
        assert "staging graph(s) left by an interrupted load" in status.output
    again = rig.load(target)
    assert again.exit_code == 0, again.output
    assert rig.live() == target


def test_a_partly_applied_swap_is_reported_mixed_and_the_next_load_finishes_it(rig: Rig) -> None:
    """A store that ran only the first statements of the swap (as a store without transactions might)."""
    before = rig.live()
    target = "B" if before == "A" else "A"
    first_target_only = Fault("rewrite", rewrite=lambda body: b" ;\n".join(body.split(b" ;\n")[:2]))
    rig.proxy.arm(first_target_only)
    result = rig.load(target)
    assert result.exit_code == 8, result.output
    assert "mixed state" in result.output and "run `b12kg load` again" in result.output
    assert count_triples(rig.config(), ASSERTED_GRAPH) == len(release_graphs(rig.releases[target])[ASSERTED_GRAPH])
    with pytest.raises(AssertionError, match="no complete release"):
        rig.live()
    status = rig.load(target, "--status")
    assert status.exit_code == 8, status.output
    repaired = rig.load(target)
    assert repaired.exit_code == 0, repaired.output
    assert "mixed or incomplete state" in repaired.output
    assert rig.live() == target


def test_a_lost_answer_to_a_staging_upload_is_retried_without_changing_the_release(rig: Rig) -> None:
    """Uploads are retried: a Graph Store POST that ran but lost its answer adds the same triples twice (a set)."""
    target = rig.other()
    fault = rig.proxy.arm(Fault("drop", match=lambda body: b'"only in B"' in body or b"CHEBI_176843" in body))
    result = rig.load(target)
    assert fault.done.is_set() and fault.answer is not None and b" 20" in fault.answer.split(b"\r\n", 1)[0]
    assert result.exit_code == 0, result.output
    assert rig.live() == target


def test_the_catalog_names_the_release_by_its_checksum(inferred_build: Path, tmp_path: Path) -> None:
    a = release_graphs(inferred_build)
    b = release_graphs(_release_b(inferred_build, tmp_path / "b"))
    assert _CHECKSUM.findall("".join(a[CATALOG_GRAPH])) == [release_checksum(a)]
    assert release_checksum(a) != release_checksum(b)
    assert all(len(lines) == len(set(lines)) for lines in a.values())  # distinct lines: counts a store can match


def test_a_release_with_blank_nodes_is_refused(inferred_build: Path, tmp_path: Path) -> None:
    """A blank node sent in two batches, or in a retried upload, would become two blank nodes in the store."""
    shutil.copy(inferred_build / "b12kg-inferred.nt", tmp_path / "b12kg-inferred.nt")
    text = (inferred_build / "b12kg.nq").read_text(encoding="utf-8")
    (tmp_path / "b12kg.nq").write_text(text + '_:x <http://www.w3.org/2000/01/rdf-schema#label> "b" .\n',
                                       encoding="utf-8")
    with pytest.raises(B12kgError, match="blank node") as refused:
        release_graphs(tmp_path)
    assert str(tmp_path / "b12kg.nq") in refused.value.message and refused.value.fix


def _plan_upload(body: bytes) -> bool:
    """The upload of the swap's plan graph (staging graph -> release graph), not the swap that reads it."""
    return PLAN_INTO.encode() in body and b"DELETE" not in body


def _staging_removal(body: bytes) -> bool:
    """The removal of this load's staging graphs after the swap."""
    return b"DELETE" in body and b"FILTER(STRSTARTS" in body and SWAP_MARK not in body


@pytest.mark.parametrize("step", ["plan", "removal"])
def test_a_lost_answer_before_or_after_the_swap_is_retried(rig: Rig, step: str) -> None:
    """The plan upload and the staging removal ran, but their answers were lost: both are retried (running them
    twice changes nothing), the load ends with exit 0, and no staging graph is left behind."""
    target = rig.other()
    fault = rig.proxy.arm(Fault("drop", match=_plan_upload if step == "plan" else _staging_removal))
    result = rig.load(target)
    assert fault.done.is_set() and fault.answer is not None and b" 20" in fault.answer.split(b"\r\n", 1)[0]
    assert result.exit_code == 0, result.output
    assert rig.live() == target  # also: no staging graph left


def test_the_store_killed_while_staging_keeps_the_previous_release(rig: Rig) -> None:
    """SIGKILL while a staging upload reaches the store, restarted a second later: the upload is retried (exit 0,
    the new release live) or the load gives up before the swap (exit 4, the previous release intact)."""
    before = rig.live()
    target = "B" if before == "A" else "A"
    restarted: list[threading.Thread] = []
    staging_upload = lambda body: b'"only in B"' in body or b"CHEBI_176843" in body  # noqa: E731
    fault = rig.proxy.arm(Fault("kill", match=staging_upload,
                                on_fault=lambda: (rig.server.kill(), restarted.append(rig.restart_later()))))
    result = rig.load(target)
    restarted[0].join(120)
    assert fault.done.is_set()
    assert result.exit_code in (0, 4), result.output
    if result.exit_code == 4:
        assert "nothing was replaced" in result.output
    assert rig.live(staging_left=result.exit_code == 4) == (target if result.exit_code == 0 else before)
    again = rig.load(target)
    assert again.exit_code == 0, again.output
    assert rig.live() == target
