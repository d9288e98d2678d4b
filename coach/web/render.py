"""Safe rendering for the web app: user text shown as text, model Markdown without images or HTML.

Everything shown in the browser passes through here; model Markdown is made safe by the answer
presenter (coach.ask.present.safe_markdown), so that rule lives in one place.
"""

from __future__ import annotations

import html
import json

from coach.ask.present import as_markdown
from coach.markdown import md_text


def user_text(text: str) -> str:
    """A student's own words for a Markdown bubble: shown literally, never as HTML/Markdown."""
    return "\n".join(md_text(line) for line in str(text).splitlines()) or " "


def chat_messages(turns: list[dict], streaming: bool = False) -> list[dict]:
    """The Chatbot value for a list of {question, answer} turns (answer = Answer.public())."""
    messages: list[dict] = []
    for index, turn in enumerate(turns):
        messages.append({"role": "user", "content": user_text(turn["question"])})
        shown = as_markdown(turn.get("answer") or {})
        last = index == len(turns) - 1
        messages.append({"role": "assistant", "content": shown.body or "…"})
        if shown.sources and not (streaming and last):
            messages.append({"role": "assistant", "content": shown.sources,
                             "metadata": {"title": shown.sources_title, "status": "done"}})
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


def download_js(mime: str, filename: str) -> str:
    """A Gradio `js=` handler that saves its text input as a file, in the browser only."""
    return ("(text) => {\n  if (!text) { return; }\n"
            f'  const blob = new Blob([text], {{type: "{mime}"}});\n'
            '  const link = document.createElement("a");\n'
            "  link.href = URL.createObjectURL(blob);\n"
            f'  link.download = "{filename}";\n'
            "  document.body.appendChild(link); link.click(); link.remove();\n"
            "  setTimeout(() => URL.revokeObjectURL(link.href), 1000);\n}")
