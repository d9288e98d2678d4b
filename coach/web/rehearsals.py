"""Saved rehearsals on the Rehearse tab: the role-play and its scorecard kept in the browser
(restored after a reload or restart), progress across attempts with a small chart, and a
Markdown export. Over coach.history.rehearsals."""

from __future__ import annotations

import gradio as gr

from coach.ask.answer import Coach
from coach.history import rehearsals as r
from coach.markdown import md_text
from coach.web.storage import browser_state, download_js

PRIVATE = {"api_visibility": "private"}


def rehearsals_state(coach: Coach) -> gr.BrowserState:
    return browser_state(coach.settings, "rehearsals", r.RehearsalStore().model_dump())


def plain_messages(messages: list | None) -> list[dict]:
    """Chatbot messages as {role, content: str} (the browser sends content as parts)."""
    out = []
    for message in messages or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str):
            out.append({"role": message.get("role", "assistant"), "content": content})
    return out


def persona_name(persona: str) -> str:
    from coach.rehearsal.personas import PERSONAS

    found = PERSONAS.get(persona)
    return f"{found.name} ({found.title})" if found else persona


def progress_markdown(store: r.RehearsalStore) -> str:
    """Per persona: scores first / best / latest, each criterion, what improved."""
    found = r.progress(store)
    if not found:
        return "*Your progress appears here after your first scorecard (press Get feedback).*"
    parts = []
    yes = {True: "✓", False: "·"}
    for item in found:
        parts += [f"#### {md_text(persona_name(item.persona))}: {item.attempts} attempt(s)",
                  f"Score — first **{item.first}**, best **{item.best}**, latest "
                  f"**{item.latest}** (out of 100)", ""]
        if item.attempts > 1:
            if item.improved:
                parts.append("**Improved since last time:** " + ", ".join(item.improved))
            elif item.latest > item.scores[-2]:
                parts.append(f"**Up {item.latest - item.scores[-2]} points since last time.**")
            else:
                parts.append("*Same criteria met as last time: that is normal while practising.*")
            if item.slipped:
                parts.append("Worth bringing back: " + ", ".join(item.slipped))
            parts.append("")
        if item.next_step:
            parts += [f"**Next step:** {md_text(item.next_step)}", ""]
        parts += ["| Criterion | First | Best | Latest |", "|---|:-:|:-:|:-:|"]
        parts += [f"| {md_text(c.label)} | {yes[c.first]} | {yes[c.best]} | {yes[c.latest]} |"
                  for c in item.criteria]
        parts.append("")
    return "\n".join(parts)


def chart_data(store: r.RehearsalStore):
    import pandas as pd

    rows = [{"attempt": i, "score": int(a.card.get("score", 0)),
             "persona": persona_name(a.persona).split(" (")[0]}
            for p in dict.fromkeys(a.persona for a in r.scored(store))
            for i, a in enumerate(r.scored(store, p), start=1)]
    return pd.DataFrame(rows, columns=["attempt", "score", "persona"])


def build_rehearsal_history(coach: Coach, store: gr.BrowserState, persona: gr.Dropdown,
                            session: gr.State, chat: gr.Chatbot,
                            scorecard: gr.Markdown) -> None:
    """Keep the role-play and its scorecard in the browser; show progress and past attempts."""
    from coach.rehearsal.present import card_json, card_markdown
    from coach.rehearsal.session import resume, score_transcript
    from coach.web.api import chat_model

    with gr.Accordion("Your progress", open=True, elem_id="rehearse-progress-box"):
        summary = gr.Markdown(progress_markdown(r.RehearsalStore()),
                              elem_id="rehearse-progress")
        plot = gr.LinePlot(chart_data(r.RehearsalStore()), x="attempt", y="score",
                           color="persona", y_lim=[0, 100], height=220, label="Score by attempt",
                           elem_id="rehearse-chart", x_title="Attempt", y_title="Score")
    with gr.Accordion("Saved rehearsals", open=False):
        saved = gr.Dropdown([], value=None, label="Choose a saved rehearsal",
                            elem_id="rehearse-saved")
        export = gr.Button("Download rehearsal (.md)", size="sm", elem_id="rehearse-export")
    markdown = gr.Textbox(visible=False)
    loaded = gr.State(False)

    def listing(store_: r.RehearsalStore) -> dict:
        labels = [(f"{persona_name(a.persona).split(' (')[0]} · {a.started[:16].replace('T', ' ')}"
                   + (f" · {a.card.get('score')}/100" if a.card else ""), a.id)
                  for a in reversed(store_.attempts)]
        return gr.update(choices=labels, value=store_.current)

    def views(store_: r.RehearsalStore) -> tuple:
        current = store_.get(store_.current)
        text = r.attempt_markdown(current, persona_name(current.persona)) if current else ""
        return progress_markdown(store_), chart_data(store_), listing(store_), text

    def restore(data, loaded_yet: bool, current_session) -> tuple:
        """On page load, continue the saved role-play (or show its scorecard)."""
        store_ = r.load_rehearsals(data)
        attempt = store_.get(store_.current)
        has_lines = current_session is not None and current_session.student_turns
        if loaded_yet or attempt is None or has_lines or not attempt.turns:
            return (gr.skip(),) * 4 + (*views(store_), True)
        resumed = resume(attempt.persona, attempt.turns, attempt.state, chat_model(coach))
        card = card_markdown(attempt.card) if attempt.card else ""
        return (resumed, attempt.messages, card, attempt.persona, *views(store_), True)

    def remember(data, loaded_yet: bool, which: str, current, messages, card_text: str) -> object:
        if not loaded_yet or current is None:
            return gr.skip()
        card = None
        if (card_text or "").startswith("### Score") and current.student_turns:
            # Scores come from the guide's rubric (an LLM only adds a narrative): no model call.
            card = card_json(score_transcript(current.turns, current.persona, llm=None))
        store_ = r.record(r.load_rehearsals(data), current.persona.id, list(current.turns),
                          plain_messages(messages), card, current.state.model_dump(mode="json"))
        return store_.model_dump()

    def show(data, attempt_id: str) -> str:
        store_ = r.load_rehearsals(data)
        attempt = store_.get(attempt_id)
        return r.attempt_markdown(attempt, persona_name(attempt.persona)) if attempt else ""

    serial = {"concurrency_limit": 1, "concurrency_id": "rehearsals", "show_progress": "hidden",
              **PRIVATE}
    store.change(restore, [store, loaded, session],
                 [session, chat, scorecard, persona, summary, plot, saved, markdown, loaded],
                 **serial)
    inputs = [store, loaded, persona, session, chat, scorecard]
    chat.change(remember, inputs, [store], **serial)
    scorecard.change(remember, inputs, [store], **serial)
    saved.input(show, [store, saved], [markdown], **serial)
    export.click(None, [markdown], None, js=download_js("mentor-coach-rehearsal.md",
                                                        "text/markdown"), **PRIVATE)
