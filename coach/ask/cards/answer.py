"""The guide engine's answer path: advice cards first, the extractive answer for documents
without cards, an honest "not covered" otherwise; and the card context the LLM engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document

from coach.ask.cards.compose import choose_points, compose, given_points, not_covered
from coach.ask.cards.condense import (
    WELCOME,
    asks_to_shorten,
    condensed,
    nothing_shorter,
    thanks_only,
)
from coach.ask.cards.follow_up import blend, match_text, previous_lead, resolve
from coach.ask.cards.intent import (
    NAMES_FACULTY,
    POINTS_BACK,
    Intent,
    is_follow_up,
    last_turn,
    read_intent,
    revises_draft,
    side,
)
from coach.ask.cards.matching import Match
from coach.ask.cards.polarity import load_polarity
from coach.ask.cards.reader import refine
from coach.ask.cards.topics import asked_part, off_topic
from coach.ask.result import Answer, Source, sources_from
from coach.spelling import fix

if TYPE_CHECKING:
    from coach.ask.answer import Coach

# A chunk of a document without cards answers extractively when its cosine reaches this.
EXTRACTIVE_MIN = 0.45
LLM_CARDS = 2  # matched cards given to the LLM engine as context, ahead of the chunks


CITED = "*From the guide:"  # how a covered answer ends (compose); a follow-up to one stays on topic


def on_covered_topic(question: str, history: list[dict]) -> bool:
    """A follow-up to an answer the guide covered (its covered threshold is relaxed)."""
    return CITED in last_turn(history, "assistant") and is_follow_up(question, history)


def audience(question: str, history: list[dict], read: str = "mentee") -> str:
    """The side this question says the student is on, else the latest earlier turn's side, else
    `read` (the intent reader's guess from the question's vector)."""
    turns = [question] + [t["content"] for t in reversed(history) if t.get("role") == "user"]
    return next((found for t in turns if (found := side(t))), read)


@dataclass
class Matched:
    """What card matching made of a question: the cards, the one embedding, and the points
    still to give."""

    intent: Intent
    vector: list[float]
    matches: list[Match]
    given: set[str]
    topic: np.ndarray | None
    covered: bool


def embedder_name(embeddings) -> str:  # noqa: ANN001 - any LangChain-style embedder
    """The name the learned models record for the embedder that made their vectors."""
    return getattr(embeddings, "model_name", type(embeddings).__name__)


def question_intent(question: str, history: list[dict],
                    vector: list[float] | None = None, embedder: str | None = None) -> Intent:
    """The question's intent: the patterns' reading, plus what the learned reader adds from the
    question's own `vector`, made by `embedder` (coach/ask/cards/reader.py; patterns alone
    without one)."""
    intent = refine(read_intent(question), vector, question, embedder)
    # the side the words say (the line's, else the conversation's), else the reader's guess: a
    # review found "how do i keep them engaged" read as a mentor's right after "my mentor
    # hasnt answered my last 3 emails"
    intent.audience = audience(question, history, intent.audience)
    if intent.yes_no and (model := load_polarity()) is not None:
        intent.yes_probability = model.yes_probability(question, vector, embedder)
    if revises_draft(question, history):
        intent.write_request, intent.yes_no = True, False
        intent.email_kind = read_intent(last_turn(history, "user")).email_kind
    elif intent.write_request and intent.email_kind == "faculty" and \
            is_follow_up(question, history) and POINTS_BACK.search(question) and \
            not NAMES_FACULTY.search(question):  # "ok can you draft it?": the kind asked before
        intent.email_kind = read_intent(last_turn(history, "user")).email_kind
    return intent


def match_cards(coach: Coach, question: str, history: list[dict], intent: Intent) -> Matched:
    """Cards for the question, best first (a follow-up's previous lead card last)."""
    matcher = coach.cards
    query, topic = match_text(matcher, question, history)
    # The only embedding per answer; a follow-up's topic comes from stored point vectors.
    vector = blend(coach.retriever.store.embeddings.embed_query(query), topic)
    if not matcher:
        return Matched(intent=intent, vector=vector, matches=[], given=set(), topic=topic,
                       covered=False)
    matches = matcher.match(query, vector, intent.audience, lexical_text=question)
    follow_up = on_covered_topic(question, history)
    covered = bool(matches) and (matcher.covers(matches, vector, follow_up)
                                 or intent.write_request)
    if covered and follow_up:  # a follow-up moves on: the card the last answer led with goes last
        led = previous_lead(matcher, history)
        matches = sorted(matches, key=lambda m: m.card.id == led)
    if intent.write_request:  # names and details drown the request: the kind of email leads
        matches = sorted(matches, key=lambda m: intent.email_kind not in m.card.drafts)
    given = given_points(list(matcher.cards.values()), history) if covered else set()
    return Matched(intent=intent, vector=vector, matches=matches, given=given, topic=topic,
                   covered=covered)


def card_answer(coach: Coach, question: str, history: list[dict],
                notice: str | None = None) -> Answer:
    """The guide engine's answer: a card answer, an extractive one, or "not covered"."""
    if thanks_only(question):
        return Answer(kind="answer", answer=WELCOME, sources=[], engine="guide", notice=notice)
    if asks_to_shorten(question) and not revises_draft(question, history):
        # "make it shorter": the last answer cut down, never a new one (a draft asked for just
        # before is the drafter's to shorten: the write request's answer and hand-off stand)
        previous = last_turn(history, "assistant")
        cut = condensed(question, previous, list(coach.cards.cards.values()) if coach.cards else [])
        text, sources = cut if cut is not None else (nothing_shorter(previous), [])
        if text:
            return Answer(kind="answer", answer=text, sources=sources, engine="guide",
                          notice=notice)
    reading = fix(question)  # misspellings and shorthand read as meant; shown: what was typed
    # the question's own vector (the one matching embeds for a first question: cached)
    embeddings = coach.retriever.store.embeddings
    intent = question_intent(reading, history, embeddings.embed_query(reading),
                             embedder_name(embeddings))
    if off_topic(reading, coach.settings.knowledge_dir):
        office = coach.offices.office_for(reading)
        return Answer(kind="answer", answer=not_covered(question, intent, office).text,
                      sources=[], engine="guide", notice=notice)
    matcher = coach.cards
    found = match_cards(coach, asked_part(reading), history, intent)  # "..., anyway how do I"
    vector = found.vector
    if found.covered:
        used = choose_points(found.matches, matcher, vector, found.given, reading, found.topic)
        if used:
            composed = compose(question, intent, used)
            if composed.handoff and is_follow_up(reading, history) and \
                    POINTS_BACK.search(reading):  # "write it for me": the drafter gets what "it" is
                earlier = last_turn(history, "user")
                composed.handoff.context = f"{earlier}\n{question}" if earlier else question
            sources = [Source(section=u.card.section, source=u.card.source,
                              text=u.point.quote, score=round(u.score, 4)) for u in used]
            return Answer(kind="answer", answer=composed.text, sources=sources,
                          engine="guide", notice=notice, handoff=composed.handoff)
    query = resolve(reading, history)  # the words retrieval and extraction read
    hits, vector = coach.retrieve(query, vector)
    top = hits[0] if hits else None
    cardless = top is not None and top.metadata.get("source") not in matcher.sources
    if top is not None and (not matcher or cardless) and \
            float(top.metadata.get("dense", 0.0)) >= EXTRACTIVE_MIN:
        text = coach.guide.compose(query, hits, vector, intent.audience)
        return Answer(kind="answer", answer=text, sources=sources_from(hits), engine="guide",
                      notice=notice)
    composed = not_covered(question, intent, coach.offices.office_for(reading))
    return Answer(kind="answer", answer=composed.text, sources=[], engine="guide", notice=notice)


def card_context(coach: Coach, query: str, vector: list[float],
                 history: list[dict]) -> list[Document]:
    """The matched cards as passages for the LLM: the advice plus its verbatim guide passages."""
    matcher = coach.cards
    if not matcher:
        return []
    intent = question_intent(query, history, vector,
                             embedder_name(coach.retriever.store.embeddings))
    matches = matcher.match(query, vector, intent.audience)
    covered = bool(matches) and (matcher.covers(matches, vector) or intent.write_request)
    if intent.write_request:  # as for the guide engine: the kind of email's card leads
        matches = sorted(matches, key=lambda m: intent.email_kind not in m.card.drafts)
    matches = matches[:LLM_CARDS] if covered else []
    docs = []
    for m in matches:
        card = m.card
        quotes = "\n".join(f'- {p.say} Guide: "{p.quote}"' for p in card.points)
        docs.append(Document(page_content=f"{card.answer}\n{quotes}",
                             metadata={"section": card.section, "source": card.source,
                                       "heading_trail": "", "score": round(m.score, 4),
                                       "card": card.id}))
    return docs
