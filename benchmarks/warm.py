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
    embeddings = coach.retriever.store.embeddings
    embed = embeddings.embed_query
    first, warm, floor, calls = [], [], [], []
    encode = embeddings._encode
    made = [0]

    def counted(texts):  # noqa: ANN001, ANN202 - model calls made by the asks, not timed apart
        made[0] += 1
        return encode(texts)

    for question in questions:
        start = time.perf_counter()
        coach.ask(question)
        first.append(time.perf_counter() - start)
    try:
        for n in range(passes):
            for q in questions:  # two variants: neither may find the other's vector in a cache
                start = time.perf_counter()
                embed(variant(q, 2 * n))
                floor.append(time.perf_counter() - start)
                embeddings._encode, made[0] = counted, 0
                start = time.perf_counter()
                coach.ask(variant(q, 2 * n + 1))
                warm.append(time.perf_counter() - start)
                embeddings._encode = encode
                calls.append(made[0])
    finally:
        embeddings._encode = encode
    return {"first": first, "warm": warm, "embed": floor, "model_calls": calls}


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
        ratio_row("model calls per warm ask() vs one (the question)",
                  sum(times["model_calls"]) / len(warm), 1.0, "calls", at_most=1,
                  note=f"{sum(times['model_calls'])} encode calls in {len(warm)} asks"),
        ratio_row("first ask() per question p95 vs embed_query p95", percentile(first, 95),
                  percentile(embed, 95), "ms",
                  note="first ask of each question in this process; informational"),
    ]
