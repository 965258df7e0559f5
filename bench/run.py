"""Benchmark b12kg end to end on synthetic corpora of N claims, beside peers run on the same N-Quads.

Run on demand, never in CI (see bench/README.md):

    .venv/bin/python bench/run.py --sizes 1000 10000
    .venv/bin/python bench/run.py --sizes 1000 10000 100000 1000000 --timeout 7200
    .venv/bin/python bench/run.py --sizes 10000 --only build export oxigraph-load

Each stage and peer runs in a child process of its own (its peak memory is its own). The table goes to stdout
and to bench/results/DATE-COMMIT.md (+ .json) with the machine's description; corpora are cached in
bench/results/corpus-N/.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import report
from corpus import CLAIMS_PER_DOCUMENT, ROOT, corpus
from measure import Measurement
from stages import NEEDS, RUN_ORDER, Context, run_size

RESULTS = ROOT / "bench" / "results"
ORDER = list(RUN_ORDER)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000],
                        help="claims per corpus [default: 1000 10000]")
    parser.add_argument("--per-document", type=int, default=CLAIMS_PER_DOCUMENT,
                        help=f"claims per synthetic document [default: {CLAIMS_PER_DOCUMENT}]")
    parser.add_argument("--only", nargs="+", choices=ORDER, metavar="STEP",
                        help=f"run only these stages/peers (build is added when needed): {', '.join(ORDER)}")
    parser.add_argument("--skip", nargs="+", choices=ORDER, default=[], metavar="STEP", help="leave these out")
    parser.add_argument("--engine", choices=["hermit", "owl-rl"], default="hermit",
                        help="reasoner for reason and release [default: hermit]")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one stage may take [default: 3600]")
    parser.add_argument("--repeat", type=int, default=5, help="runs per library query for its p50 [default: 5]")
    parser.add_argument("--slow-query", type=float, default=10.0,
                        help="a query whose warm-up run takes this many seconds is measured by that run alone "
                             "[default: 10]")
    parser.add_argument("--query-timeout", type=float, default=300.0,
                        help="seconds one library query may take before it is stopped [default: 300]")
    parser.add_argument("--rdflib-max", type=int, default=10_000,
                        help="largest size rdflib parses [default: 10000]")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where corpora and tables go")
    parser.add_argument("--keep", action="store_true", help="keep each size's scratch folder (graphs, exports)")
    parser.add_argument("--formats", default="nquads",
                        help="the build step's `b12kg build --formats` (build-all-formats writes every one) "
                             "[default: nquads, i.e. N-Quads and N-Triples, what the later steps read]")
    parser.add_argument("--virtuoso-buffers", type=_pair, default=None, metavar="N,M",
                        help="Virtuoso's NumberOfBuffers,MaxDirtyBuffers (its virtuoso.ini suggests 340000,250000 "
                             "for 4 GB free) [default: the Debian virtuoso.ini's 10000,6000]")
    parser.add_argument("--max-claims", nargs="+", default=[], metavar="STEP=N", type=_cap,
                        help="run STEP only up to N claims; above, it is recorded as not run (a MISS of goal 2), "
                             "e.g. for a step that would not fit in memory or on the disk")
    return parser


def _pair(text: str) -> tuple[int, int]:
    first, _, second = text.partition(",")
    if not (first.isdigit() and second.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: expected two numbers, N,M")
    return int(first), int(second)


def _cap(text: str) -> tuple[str, int]:
    step, _, number = text.partition("=")
    if step not in ORDER or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected STEP=N with STEP among {', '.join(ORDER)}")
    return step, int(number)


def _steps(only: list[str] | None, skip: list[str]) -> list[str]:
    """The steps in their fixed order, with the steps they read added (build before the rest, reason before the
    query stages)."""
    wanted = {s for s in ORDER if (only is None or s in only) and s not in skip}
    for name in list(wanted):
        wanted.update(NEEDS[name])
    return [s for s in ORDER if s in wanted]


def _ordered(results: list[Measurement]) -> list[Measurement]:
    """Rows of one stage together, stages in the order they first ran, sizes ascending."""
    rank: dict[str, int] = {}
    for m in results:
        rank.setdefault(m.stage, len(rank))
    return sorted(results, key=lambda m: (rank[m.stage], m.claims))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _one_size(claims: int, args: argparse.Namespace, steps: list[str],
              record: Callable[[Measurement], None]) -> list[Measurement]:
    data, generated = corpus(args.results, claims, per_document=args.per_document)
    _say(f"corpus {claims:,} claims in {data.documents:,} document(s): "
         f"{'generated' if generated else 'cached'} in {data.folder}")
    work = args.results / f"work-{claims}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ctx = Context(data, work, timeout=args.timeout, engine=args.engine, repeat=args.repeat,
                  slow_query=args.slow_query, query_timeout=args.query_timeout, rdflib_max=args.rdflib_max,
                  formats=args.formats, virtuoso_buffers=args.virtuoso_buffers)
    try:
        return run_size(ctx, steps, _say, max_claims=dict(args.max_claims), record=record)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    steps = _steps(args.only, args.skip)
    results: list[Measurement] = []
    signal.signal(signal.SIGTERM, _terminated)  # so that servers and scratch folders are cleaned up
    date = datetime.date.today().isoformat()
    options = {"sizes": sorted(set(args.sizes)), "per_document": args.per_document, "engine": args.engine,
               "timeout": args.timeout, "repeat": args.repeat, "slow_query": args.slow_query,
               "query_timeout": args.query_timeout, "rdflib_max": args.rdflib_max, "steps": steps,
               "formats": args.formats, "max_claims": dict(args.max_claims),
               "virtuoso_buffers": args.virtuoso_buffers}
    where, facts = report.commit(), report.machine()  # the run's: a commit made while it runs is not its

    def record(m: Measurement) -> None:
        results.append(m)
        report.write(_ordered(results), args.results, date=date, where=where, facts=facts,
                     options={**options, "state": f"running: {len(results)} step(s) measured so far"})

    for claims in sorted(set(args.sizes)):
        _one_size(claims, args, steps, record)
    results = _ordered(results)
    print(report.table(results))
    print()
    print(report.goals_table(results))
    print()
    print(report.query_table(results))
    for note in report.notes(results):
        print(f"note: {note}")
    written = report.write(results, args.results, date=date, options={**options, "state": "complete"},
                           where=where, facts=facts)
    _say(f"wrote {written} and {written.with_suffix('.json')}")
    return 1 if any(m.status in ("failed", "timeout") for m in results) else 0


if __name__ == "__main__":
    sys.exit(main())
