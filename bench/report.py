"""The benchmark's table: ratios across sizes and to the peers, the issue's goals (PASS/MISS), machine and commit."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from corpus import ROOT
from measure import MEASURED, Measurement

__all__ = [
    "GOALS",
    "PEER_COLUMNS",
    "Goal",
    "Verdict",
    "commit",
    "goals_table",
    "machine",
    "notes",
    "query_table",
    "table",
    "verdicts",
    "write",
]

# Peer columns of the table: a short heading and the peer's stage name in the measurements.
PEER_COLUMNS = {
    "/ox-load": "peer: oxigraph load",
    "/pyox": "peer: pyoxigraph parse+serialise",
    "/gsp": "peer: Graph Store POST",
    "/virt-bulk": "peer: Virtuoso bulk load",
    "/rdflib": "peer: rdflib parse",
}
MEMORY_BASE = 10_000  # the issue measures peak-memory growth against the 10^4-claim run


@dataclass(frozen=True)
class Goal:
    """One of issue 12's goals, as the benchmark checks it."""

    text: str
    stages: tuple[str, ...]  # stage-name prefixes it applies to
    kind: str  # "linear", "memory", "peak" (MiB), "runs", or "peer"
    limit: float
    peer: str = ""  # for kind "peer": the peer's stage name


_DATA_STAGES = ("build", "all formats", "export", "reason", "validate", "release", "load", "reload", "serve", "diff")
_ALL_STAGES = _DATA_STAGES + ("query", "1 worker", "export-load-script")
GOALS = (
    Goal("runs at this size (goal 2)", _ALL_STAGES, "runs", 0.0),
    Goal(f"per-claim time ≤ 1.2× the {MEMORY_BASE:,}-claim run's (linear cost, goal 4; sizes above it)",
         _DATA_STAGES, "linear", 1.2),
    Goal(f"peak memory ≤ 1.5× the {MEMORY_BASE:,}-claim run's (goal 3; sizes above it)", _DATA_STAGES + ("query",),
         "memory", 1.5),
    Goal("peak memory ≤ 2 GB (goal 3)", _DATA_STAGES + ("query",), "peak", 2048.0),
    Goal("build ≤ 2× oxigraph load of the same N-Quads", ("build",), "peer", 2.0, "peer: oxigraph load"),
    Goal("build of every format ≤ 3× oxigraph load of the N-Quads (goal 5)", ("all formats: build",), "peer", 3.0,
         "peer: oxigraph load"),
    Goal("build on every CPU ≤ 1/1.7 of its time in one process (speed-up ≥ 1.7×)", ("build",), "peer", 1 / 1.7,
         "1 worker: build"),
    Goal("reason ≤ the build's time (issue 12, goal 6)", ("reason",), "peer", 1.0, "build"),
    # Goal 8: at least 80 % of the peer's rate, i.e. at most 1.25x its seconds.
    Goal("b12kg load (Oxigraph) ≥ 80% of a raw Graph Store POST's rate (≤ 1.25×)", ("load: Oxigraph",), "peer",
         1.25, "peer: Graph Store POST"),
    Goal("b12kg load replacing a release (Oxigraph) ≥ 80% of a raw Graph Store POST's rate (≤ 1.25×)",
         ("reload: Oxigraph",), "peer", 1.25, "peer: Graph Store POST"),
    Goal("Virtuoso through the generated recipe ≥ 80% of its bulk load by hand (≤ 1.25×)",
         ("load: Virtuoso recipe",), "peer", 1.25, "peer: Virtuoso bulk load"),
    Goal("b12kg load (Virtuoso, over HTTP) ≤ 2× Virtuoso's own bulk load", ("load: Virtuoso server",), "peer", 2.0,
         "peer: Virtuoso bulk load"),
)


@dataclass(frozen=True)
class Verdict:
    goal: str
    stage: str
    claims: int
    value: float | None
    result: str  # PASS, MISS, or n/a (with the reason in value's place)
    why: str = ""


def _index(results: list[Measurement]) -> dict[tuple[str, int], Measurement]:
    return {(m.stage, m.claims): m for m in results}


