"""The Ask tab: a streamed chat over `Coach.stream`, with sources, retry, undo and clear."""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from coach.ask.answer import Coach
from coach.ask.present import as_json
from coach.ask.present import crisis_banner as crisis_markdown
from coach.errors import CoachError, InputError
from coach.web.render import chat_messages, history, notice_line

# One per guide topic, phrased the way students ask.
EXAMPLES = (
    "How do I figure out what I want from a mentor?",
    "How should I write an email asking a faculty member to mentor me?",
    "How do I find a research mentor?",
    "What makes someone a good mentee?",
    "How can peer mentorship help me?",
    "Should I have more than one mentor?",
)
PRIVATE = {"api_visibility": "private"}  # UI plumbing; the public API is in coach.web.api


def crisis_banner(answer: dict | None) -> dict:
    """The prominent banner shown above the chat after a crisis response (hidden otherwise)."""
    if not answer or answer.get("kind") != "crisis":
        return gr.update(visible=False)
    return gr.update(visible=True, value=crisis_markdown(answer["answer"]))


def stream_turn(coach: Coach, question: str, turns: list[dict]) -> Iterator[tuple]:
    """Yield (textbox, chatbot, turns, notice, banner) as the answer to `question` grows."""
    turns = list(turns or [])
    pending = {"question": question, "answer": {"kind": "answer", "answer": "…"}}
    yield "", chat_messages([*turns, pending], streaming=True), turns, gr.update(), gr.update()
    answer = None
    try:
        for answer in coach.stream(question, history(turns)):
            pending = {"question": question, "answer": as_json(answer)}
            yield (gr.update(), chat_messages([*turns, pending], streaming=not answer.done),
                   gr.update(), gr.update(), gr.update())
    except InputError as exc:  # empty or too long: give the text back to shorten
        gr.Warning(str(exc))
        yield question, chat_messages(turns), turns, gr.update(), gr.update()
        return
    except CoachError as exc:
        gr.Warning(str(exc))
        yield question, chat_messages(turns), turns, notice_line(str(exc)), gr.update()
        return
    if answer is None:
        return
    turns.append({"question": question, "answer": as_json(answer)})
    yield (gr.update(), chat_messages(turns), turns, notice_line(answer.notice),
           crisis_banner(turns[-1]["answer"]))


def user_text_of(value: object) -> str:
    """The text of an edited message (plain text or a list of parts), without the escaping
    `user_text` added for display."""
    import html
    import re

    if isinstance(value, list):
        value = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in value)
    elif isinstance(value, dict):
        value = value.get("text", "")
    return html.unescape(re.sub(r"\\([\\`*_\[\]|~])", r"\1", str(value or "")))


def build_ask_tab(coach: Coach, notice: gr.Markdown) -> tuple:
    """The Ask tab's components and events (call inside a `gr.Tab`); returns (question box,
    chatbot, turns state) for the saved-chats panel (coach.web.history)."""
    banner = gr.Markdown(visible=False, elem_id="crisis-banner", elem_classes=["crisis"])
    chatbot = gr.Chatbot(
        label="Conversation with the coach", show_label=False, elem_id="chat",
        height="min(600px, 44vh)", editable="user",  # short enough for the input on a phone
        buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"), allow_tags=False,
        sanitize_html=True, render_markdown=True, group_consecutive_messages=False,
        examples=[{"text": q} for q in EXAMPLES],
        placeholder="Ask anything about finding and working with mentors. Answers come from "
                    "the AMWA Medical Student Mentorship Guide, with the passages they use.",
    )
    question = gr.Textbox(label="Your question", elem_id="question", lines=1, max_lines=6,
                          placeholder="e.g. How do I ask a resident to mentor me?",
                          submit_btn="Ask")  # the send button sits inside the input
    with gr.Row():
        clear = gr.Button("Clear conversation", elem_id="clear-btn", size="sm")
    turns = gr.State([])
    outputs = [question, chatbot, turns, notice, banner]

    def respond(text: str, past: list[dict]) -> Iterator[tuple]:
        yield from stream_turn(coach, text, past)

    def from_example(past: list[dict], event: gr.SelectData) -> Iterator[tuple]:
        value = event.value if isinstance(event.value, dict) else {"text": str(event.value)}
        yield from stream_turn(coach, value.get("text", ""), past)

    def retry(past: list[dict]) -> Iterator[tuple]:
        if not past:
            yield gr.update(), [], [], gr.update(), gr.update()
            return
        yield from stream_turn(coach, past[-1]["question"], past[:-1])

    def undo(past: list[dict]) -> tuple:
        if not past:
            return gr.update(), [], []
        return past[-1]["question"], chat_messages(past[:-1]), past[:-1]

    def reset() -> tuple:
        return "", [], [], "", gr.update(visible=False)

    def edit(past: list[dict], event: gr.EditData) -> Iterator[tuple]:
        """An edited question replaces that turn and everything after it, then is answered."""
        from coach.web.history import message_turns

        index = event.index if isinstance(event.index, int) else event.index[0]
        owners = message_turns(past or [])
        text = event.value if isinstance(event.value, str) else user_text_of(event.value)
        if not 0 <= index < len(owners):
            yield gr.update(), chat_messages(past or []), past or [], gr.update(), gr.update()
            return
        yield from stream_turn(coach, text, (past or [])[:owners[index]])

    question.submit(respond, [question, turns], outputs, show_progress="minimal", **PRIVATE)
    chatbot.edit(edit, [turns], outputs, **PRIVATE)
    chatbot.example_select(from_example, [turns], outputs, **PRIVATE)
    chatbot.retry(retry, [turns], outputs, **PRIVATE)
    chatbot.undo(undo, [turns], [question, chatbot, turns], **PRIVATE)
    chatbot.clear(reset, None, outputs, **PRIVATE)
    clear.click(reset, None, outputs, **PRIVATE)
    return question, chatbot, turns
