"""Load, isolation and session robustness against the real web app (`coach serve` subprocess),
driven by concurrent gradio_client sessions over loopback (the limiter's own unit tests:
tests/unit/test_ratelimit.py).

COACH_LOAD_SESSIONS / COACH_LOAD_SECONDS size the load run (CI default 20 x 20 s; the 50 x 60 s
figure in docs/DEPLOYMENT.md was recorded with the same test). Figures are printed and written
to test-artifacts/load.json. Nothing here asserts a wall-clock time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

SESSIONS = int(os.environ.get("COACH_LOAD_SESSIONS", "20"))
SECONDS = float(os.environ.get("COACH_LOAD_SECONDS", "20"))
MB = 1024 * 1024
QUESTIONS = [
    "How do I find a faculty mentor?", "How many mentors should I have?",
    "What makes a good mentee?", "How do I ask someone to be my research mentor?",
    "My mentor stopped replying to my emails, what now?", "What is peer mentorship?",
    "How do I set goals with my mentor?", "What should I bring to a first mentor meeting?",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(shared_data_dir: Path, tmp: Path, **env_overrides: str):
    """`coach serve` on a free port over the already-built shared index, guide engine; yields
    (url, process) once GET / answers, and stops it on exit."""
    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COACH_", "OPENAI_"))}  # guide engine, like the CI default
    env.update(COACH_DATA_DIR=str(shared_data_dir), GRADIO_TEMP_DIR=str(tmp / "gradio"),
               HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", **env_overrides)
    log = (tmp / "serve.log").open("wb")
    coach = Path(sys.executable).with_name("coach")
    proc = subprocess.Popen([str(coach), "serve", "--port", str(port)], env=env, cwd=tmp,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"coach serve exited: {(tmp / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("coach serve did not come up within 180 s")
            time.sleep(0.5)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def served(coach_instance, shared_data_dir, tmp_path_factory):
    """The served app with the limiter off (a capacity run; the limiter is tested in
    tests/test_limits.py)."""
    with serve(shared_data_dir, tmp_path_factory.mktemp("served"),
               COACH_RATE_CLIENT_PER_MINUTE="0") as running:
        yield running


def client(url: str, address: str | None = None):  # noqa: ANN201
    """A gradio_client session; `address` poses as another client behind a trusted proxy on
    loopback (X-Forwarded-For, which uvicorn honours from 127.0.0.1 only)."""
    from gradio_client import Client

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    headers = {"X-Forwarded-For": address} if address else None
    return Client(url, verbose=False, headers=headers)


def rss(proc: subprocess.Popen) -> int:
    import psutil

    return psutil.Process(proc.pid).memory_info().rss


def cpu_seconds(proc: subprocess.Popen) -> float:
    import psutil

    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def test_concurrent_sessions(served):
    """N sessions ask for S seconds: no errors, bounded memory, and each session's rehearsal
    transcript holds only its own words."""
    url, proc = served
    warm = client(url)
    for question in QUESTIONS:  # every question once, so caches are warm before "before"
        warm.predict(question, "[]", api_name="/ask")
    warm.close()
    rss_before, cpu_before = rss(proc), cpu_seconds(proc)
    latencies: list[float] = []
    errors: list[str] = []
    leaks: list[str] = []
    samples: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(SESSIONS + 1)
    stop_at: list[float] = []
    turns = [0]

    def session(n: int) -> None:
        marker = f"student-{n:03d}-zq{n * 7919 % 10007}"
        try:
            c = client(url)
        except Exception as exc:
            with lock:
                errors.append(f"connect {n}: {exc}")
            start.wait()
            return
        start.wait()
        transcript = c.predict("faculty", "[]", "", api_name="/rehearse")["transcript"]
        i = n
        while time.monotonic() < stop_at[0]:
            i += 1
            try:
                if i % 5 == 0:  # a rehearsal turn every fifth request
                    line = f"Hi Dr. Lee, I'm {marker}, a second-year student ({i})."
                    turn = c.predict("faculty", json.dumps(transcript[-6:]), line,
                                     api_name="/rehearse")
                    transcript = turn["transcript"]
                    with lock:
                        turns[0] += 1
                    others = [t["text"] for t in transcript if t["role"] == "student"
                              and marker not in t["text"]]
                    if others:
                        with lock:
                            leaks.append(f"{marker} saw {others[:1]}")
                    continue
                began = time.perf_counter()
                # Unique wording per request, so no cache answers for free.
                question = f"{QUESTIONS[i % len(QUESTIONS)]} (asking as {marker}, #{i})"
                answer = c.predict(question, "[]", api_name="/ask")
                took = time.perf_counter() - began
                if answer.get("kind") != "answer" or not answer.get("sources"):
                    raise AssertionError(f"incomplete answer: {str(answer)[:120]}")
                with lock:
                    latencies.append(took)
            except Exception as exc:
                with lock:
                    errors.append(f"{marker}: {type(exc).__name__}: {str(exc)[:160]}")
        c.close()

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    stop_at.append(began + SECONDS)
    while time.monotonic() < stop_at[0]:
        samples.append(rss(proc))
        time.sleep(1)
    for thread in threads:
        thread.join(SECONDS + 120)
    elapsed = time.monotonic() - began
    rss_after, server_cpu = rss(proc), cpu_seconds(proc) - cpu_before

    figures = {
        "sessions": SESSIONS, "seconds": SECONDS, "requests": len(latencies) + turns[0],
        "asks": len(latencies), "rehearse_turns": turns[0], "errors": len(errors),
        "asks_per_second": round(len(latencies) / elapsed, 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(latencies) + turns[0])),
        "p50_ms": round(percentile(latencies, 0.50) * 1000) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000) if latencies else None,
        "rss_before_mb": round(rss_before / MB), "rss_after_mb": round(rss_after / MB),
        "rss_peak_mb": round(max(samples + [rss_after]) / MB),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nload: {json.dumps(figures)}", file=sys.__stderr__)

    assert not any(t.is_alive() for t in threads)
    assert errors == [], errors[:5]
    assert leaks == [], leaks[:5]
    assert latencies, "no ask completed"
    assert rss_after < rss_before * 1.5 + 100 * MB, figures


def test_error_in_one_session_never_breaks_another(served):
    """Invalid JSON, an unknown persona and an over-long question fail cleanly, for that call
    only; the same and other sessions keep working."""
    from gradio_client.exceptions import AppError

    url, _ = served
    bad, good = client(url), client(url)
    failures = [
        ("{not json", "/draft_email", "Not valid JSON"),
        ("x" * 5000, "/ask", "limit is 4,000"),
    ]
    for payload, api, message in failures:
        with pytest.raises(AppError, match=message):
            bad.predict(payload, api_name=api)
        assert good.predict(QUESTIONS[0], "[]", api_name="/ask")["kind"] == "answer"
    with pytest.raises(AppError):
        bad.predict("no-such-persona", "[]", "", api_name="/rehearse")
    with pytest.raises(AppError, match="history_json"):
        bad.predict(QUESTIONS[0], "[{broken", api_name="/ask")
    assert bad.predict(QUESTIONS[1], "[]", api_name="/ask")["kind"] == "answer"
    assert good.predict(QUESTIONS[2], "[]", api_name="/ask")["sources"]
    bad.close()
    good.close()


# --- sessions across restarts ------------------------------------------------------------


def test_plan_survives_a_server_restart(coach_instance):
    """The plan lives in the browser (gr.BrowserState) under a fixed key and secret, so a new
    server process (a restart, or another replica) reads what the old one stored."""
    import gradio as gr

    from coach.plan import present
    from coach.plan import worksheet as p
    from coach.web.app import build_app

    def browser_states() -> list[tuple]:
        app = build_app(coach_instance)
        return [(b.storage_key, b.secret) for b in app.blocks.values()
                if isinstance(b, gr.BrowserState)]

    first, second = browser_states(), browser_states()
    assert first and first == second
    plan = p.add_member(p.set_goal(p.Plan(name="Ana"), "research", "Publish a case report",
                                   ["Research PI"]), "Dr. Lee", "Research PI", ["research"])
    stored = json.loads(json.dumps(plan.model_dump()))  # what local storage holds
    assert p.load_plan(stored) == plan
    # pure: same in, same out
    assert present.to_markdown(p.load_plan(stored)) == present.to_markdown(plan)


# --- the per-client rate limiter -----------------------------------------------------------


def test_rate_limit_through_gradio(tmp_path):
    """Guarded handlers (an API endpoint and a streaming UI event): a client over its burst gets
    the kind message, another address is served, and the API signature is unchanged."""
    import gradio as gr

    from coach.testing import FakeClock
    from coach.web.ratelimit import RateLimiter, limit_handlers

    clock = FakeClock()
    limiter = RateLimiter(client_per_minute=6, client_burst=3, host_per_minute=600,
                          host_burst=100, clock=clock)

    def ask(question: str, history_json: str = "[]") -> dict:
        return {"question": question}

    def chunks(text: str):  # noqa: ANN202 - a streaming handler stays a generator
        yield text[:1]
        yield text

    with gr.Blocks(analytics_enabled=False) as app:
        gr.api(ask, api_name="ask")
        box, out = gr.Textbox(), gr.Textbox()
        box.submit(chunks, box, out, api_name="rehearse")
    assert limit_handlers(app, limiter) == 2
    app.queue()
    app.launch(server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        first = client(app.local_url)
        other = client(app.local_url, address="10.0.0.2")
        api = first.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert [p["parameter_name"] for p in api["/ask"]["parameters"]] == \
            ["question", "history_json"]
        assert [first.predict("q", "[]", api_name="/ask")["question"] for _ in range(3)] == \
            ["q"] * 3
        with pytest.raises(Exception, match="faster than I can answer; try again in 10 s"):  # noqa: B017
            first.predict("q", "[]", api_name="/ask")
        fresh = client(app.local_url)  # a new session from the same address is no way round
        with pytest.raises(Exception, match="faster than I can answer"):  # noqa: B017
            fresh.predict("q", "[]", api_name="/ask")
        assert other.predict("other", "[]", api_name="/ask") == {"question": "other"}
        assert other.predict("streamed", api_name="/rehearse") == "streamed"
        clock.now += 10  # refilled: one request per 10 s
        assert first.predict("again", "[]", api_name="/ask") == {"question": "again"}
        for c in (first, other, fresh):
            c.close()
    finally:
        app.close()
