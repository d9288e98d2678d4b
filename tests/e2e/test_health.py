"""GET /healthz: 200 while the coach can answer, 503 (in words) when the index is unreachable."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from coach.web.health import check_health


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_healthz_follows_the_index(coach_instance, monkeypatch):
    from coach.web.app import build_app, launch

    app = build_app(coach_instance)
    port = _free_port()
    launch(app, port=port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert _get(url) == (200, {"status": "ok", "index": "ok", "llm": "not configured"})
        class Down:  # what a stopped Chroma server looks like to the client
            def count(self) -> int:
                raise ConnectionError("[Errno 111] Connection refused")

        monkeypatch.setattr(coach_instance.retriever.store, "collection", Down())
        code, body = _get(url)
        assert code == 503 and body["index"] == "unavailable" and "Errno" not in json.dumps(body)
        monkeypatch.undo()
        assert _get(url)[0] == 200  # back when the index returns
    finally:
        app.close()


def test_health_is_degraded_not_down_when_only_the_llm_fails(coach_instance, monkeypatch):
    import coach.web.health as health

    monkeypatch.setattr(health, "check_llm", lambda coach: "unavailable")
    assert check_health(coach_instance).status == "degraded"
    assert check_health(coach_instance).http_status == 200
