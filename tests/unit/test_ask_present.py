"""The answer presenter: one Answer as JSON, Markdown and terminal text, byte for byte as before."""

from __future__ import annotations

import json

from coach.ask.present import (
    CRISIS_TITLE,
    as_json,
    as_markdown,
    as_terminal,
    crisis_banner,
    error_json_line,
    json_line,
)
from coach.ask.result import Answer, Source

SOURCE = Source(section="Finding a mentor", source="guide.md", text="Ask early. <b>x</b>",
                score=0.5)


def test_json_is_the_public_shape_and_one_line_keeps_non_ascii():
    answer = Answer(kind="answer", answer="Café — ok", sources=[SOURCE], notice="LLM down")
    assert as_json(answer) == answer.public()
    assert json_line(answer) == json.dumps(answer.public(), ensure_ascii=False)
    assert "Café" in json_line(answer) and "\n" not in json_line(answer)
    assert json.loads(error_json_line("Too long")) == {"kind": "error", "error": "Too long"}


def test_terminal_text_puts_the_notice_on_its_own_line():
    assert as_terminal(Answer(kind="answer", answer="Hi")).model_dump() == {"text": "Hi",
                                                                          "notice": None}
    shown = as_terminal(Answer(kind="answer", answer="Hi", notice="The language model timed out"))
    assert shown.notice == "[notice] The language model timed out"


def test_markdown_escapes_html_drops_images_and_titles_a_crisis():
    answer = Answer(kind="crisis", answer="Call 988 <script> ![x](http://evil.example/a.png)",
                    sources=[SOURCE])
    shown = as_markdown(answer)
    assert shown.body.startswith(f"### {CRISIS_TITLE}\n\n")
    assert "&lt;script>" in shown.body and "[image not shown: x]" in shown.body
    assert shown.sources == "**Finding a mentor**\n\n> Ask early. &lt;b>x&lt;/b>"
    assert shown.sources_title == "Sources from the guide: Finding a mentor"
    assert as_markdown(answer.public()) == shown  # the web keeps answers as their JSON
    assert as_markdown({"kind": "answer", "answer": "ok"}).sources is None
    assert crisis_banner("Call 988") == f"## {CRISIS_TITLE}\n\nCall 988"
