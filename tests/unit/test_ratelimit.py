"""The rate limiter, sign-in backoff and prompt caps as plain objects (no server, no model):
per address or signed-in user, never per client-chosen session; charged by prompt tokens.
The served-app load tests are in tests/e2e/test_limits.py and tests/e2e/test_load.py."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from coach.testing import FakeClock


def request(host: str = "10.0.0.1", user: str | None = None, session: str = "s"):
    return SimpleNamespace(client=SimpleNamespace(host=host), username=user, session_hash=session)


def test_fresh_session_ids_do_not_escape_the_limit():
    from coach.web.ratelimit import RateLimited, RateLimiter

    limiter = RateLimiter(client_per_minute=6, client_burst=3, clock=FakeClock())
    for n in range(3):
        limiter.check(request(session=f"fresh-{n}"))
    with pytest.raises(RateLimited) as limited:
        limiter.check(request(session="yet-another"))
    assert limited.value.retry_after == 10
    assert "faster than I can answer; try again in 10 seconds" in limited.value.message
    limiter.check(request(host="10.0.0.2"))  # another address has its own budget


def test_signed_in_users_and_their_shared_address():
    from coach.web.ratelimit import RateLimited, RateLimiter

    limiter = RateLimiter(client_per_minute=60, client_burst=2, host_per_minute=60, host_burst=3,
                          clock=FakeClock())
    limiter.check(request(user="ana"))
    limiter.check(request(user="ana"))
    with pytest.raises(RateLimited):  # per user
        limiter.check(request(user="ana"))
    limiter.check(request(user="ben"))
    with pytest.raises(RateLimited):  # the address's budget across its users is spent too
        limiter.check(request(user="cy"))


def test_budget_by_prompt_tokens_and_light_handlers_apart():
    from coach.web.ratelimit import RateLimited, RateLimiter, prompt_tokens

    transcript = json.dumps([{"role": "student", "text": "I'd love to join your lab. " * 60}] * 8)
    cost = prompt_tokens(("faculty", transcript, ""))
    assert cost > 2000  # a long transcript costs what it carries, not one request
    limiter = RateLimiter(client_per_minute=600, client_burst=100, tokens_per_minute=2 * cost,
                          light_per_minute=600, light_burst=2, clock=FakeClock())
    limiter.check(request(), ("faculty", transcript, ""))
    limiter.check(request(), ("faculty", transcript, ""))
    limiter.check(request(), ("faculty", transcript, ""))  # the burst is 1.5 minutes' budget
    with pytest.raises(RateLimited):
        limiter.check(request(), ("faculty", transcript, ""))
    limiter.check(request(), ("How do I find a mentor?",), costly=False)  # own bucket
    limiter.check(request(), (), costly=False)
    with pytest.raises(RateLimited):
        limiter.check(request(), (), costly=False)


def test_token_buckets_refill_and_stay_bounded(monkeypatch):
    from coach.web import ratelimit

    clock = FakeClock()
    buckets = ratelimit.TokenBuckets(per_minute=60, burst=3, clock=clock)
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("b")  # another key has its own bucket
    clock.now += 1.0  # one token per second
    assert buckets.allow("a") and not buckets.allow("a")
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS", 5)
    for n in range(50):
        buckets.allow(f"k{n}")
    assert len(buckets._buckets) == 5


def test_limiter_settings():
    from coach.config import Settings
    from coach.web.ratelimit import RateLimiter

    assert RateLimiter.from_settings(Settings(rate_client_per_minute=0)) is None
    # Explicit values: the test environment switches the limiter off through the env.
    limiter = RateLimiter.from_settings(Settings(rate_client_per_minute=30,
                                                 rate_host_per_minute=600,
                                                 rate_tokens_per_minute=6000))
    assert limiter.clients.rate == 0.5 and limiter.hosts.rate == 10
    assert limiter.tokens.rate == 100
    behind_proxy = RateLimiter.from_settings(Settings(rate_client_per_minute=30,
                                                      rate_host_per_minute=0))
    assert behind_proxy.hosts is None and behind_proxy.clients.rate == 0.5


def test_login_backoff_doubles_and_success_clears():
    from coach.web.logins import LoginThrottle

    clock = FakeClock()
    throttle = LoginThrottle(free=3, clock=clock)
    for _ in range(3):
        assert throttle.wait("h") == 0
        throttle.failed("h")
    assert throttle.wait("h") == 2
    waits = []
    for _ in range(4):
        clock.now += throttle.wait("h")
        throttle.failed("h")
        waits.append(throttle.wait("h"))
    assert waits == [4, 8, 16, 32]
    assert throttle.wait("other") == 0
    throttle.succeeded("h")
    assert throttle.wait("h") == 0


def test_prompts_are_capped_in_tokens():
    """The follow-up rewrite and the answer prompt stay small whatever the history holds."""
    from langchain_core.messages import AIMessage
    from langchain_core.runnables import RunnableLambda

    from coach.ask.llm_engine import HISTORY_TOKENS, QUESTION_TOKENS, LLMEngine
    from coach.tokens import count_tokens

    seen: list[str] = []

    def model(messages):  # noqa: ANN001, ANN202
        seen.append("\n".join(m.content for m in messages))
        return AIMessage("How do I follow up with a research mentor?")

    engine = LLMEngine(RunnableLambda(model), "gpt-4o-mini")
    huge = "Please remember every detail of my week. " * 800
    history = [{"role": r, "content": huge} for r in ("user", "assistant") * 3]
    engine.condense("what about research?" + " really" * 3000, history)
    assert count_tokens(seen[0]) <= HISTORY_TOKENS + QUESTION_TOKENS + 200
    short = [{"role": "user", "content": "How do I find a mentor?"}]
    engine.condense("and for research?", short)
    assert "How do I find a mentor?" in seen[1]  # a normal conversation is kept whole
