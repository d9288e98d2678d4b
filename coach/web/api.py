"""The web app's public API (`gradio_client` endpoints): plain JSON in, plain JSON out.

Each function is stateless: the caller sends the conversation or transcript back each time,
so concurrent clients cannot see each other's data. Documented in docs/API.md.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from coach.ask.answer import Coach
from coach.errors import CoachError
from coach.web.render import load_json

log = logging.getLogger(__name__)
FAULT_SENTENCE = ("Sorry, something went wrong on our side and I couldn't answer. Please try "
                  "again in a minute; if you are in crisis, call or text 988 now.")
MAX_TRANSCRIPT = 40  # turns; a rehearsal ends after 12 student lines anyway
MAX_TRANSCRIPT_TOKENS = 6000  # its work is bounded too, not only its turn count


MAX_JSON_CHARS = 100_000  # a request or transcript far beyond any real one is refused unread


def _json(value: object, default: object, what: str, kind: type) -> Any:
    if isinstance(value, str) and len(value) > MAX_JSON_CHARS:
        raise gr.Error(f"{what} is too large ({len(value):,} characters; the limit is "
                       f"{MAX_JSON_CHARS:,}).", print_exception=False)
    try:
        data = load_json(value, default)
    except ValueError as exc:
        raise gr.Error(f"{what}: {exc}", print_exception=False) from None
    if not isinstance(data, kind):
        raise gr.Error(f"{what} must be a JSON {'list' if kind is list else 'object'}.",
                       print_exception=False)
    return data


def chat_model(coach: Coach):
    """The coach's chat model for email and rehearsal too (None = guide engine / scripted):
    the engine that settings choose (coach.engine.held), given the model the Coach holds."""
    from coach.engine import held

    if coach.llm_engine is None:  # no model held: the guide engine / the scripted mentor
        return None
    return held(coach.settings, coach.llm_engine.llm)


def parse_transcript(value: object) -> list[dict]:
    """A rehearsal transcript from the caller: [{role: "mentor"|"student", text}]."""
    turns = _json(value, [], "transcript_json", list)
    if len(turns) > MAX_TRANSCRIPT:
        raise gr.Error(f"transcript_json has {len(turns)} turns; the limit is {MAX_TRANSCRIPT}.",
                       print_exception=False)
    clean = []
    for turn in turns:
        if not (isinstance(turn, dict) and turn.get("role") in ("mentor", "student")
                and isinstance(turn.get("text"), str)):
            raise gr.Error('Each transcript turn must be {"role": "mentor" or "student", '
                           '"text": "..."}.', print_exception=False)
        clean.append({"role": turn["role"], "text": turn["text"][:4000]})
    check_tokens(clean, "transcript_json")
    return clean


def check_tokens(turns: list[dict], what: str) -> None:
    """A transcript's work is bounded in tokens too, not only in turns."""
    from coach.tokens import count_tokens

    tokens = count_tokens("\n".join(t["text"] for t in turns))
    if tokens > MAX_TRANSCRIPT_TOKENS:  # a full 12-line rehearsal is about 1,500 tokens
        raise gr.Error(f"{what} is too long ({tokens:,} tokens; the limit is "
                       f"{MAX_TRANSCRIPT_TOKENS:,}).", print_exception=False)


def rehearsal_state(persona: str, state_json: str, transcript: list[dict], student_text: str):
    """The rehearsal to continue: the caller's state (validated), else a new one.

    A new rehearsal is seeded from the persona and the student's first line, so it keeps the
    same mentor behaviour across calls; a caller without a state gets the transcript replayed.
    """
    from coach.rehearsal.session import new_state, replay, seed_for
    from coach.rehearsal.state import load_state

    if (state_json or "").strip():
        state = load_state(state_json)
        check_tokens(state.turns, "state_json")
        if state.persona != persona:
            raise gr.Error(f"state_json is a rehearsal with {state.persona!r}, not {persona!r}.",
                           print_exception=False)
        if state.student_turns or state.done or not (student_text or "").strip():
            return state
        # Only the opening so far: the seed comes from the first line, as without a state.
        fresh = new_state(persona, seed=seed_for(persona, student_text))
        return fresh.model_copy(update={"history": state.history})
    if transcript:
        return replay(persona, transcript, student_text).state
    return new_state(persona, seed=seed_for(persona, student_text or ""))


