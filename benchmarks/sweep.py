"""Serving settings chosen from measurements: torch threads x answers computed at once.

Each combination runs `coach serve` afresh and is loaded by 10 keep-alive clients on
POST /api/v1/ask; the row reports its throughput against the defaults' (the first combination
is what `coach serve` picks on this machine when nothing is set).
"""

from __future__ import annotations

from benchmarks.context import Bench
from benchmarks.report import Row
from benchmarks.served import load_json_route, start_server, stop_server
from benchmarks.timing import percentile

SESSIONS = 10


def combinations(bench: Bench) -> list[tuple[int, int]]:
    """(torch threads, concurrency): the defaults first, then the alternatives around them."""
    default = (bench.settings.intra_op_threads or 2, bench.settings.serve_concurrency)
    others = [(1, 1), (1, 2), (1, 4), (2, 1), (2, 2)]
    return [default] + [c for c in others if c != default]


def _measure(bench: Bench, threads: int, concurrency: int, questions: list[str],
             offset: int) -> dict:
    proc, url = start_server(bench, COACH_TORCH_THREADS=str(threads),
                             COACH_SERVE_CONCURRENCY=str(concurrency))
    try:
        load_json_route(url, 2, 2.0, questions, offset=offset)  # warm the server's caches
        return load_json_route(url, SESSIONS, bench.params.served_seconds, questions,
                               offset=offset + 50_000)
    finally:
        stop_server(proc)


def run(bench: Bench) -> None:
    questions = [q.q for q in bench.questions_subset()]
    results = []
    for i, (threads, concurrency) in enumerate(combinations(bench)):
        r = _measure(bench, threads, concurrency, questions, offset=1_000_000 * (i + 1))
        r["rate"] = r["completed"] / r["elapsed"] if r["elapsed"] else 0.0
        results.append(((threads, concurrency), r))
    bench.report.raw["sweep"] = [{"threads": t, "concurrency": c, **r} for (t, c), r in results]
    base = results[0][1]["rate"]
    best = max(results, key=lambda item: item[1]["rate"])
    for (threads, concurrency), r in results:
        default = " (the default here)" if r is results[0][1] else ""
        bench.report.rows.append(Row(
            f"serving sweep, {SESSIONS} sessions on POST /api/v1/ask: {threads} torch thread(s), "
            f"{concurrency} at once{default} vs the default", r["rate"], base, "req/s",
            target="0 errors", met=r["errors"] == 0 and r["completed"] > 0,
            note=f"{r['completed']} answers, {r['errors']} errors; p95 "
                 f"{percentile(r['latencies'], 95) * 1000 if r['latencies'] else 0:.0f} ms"))
    (t, c), _ = best
    bench.report.notes.append(
        f"Serving sweep: the fastest setting in this run was {t} torch thread(s) with {c} "
        f"answer(s) at once ({best[1]['rate']:.1f} req/s; the default {base:.1f} req/s).")
