"""Figure 4: our overhead in LLM mode, against a local OpenAI-compatible server with a fixed delay.

Two figures per answer: question -> request arriving at the server (ours: safety gate, retrieval,
prompt; floor: one query embedding plus a bare `openai` client sending a request), and the
latency we add to the first streamed token (our first yielded token minus the server's own send
time; floor: the same for the bare `openai` client).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pydantic import SecretStr

from benchmarks.context import Bench
from benchmarks.questions import variant
from benchmarks.report import Row, ratio_row
from benchmarks.timing import percentile

FIRST_TOKEN_BUDGET = 0.030  # seconds we may add over the server's own first-token time
# A sampled question the safety gate stops never reaches the server: it is skipped and counted.
# (The gate reads about 0.3% of the opener x question x closer combinations as a crisis, e.g.
# "...should I just go quiet? (asking for myself)"; a benchmark run failed on one.)
SAFETY_STOPS = ("crisis", "redirect")


def start_server(bench: Bench) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        # By path: the server is stdlib only, and needs no installed `benchmarks` package.
        [sys.executable, str(Path(__file__).with_name("llm_server.py")),
         "--delay", str(bench.params.llm_delay)],
        stdout=subprocess.PIPE, text=True, env=bench.env(), cwd=bench.root)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError("the fake LLM server did not start")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def events(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/events", timeout=10) as response:
        return json.loads(response.read())


def raw_client_once(client, question: str) -> float:  # noqa: ANN001
    """Start time of a bare streamed completion; returns when its first content token arrived."""
    stream = client.chat.completions.create(
        model="bench", stream=True, messages=[{"role": "user", "content": question}])
    first = None
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.monotonic()
    return first


def ours_once(coach, question: str) -> tuple[float | None, object]:  # noqa: ANN001
    """(when our first token was shown, the answer); (None, the reply) when the safety gate
    stopped the question before any request (no LLM timing to take)."""
    first, final = None, None
    for final in coach.stream(question, engine="llm"):
        if first is None and final.answer:
            first = time.monotonic()
    if final is not None and final.kind in SAFETY_STOPS:
        return None, final
    if final is None or final.engine != "llm" or final.kind != "answer":
        raise RuntimeError(f"LLM mode did not answer: {final!r}")
    return first, final


def run(bench: Bench) -> None:
    import openai

    from coach.ask.answer import Coach
    from coach.llm import make_chat_model

    proc, url = start_server(bench)
    try:
        settings = bench.settings.model_copy(update={
            "openai_base_url": f"{url}/v1", "openai_api_key": SecretStr("bench"),
            "llm_max_retries": 0, "llm_model": "bench", "engine": "llm",
            # The fake server's one canned reply is not grounded in every sampled question's
            # passages, so the guard would hand some answers to the guide engine: this figure
            # is the plumbing's latency; the guard's own cost is `make bench-llm`'s.
            "llm_grounding": False})
        llm_coach = Coach(settings, bench.coach.retriever, llm=make_chat_model(settings))
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="bench", max_retries=0)
        embed = bench.coach.retriever.store.embeddings.embed_query
        questions = [q.q for q in bench.questions_subset()]
        ours_once(llm_coach, questions[0])  # warm: tiktoken, prompt files, HTTP connection
        raw_client_once(client, questions[0])
        events(url)
        samples = {"to_request": [], "floor_to_request": [], "first_token": [],
                   "floor_first_token": []}
        skipped = 0
        for i in range(bench.params.llm_reps):
            question = variant(questions[i % len(questions)], 200 + i)  # new to every cache
            start = time.monotonic()
            embed(question + " .")
            embedded = time.monotonic() - start
            start = time.monotonic()
            first = raw_client_once(client, question)
            (event,) = events(url)
            samples["floor_to_request"].append(embedded + event["arrival"] - start)
            samples["floor_first_token"].append(first - event["first_send"])
            start = time.monotonic()
            first, _ = ours_once(llm_coach, question)
            if first is None:  # stopped by the safety gate: no request, drop this pair
                events(url)
                samples["floor_to_request"].pop()
                samples["floor_first_token"].pop()
                skipped += 1
                continue
            (event,) = events(url)
            samples["to_request"].append(event["arrival"] - start)
            samples["first_token"].append(first - event["first_send"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if not samples["to_request"]:
        raise RuntimeError("LLM mode: the safety gate stopped every sampled question")
    bench.report.raw["llm"] = {"delay_s": bench.params.llm_delay, "skipped_safety": skipped,
                               **samples}
    rows = [ratio_row("LLM mode: question → request at server p50",
                      percentile(samples["to_request"], 50),
                      percentile(samples["floor_to_request"], 50), "ms",
                      note="floor: embed_query + bare openai client"
                      + (f"; {skipped} sampled question(s) stopped by the safety gate, skipped"
                         if skipped else ""))]
    for p in (50, 95):
        ours = percentile(samples["first_token"], p)
        rows.append(Row(f"LLM mode: added latency to first token p{p}", ours,
                        percentile(samples["floor_first_token"], p), "ms",
                        target=f"≤ {FIRST_TOKEN_BUDGET * 1e3:.0f} ms absolute",
                        met=ours <= FIRST_TOKEN_BUDGET,
                        note="floor: bare openai client streaming"))
    bench.report.rows += rows
