"""The blind email eval: goals that fit, facts used or reported, nothing invented, no placeholders,
addresses judged as the blind data says.

Data: evals/email_blind/requests_{dev,test}.yaml (mixed plans written by people who never saw the
code). Guide engine only. Only aggregate figures are reported (per split and per kind).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from coach.email.facts import used_in
from coach.errors import InputError

SPLITS = ("dev", "test")
PI_KINDS = frozenset({"research", "faculty", "follow_up", "thank_you"})
STAND_IN = "student.address@example.edu"  # drafts are still scored when the address is bad
_PLACEHOLDER = re.compile(r"\[[^\]]*\]|\{\{|\}\}|\{%|<[A-Z][a-z]+>")


def _request(item: dict[str, Any], address: str | None = None) -> dict[str, Any]:
    student = dict(item["student"])
    if address is not None:
        student["email"] = address
    data = {"kind": item["kind"], "student": student, "mentor": dict(item["mentor"]),
            "times": list(item.get("times") or [])}
    if item.get("context"):
        data["context"] = item["context"]
    return data


def score_request(item: dict[str, Any]) -> dict[str, Any]:
    """The figures for one blind request (never printed for test: aggregated by the caller)."""
    from coach.email.drafting import draft_email
    from coach.email.request import parse_request

    try:
        parse_request(_request(item))
        address_ok = item.get("email_valid", True) is True
    except InputError as exc:
        address_ok = item.get("email_valid", True) is False and "student.email" in str(exc)
    from coach.email.drafting import SafetyStop

    try:
        draft = draft_email(parse_request(_request(item, STAND_IN)))
    except SafetyStop:  # every blind request is benign: a stop is a false stop, counted apart
        return {"kind": item["kind"], "address_ok": address_ok, "stopped": True}
    goals = item["student"]["goals"]
    notes = " ".join(draft.not_used)
    reported = [g for g in goals if f"\"{g}\"" in notes]
    used = [i for i, g in enumerate(goals) if g not in reported]
    fitting = set(item.get("fitting_goals") or []) | set(item.get("chosen_goals") or [])
    context_reported = "Your context was not used" in notes
    # The blind context facts paraphrase the context ("attended her lecture" for "I went to her
    # lecture"): when the whole context is in the draft, so is every fact taken from it.
    context_whole = bool(item.get("context")) and used_in(item["context"], draft.body, 0.8)
    facts = [*item.get("context_facts", []), *(item.get("times") or [])]
    unreported = [f for f in facts if not (used_in(f, draft.body) or (
        (context_reported or context_whole) and f in item.get("context_facts", [])))]
    checks = {c.id: c.passed for c in draft.checks}
    raw = [g for i, g in enumerate(goals) if i in used and g.strip() in draft.body]
    return {"kind": item["kind"], "address_ok": address_ok,
            "only_fitting": set(used) <= fitting and len(used) <= 3,
            "personal_in_pi": item["kind"] in PI_KINDS and bool(
                set(used) & set(item.get("personal_goals") or [])),
            "facts_used_or_reported": not unreported, "facts": len(facts) + len(goals),
            "facts_missing": len(unreported), "invented": checks.get("facts") is False,
            "placeholders": bool(_PLACEHOLDER.search(draft.body)) or checks.get(
                "placeholders") is False, "raw_goals": len(raw),
            "context_used": bool(item.get("context")) and not context_reported}


def _rate(rows: list[dict], key: str) -> float:
    return sum(1 for r in rows if r[key]) / max(1, len(rows))


def run_drafts(folder: Path) -> dict[str, Any]:
    """Figures per split (and per kind); metric names are '<split>_<figure>'."""
    metrics: dict[str, Any] = {}
    for split in SPLITS:
        try:
            items = yaml.safe_load((folder / f"requests_{split}.yaml").read_text("utf-8")) or []
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{folder}/requests_{split}.yaml: {exc}") from None
        scored = [score_request(item) for item in items]
        rows = [r for r in scored if not r.get("stopped")]
        metrics[f"{split}_false_safety_stops"] = len(scored) - len(rows)
        with_context = [r for r in rows if r["kind"] and r["context_used"] is not None]
        metrics.update({
            f"{split}_requests": len(rows),
            f"{split}_only_fitting_goals": _rate(rows, "only_fitting"),
            f"{split}_personal_goal_in_pi_email": sum(r["personal_in_pi"] for r in rows),
            f"{split}_facts_used_or_reported": _rate(rows, "facts_used_or_reported"),
            f"{split}_invented_facts": sum(r["invented"] for r in rows),
            f"{split}_placeholders": sum(r["placeholders"] for r in rows),
            f"{split}_raw_goal_pastes": sum(r["raw_goals"] for r in rows),
            f"{split}_address_verdict_accuracy": _rate(rows, "address_ok"),
            f"{split}_context_used_in_draft": _rate(with_context, "context_used"),
        })
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_kind[r["kind"]].append(r)
        for kind, group in sorted(by_kind.items()):
            metrics[f"{split}_only_fitting_goals_{kind}"] = _rate(group, "only_fitting")
    return {"metrics": metrics, "cases": []}
