"""Card routing on unseen writers' questions: `python -m coach.ask.cards.routing_study`
(a measurement, it changes nothing).

`evals/card_questions/writer_{e,f}.yaml` hold 8 questions per card from two helpers who saw the
guide and the cards' advice but never their example questions or the engine. Each question is
asked alone, the way `Coach.ask` matches it; reported: how often the card it was written for
leads (top 1), is among the first three, and how often the guide is taken to cover it.

Measured (session 7, before any use of the files): writer E (long, detailed, emotional)
top-1 0.815, top-3 0.925, covered 0.998; writer F (terse, texting, non-native) 0.769, 0.894,
0.991. Adding all 928 as example questions made blind `coach eval` worse (dev / train2 coverage
0.737 -> 0.727 / 0.636 -> 0.633, honesty 1.000 -> 0.882 / 0.973 -> 0.919, follow-ups 0.824 ->
0.647 / 0.594 -> 0.531): more examples raise every card's best cosine, out-of-scope questions
included, so they were kept out of the cards. A logistic regression over the stored example
question vectors, blended into the fused score, moved the lead card's share of key points by
at most +0.01 on train2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coach.yamlio import safe_load

FILES = ("writer_e.yaml", "writer_f.yaml")


def route(coach, questions: dict[str, list[str]]) -> dict[str, float]:  # noqa: ANN001
    from coach.ask.cards.answer import match_cards, question_intent

    top1 = top3 = covered = n = 0
    for card_id, asked in questions.items():
        for question in asked:
            found = match_cards(coach, question, [], question_intent(question, []))
            ids = [m.card.id for m in found.matches]
            n += 1
            top1 += ids[:1] == [card_id]
            top3 += card_id in ids[:3]
            covered += found.covered
    n = max(n, 1)
    return {"questions": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3),
            "covered": round(covered / n, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("evals/card_questions"))
    args = parser.parse_args(argv)
    from coach.ask.answer import Coach

    coach = Coach.from_settings()
    for name in FILES:
        questions = safe_load((args.dir / name).read_text(encoding="utf-8"))
        print(name, route(coach, questions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
