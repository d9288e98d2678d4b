"""Limits by real cost (issue 11) in the served app (the limiter itself and the prompt caps:
tests/unit/test_ratelimit.py): the sign-in form is throttled, every handler is wrapped, and
in a load test one client hammering each kind of handler is limited while 20 normal
sessions from other addresses see no error. Nothing here asserts a wall-clock time."""

from __future__ import annotations

import json
import threading

import pytest
from test_load import client, free_port, serve


def test_every_handler_of_the_app_is_limited(coach_instance):
    """All Python handlers, UI and API and the /chapter page, are wrapped; the model-work ones
    are known by name (a renamed handler would silently become 'light': this catches it)."""
    from coach.web.app import build_app
    from coach.web.ratelimit import COSTLY, RateLimiter, limit_handlers

    app = build_app(coach_instance)  # the test env turns the limiter off: wrap explicitly
    python_fns = [f for f in app.fns.values() if f.fn is not None]
    assert limit_handlers(app, RateLimiter()) == len(python_fns) > 50
    names = {f.api_name if f.api_visibility == "public" else f.fn.__wrapped__.__name__
             for f in python_fns}
    assert COSTLY <= names, sorted(COSTLY - names)
    assert limit_handlers(app, RateLimiter()) == 0  # never wrapped twice


def test_login_form_is_throttled(tmp_path):
    """Gradio's sign-in (COACH_AUTH): after the free misses, attempts get 429 and a kind
    message, unread, even with the right password; another address can still sign in."""
    import gradio as gr
    import httpx

    from coach.web.app import launch

    with gr.Blocks(analytics_enabled=False) as app:
        gr.Markdown("hi")
    launch(app, port=free_port(), auth=("ana", "right-password"), prevent_thread_lock=True,
           quiet=True)
    try:
        login = app.local_url.rstrip("/") + "/login"
        wrong = {"username": "ana", "password": "guess"}
        codes = [httpx.post(login, data=wrong).status_code for _ in range(3)]
        refused = httpx.post(login, data={"username": "ana", "password": "right-password"})
        other = httpx.post(login, data={"username": "ana", "password": "right-password"},
                           headers={"X-Forwarded-For": "10.0.0.9"})
    finally:
        app.close()
    assert codes == [400, 400, 400]
    assert refused.status_code == 429 and "Too many sign-in attempts" in refused.text
    assert other.status_code == 200


# --- the load test against the served app ---------------------------------------------------


def ui_call(url: str, fn_index: int, data: list, address: str) -> dict:
    """One UI event the way the browser sends it (queue/join, then the SSE stream), from
    `address`; returns the process_completed message."""
    import uuid

    import httpx

    session = uuid.uuid4().hex[:10]
    headers = {"X-Forwarded-For": address}
    base = url.rstrip("/") + "/gradio_api"
    with httpx.Client(headers=headers, timeout=120) as http:
        joined = http.post(f"{base}/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
            "trigger_id": None})
        joined.raise_for_status()
        with http.stream("GET", f"{base}/queue/data", params={"session_hash": session}) as sse:
            for line in sse.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message
    return {"success": False, "output": {"error": "stream ended"}}


@pytest.fixture(scope="module")
def served_limited(coach_instance, shared_data_dir, tmp_path_factory):
    """The served app with its default limits on, except light UI events (30 a minute, burst
    15, instead of 300 and 120) so that hammering one takes 60 calls rather than hundreds."""
    with serve(shared_data_dir, tmp_path_factory.mktemp("served-limited"),
               COACH_RATE_LIGHT_PER_MINUTE="30") as running:
        yield running



@pytest.mark.server
def test_one_client_hammering_is_limited_while_20_others_are_served(served_limited):
    import httpx

    url, _ = served_limited
    config = httpx.get(url.rstrip("/") + "/config").json()
    index = {d.get("api_name"): i for i, d in enumerate(config["dependencies"])}
    request_json = json.dumps({
        "kind": "faculty",
        "student": {"name": "Ana Lopez", "year": "MS2", "school": "State University",
                    "email": "ana.lopez@example.edu", "goals": ["choosing a specialty"]},
        "mentor": {"name": "Priya Raman", "title": "Dr.", "field": "cardiology",
                   "focus": "heart failure outcomes in women"},
        "times": ["Tuesday, March 4 at 3:00 pm"], "context": "her talk at grand rounds"})
    transcript = json.dumps([{"role": "mentor", "text": "Hello, what brings you here?"},
                             {"role": "student", "text": "Hi Dr. Lee, I'm Sam, an MS2."}])
    api_calls = {
        "/ask": ("How do I find a mentor?", "[]"),
        "/rehearse": ("faculty", "[]", ""),
        "/feedback": ("faculty", transcript),
        "/check_email": ("Dear Dr. Rivera, I'm Sam, an MS2. Could we meet? Thanks, Sam", ""),
        "/draft_email": (request_json,),
    }
    ui_calls = {"respond": ["How do I find a mentor?", None], "reset": []}
    limited: dict[str, int] = {}
    for n, (api, args) in enumerate(api_calls.items()):  # one hammering client per handler
        hammer = client(url, address=f"10.1.0.{n + 1}")
        refused = 0
        for _ in range(15):
            try:
                hammer.predict(*args, api_name=api)
            except Exception as exc:  # noqa: BLE001 - the limit arrives as the app's message
                assert "faster than I can answer; try again in" in str(exc), str(exc)[:200]
                refused += 1
        limited[api] = refused
        hammer.close()
    for n, name in enumerate(ui_calls):  # UI events: the browser's own protocol
        fn_index = index[name]
        inputs = config["dependencies"][fn_index]["inputs"]
        data = ui_calls[name] if ui_calls[name] else [None] * len(inputs)
        calls = 15 if name == "respond" else 60  # light events have a bigger budget
        outcomes = [ui_call(url, fn_index, data, f"10.2.0.{n + 1}") for _ in range(calls)]
        refusals = [o for o in outcomes if not o.get("success")]
        assert all("faster than I can answer" in json.dumps(o) for o in refusals), \
            json.dumps(refusals[:1])[:300]
        limited[name] = len(refusals)
    assert all(limited.values()), limited  # every kind of handler was limited

    errors: list[str] = []
    lock = threading.Lock()

    def student(n: int) -> None:  # a normal session: a few asks and a rehearsal turn
        try:
            c = client(url, address=f"10.3.0.{n + 1}")
            for question in ("How do I find a faculty mentor?", "How many mentors?",
                             "What makes a good mentee?"):
                if c.predict(question, "[]", api_name="/ask").get("kind") != "answer":
                    raise AssertionError("no answer")
            c.predict("faculty", "[]", "", api_name="/rehearse")
            outcome = ui_call(url, index["respond"], ["What is peer mentoring?", None],
                              f"10.3.0.{n + 1}")
            if not outcome.get("success"):
                raise AssertionError(json.dumps(outcome)[:200])
            c.close()
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            with lock:
                errors.append(f"{n}: {type(exc).__name__}: {str(exc)[:160]}")

    threads = [threading.Thread(target=student, args=(n,), daemon=True) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    assert not any(t.is_alive() for t in threads)
    assert errors == [], errors[:5]
