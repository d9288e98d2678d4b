"""One presenter for drafts and checklists: JSON, Markdown and terminal text for every interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from coach.email.check import Check
from coach.markdown import md_text, unbold

if TYPE_CHECKING:
    from coach.email.drafting import Draft, SafetyStop

CHECK_LABELS = {
    "subject": "Subject line", "greeting": "Greeting by name", "introduction": "Introduce yourself",
    "why_mentor": "Why this mentor", "goals": "Your goals", "time_commitment": "How often to meet",
    "times_offered": "Times offered", "gratitude": "Thanks", "signoff": "Sign-off and contact",
    "length": "Length", "placeholders": "No template placeholders left", "tone": "Respectful tone",
    "facts": "Only true facts from your request",
}


def _checks(checks: Sequence[Check | dict]) -> list[Check]:
    return [c if isinstance(c, Check) else Check.model_validate(c) for c in checks]


def checklist_json(checks: Sequence[Check | dict]) -> list[dict]:
    """The checklist as JSON: [{id, passed, evidence, tip, section}]."""
    return [c.model_dump(mode="json") for c in _checks(checks)]


def _markdown_item(check: Check) -> str:
    mark = "✓" if check.passed else "✗ Missing:"
    label = md_text(CHECK_LABELS.get(check.id, check.id))
    evidence = f": {md_text(check.evidence)}" if check.evidence else ""
    tip = f"  \n  Tip: {md_text(check.tip)}" if check.tip and not check.passed else ""
    section = f" *({md_text(check.section)})*" if check.section else ""
    return f"- {mark} **{label}**{evidence}{tip}{section}"


def checklist_markdown(checks: Sequence[Check | dict]) -> str:
    """✓/✗ per check with its evidence, tip and guide section; the student's words made inert."""
    items = _checks(checks)
    if not items:
        return "*No checks yet.*"
    passed = sum(c.passed for c in items)
    return "\n".join([f"**{passed} of {len(items)} checks pass.**", "",
                      *map(_markdown_item, items)])


def checklist_text(checks: Sequence[Check | dict]) -> str:
    """The terminal checklist: ✓/✗ per check, with the tip and guide section for each failure."""
    items = _checks(checks)
    lines = [f"Checklist ({sum(c.passed for c in items)} of {len(items)} passed):"]
    for c in items:
        lines.append(f"  {'✓' if c.passed else '✗'} {c.id}: {c.evidence}")
        if not c.passed:
            lines.append(f"      Tip: {c.tip} (Guide: {c.section})")
    return "\n".join(lines)


def draft_json(draft: Draft) -> dict:
    """The draft as JSON: subject, body, checks, engine, notice, not_used and the copy text
    (and `care` when the safety gate asked for the crisis resources beside the draft)."""
    return {**draft.model_dump(mode="json", exclude=set() if draft.care else {"care"}),
            "text": draft.text}


def stop_json(stop: SafetyStop) -> dict:
    """What replaces a draft when the request's free text asks for support: {kind, response}."""
    return {"kind": stop.kind, "response": stop.response}


def draft_markdown(draft: Draft, with_text: bool = True) -> str:
    """The draft (unless shown in its own boxes), its checklist and the facts it left out."""
    parts = [f"**Subject:** {md_text(draft.subject)}\n\n" + "  \n".join(
        md_text(line) for line in draft.body.splitlines())] if with_text else []
    parts.append(checklist_markdown(draft.checks))
    if draft.not_used:  # every request fact is in the draft or said plainly here
        parts.append("**Not used in this draft:**\n" + "\n".join(
            f"- {md_text(note)}" for note in draft.not_used))
    if draft.care:  # the safety gate was unsure about something the student wrote
        parts.append(f"---\n\n{draft.care}")  # the app's own fixed text
    return "\n\n".join(parts)


def draft_text(draft: Draft) -> str:
    """The terminal view: the copy-ready draft, the facts left out, then the checklist."""
    notes = "".join(f"Not used: {note}\n" for note in draft.not_used)
    care = f"\n{unbold(draft.care)}\n" if draft.care else ""
    return f"{draft.text}\n\n{notes}{checklist_text(draft.checks)}{care}"
