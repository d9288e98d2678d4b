"""LLM mode against a real model: added latency and the grounding guard's cost, as ratios.

    python -m benchmarks.real_llm [--questions N] [--out bench-out]

Starts llama.cpp with the bundled SmolLM2 (needs `make local`). Per question, in one run:
the server's own time to first token (the raw `openai` client, same prompt) vs the coach's
time to first *shown* token (retrieval + prompt + the guard holding back the first sentence),
and the guard's CPU time per answer vs the whole answer time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

QUESTIONS = ["How do I find a research mentor?", "How often should I meet my mentor?",
             "What should I do if my mentor stops replying?", "How do I set goals with a mentor?"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_llm")
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    from coach.config import disable_telemetry

    disable_telemetry()
    import openai

    import coach.grounding.stream as stream_module
    from coach.answer import Coach
    from coach.config import Settings
    from coach.llm import make_chat_model
    from coach.local_llm import LocalServer
    from coach.local_llm.limits import use_local_server

    guard_seconds = [0.0]
    original_feed, original_finish = stream_module.GuardedStream.feed, \
        stream_module.GuardedStream.finish

    def timed(method):
        def wrapper(self, *a):
            began = time.perf_counter()
            try:
                return method(self, *a)
            finally:
                guard_seconds[0] += time.perf_counter() - began
        return wrapper

    stream_module.GuardedStream.feed = timed(original_feed)
    stream_module.GuardedStream.finish = timed(original_finish)
    rows = []
    with LocalServer() as server:
        use_local_server(server)
        settings = Settings(llm_grounding=True)
        coach = Coach.from_settings(settings, llm=make_chat_model(settings))
        client = openai.OpenAI(base_url=server.base_url, api_key="local")
        for question in QUESTIONS[:args.questions]:
            hits, _ = coach.retrieve(question)
            messages = coach.llm_engine._messages({"question": question, "hits": hits,
                                                   "history": []})
            raw = [{"role": "system" if m.type == "system" else "user", "content": m.content}
                   for m in messages]
            began = time.perf_counter()
            server_ttft = None
            for chunk in client.chat.completions.create(
                    model=server.alias, messages=raw, stream=True,
                    max_tokens=settings.llm_max_tokens, stop=settings.llm_stop):
                if chunk.choices and chunk.choices[0].delta.content:
                    server_ttft = time.perf_counter() - began
                    break
            guard_seconds[0] = 0.0
            began = time.perf_counter()
            shown_ttft = None
            for answer in coach.stream(question, engine="llm"):
                if shown_ttft is None and answer.answer and not answer.done:
                    shown_ttft = time.perf_counter() - began
            total = time.perf_counter() - began
            rows.append({"question": question, "server_ttft": server_ttft,
                         "shown_ttft": shown_ttft, "total": total, "guard": guard_seconds[0],
                         "engine": answer.engine})
    ratios = [r["shown_ttft"] / r["server_ttft"] for r in rows
              if r["shown_ttft"] and r["server_ttft"]]
    summary = {
        "server_ttft_p50": statistics.median(r["server_ttft"] for r in rows if r["server_ttft"]),
        "shown_ttft_p50": statistics.median(r["shown_ttft"] for r in rows if r["shown_ttft"])
        if any(r["shown_ttft"] for r in rows) else None,
        "shown_over_server_ttft_p50": statistics.median(ratios) if ratios else None,
        "guard_share_of_answer_p50": statistics.median(r["guard"] / r["total"] for r in rows),
        "guard_seconds_p50": statistics.median(r["guard"] for r in rows),
        "answers_shown_by_llm": sum(r["engine"] == "llm" for r in rows), "answers": len(rows),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "real_llm.json").write_text(json.dumps({"rows": rows, "summary": summary},
                                                       indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
