"""Benchmark: does `b12kg build` cost grow linearly with the number of claims?

Run on demand (never in the test suite):

    .venv/bin/python bench/build_scaling.py                  # 1,000 / 10,000 / 100,000 claims
    .venv/bin/python bench/build_scaling.py --sizes 1000 1000000

It writes synthetic curated files (the real document's claims repeated under new ids, so every quote, ID and
window is real and checked), builds each into a temporary folder, and prints, side by side with the smallest
size as the baseline run, the time per claim and its ratio to the baseline: a ratio near 1.0 at every size
means linear cost. Stages are timed separately (read+check, model, sort+write).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "loader"))

from b12kg.build import build  # noqa: E402
from b12kg.paths import CURATED_DIR  # noqa: E402

SOURCE = CURATED_DIR / "b12-involuntary-movements.claims.yaml"


def synthetic_curated(folder: Path, claims: int) -> None:
    """A curated folder whose one document has `claims` claims (copies of the real ones with new ids)."""
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    shutil.copytree(CURATED_DIR / "sources", folder / "sources")
    originals = [(section, claim) for section in data["sections"] for claim in section["claims"]]
    for section in data["sections"]:
        section["claims"] = []
    for n in range(claims):
        section, claim = originals[n % len(originals)]
        copy = dict(claim)
        copy["id"] = f"{claim['id']}-{n}"
        section["claims"].append(copy)
    with (folder / "synthetic.claims.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, allow_unicode=True, sort_keys=False, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))


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
        return {"total": total, "quads": result.quads, **stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    results = {n: run(n) for n in sizes}
    base = sizes[0]
    base_per_claim = results[base]["total"] / base
    print(f"{'claims':>10} {'quads':>12} {'seconds':>9} {'µs/claim':>9} {'ratio':>6}   (baseline: {base} claims)")
    for n in sizes:
        r = results[n]
        per_claim = r["total"] / n
        print(f"{n:>10} {int(r['quads']):>12} {r['total']:>9.2f} {per_claim * 1e6:>9.1f} "
              f"{per_claim / base_per_claim:>6.2f}")
    print("ratio = time per claim / baseline's time per claim; about 1.0 at every size means linear cost")


if __name__ == "__main__":
    main()
