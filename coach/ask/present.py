"""The one presenter for answers: an `Answer` as JSON, as Markdown and as terminal text.

Every interface (the `coach ask` CLI, the Ask tab, the `/ask` API) renders answers through
here. Markdown from the coach is made safe to show: raw HTML escaped, images never loaded.
"""

from __future__ import annotations

import html
import json
import re

from pydantic import BaseModel

from coach.ask.result import Answer
from coach.markdown import unbold

IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\n]*)\)")
QUOTE_CHARS = 420
CRISIS_TITLE = "If you or someone you know may be at risk, please reach out now"


class MarkdownAnswer(BaseModel):
    """An answer as Markdown: the body, and its sources (with a title) when there are any."""

    body: str
    sources: str | None = None
    sources_title: str | None = None


class TerminalAnswer(BaseModel):
    """An answer for a terminal: the text for stdout and a notice line for stderr."""

    text: str
    notice: str | None = None


def as_json(answer: Answer) -> dict:
    """The documented JSON shape (`Answer.public()`)."""
    return answer.public()


def json_line(answer: Answer) -> str:
    """One line of JSON (JSON Lines), non-ASCII kept as is."""
    return json.dumps(as_json(answer), ensure_ascii=False)


def error_json_line(message: str) -> str:
    """The JSON line for a question that could not be answered."""
    return json.dumps({"kind": "error", "error": message})


def as_terminal(answer: Answer) -> TerminalAnswer:
    """The answer text, and "[notice] ..." when the answer carries a notice."""
    notice = f"[notice] {answer.notice}" if answer.notice else None
    text = f"{answer.answer}\n\n{unbold(answer.care)}" if answer.care else answer.answer
    return TerminalAnswer(text=text, notice=notice)


def safe_markdown(markdown: str) -> str:
    """Coach Markdown with raw HTML escaped and images turned into text (never auto-loaded)."""
    text = IMAGE.sub(lambda m: f"[image not shown: {m.group(1) or 'untitled'}]", str(markdown))
    text = text.replace("![", "!\\[")  # reference-style images too
    return text.replace("&", "&amp;").replace("<", "&lt;")


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Guide text as a Markdown block quote, trimmed at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0] + " …"
    return "> " + safe_markdown(flat)


def sources_title(sources: list[dict]) -> str:
    """"Sources from the guide: <sections>", HTML-escaped."""
    sections = list(dict.fromkeys(s.get("section", "") for s in sources if s.get("section")))
    return "Sources from the guide: " + html.escape("; ".join(sections) or "the guide")


def sources_markdown(sources: list[dict]) -> str:
    """Each source's section name and the quoted guide text."""
    parts = [f"**{html.escape(s.get('section') or 'Guide')}**\n\n{quote(s.get('text', ''))}"
             for s in sources]
    return "\n\n".join(parts) or "No guide passages were used."


def crisis_banner(text: str) -> str:
    """The prominent banner shown above a conversation after a crisis response."""
    return f"## {CRISIS_TITLE}\n\n{safe_markdown(text)}"


def as_markdown(answer: Answer | dict) -> MarkdownAnswer:
    """An answer (or its JSON, as the web keeps it) as Markdown; a crisis answer is titled."""
    data = answer.public() if isinstance(answer, Answer) else answer
    body = safe_markdown(data.get("answer", ""))
    if data.get("kind") == "crisis":
        body = f"### {CRISIS_TITLE}\n\n{body}"
    if data.get("care"):  # the gate was unsure: the resources, set apart, after the answer
        body = f"{body}\n\n---\n\n{safe_markdown(data['care'])}"
    sources = data.get("sources")
    if not sources:
        return MarkdownAnswer(body=body)
    return MarkdownAnswer(body=body, sources=sources_markdown(sources),
                          sources_title=sources_title(sources))
