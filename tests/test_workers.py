"""Forked workers (b12kg.workers.process_executor): SIGTERM to the parent in the middle of a long query in Rust
stops the workers and the parent at once, and the scratch folder goes with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from procs import running

# A store of a few hundred triples and a count over four copies of it (10^10 rows): it runs inside pyoxigraph's
# Rust code for far longer than the test waits, where a Python signal handler never gets to run.
_CHILD = """
import os, sys, time
from pathlib import Path
from pyoxigraph import NamedNode, Quad, Store
from b12kg.qc.scratch import scratch_folder
from b12kg.workers import process_executor

def runaway(_: int) -> int:
    store = Store()
    store.extend([Quad(NamedNode(f"urn:s{i}"), NamedNode("urn:p"), NamedNode(f"urn:o{i}")) for i in range(300)])
    sys.stdout.write(f"{os.getpid()}\\n")  # one write: the two workers' lines never interleave
    sys.stdout.flush()
    return sum(1 for _ in store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"))

with scratch_folder(near=Path(sys.argv[1]), prefix=".b12kg-test-") as folder:
    print(folder, flush=True)
    with process_executor(2) as pool:
        futures = [pool.submit(runaway, n) for n in range(2)]
        print(sum(f.result() for f in futures), flush=True)
"""


def test_sigterm_during_a_long_query_in_the_workers_stops_everything(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                             env=env)
    assert child.stdout is not None
    try:
        folder = Path(child.stdout.readline().strip())
        workers = [int(child.stdout.readline()) for _ in range(2)]
        assert folder.is_dir() and all(running(pid) for pid in workers)
        time.sleep(0.5)  # well inside the query
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(running(pid) for pid in workers)
        assert not folder.exists()
    finally:
        child.kill()
        child.wait()
