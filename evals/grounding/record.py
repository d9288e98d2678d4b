"""Record real SmolLM2 answers to dev questions, with the guard's per-sentence scores.

    PYTHONPATH=. python evals/grounding/record.py [N] [START] [QUESTIONS.yaml] > answers.yaml

Records dev questions START..START+N-1 (0-based; the first 14 are in smollm2_dev.yaml, the
next ones in smollm2_dev2.yaml).

Dev questions only (`evals/grounding/dev_questions.yaml`, copied from the blind qa dev set).
The output is labelled by hand (`label: supported|unsupported`) and read by calibrate.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def main(n: int, start: int = 0, path: Path = HERE / "dev_questions.yaml") -> None:
    from coach.config import disable_telemetry

    disable_telemetry()
    from coach.ask.answer import Coach
    from coach.config import Settings
    from coach.grounding import GroundingGuard
    from coach.grounding.sentences import split_units
    from coach.llm import make_chat_model
    from coach.local_llm import LocalServer
    from coach.local_llm.limits import use_local_server

    questions = yaml.safe_load(path.read_text())[start:start + n]
    out = []
    with LocalServer(progress=lambda m: print(m, file=sys.stderr)) as server:
        use_local_server(server)
        settings = Settings()
        coach = Coach.from_settings(settings, llm=make_chat_model(settings))
        guard = GroundingGuard(coach.retriever.store.embeddings)
        for q in questions:
            began = time.monotonic()
            hits, _ = coach.retrieve(q["question"])
            raw = "".join(coach.llm_engine.stream(q["question"], hits, []))
            seconds = time.monotonic() - began
            ctx = guard.context([h.page_content for h in hits], q["question"])
            units = []
            for unit in split_units(raw):
                v = ctx.check(unit.text)
                units.append({"sentence": v.sentence, "kind": v.kind,
                              "similarity": v.similarity, "unknown": v.unknown,
                              "bad_citations": v.bad_citations, "label": None})
            out.append({"id": q["id"], "question": q["question"], "seconds": round(seconds, 1),
                        "raw": raw, "units": units})
            print(f"{q['id']}: {seconds:.1f} s, {len(units)} units", file=sys.stderr)
    yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    os.environ.setdefault("COACH_LLM_GROUNDING", "true")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12,
         int(sys.argv[2]) if len(sys.argv) > 2 else 0,
         Path(sys.argv[3]) if len(sys.argv) > 3 else HERE / "dev_questions.yaml")