def per_claim_ratio(m: Measurement, results: list[Measurement]) -> float | None:
    """The stage's seconds per claim over its seconds per claim at 10^4 claims (or, without a 10^4 run, at the
    smallest size it ran at)."""
    runs = [r for r in results if r.stage == m.stage and r.status in MEASURED and r.seconds]
    base = _index(runs).get((m.stage, MEMORY_BASE)) or min(runs, default=None, key=lambda r: r.claims)
    if base is None or m.status not in MEASURED or not m.seconds or not base.seconds:
        return None
    return (m.seconds / m.claims) / (base.seconds / base.claims)


def memory_ratio(m: Measurement, results: list[Measurement]) -> float | None:
    base = _index(results).get((m.stage, MEMORY_BASE))
    if base is None or base.status not in MEASURED or not base.peak_mib or m.status not in MEASURED or not m.peak_mib:
        return None
    return m.peak_mib / base.peak_mib


def peer_ratio(m: Measurement, peer: str, results: list[Measurement]) -> float | None:
    other = _index(results).get((peer, m.claims))
    if other is None or other.status not in MEASURED or not other.seconds or m.status not in MEASURED or not m.seconds:
        return None
    return m.seconds / other.seconds


def _judge(goal: Goal, m: Measurement, results: list[Measurement]) -> Verdict:
    if goal.kind == "runs":
        answered = [k for k in m.extra if k != "open"]
        if m.stage.startswith("query:") and m.status == "partial" and not answered:
            return Verdict(goal.text, m.stage, m.claims, None, "MISS", "no query answered")
        if m.status in MEASURED:
            return Verdict(goal.text, m.stage, m.claims, None, "PASS", m.status)
        dependency = m.status == "skipped" and "did not succeed" in m.note
        missed = m.status in ("failed", "timeout", "not run") or dependency
        return Verdict(goal.text, m.stage, m.claims, None, "MISS" if missed else "n/a", m.status)
    if goal.kind in ("memory", "linear") and m.claims <= MEMORY_BASE:
        return Verdict(goal.text, m.stage, m.claims, None, "n/a", f"applies above {MEMORY_BASE:,} claims")
    if m.status not in MEASURED:
        return Verdict(goal.text, m.stage, m.claims, None, "MISS" if m.status in ("failed", "timeout") else "n/a",
                       m.status)
    if goal.kind == "linear":
        value = per_claim_ratio(m, results)
    elif goal.kind == "memory":
        value = memory_ratio(m, results)
    elif goal.kind == "peak":
        value = m.peak_mib
    else:
        value = peer_ratio(m, goal.peer, results)
    if value is None:
        return Verdict(goal.text, m.stage, m.claims, None, "n/a", "no baseline or peer measurement in this run")
    return Verdict(goal.text, m.stage, m.claims, value, "PASS" if value <= goal.limit else "MISS")


def verdicts(results: list[Measurement]) -> list[Verdict]:
    """Every goal checked at every size of every stage it applies to."""
    return [_judge(goal, m, results) for goal in GOALS for m in results
            if m.stage.startswith(goal.stages)]


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _summary(m: Measurement, judged: list[Verdict]) -> str:
    mine = [v for v in judged if v.stage == m.stage and v.claims == m.claims]
    if m.status != "ok":
        return m.status.upper() + (" MISS" if any(v.result == "MISS" for v in mine) and m.status in MEASURED else "")
    misses = [v for v in mine if v.result == "MISS"]
    if misses:
        return "MISS"
    return "PASS" if any(v.result == "PASS" for v in mine) else "—"


def _rows(results: list[Measurement]) -> tuple[list[str], list[list[str]]]:
    judged = verdicts(results)
    head = ["stage", "claims", "seconds", "quads/s", "peak MiB", "server MiB", "×/claim", f"mem×{MEMORY_BASE:.0e}",
            *PEER_COLUMNS, "goals"]
    rows = []
    for m in results:
        peers = [_fmt(peer_ratio(m, peer, results), ".2f") for peer in PEER_COLUMNS.values()]
        rows.append([m.stage, f"{m.claims:,}", _fmt(m.seconds, ".2f"), _fmt(m.quads_per_second, ",.0f"),
                     _fmt(m.peak_mib, ".0f"), _fmt(m.server_mib, ".0f"), _fmt(per_claim_ratio(m, results), ".2f"),
                     _fmt(memory_ratio(m, results), ".2f"), *peers, _summary(m, judged)])
    return head, rows


