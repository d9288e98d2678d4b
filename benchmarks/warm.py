"""Figure 1: warm Coach.ask() (guide engine) against one query embedding with the same model."""

from __future__ import annotations

import time

from benchmarks.context import Bench
from benchmarks.questions import variant
from benchmarks.report import ratio_row
from benchmarks.timing import percentile


def ask_timings(coach, questions: list[str], passes: int) -> dict[str, list[float]]:  # noqa: ANN001
    """First-time ask per question, then `passes` interleaved (embed, ask) pairs per question.

    Interleaving puts the floor and our figure under the same momentary machine load.
    """
    embed = coach.retriever.store.embeddings.embed_query
    first, warm, floor = [], [], []
    for question in questions:
        start = time.perf_counter()
        coach.ask(question)
        first.append(time.perf_counter() - start)
    for n in range(passes):
        for q in questions:  # two variants: neither may find the other's vector in a cache
            start = time.perf_counter()
            embed(variant(q, 2 * n))
            floor.append(time.perf_counter() - start)
            start = time.perf_counter()
            coach.ask(variant(q, 2 * n + 1))
            warm.append(time.perf_counter() - start)
    return {"first": first, "warm": warm, "embed": floor}


def run(bench: Bench) -> None:
    questions = [q.q for q in bench.questions_subset()]
    times = ask_timings(bench.coach, questions, bench.params.passes)
    warm, embed, first = times["warm"], times["embed"], times["first"]
    bench.report.raw["warm"] = {"questions": len(questions), **times}
    n = f"{len(warm)} asks, each question new to the process"
    bench.report.rows += [
        ratio_row("warm ask() p50 vs embed_query p50", percentile(warm, 50),
                  percentile(embed, 50), "ms", at_most=3, note=n),
        ratio_row("warm ask() p95 vs embed_query p95", percentile(warm, 95),
                  percentile(embed, 95), "ms", at_most=3, note=n),
        ratio_row("first ask() per question p95 vs embed_query p95", percentile(first, 95),
                  percentile(embed, 95), "ms",
                  note="fresh Coach: guide sentences not yet embedded; informational"),
    ]
