"""Benchmark: does `b12kg build` cost grow linearly with the number of claims?

Run on demand (never in the test suite):

    .venv/bin/python bench/build_scaling.py                  # 1,000 / 10,000 / 100,000 claims
    .venv/bin/python bench/build_scaling.py --sizes 1000 1000000

It writes synthetic curated files (the real document's claims repeated under new ids, so every quote, ID and
window is real and checked), builds each into a temporary folder, and prints, side by side with the smallest
size as the baseline run, the time and peak memory per claim and their ratios to the baseline: ratios near 1.0
at every size mean linear cost. Each size is built in a process of its own, so that its peak resident memory
is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "loader"))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import NoAliases, repeat_claims  # noqa: E402

from b12kg.build.pipeline import build  # noqa: E402
from b12kg.paths import CURATED_DIR  # noqa: E402

SOURCE = CURATED_DIR / "b12-involuntary-movements.claims.yaml"


def synthetic_curated(folder: Path, claims: int) -> None:
    """A curated folder whose one document has `claims` claims (copies of the real ones with new ids)."""
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    shutil.copytree(CURATED_DIR / "sources", folder / "sources")
    repeat_claims(data, claims, lambda claim_id, n: f"{claim_id}-{n}")
    with (folder / "synthetic.claims.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, allow_unicode=True, sort_keys=False, Dumper=NoAliases)


def run(claims: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="b12kg-bench-") as tmp:
        folder = Path(tmp)
        synthetic_curated(folder / "curated", claims)
        stages: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(message: str) -> None:
            now = time.perf_counter()
            stages[message.split(" ", 1)[0]] = now - last[0]
            last[0] = now

        started = time.perf_counter()
        result = build(curated_dir=folder / "curated", out_dir=folder / "graphs",
                       ontology_out_dir=folder / "ontology", progress=progress)
        total = time.perf_counter() - started
        stages["writing"] = time.perf_counter() - last[0]
        assert result.claims == claims
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        return {"total": total, "quads": result.quads, "peak_mib": peak_kib / 1024, **stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: build one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one)))
        return
    sizes = sorted(args.sizes)
    results = {}
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        results[n] = json.loads(done.stdout.strip().splitlines()[-1])
    base = sizes[0]
    base_time = results[base]["total"] / base
    base_memory = results[base]["peak_mib"] / base
    print(f"{'claims':>10} {'quads':>12} {'seconds':>9} {'ms/claim':>9} {'ratio':>6} {'peak MiB':>9} "
          f"{'KiB/claim':>10} {'ratio':>6}   (baseline: {base} claims)")
    for n in sizes:
        r = results[n]
        per_claim, memory = r["total"] / n, r["peak_mib"] / n
        print(f"{n:>10} {int(r['quads']):>12} {r['total']:>9.2f} {per_claim * 1e3:>9.2f} {per_claim / base_time:>6.2f} "
              f"{r['peak_mib']:>9.0f} {memory * 1024:>10.1f} {memory / base_memory:>6.2f}")
    print("ratio = per-claim cost / the baseline's per-claim cost; about 1.0 at every size means linear cost. Peak "
          "memory includes the interpreter and libraries (~150 MiB), so small sizes show a higher per-claim figure.")


if __name__ == "__main__":
    main()
