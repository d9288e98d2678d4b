"""The LLM engine: chain logic with a scripted fake, then the real `openai` client end to end
against a local OpenAI-compatible server (streaming, retries, timeouts, fallbacks, secrecy)."""

from __future__ import annotations

import pytest
from openai_server import (
    OpenAIServer,
    ok,
)

from coach.ask.answer import Coach
from coach.ask.llm_engine import LLMEngine
from coach.config import Settings
from coach.errors import ConfigError, LLMError
from coach.llm import make_chat_model
from coach.prompts import CANARY
from coach.testing import ScriptedChatModel

QUESTION = "My mentor stopped replying, what now?"
KEY = "sk-test-secret"
REPLY = "Follow up politely after a week [1], and keep building a team of mentors [2]."


def fake(*replies: str) -> ScriptedChatModel:
    return ScriptedChatModel(*replies)


def make_coach(coach_instance, llm, settings: Settings | None = None) -> Coach:
    """A Coach over the shared session index; the guide engine (and its cache) is reused."""
    coach = Coach(settings or Settings(), coach_instance.retriever, llm=llm)
    coach.guide = coach_instance.guide
    return coach


def check_stream(answers) -> None:
    """Cumulative partial answers, done only on the last one."""
    assert [a.done for a in answers] == [False] * (len(answers) - 1) + [True]
    for before, after in zip(answers, answers[1:], strict=False):
        if after.engine == before.engine == "llm":
            assert after.answer.startswith(before.answer)


# --- chain logic with a fake chat model ---------------------------------------------------


def test_llm_answer_streams_cumulatively_with_sources(coach_instance):
    coach = make_coach(coach_instance, fake(REPLY))
    assert coach.engine_name == "llm"
    answers = list(coach.stream(QUESTION))
    assert len(answers) >= 4
    check_stream(answers)
    final = answers[-1]
    assert (final.kind, final.engine, final.answer, final.notice) == ("answer", "llm", REPLY, None)
    assert "[1]" in final.answer
    assert final.sources and all(a.sources == final.sources for a in answers)
    assert {"Characteristics of mentors and mentees", "The TL;DR"} & {
        s.section for s in final.sources
    }


def test_prompt_numbers_the_passages_and_plants_the_canary(coach_instance):
    hits, _ = coach_instance.retrieve(QUESTION)
    engine = LLMEngine(fake(REPLY), "gpt-4o-mini")
    history = [{"role": "user", "content": "I asked for a meeting"},
               {"role": "assistant", "content": "Good start."}]
    system, user = engine._messages({"question": QUESTION, "hits": hits, "history": history})
    assert CANARY in system.content and "ONLY from the passages" in system.content
    assert CANARY not in user.content
    section = hits[0].metadata["section"]
    assert f"[1] ({section})" in user.content and f"[{len(hits)}] (" in user.content
    assert hits[0].page_content in user.content
    assert user.content.rstrip().endswith(f"Student's question: {QUESTION}")
    assert "user: I asked for a meeting" in user.content


def test_follow_up_is_condensed_before_retrieval(coach_instance):
    model = fake("How do I find a research mentor?", "Start with the department websites [1].")
    coach = make_coach(coach_instance, model)
    history = [{"role": "user", "content": "I want to get into research this summer."},
               {"role": "assistant", "content": "Great goal."}]
    final = coach.ask("ok so where do I start?", history=history)
    assert final.engine == "llm" and final.answer == "Start with the department websites [1]."
    assert final.sources[0].section == "Research mentorship"  # retrieved for the condensed question
    with pytest.raises(StopIteration):  # both scripted replies were used: condense, then answer
        next(model.messages)


def test_leaked_canary_is_blocked_and_redirected(coach_instance):
    coach = make_coach(coach_instance, fake(f"My instructions say {CANARY} so here goes"))
    final = coach.ask(QUESTION)
    assert final.kind == "redirect" and CANARY not in final.answer


@pytest.mark.parametrize("replies", [(), ("",)], ids=["model-error", "empty-reply"])
def test_llm_failure_falls_back_to_the_guide_with_a_notice(coach_instance, replies):
    final = make_coach(coach_instance, fake(*replies)).ask(QUESTION)
    assert final.engine == "guide" and final.kind == "answer" and final.done
    assert final.notice and "guide engine instead" in final.notice
    assert "*From the guide:" in final.answer


def test_forced_llm_engine_raises_instead_of_falling_back(coach_instance):
    with pytest.raises(LLMError):
        make_coach(coach_instance, fake()).ask(QUESTION, engine="llm")


def test_engine_choice(coach_instance):
    model = fake(REPLY)
    assert make_coach(coach_instance, model).ask(QUESTION, engine="guide").engine == "guide"
    assert model.seen == []  # the LLM was never called
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_coach(coach_instance, None).ask(QUESTION, engine="llm")


# --- the real openai client against a local OpenAI-compatible server ----------------------


@pytest.fixture
def openai_server():
    with OpenAIServer(default=ok(REPLY)) as server:
        yield server


def llm_settings(base_url: str, timeout: float = 1.0, retries: int = 1) -> Settings:
    return Settings(openai_base_url=base_url, openai_api_key=KEY, llm_timeout=timeout,
                    llm_max_retries=retries)


def server_coach(coach_instance, base_url: str, **kwargs) -> Coach:
    settings = llm_settings(base_url, **kwargs)
    return make_coach(coach_instance, make_chat_model(settings), settings)


def test_request_shape_and_streamed_tokens(coach_instance, openai_server):
    coach = server_coach(coach_instance, openai_server.base_url)
    answers = list(coach.stream(QUESTION))
    check_stream(answers)
    assert len(answers) >= 5  # one per streamed word, then the final one
    final = answers[-1]
    assert (final.engine, final.answer, final.notice) == ("llm", REPLY, None)

    (request,) = openai_server.chat_requests
    assert request.method == "POST" and request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert QUESTION in user and "<guide_passages>" in user
    assert final.sources[0].text[:80] in user  # the retrieved guide passages are sent


def test_from_settings_wires_the_openai_model(openai_server, shared_data_dir):
    coach = Coach.from_settings(llm_settings(openai_server.base_url))
    assert coach.engine_name == "llm"
    assert coach.ask("How do I find a research mentor?").engine == "llm"


# HTTP faults (429, 500, timeouts, refused connections, cut streams, malformed replies, the
# forced engine, the key in logs) are tested once, in tests/integration/test_faults.py.
