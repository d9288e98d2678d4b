"""LLM mode against a real model: added latency and the grounding guard's cost, as ratios.

    python -m benchmarks.real_llm [--questions N] [--out bench-out] [--doc docs/bench-llm.md]
    make bench-llm

Starts llama.cpp with the bundled SmolLM2 (needs `make local`), one thread. For each question,
side by side in one run:

- the server's own time to first token: the raw `openai` client sends the coach's exact
  prompt (same passages, limits and stop sequences) and times its first content token;
- the coach's time to first *shown* token: `Coach.stream` from the question to the first
  token on screen (safety gate, retrieval, prompt, the server, then the guard holding back the
  first sentence until it passes);
- the guard's cost: the time spent inside the guard per answer, over the answer's whole time.

Questions are dev questions with a fresh punctuation tail (`variant`), so no per-text cache of
this process has seen them; llama.cpp's prompt cache is off for both calls, so the raw call
(which sends the exact messages the coach just sent) does not reuse the coach's work. The load
average is recorded before and after; a load above the core count flags the run busy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.questions import load_questions, variant

NO_PROMPT_CACHE = {"cache_prompt": False}  # llama.cpp: re-process the prompt every time
VARIANT_BASE = 5000  # a range of `variant` tails no other benchmark part uses


class GuardClock:
    """Wraps the guard's entry points and adds up the time spent in them."""

    def __init__(self) -> None:
        import coach.grounding.stream as stream

        self.seconds = 0.0
        self.cls = stream.GuardedStream
        self.original = {name: getattr(self.cls, name) for name in ("feed", "finish")}
        for name, method in self.original.items():
            setattr(self.cls, name, self._timed(method))

    def _timed(self, method):
        def wrapper(guarded, *args):
            began = time.perf_counter()
            try:
                return method(guarded, *args)
            finally:
                self.seconds += time.perf_counter() - began
        return wrapper

    def restore(self) -> None:
        for name, method in self.original.items():
            setattr(self.cls, name, method)


def server_first_token(client, alias: str, messages: list, settings) -> float | None:
    """Seconds from sending the coach's prompt to the server's first content token."""
    began = time.perf_counter()
    stream = client.chat.completions.create(
        model=alias, messages=messages, stream=True, max_tokens=settings.llm_max_tokens,
        stop=settings.llm_stop or None, temperature=settings.llm_temperature,
        extra_body=NO_PROMPT_CACHE)
    try:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                return time.perf_counter() - began
    finally:
        stream.close()  # the server stops generating: the coach's call comes next
    return None


def coach_answer(coach, question: str, clock: GuardClock) -> dict:
    clock.seconds = 0.0
    began = time.perf_counter()
    shown = None
    final = None
    for final in coach.stream(question, engine="llm"):
        if shown is None and final.answer and not final.done:
            shown = time.perf_counter() - began
    total = time.perf_counter() - began
    return {"shown_ttft": shown, "total": total, "guard": clock.seconds,
            "engine": final.engine if final else None,
            "caught": final.grounding.dropped if final and final.grounding else None}


