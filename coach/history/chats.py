"""Saved Ask chats: the JSON the browser keeps (pydantic-validated), and changes to it.

Every function takes and returns a ChatStore; the UI writes the result back to local storage.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.errors import InputError
from coach.history.store import BrowserStore, find

MAX_CHATS = 50  # oldest dropped first: local storage holds a few MB
MAX_TURNS = 100
TITLE_CHARS = 60


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Feedback(BaseModel):
    """A thumbs up or down on one answer, with the student's optional reason."""

    model_config = ConfigDict(extra="ignore")
    turn: int = Field(ge=0)
    value: Literal["like", "dislike"]
    reason: str = Field("", max_length=1000)


class Chat(BaseModel):
    """One conversation: turns are {question, answer: Answer.public()} as the Ask tab keeps."""

    model_config = ConfigDict(extra="ignore")
    id: str
    title: str = "New chat"
    created: str = Field(default_factory=now)
    updated: str = Field(default_factory=now)
    turns: list[dict] = Field(default_factory=list)
    feedback: list[Feedback] = Field(default_factory=list)
    renamed: bool = False


class ChatStore(BrowserStore):
    chats: list[Chat] = Field(default_factory=list)

    def get(self, chat_id: str | None) -> Chat | None:
        return find(self.chats, chat_id)


def load_store(data: object) -> ChatStore:
    """The stored chats; unreadable storage starts empty instead of breaking the tab."""
    return ChatStore.load(data)


def _title(turns: list[dict]) -> str:
    first = " ".join(str(turns[0].get("question", "")).split()) if turns else ""
    if not first:
        return "New chat"
    return first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1].rstrip() + "…"


def _replace(store: ChatStore, chat: Chat, current: str | None) -> ChatStore:
    """`chat` added or updated, most recently used first."""
    chats = [chat, *(c for c in store.chats if c.id != chat.id)][:MAX_CHATS]
    return ChatStore(current=current, chats=chats)


def new_chat(store: ChatStore) -> ChatStore:
    """Start an empty chat and make it current (an empty current chat is reused)."""
    existing = store.get(store.current)
    if existing is not None and not existing.turns:
        return store
    chat = Chat(id=uuid.uuid4().hex[:12])
    return _replace(store, chat, chat.id)


def save_turns(store: ChatStore, turns: list[dict]) -> ChatStore:
    """Store `turns` as the current chat (creating it when there is none)."""
    turns = list(turns or [])[-MAX_TURNS:]
    chat = store.get(store.current)
    if chat is None:
        if not turns:
            return store
        chat = Chat(id=uuid.uuid4().hex[:12])
    if chat.turns == turns:
        return store
    # Feedback on answers that are gone (undo, retry, clear) goes with them.
    kept = [f for f in chat.feedback if f.turn < len(turns)
            and f.turn < len(chat.turns) and turns[f.turn] == chat.turns[f.turn]]
    title = chat.title if chat.renamed else _title(turns)
    chat = chat.model_copy(update={"turns": turns, "title": title, "updated": now(),
                                   "feedback": kept})
    return _replace(store, chat, chat.id)


def open_chat(store: ChatStore, chat_id: str) -> ChatStore:
    if store.get(chat_id) is None:
        raise InputError("That chat is no longer saved in this browser.")
    return store.model_copy(update={"current": chat_id})


def rename(store: ChatStore, chat_id: str, title: str) -> ChatStore:
    chat = store.get(chat_id)
    title = " ".join((title or "").split())[:TITLE_CHARS]
    if chat is None:
        raise InputError("Choose a chat to rename first.")
    if not title:
        raise InputError("New name: type a name for the chat.")
    renamed = chat.model_copy(update={"title": title, "renamed": True})
    return _replace(store, renamed, store.current)


def delete(store: ChatStore, chat_id: str) -> ChatStore:
    if store.get(chat_id) is None:
        raise InputError("Choose a chat to delete first.")
    chats = [c for c in store.chats if c.id != chat_id]
    current = None if store.current == chat_id else store.current
    return ChatStore(current=current, chats=chats)


def set_feedback(store: ChatStore, turn: int, value: str | None, reason: str = "") -> ChatStore:
    """Record (or, with value None, withdraw) feedback on answer `turn` of the current chat."""
    chat = store.get(store.current)
    if chat is None or not 0 <= turn < len(chat.turns):
        raise InputError("That answer is not in the current chat.")
    others = [f for f in chat.feedback if f.turn != turn]
    if value is not None:
        others.append(Feedback(turn=turn, value=value, reason=(reason or "").strip()[:1000]))
    updated = chat.model_copy(update={"feedback": sorted(others, key=lambda f: f.turn)})
    return _replace(store, updated, store.current)


def choices(store: ChatStore) -> list[tuple[str, str]]:
    """(label, id) for the past-chats list, newest first."""
    return [(f"{c.title} · {c.updated[:10]}", c.id) for c in store.chats]


def chat_markdown(chat: Chat) -> str:
    """The chat as Markdown: questions, answers, the guide sections used, and feedback."""
    votes = {f.turn: f for f in chat.feedback}
    lines = [f"# {chat.title}", "", f"*Mentor Coach chat, {chat.created[:10]}*", ""]
    for index, turn in enumerate(chat.turns):
        answer = turn.get("answer") or {}
        lines += [f"## You: {turn.get('question', '')}", "", answer.get("answer", ""), ""]
        if answer.get("care"):  # the 988 / 911 / school resources shown beside the answer
            lines += [f"> {answer['care']}", ""]
        sections = [s.get("section", "") for s in answer.get("sources") or []]
        if sections:
            lines += ["Guide sections: " + "; ".join(dict.fromkeys(filter(None, sections))), ""]
        if (vote := votes.get(index)) is not None:
            mark = "👍 helpful" if vote.value == "like" else "👎 not helpful"
            lines += [f"*Your feedback: {mark}{': ' + vote.reason if vote.reason else ''}*", ""]
    return "\n".join(lines).rstrip() + "\n"
