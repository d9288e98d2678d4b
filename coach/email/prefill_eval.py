"""The blind write-request eval: does a "help me write..." message reach the Email tab with the
kind, the mentor's name, the mentor's field and the context the student gave?

Data: evals/write_blind/{dev,test}.yaml (150 messages written by a helper session that never saw
the code; frozen split). Only aggregate figures are reported, per split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from coach.email.facts import used_in
from coach.errors import InputError

SPLITS = ("dev", "test", "test2")


def _norm_name(name: str | None) -> str:
    return " ".join((name or "").replace(".", "").casefold().split())


def _same_name(got: str | None, want: str | None) -> bool:
    return _norm_name(got) == _norm_name(want)


def _field_ok(got: str | None, accepted: list[str]) -> bool:
    if not got:
        return False
    g = got.casefold()  # the form given, or one that holds it ("pediatric cardiology" for
    # "cardiology" is right; "surgery" for "orthopedic surgery" is not)
    return any(a.casefold() in g for a in accepted)


def read_as_asked(message: str):  # noqa: ANN201 - an Intent
    """The intent the Ask tab reads from a first message: the spelling fix, the patterns and the
    learned reader on the message's MiniLM vector (coach.ask.cards.answer.question_intent)."""
    from coach.ask.cards.answer import embedder_name, question_intent
    from coach.embeddings import get_embeddings
    from coach.spelling import fix

    reading, embeddings = fix(message), get_embeddings()
    return question_intent(reading, [], embeddings.embed_query(reading), embedder_name(embeddings))


def score_item(item: dict[str, Any]) -> dict[str, Any]:
    """One message's results (for test, only ever aggregated by the caller)."""
    from coach.email.prefill import prefill

    intent = read_as_asked(item["message"])
    found = prefill(item["message"]) if intent.write_request else None
    row: dict[str, Any] = {"write": bool(item["write"]), "detected": intent.write_request}
    if not item["write"]:
        return row
    facts = list(item.get("context") or [])
    got_ctx = found.context if found else None
    row.update({
        "kind_ok": intent.write_request and intent.email_kind == item["kind"],
        "name_ok": _same_name(found.mentor_name if found else None, item.get("mentor_name")),
        "name_expected": bool(item.get("mentor_name")),
        "name_false": bool(found and found.mentor_name) and not item.get("mentor_name"),
        "field_expected": bool(item.get("field")),
        "field_ok": _field_ok(found.field if found else None, item.get("field") or []),
        "field_false": bool(found and found.field) and not item.get("field"),
        "facts": len(facts),
        "facts_found": sum(used_in(f, got_ctx) for f in facts) if got_ctx else 0,
        "context_false": bool(got_ctx) and not facts,
    })
    return row


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    writes = [r for r in rows if r["write"]]
    named = [r for r in writes if r["name_expected"]]
    fielded = [r for r in writes if r["field_expected"]]
    facts = sum(r["facts"] for r in writes)
    return {
        "messages": len(rows),
        "write_recall": _share([r["detected"] for r in writes]),
        "write_false": _share([r["detected"] for r in rows if not r["write"]]),
        "kind_accuracy": _share([r["kind_ok"] for r in writes]),
        "name_accuracy": _share([r["name_ok"] for r in named]),
        "name_false": _share([r["name_false"] for r in writes if not r["name_expected"]]),
        "field_accuracy": _share([r["field_ok"] for r in fielded]),
        "field_false": _share([r["field_false"] for r in writes if not r["field_expected"]]),
        "context_recall": round(sum(r["facts_found"] for r in writes) / facts, 4) if facts
        else None,
        "context_false": _share([r["context_false"] for r in writes if not r["facts"]]),
    }


def load_split(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the write-request split ({exc})") from None
    if not isinstance(data, list) or not all(
            isinstance(i, dict) and {"message", "write"} <= set(i) for i in data):
        raise InputError(f"{path}: expected a list of items with message and write")
    return data


def run_prefill(folder: Path) -> dict[str, Any]:
    """dev_* and test_* aggregate figures; no item is ever listed."""
    metrics: dict[str, Any] = {}
    for split in SPLITS:
        rows = [score_item(i) for i in load_split(Path(folder) / f"{split}.yaml")]
        metrics.update({f"{split}_{k}": v for k, v in aggregate(rows).items()})
    return {"metrics": metrics, "cases": []}
