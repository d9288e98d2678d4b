"""The LLM engine: chain logic with a scripted fake, then the real `openai` client end to end
against a local OpenAI-compatible server (streaming, retries, timeouts, fallbacks, secrecy)."""

from __future__ import annotations

import logging

import pytest
from openai_server import (
    OpenAIServer,
    closed_port,
    cut,
    delay,
    malformed,
    ok,
    rate_limited,
    server_error,
)

from coach.ask.answer import Coach
from coach.ask.llm_engine import CANARY, LLMEngine
from coach.config import Settings
from coach.errors import ConfigError, LLMError
from coach.llm import make_chat_model
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
    assert next(model.messages) == REPLY  # the LLM was never called
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


@pytest.mark.parametrize(
    ("script", "reason"),
    [(rate_limited, "rate-limited"), (server_error, "server error")],
    ids=["429", "500"],
)
def test_retries_are_bounded_then_the_guide_answers(coach_instance, openai_server, script,
                                                    reason):
    openai_server.enqueue(script(), script(), script())
    final = server_coach(coach_instance, openai_server.base_url, retries=1).ask(QUESTION)
    assert len(openai_server.chat_requests) == 2  # max_retries + 1
    assert final.engine == "guide" and reason in final.notice


def test_a_retry_that_succeeds_streams_the_llm_answer(coach_instance, openai_server):
    openai_server.enqueue(rate_limited())
    final = server_coach(coach_instance, openai_server.base_url).ask(QUESTION)
    assert final.engine == "llm" and final.answer == REPLY
    assert len(openai_server.chat_requests) == 2


def test_timeout_falls_back(coach_instance, openai_server):
    openai_server.enqueue(delay(3), delay(3))
    final = server_coach(coach_instance, openai_server.base_url, timeout=1, retries=1).ask(QUESTION)
    assert final.engine == "guide" and "timed out" in final.notice
    assert len(openai_server.chat_requests) == 2


def test_connection_refused_falls_back(coach_instance):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    final = server_coach(coach_instance, url, retries=0).ask(QUESTION)
    assert final.engine == "guide" and "unreachable" in final.notice


def test_stream_cut_mid_answer_falls_back(coach_instance, openai_server):
    openai_server.enqueue(cut(REPLY))
    answers = list(server_coach(coach_instance, openai_server.base_url).stream(QUESTION))
    check_stream(answers)
    assert any(a.engine == "llm" for a in answers[:-1])  # some tokens arrived first
    final = answers[-1]
    assert final.engine == "guide" and final.notice and final.answer != REPLY


def test_malformed_reply_falls_back(coach_instance, openai_server):
    openai_server.enqueue(malformed())
    final = server_coach(coach_instance, openai_server.base_url).ask(QUESTION)
    assert final.engine == "guide" and final.notice


def test_forced_llm_engine_surfaces_the_failure(coach_instance, openai_server):
    openai_server.enqueue(server_error(), server_error())
    coach = server_coach(coach_instance, openai_server.base_url)
    with pytest.raises(LLMError) as failure:
        coach.ask(QUESTION, engine="llm")
    assert "server error" in str(failure.value) and "guide engine" not in str(failure.value)
    assert KEY not in str(failure.value)


def test_the_api_key_never_reaches_notices_or_logs(coach_instance, openai_server, caplog):
    openai_server.enqueue(rate_limited(), rate_limited(), ok(REPLY), delay(3), delay(3))
    coach = server_coach(coach_instance, openai_server.base_url)
    with caplog.at_level(logging.DEBUG):
        answers = [coach.ask(QUESTION) for _ in range(3)]
    notices = [a.notice for a in answers if a.notice]
    assert len(notices) == 2
    assert all(KEY not in n for n in notices)
    assert "LLM call failed" in caplog.text  # the failures were logged...
    assert KEY not in caplog.text  # ...without the key
