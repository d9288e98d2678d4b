"""Safe rendering for the web app: user text shown as text, model Markdown without images or HTML.

Everything shown in the browser passes through here, so the escaping rules live in one place.
"""

from __future__ import annotations

import html
import json
import re

from coach.plan.worksheet import ADVICE as PLAN_ADVICE
from coach.plan.worksheet import AREAS, Plan, coverage, gaps, md_text

IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\n]*)\)")
QUOTE_CHARS = 420
CRISIS_TITLE = "If you are thinking about harming yourself, please reach out now"
CHECK_LABELS = {
    "subject": "Subject line", "greeting": "Greeting by name", "introduction": "Introduce yourself",
    "why_mentor": "Why this mentor", "goals": "Your goals", "time_commitment": "How often to meet",
    "times_offered": "Times offered", "gratitude": "Thanks", "signoff": "Sign-off and contact",
    "length": "Length", "placeholders": "No template placeholders left", "tone": "Respectful tone",
    "facts": "Only true facts from your request",
}


def user_text(text: str) -> str:
    """A student's own words for a Markdown bubble: shown literally, never as HTML/Markdown."""
    return "\n".join(md_text(line) for line in str(text).splitlines()) or " "


def bot_text(markdown: str) -> str:
    """Coach Markdown with raw HTML escaped and images turned into text (never auto-loaded)."""
    text = IMAGE.sub(lambda m: f"[image not shown: {m.group(1) or 'untitled'}]", str(markdown))
    text = text.replace("![", "!\\[")  # reference-style images too
    return text.replace("&", "&amp;").replace("<", "&lt;")


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Guide text as a Markdown block quote, trimmed at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0] + " …"
    return "> " + bot_text(flat)


def sources_title(sources: list[dict]) -> str:
    sections = list(dict.fromkeys(s.get("section", "") for s in sources if s.get("section")))
    return "Sources from the guide: " + html.escape("; ".join(sections) or "the guide")


def sources_markdown(sources: list[dict]) -> str:
    """Each source's section name and the quoted guide text."""
    parts = [f"**{html.escape(s.get('section') or 'Guide')}**\n\n{quote(s.get('text', ''))}"
             for s in sources]
    return "\n\n".join(parts) or "No guide passages were used."


def chat_messages(turns: list[dict], streaming: bool = False) -> list[dict]:
    """The Chatbot value for a list of {question, answer} turns (answer = Answer.public())."""
    messages: list[dict] = []
    for index, turn in enumerate(turns):
        messages.append({"role": "user", "content": user_text(turn["question"])})
        answer = turn.get("answer") or {}
        body = bot_text(answer.get("answer", ""))
        if answer.get("kind") == "crisis":
            body = f"### {CRISIS_TITLE}\n\n{body}"
        last = index == len(turns) - 1
        messages.append({"role": "assistant", "content": body or "…"})
        if answer.get("sources") and not (streaming and last):
            messages.append({"role": "assistant", "content": sources_markdown(answer["sources"]),
                             "metadata": {"title": sources_title(answer["sources"]),
                                          "status": "done"}})
    return messages


def history(turns: list[dict]) -> list[dict]:
    """The conversation as plain [{role, content}] for `Coach.stream(history=...)`."""
    out: list[dict] = []
    for turn in turns:
        out.append({"role": "user", "content": turn["question"]})
        out.append({"role": "assistant", "content": (turn.get("answer") or {}).get("answer", "")})
    return out


def load_json(value: object, default: object) -> object:
    """JSON text (or an already-decoded value) from an API caller; `default` when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str):
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused.")
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    return value


MAX_JSON_DEPTH = 20  # real requests nest 3 levels; deep nesting is an attack on the parser


def json_depth(text: str) -> int:
    """Deepest [ / { nesting of JSON text, read without parsing (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            in_string = escaped or ch != '"'
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def notice_line(notice: str | None) -> str:
    return f"⚠ {html.escape(notice)}" if notice else ""


def team_markdown(plan: Plan) -> str:
    if not plan.team:
        return "*Nobody on your team yet. Add a mentor, peer or advisor below.*"
    return "\n".join(
        f"- **{md_text(m.name)}**" + (f" ({md_text(m.role)})" if m.role else "")
        + (": " + ", ".join(md_text(AREAS.get(a, a)) for a in m.helps_with) if m.helps_with else "")
        for m in plan.team)


def gaps_markdown(plan: Plan) -> str:
    """The gaps with who could help, then the guide's advice on building a team."""
    found = gaps(plan)
    if not [g for g in plan.goals if g.goal.strip()]:
        lines = ["*Write a goal in at least one area to see where your team has gaps.*"]
    elif not found:
        covered = coverage(plan)
        lines = ["✓ **No gaps:** every goal has someone on your team."] + [
            f"- {md_text(AREAS[g.area])}: {md_text(', '.join(covered[g.area]))}"
            for g in plan.goals if g.goal.strip() and g.area in covered]
    else:
        lines = [f"**{len(found)} goal(s) with nobody on your team yet:**"] + [
            f"- **{md_text(g.label)}** ({md_text(g.goal)}): look for "
            f"{md_text(', '.join(g.suggested))}" for g in found]
    lines.append("")
    lines += [f"> {text} *({section})*\n" for section, text in PLAN_ADVICE]
    return "\n".join(lines)


def _item(ok: bool, label: str, evidence: str, tip: str, section: str, quoted: bool) -> str:
    """One ✓/✗ line; `quoted` when the evidence is the student's own words."""
    line = f"- {'✓' if ok else '✗ Missing:'} **{md_text(label)}**"
    if evidence:
        line += f": “{md_text(evidence)}”" if quoted else f": {md_text(evidence)}"
    if not ok and tip:
        line += f"  \n  Tip: {md_text(tip)}"
    return line + (f" *({md_text(section)})*" if section else "")


def checks_markdown(checks: list[dict]) -> str:
    """An outreach-email checklist: ✅/❌ per check with its evidence, tip and guide section."""
    if not checks:
        return "*No checks yet.*"
    passed = sum(1 for c in checks if c.get("passed"))
    return "\n".join([f"**{passed} of {len(checks)} checks pass.**", ""] + [
        _item(bool(c.get("passed")), CHECK_LABELS.get(c.get("id", ""), str(c.get("id", ""))),
              str(c.get("evidence") or ""), str(c.get("tip") or ""), str(c.get("section") or ""),
              quoted=False)
        for c in checks])
