"""Saved chats on the Ask tab: kept in the browser, New chat, past chats to reopen, rename,
delete and export, thumbs up/down with a reason, eval candidates. Over coach.history."""

from __future__ import annotations

import json

import gradio as gr

from coach.ask.answer import Coach
from coach.errors import CoachError
from coach.history import chats as h
from coach.web.render import chat_messages
from coach.web.storage import browser_state, download_js

PRIVATE = {"api_visibility": "private"}
# Warn before leaving the page while something typed or being answered would be lost.
UNSAVED_JS = """() => {
  window.addEventListener('beforeunload', (event) => {
    const typed = [...document.querySelectorAll('#question textarea, #rehearse-input textarea')]
      .some((el) => el.value.trim() !== '');
    const busy = document.querySelector('.generating, .pending');
    if (typed || busy) { event.preventDefault(); event.returnValue = ''; }
  });
}"""


def chats_state(coach: Coach) -> gr.BrowserState:
    return browser_state(coach.settings, "chats", h.ChatStore().model_dump())


def message_turns(turns: list[dict]) -> list[int]:
    """For each Chatbot message (chat_messages order), the turn it belongs to."""
    owners: list[int] = []
    for index, turn in enumerate(turns):
        owners += [index, index]
        if (turn.get("answer") or {}).get("sources"):
            owners.append(index)
    return owners


def feedback_values(chat: h.Chat | None) -> list[str | None]:
    """The thumbs to show, one per assistant message."""
    if chat is None:
        return []
    votes = {f.turn: ("Like" if f.value == "like" else "Dislike") for f in chat.feedback}
    values = []
    for index, turn in enumerate(chat.turns):
        values.append(votes.get(index))
        if (turn.get("answer") or {}).get("sources"):
            values.append(None)
    return values


