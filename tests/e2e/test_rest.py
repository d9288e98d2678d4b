"""POST /api/v1/ask: the plain JSON route (coach/web/rest.py) — answers, errors, limits, auth."""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request

import pytest

from coach.web.rest import PATH, dumps


class _Answer:
    def __init__(self, text: str) -> None:
        self.text = text

    def public(self) -> dict:
        return {"kind": "answer", "answer": self.text}


class _Coach:
    """Counts asks; answers with the question; fails on "boom"."""

    def __init__(self, settings) -> None:  # noqa: ANN001
        self.settings, self.asked = settings, []

    def ask(self, question: str, history: list | None = None) -> _Answer:
        if question == "boom":
            raise RuntimeError("secret internals /etc/passwd")
        if not question.strip():
            from coach.errors import InputError

            raise InputError("Please type a question.")
        self.asked.append((question, history))
        return _Answer(f"about: {question}")


def _client(monkeypatch, auth=None, **env):  # noqa: ANN001, ANN202
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from coach.config import Settings
    from coach.web.rest import ask_route

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    coach = _Coach(Settings())
    return TestClient(Starlette(routes=[ask_route(coach, auth)])), coach


def test_answers_with_history(monkeypatch):
    client, coach = _client(monkeypatch)
    history = [{"role": "user", "content": "hi"}]
    reply = client.post(PATH, content=dumps("How do I find a mentor?", history))
    assert reply.status_code == 200
    assert reply.json() == {"kind": "answer", "answer": "about: How do I find a mentor?"}
    assert coach.asked == [("How do I find a mentor?", history)]


@pytest.mark.parametrize("body, reason", [
    (b"not json", "Not valid JSON"),
    (b'{"history": []}', '{"question"'),
    (b'{"question": "q", "history": {"a": 1}}', "history must be a JSON list"),
    (b"[" * 50 + b"]" * 50, "nested deeper"),
    (json.dumps({"question": "x" * 200_000}).encode(), "too large"),
    (b"\xff\xfe", "UTF-8"),
    (b'{"question": "   "}', "Please type a question"),
    # a new user's (session 8): a TypeError in the server log, and a 500
    (b'{"question": "q", "history": [1, 2, 3]}', "history must be a JSON list"),
    (b'{"question": "q", "history": [{"role": "system", "content": "x"}]}', "history must be"),
    (b'{"question": "hi \\ud800 there"}', "lone surrogate"),
])
def test_bad_requests_get_a_clear_400(monkeypatch, body, reason):
    client, coach = _client(monkeypatch)
    reply = client.post(PATH, content=body)
    assert reply.status_code == 400 and reason in reply.json()["error"]
    assert coach.asked == []


def test_a_fault_shows_one_kind_sentence_never_the_exception(monkeypatch):
    client, _ = _client(monkeypatch)
    reply = client.post(PATH, content=dumps("boom"))
    assert reply.status_code == 500
    assert "988" in reply.json()["error"] and "passwd" not in reply.text


def test_rate_limited_like_every_handler(monkeypatch):
    client, coach = _client(monkeypatch, COACH_RATE_CLIENT_PER_MINUTE="2")
    codes = [client.post(PATH, content=dumps(f"question {i}")).status_code for i in range(12)]
    assert codes.count(200) >= 2 and codes[-1] == 429  # the burst, then refusals
    refused = client.post(PATH, content=dumps("one more"))
    assert int(refused.headers["retry-after"]) >= 1 and "try again" in refused.json()["error"]
    assert len(coach.asked) == codes.count(200)


def test_auth_takes_basic_credentials_and_throttles_guessing(monkeypatch):
    client, coach = _client(monkeypatch, auth=("coach", "pw"))
    assert client.post(PATH, content=dumps("q")).status_code == 401
    good = "Basic " + base64.b64encode(b"coach:pw").decode()
    ok = client.post(PATH, content=dumps("q"), headers={"Authorization": good})
    assert ok.status_code == 200
    bad = "Basic " + base64.b64encode(b"coach:guess").decode()
    codes = [client.post(PATH, content=dumps("q"), headers={"Authorization": bad}).status_code
             for _ in range(8)]
    assert codes[0] == 401 and codes[-1] == 429  # backoff after the free attempts
    assert len(coach.asked) == 1


def test_shares_the_apps_sign_in_count_and_budget(monkeypatch):
    """launch() passes the app's throttle and limiter: guesses on the sign-in form count here,
    and requests here spend the same per-address budget as the UI's handlers."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from coach.config import Settings
    from coach.web.logins import LoginThrottle
    from coach.web.ratelimit import RateLimiter
    from coach.web.rest import ask_route

    class Counting(RateLimiter):
        checked = 0

        def check(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            Counting.checked += 1
            super().check(*args, **kwargs)

    throttle, limiter = LoginThrottle(free=2), Counting(client_per_minute=2)
    coach = _Coach(Settings())
    client = TestClient(Starlette(routes=[ask_route(coach, ("coach", "pw"), limiter=limiter,
                                                    throttle=throttle)]))
    for _ in range(3):  # three wrong passwords typed into the sign-in form
        throttle.failed("testclient")
    good = "Basic " + base64.b64encode(b"coach:pw").decode()
    assert client.post(PATH, content=dumps("q"), headers={"Authorization": good}).status_code \
        == 429
    throttle.succeeded("testclient")
    codes = [client.post(PATH, content=dumps(f"q{i}"), headers={"Authorization": good})
             .status_code for i in range(12)]
    assert codes[-1] == 429 and Counting.checked == 12  # the app's limiter, not a new one


def test_launch_hands_the_route_the_apps_limiter_and_throttle(coach_instance, monkeypatch):
    """The wiring in launch(): the route's limiter is build_app's, its throttle the sign-in
    form's (a typo there would quietly give the API a second budget)."""
    import gradio as gr

    from coach.web.app import build_app, launch

    captured: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch",
                        lambda self, **kwargs: captured.update(kwargs) or (None, "", None))
    from coach.web.ratelimit import RateLimiter

    app = build_app(coach_instance)
    app.mentor_limiter = RateLimiter()  # the tests' settings switch limits off; any will do
    launch(app, auth=("coach", "pw"))
    kwargs = captured["app_kwargs"]
    route = next(r for r in kwargs["routes"] if getattr(r, "path", "") == PATH)
    limiter, throttle = route.limits
    assert limiter is app.mentor_limiter
    assert throttle is kwargs["middleware"][0].kwargs["throttle"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.server
def test_served_app_answers_on_the_route(coach_instance):
    """The real app (launch) mounts the route; the answer matches the Python API's."""
    from coach.web.app import build_app, launch

    app = build_app(coach_instance)
    _, url, _ = launch(app, port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        question = "How should I prepare for a first meeting with a mentor?"
        request = urllib.request.Request(url.rstrip("/") + PATH, data=dumps(question),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            served = json.loads(reply.read())
        assert served == coach_instance.ask(question).public()
        crisis = urllib.request.Request(url.rstrip("/") + PATH,
                                        data=dumps("I want to kill myself"))
        with urllib.request.urlopen(crisis, timeout=60) as reply:
            body = json.loads(reply.read())
        assert body["kind"] == "crisis" and "988" in body["answer"]
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(urllib.request.Request(url.rstrip("/") + PATH, data=b"{"),
                                   timeout=30)
        assert bad.value.code == 400
    finally:
        app.close()
