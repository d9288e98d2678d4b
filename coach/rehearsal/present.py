"""One presenter for the rehearsal scorecard: JSON (the API and `coach feedback --json`),
Markdown (the web tab, saved rehearsals) and terminal text (the CLI).

Markdown renders from the JSON form, so a scorecard saved in the browser renders the same way.
"""

from __future__ import annotations

import re
from typing import Any

from coach.markdown import md_text
from coach.rehearsal.scorecard import Scorecard

LOW_SCORE = 50  # below this, one next step instead of every missed criterion
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\n]*)\)")


def card_json(card: Scorecard, full: bool = True) -> dict[str, Any]:
    """The scorecard as JSON: score, criteria, first_fix, went_well; `full` (the API, the web)
    adds labels, persona, strengths, and narrative / notice when there is one."""
    criteria = [{"id": c.id, "met": c.met, "partly": c.partly, "evidence": c.evidence,
                 "tip": c.tip, "section": c.section} | ({"label": c.label} if full else {})
                for c in card.criteria]
    out: dict[str, Any] = {"score": card.score, "criteria": criteria,
                           "first_fix": card.first_fix, "went_well": list(card.strengths)}
    if not full:  # the `coach feedback --json` shape
        return out
    out |= {"persona": card.persona, "strengths": list(card.strengths)}
    if card.narrative:
        out["narrative"] = card.narrative
    if card.notice:
        out["notice"] = card.notice
    return out


def _prose(text: str) -> str:
    """Coach-written Markdown with raw HTML escaped and images turned into text."""
    text = _IMAGE.sub(lambda m: f"[image not shown: {m.group(1) or 'untitled'}]", text)
    return text.replace("![", "!\\[").replace("&", "&amp;").replace("<", "&lt;")


def _label(c: dict) -> str:
    return str(c.get("label") or c.get("id", ""))


def _criterion(c: dict, evidence: str) -> str:
    """One ✓ / ✗ line; the evidence is the student's own words, quoted."""
    ok, tip, section = bool(c.get("met")), str(c.get("tip") or ""), str(c.get("section") or "")
    line = f"- {'✓' if ok else '✗ Missing:'} **{md_text(_label(c))}**"
    line += f": “{md_text(evidence)}”" if evidence else ""
    line += f"  \n  Tip: {md_text(tip)}" if tip and not ok else ""
    return line + (f" *({md_text(section)})*" if section else "")


def card_markdown(card: dict) -> str:
    """A scorecard (card_json form): what went well first, then one thing to work on, the rest
    folded. A low score reads as encouragement with one next step, never a wall of misses."""
    score = int(card.get("score", 0))
    criteria = card.get("criteria", [])
    low = score < LOW_SCORE
    lines = [f"### Score: {score}/100", "", "**What went well:**", ""]
    well = card.get("went_well") or card.get("strengths") or []
    lines += [f"- ✓ {md_text(str(s))}" for s in well] or [
        _criterion({**c, "tip": ""}, str(c.get("evidence") or ""))
        for c in criteria if c.get("met")] or ["- You started; that's the hardest step."]
    if low:
        lines += ["", "A good start: every rehearsal makes the real conversation easier. "
                  "Pick just one thing for next time."]
    if card.get("first_fix"):
        label = "One next step" if low else "First thing to work on"
        lines += ["", f"**{label}:** {md_text(str(card['first_fix']))}", ""]
    rest = [c for c in criteria if not c.get("met")
            and not str(card.get("first_fix", "")).startswith(str(c.get("label") or "\0"))]
    if rest and low:
        lines.append("*Later, when you are ready:* " + ", ".join(md_text(_label(c)) for c in rest))
    elif rest:
        lines += ["<details><summary>Also for next time</summary>", ""]
        lines += [_criterion(c, str(c.get("evidence") or "") if c.get("partly") else "")
                  for c in rest]
        lines += ["", "</details>"]
    if card.get("narrative"):
        lines += ["", f"**Coach's note:** {_prose(str(card['narrative']))}"]
    if card.get("notice"):
        lines += ["", f"*{md_text(str(card['notice']))}*"]
    return "\n".join(lines)


def card_text(card: Scorecard, persona_name: str) -> str:
    """The scorecard as terminal text: what went well, the one thing to work on, then the rest."""
    lines = [f"Feedback: asking {persona_name}", f"Score: {card.score}/100", "", "What went well:"]
    lines += [f"  ✓ {s}" for s in card.strengths] or ["  (nothing yet)"]
    fix = next((c for c in card.criteria if not c.met and card.first_fix.startswith(c.label)),
               None)
    lines += ["", f"One thing to work on: {card.first_fix}"
              + (f" (guide: {fix.section})" if fix else "")]
    rest = [c for c in card.criteria if not c.met and c is not fix]
    if rest:
        lines += ["", "Also for next time: " + "; ".join(
            f"{c.label.lower()}{' (a start)' if c.partly else ''} [{c.id}]" for c in rest)]
    if card.narrative:
        lines += ["", card.narrative]
    return "\n".join(lines)