def build_chat_history(coach: Coach, store: gr.BrowserState, question: gr.Textbox,
                       chatbot: gr.Chatbot, turns: gr.State) -> None:
    """The Saved chats panel and events, wired to the Ask tab's components."""
    with gr.Row(equal_height=True):
        new = gr.Button("New chat", size="sm", elem_id="chat-new", scale=0, min_width=110)
        past = gr.Dropdown([], value=None, label="Saved chats (in this browser)",
                           elem_id="chat-list", scale=4)
    with gr.Group(visible=False, elem_id="feedback-box") as reason_box:
        reason = gr.Textbox(label="What was unhelpful? (optional)", elem_id="feedback-reason",
                            max_length=1000, placeholder="e.g. It did not answer my question")
        save_reason = gr.Button("Save reason", size="sm", elem_id="feedback-save")
    with gr.Accordion("Manage saved chats", open=False, elem_id="chat-manage"):
        with gr.Row():
            title = gr.Textbox(label="New name for the chosen chat", elem_id="chat-title",
                               max_length=h.TITLE_CHARS)
            rename = gr.Button("Rename", size="sm", elem_id="chat-rename")
            delete = gr.Button("Delete chosen chat", size="sm", variant="stop",
                               elem_id="chat-delete")
        with gr.Row():
            export = gr.Button("Download chat (.md)", size="sm", elem_id="chat-export")
            export_all = gr.Button("Download all chats (.json)", size="sm",
                                   elem_id="chat-export-all")
            candidates = gr.Button("Download 👎 answers as eval candidates (.yaml)", size="sm",
                                   elem_id="chat-candidates")
        gr.Markdown("Feedback stays here unless you download it and share it yourself. "
                    "`coach feedback-export --chats chats.json` turns the downloaded chats into "
                    "eval candidates too.")
    loaded = gr.State(False)
    pending = gr.State(None)  # the turn waiting for a thumbs-down reason
    markdown, everything, evals = (gr.Textbox(visible=False) for _ in range(3))

    def shown(store_: h.ChatStore) -> tuple:
        chat = store_.get(store_.current)
        md = h.chat_markdown(chat) if chat else ""
        return (gr.update(choices=h.choices(store_), value=store_.current), md,
                json.dumps(store_.model_dump(), ensure_ascii=False),
                _candidates(store_))

    def show_chat(store_: h.ChatStore) -> tuple:
        chat = store_.get(store_.current)
        past_turns = chat.turns if chat else []
        bubbles = gr.update(value=chat_messages(past_turns), feedback_value=feedback_values(chat))
        return past_turns, bubbles

    def restore(data, loaded_yet: bool, now_turns: list) -> tuple:
        """On page load, reopen the current chat (unless the student already started one)."""
        store_ = h.load_store(data)
        if loaded_yet or now_turns:
            return gr.skip(), gr.skip(), *shown(store_), True
        return *show_chat(store_), *shown(store_), True

    def remember(data, loaded_yet: bool, now_turns: list) -> tuple:
        if not loaded_yet:
            return gr.skip()
        return h.save_turns(h.load_store(data), now_turns).model_dump()

    def start_new(data) -> tuple:
        store_ = h.new_chat(h.load_store(data))
        return store_.model_dump(), [], [], "", gr.update(visible=False)

    def switch(change, data, chat_id: str) -> tuple:  # noqa: ANN001 - h.open_chat / h.delete
        """Apply `change` to the store for `chat_id`, then show the chat it leaves open."""
        try:
            store_ = change(h.load_store(data), chat_id or "")
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip()
        return store_.model_dump(), *show_chat(store_)

    def reopen(data, chat_id: str) -> tuple:
        return switch(h.open_chat, data, chat_id)

    def do_rename(data, chat_id: str, text: str) -> tuple:
        try:
            return h.rename(h.load_store(data), chat_id or "", text).model_dump(), ""
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip()

    def do_delete(data, chat_id: str) -> tuple:
        return switch(h.delete, data, chat_id)

    def vote(data, now_turns: list, event: gr.LikeData) -> tuple:
        index = event.index if isinstance(event.index, int) else event.index[0]
        owners = message_turns(now_turns)
        if not 0 <= index < len(owners):
            return gr.skip(), gr.skip(), None
        turn = owners[index]
        value = {True: "like", False: "dislike"}.get(event.liked) if event.liked in (
            True, False) else None
        store_ = h.save_turns(h.load_store(data), now_turns)
        try:
            store_ = h.set_feedback(store_, turn, value)
        except CoachError:
            return gr.skip(), gr.skip(), None
        ask_why = gr.update(visible=value == "dislike")
        return store_.model_dump(), ask_why, turn if value == "dislike" else None

    def keep_reason(data, turn, text: str) -> tuple:
        if turn is None:
            return gr.skip(), gr.update(visible=False), ""
        try:
            store_ = h.set_feedback(h.load_store(data), int(turn), "dislike", text)
        except CoachError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip()
        gr.Info("Thanks: your reason is saved with this chat (in this browser only).")
        return store_.model_dump(), gr.update(visible=False), ""

    serial = {"concurrency_limit": 1, "concurrency_id": "chats", "show_progress": "hidden",
              **PRIVATE}
    store.change(restore, [store, loaded, turns],
                 [turns, chatbot, past, markdown, everything, evals, loaded], **serial)
    turns.change(remember, [store, loaded, turns], [store], **serial)
    new.click(start_new, [store], [store, turns, chatbot, question, reason_box], **serial)
    past.input(reopen, [store, past], [store, turns, chatbot], **serial)
    rename.click(do_rename, [store, past, title], [store, title], **serial)
    delete.click(do_delete, [store, past], [store, turns, chatbot], **serial)
    chatbot.like(vote, [store, turns], [store, reason_box, pending], **serial)
    save_reason.click(keep_reason, [store, pending, reason], [store, reason_box, reason],
                      **serial)
    export.click(None, [markdown], None, js=download_js("mentor-coach-chat.md",
                                                        "text/markdown"), **PRIVATE)
    export_all.click(None, [everything], None, js=download_js("mentor-coach-chats.json",
                                                              "application/json"), **PRIVATE)
    candidates.click(None, [evals], None, js=download_js("feedback_candidates.yaml",
                                                         "application/yaml"), **PRIVATE)


def _candidates(store_: h.ChatStore) -> str:
    from coach.history.feedback import candidates_yaml

    return candidates_yaml(store_)