def make_api(coach: Coach) -> dict:
    """The five endpoint functions, bound to one Coach (no shared mutable state)."""
    from coach.email.check import MAX_DRAFT_CHARS
    from coach.email.check import check_email as check
    from coach.email.drafting import SafetyStop
    from coach.email.drafting import draft_email as draft
    from coach.email.present import checklist_json, draft_json, stop_json
    from coach.email.request import parse_request
    from coach.rehearsal.present import card_json
    from coach.rehearsal.session import score_transcript

    def ask(question: str, history_json: str = "[]") -> dict:
        """Answer a mentorship question from the AMWA guide. history_json: [{role, content}]."""
        from coach.ask.present import as_json

        past = _json(history_json, [], "history_json", list)
        return as_json(coach.ask(question, past))

    def draft_email(request_json: str) -> dict:
        """Draft an outreach email from an outreach request; returns subject, body, checks."""
        request = parse_request(_json(request_json, {}, "request_json", dict))
        try:
            result = draft(request, llm=chat_model(coach))
        except SafetyStop as stop:  # a crisis in the request's free text: support, not a draft
            return stop_json(stop)
        return {"kind": "draft", **draft_json(result)}

    def check_email(text: str, request_json: str = "") -> list[dict]:
        """Check a draft (and its facts against request_json, if given): a list of checks."""
        data = _json(request_json, None, "request_json", dict) if request_json else None
        request = parse_request(data) if data else None
        if not (text or "").strip():
            raise gr.Error("Paste the email draft to check (it was empty).", print_exception=False)
        return checklist_json(check(text[:MAX_DRAFT_CHARS], request))

    def rehearse(persona: str, transcript_json: str = "[]", student_text: str = "",
                 state_json: str = "") -> dict:
        """One role-play turn: the mentor's reply to student_text, the updated transcript, and
        the rehearsal state to send back next time (state_json; then the transcript is not
        replayed)."""
        from coach.rehearsal.engines import rehearsal_engines
        from coach.rehearsal.session import step

        transcript = [] if (state_json or "").strip() else parse_transcript(transcript_json)
        state = rehearsal_state(persona, state_json, transcript, student_text)
        if not (student_text or "").strip() and not transcript and not state.student_turns:
            turn = {"role": "mentor", "text": state.opening, "kind": "mentor"}
        else:
            state, reply = step(state, student_text, rehearsal_engines(chat_model(coach)))
            turn = {"role": reply.role, "text": reply.text, "kind": reply.kind}
            if reply.notice:
                turn["notice"] = reply.notice
            if reply.care:
                turn["care"] = reply.care
        return {"mentor": turn, "transcript": state.turns, "done": state.done,
                "state": state.model_dump(mode="json")}

    def feedback(persona: str, transcript_json: str) -> dict:
        """The scorecard for a rehearsal transcript: score, criteria, first_fix, strengths."""
        return card_json(score_transcript(parse_transcript(transcript_json), persona,
                                          llm=chat_model(coach)))

    return {"ask": ask, "draft_email": draft_email, "check_email": check_email,
            "rehearse": rehearse, "feedback": feedback}


def _errors_as_messages(fn):
    """CoachError (bad input, LLM down...) -> gr.Error, which clients receive as the message."""
    from functools import wraps

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CoachError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except (KeyError, ValueError) as exc:  # unknown persona and the like
            raise gr.Error(str(exc).strip("'\""), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as exc:  # a fault: one kind sentence, never the exception's text
            log.error("api %s failed: %s", fn.__name__, type(exc).__name__)
            raise gr.Error(FAULT_SENTENCE, print_exception=False) from None

    return wrapper


def register(coach: Coach) -> None:
    """Expose the endpoints on the current Blocks (call inside `with gr.Blocks()`). build_app
    puts them, like every UI handler, behind the per-client limits (coach/web/ratelimit.py)."""
    from coach.tracker.api import make_tracker_api

    endpoints = {**make_api(coach), **make_tracker_api(chat_model(coach))}
    for name, fn in endpoints.items():
        gr.api(_errors_as_messages(fn), api_name=name)