def measure(n: int) -> dict:
    from coach.config import Settings, disable_telemetry

    disable_telemetry()
    import openai

    from coach.ask.answer import Coach
    from coach.llm import make_chat_model
    from coach.local_llm import LocalServer
    from coach.local_llm.limits import use_local_server

    load_before = os.getloadavg()
    questions, origin = load_questions()
    picked = [variant(q.q, VARIANT_BASE + i) for i, q in
              enumerate(questions[:: max(1, len(questions) // (n + 1))][: n + 1])]
    rows = []
    with LocalServer() as server:
        use_local_server(server)
        settings = Settings(llm_grounding=True, engine="llm")
        llm = make_chat_model(settings).bind(extra_body=NO_PROMPT_CACHE)
        coach = Coach.from_settings(settings, llm=llm)
        client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0)
        clock = GuardClock()
        sent: list[list] = []
        build_messages = coach.llm_engine._messages

        def capture(inputs: dict) -> list:  # records the exact messages the coach sends
            sent.append(build_messages(inputs))
            return sent[-1]

        coach.llm_engine._messages = capture
        try:
            coach_answer(coach, picked[0], clock)  # warm-up: imports, first embedding; unused
            for question in picked[1:]:
                row = coach_answer(coach, question, clock)
                messages = [{"role": "system" if m.type == "system" else "user",
                             "content": m.content} for m in sent[-1]]  # the coach's own prompt
                server_ttft = server_first_token(client, server.alias, messages, settings)
                rows.append({"question": question, "server_ttft": server_ttft, **row})
        finally:
            clock.restore()
    load_after = os.getloadavg()
    cores = os.cpu_count() or 1
    return {"rows": rows, "questions_from": origin, "load_before": load_before,
            "load_after": load_after, "cores": cores, "model": server.alias,
            "busy": max(load_before[0], load_after[0]) > cores,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def summarise(run: dict) -> dict:
    rows = run["rows"]
    pairs = [(r["shown_ttft"], r["server_ttft"]) for r in rows
             if r["shown_ttft"] and r["server_ttft"]]

    def median(values):
        values = list(values)
        return round(statistics.median(values), 3) if values else None

    return {
        "answers": len(rows), "shown_by_llm": sum(r["engine"] == "llm" for r in rows),
        "server_ttft_p50_s": median(s for _, s in pairs),
        "shown_ttft_p50_s": median(c for c, _ in pairs),
        "shown_over_server_ttft_p50": median(c / s for c, s in pairs),
        "guard_seconds_per_answer_p50": median(r["guard"] for r in rows),
        "guard_share_of_answer_p50": median(r["guard"] / r["total"] for r in rows),
        "sentences_caught": sum(r["caught"] or 0 for r in rows),
        "busy": run["busy"],
    }


def markdown(run: dict, summary: dict) -> str:
    flag = " **BUSY: load above the core count, read the ratios as rough**" if summary[
        "busy"] else ""
    lines = [f"# LLM mode against a real model ({run['model']}, llama.cpp, 1 thread)", "",
             f"{run['date']}; {summary['answers']} dev questions with fresh tails "
             f"(`python -m benchmarks.real_llm`); load average before "
             f"{run['load_before'][0]:.2f}, after {run['load_after'][0]:.2f} on {run['cores']} "
             f"cores.{flag}", "",
             "| Figure | Value |", "|---|---|",
             f"| server's own time to first token, p50 | {summary['server_ttft_p50_s']} s |",
             f"| coach's time to first shown token, p50 | {summary['shown_ttft_p50_s']} s |",
             f"| shown / server first token, p50 of per-question ratios | "
             f"{summary['shown_over_server_ttft_p50']}× |",
             f"| guard time per answer, p50 | {summary['guard_seconds_per_answer_p50']} s |",
             f"| guard share of the answer's time, p50 | "
             f"{summary['guard_share_of_answer_p50']} |",
             f"| answers shown from the model (rest: guide fallback) | "
             f"{summary['shown_by_llm']} of {summary['answers']} |",
             f"| sentences the guard caught | {summary['sentences_caught']} |", "",
             "| Question | server TTFT s | shown TTFT s | answer s | guard s | engine |",
             "|---|---|---|---|---|---|"]
    for r in run["rows"]:
        cells = [r["question"][:60].replace("|", "/"), r["server_ttft"], r["shown_ttft"],
                 r["total"], r["guard"], r["engine"]]
        lines.append("| " + " | ".join(f"{c:.2f}" if isinstance(c, float) else str(c)
                                       for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_llm")
    parser.add_argument("--questions", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--doc", type=Path, default=None,
                        help="also write the Markdown table here (e.g. docs/bench-llm.md)")
    args = parser.parse_args(argv)
    run = measure(args.questions)
    summary = summarise(run)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "real_llm.json").write_text(json.dumps({**run, "summary": summary}, indent=2))
    text = markdown(run, summary)
    (args.out / "real_llm.md").write_text(text)
    if args.doc:
        args.doc.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
