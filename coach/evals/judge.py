"""The optional LLM judge: a chat model scores each principle 1-5, beside the fixed metrics."""

from __future__ import annotations

import json
import re


def parse_judgement(text: str) -> dict:
    """{"score": 1-5, "reason": str} from a judge reply (JSON, possibly fenced or wrapped)."""
    match = re.search(r"\{.*\}", text, re.S)
    try:
        data = json.loads(match.group(0)) if match else {}
    except json.JSONDecodeError:
        data = {}
    score = data.get("score")
    if not isinstance(score, int | float) or not 1 <= score <= 5:
        found = re.search(r"\bscore\W{0,5}([1-5])\b", text, re.I)
        score = int(found.group(1)) if found else None
    reason = str(data.get("reason") or text.strip())[:400]
    return {"score": int(score) if score is not None else None, "reason": reason}


def judge_principle(llm, question: str, answer: str, principle: str,  # noqa: ANN001
                    passages: list[str]) -> dict:
    """Ask a chat model to score how well the answer conveys one principle (1-5, with reason)."""
    from langchain_core.messages import HumanMessage

    from coach.prompts import render

    prompt = render("judge", question=question, answer=answer, principle=principle,
                    passages=passages)
    reply = llm.invoke([HumanMessage(prompt)])
    return parse_judgement(str(getattr(reply, "content", reply)))


def judge_answer(llm, question: str, answer: str, principles: list[str],  # noqa: ANN001
                 passages: list[str]) -> list[dict]:
    """One judgement per principle; a failing judge call is recorded, never fatal."""
    out = []
    for principle in principles:
        try:
            verdict = judge_principle(llm, question, answer, principle, passages)
        except Exception as exc:  # the deterministic metrics stand on their own
            verdict = {"score": None, "reason": f"judge failed: {type(exc).__name__}"}
        out.append({"principle": principle, **verdict})
    return out