def _aligned(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        cells_widths = enumerate(zip(cells, widths, strict=False))  # a short row leaves its last columns empty
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in cells_widths)

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, rows)])


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
                      *("| " + " | ".join(r) + " |" for r in rows)])


def table(results: list[Measurement], *, markdown: bool = False) -> str:
    """The stage table: aligned text for the terminal, or Markdown."""
    head, rows = _rows(results)
    return _markdown(head, rows) if markdown else _aligned(head, rows)


def goals_table(results: list[Measurement], *, markdown: bool = False) -> str:
    head = ["goal", "stage", "claims", "value", "result"]
    rows = [[v.goal, v.stage, f"{v.claims:,}", _fmt(v.value, ".2f") if v.value is not None else v.why, v.result]
            for v in verdicts(results)]
    return _markdown(head, rows) if markdown else _aligned(head, rows)


def notes(results: list[Measurement]) -> list[str]:
    """Why a stage failed or was skipped, and what a stage's seconds mean where they are not plain."""
    return [f"{m.stage} at {m.claims:,}: {m.status}: {m.note}" for m in results if m.note]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _command(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (done.stdout + done.stderr).strip().splitlines()[0] if (done.stdout + done.stderr).strip() else "?"


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, OS, Python, and the versions of the packages and stores the run used."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    facts = {"nproc": str(os.cpu_count()), "memory": memory, "cpu": cpu, "os": platform.platform(),
             "python": platform.python_version()}
    for name in ("b12kg", "pyoxigraph", "oxigraph", "rdflib", "pyshacl", "owlready2", "PyYAML"):
        facts[name] = _version(name)
    facts["java"] = _command(["java", "-version"])
    facts["virtuoso"] = _command(["virtuoso-t", "-?"])
    return facts


def commit() -> str:
    """The checkout's commit (short), with "+dirty" when files differ from it."""
    head = _command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return head + ("+dirty" if dirty else "")


_LEGEND = ("×/claim: seconds per claim over the 10,000-claim run's (the smallest size's without one); "
           "mem×1e+04: peak MiB over the 10,000-claim run's; /peer: the stage's seconds over the peer's at the "
           "same size. Peak MiB is the measured process's own (ru_maxrss of its wait4); server MiB the store's peak "
           "(VmHWM) after the load.")


def write(results: list[Measurement], folder: Path, *, date: str, options: dict[str, object],
          where: str | None = None, facts: dict[str, str] | None = None) -> Path:
    """bench/results/DATE-COMMIT.md and .json: the tables, the goals, the machine, the commit, the options.

    `where` and `facts` (the commit and the machine, found when omitted) are given by a run that writes its
    results after every step, so that each write names the commit the run started from."""
    facts, where = facts or machine(), where or commit()
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{date}-{where}"
    lines = [f"# b12kg benchmark, {date}, commit {where}", "",
             "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()), "",
             "Options: " + "; ".join(f"{k} {v}" for k, v in options.items()), "",
             "## Stages and peers", "", table(results, markdown=True), "",
             _LEGEND, "",
             "## Goals", "", goals_table(results, markdown=True), "",
             "## Per-query p50 (seconds)", "", query_table(results, markdown=True), "",
             "## Notes", "", *(f"- {n}" for n in notes(results)), ""]
    stem.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    payload = {"date": date, "commit": where, "machine": facts, "options": options,
               "results": [asdict(m) for m in results],
               "goals": [asdict(v) for v in verdicts(results)]}
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return stem.with_suffix(".md")


def query_table(results: list[Measurement], *, markdown: bool = False) -> str:
    """p50 seconds of each library query, one column per query stage and size ("—": stopped or failed)."""
    stages = [m for m in results if m.stage.startswith("query:") and m.extra]
    if not stages:
        return "(no query stage ran)"
    names = sorted({k for m in stages for k in m.extra})
    head = ["query", *(f"{m.stage.split(': ', 1)[1]} {m.claims:,}" for m in stages)]
    rows = [[name, *(_fmt(m.extra.get(name), ".4f") for m in stages)] for name in names]
    return _markdown(head, rows) if markdown else _aligned(head, rows)
