"""Down-voted answers as eval candidates in the evals/qa.yaml case format, for a reviewer to
finish (sections and principles are left for a person to fill in). Nothing is sent anywhere."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from coach.errors import InputError
from coach.history.chats import ChatStore, load_store

HEADER = """\
# Eval candidates from answers a student marked "not helpful" (coach feedback-export).
# Same case shape as evals/qa.yaml. Before moving a case into qa.yaml, a reviewer fills in
# `sections` (where the guide answers it) and `principles` (what a good answer must convey),
# and removes `feedback` and `needs_review`. Check the question holds no personal details.
"""


def candidates(store: ChatStore) -> list[dict]:
    """One qa-format case per thumbs-down, with the earlier turns as `history`."""
    cases = []
    for chat in store.chats:
        for vote in chat.feedback:
            if vote.value != "dislike" or vote.turn >= len(chat.turns):
                continue
            turn = chat.turns[vote.turn]
            answer = turn.get("answer") or {}
            history = []
            for earlier in chat.turns[:vote.turn][-3:]:
                history += [{"role": "user", "content": earlier.get("question", "")},
                            {"role": "assistant",
                             "content": (earlier.get("answer") or {}).get("answer", "")[:1500]}]
            digest = hashlib.sha256(f"{chat.id}|{vote.turn}".encode()).hexdigest()[:8]
            case = {"id": f"feedback-{digest}", "question": turn.get("question", ""),
                    "sections": [], "principles": [], "needs_review": True,
                    "feedback": {"reason": vote.reason, "engine": answer.get("engine", ""),
                                 "kind": answer.get("kind", ""),
                                 "answer": answer.get("answer", "")[:1500],
                                 "retrieved_sections": list(dict.fromkeys(
                                     s.get("section", "") for s in answer.get("sources") or []))}}
            if history:
                case["history"] = history
            cases.append(case)
    return cases


def candidates_yaml(store: ChatStore) -> str:
    """The candidates file's text (YAML with an explanatory header)."""
    import yaml

    body = yaml.safe_dump({"cases": candidates(store)}, sort_keys=False, allow_unicode=True,
                          width=100)
    return HEADER + "\n" + body


def read_export(path: str | Path) -> ChatStore:
    """The chats JSON the web app's "Download all chats" button saves."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot read it as the chats JSON ({type(exc).__name__}).") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("chats"), list):
        raise InputError(f"{path}: expected the chats export (an object with a 'chats' list).")
    return load_store(data)
