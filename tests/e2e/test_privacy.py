"""Privacy: no telemetry, no outbound connections, no student names or emails in logs, and
nothing about a student stored server-side after a full session through the web app."""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

import pytest

NAME = "Zoë Quetzal-Ramirez"
EMAIL = "zoe.q@example.edu"
TYPO_EMAIL = "zoe.q@example"  # an invalid address: its error message must not end up in logs
TELEMETRY_ENV = {
    "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
    "LANGCHAIN_TRACING_V2": "false", "LANGSMITH_TRACING": "false", "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
}
LOOPBACK = ("127.0.0.1", "::1", "localhost", "0.0.0.0")


def test_disable_telemetry_sets_every_switch(monkeypatch):
    from coach.config import disable_telemetry

    for key in TELEMETRY_ENV:
        monkeypatch.delenv(key, raising=False)
    disable_telemetry()
    assert {k: os.environ.get(k) for k in TELEMETRY_ENV} == TELEMETRY_ENV


def test_chroma_client_we_open_has_telemetry_off(tmp_path):
    from coach.config import Settings
    from coach.index.store import open_client

    client = open_client(Settings(data_dir=tmp_path))
    assert client.get_settings().anonymized_telemetry is False


def request_json() -> str:
    return json.dumps({
        "kind": "research",
        "student": {"name": NAME, "year": "MS2", "school": "State University School of Medicine",
                    "email": EMAIL, "goals": ["learning clinical research methods"]},
        "mentor": {"name": "Dr. Priya Raman", "field": "cardiology",
                   "focus": "heart failure outcomes in women"},
        "times": ["Tuesday, March 4 at 3:00 pm"],
    })


@pytest.fixture
def outbound(monkeypatch):
    """Every non-loopback connection attempt or DNS lookup made in this process."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def host_of(address: object) -> str:
        return str(address[0]) if isinstance(address, tuple) else str(address)

    def connect(self, address):  # noqa: ANN001, ANN202
        if self.family in (socket.AF_INET, socket.AF_INET6) and host_of(address) not in LOOPBACK:
            attempts.append(f"connect {address}")
        return real_connect(self, address)

    def connect_ex(self, address):  # noqa: ANN001, ANN202
        if self.family in (socket.AF_INET, socket.AF_INET6) and host_of(address) not in LOOPBACK:
            attempts.append(f"connect_ex {address}")
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host not in LOOPBACK and host is not None:
            attempts.append(f"dns {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def full_session(client) -> None:  # noqa: ANN001
    """Ask, draft and check an email, rehearse and get feedback, as one student would."""
    question = f"I'm {NAME} ({EMAIL}). How do I find a research mentor?"
    history = json.dumps([{"role": "user", "content": f"My name is {NAME}, email {EMAIL}"},
                          {"role": "assistant", "content": "Nice to meet you."}])
    assert client.predict(question, history, api_name="/ask")["kind"] == "answer"
    draft = client.predict(request_json(), api_name="/draft_email")
    assert draft["kind"] == "draft" and NAME in draft["body"]
    checks = client.predict(draft["text"], request_json(), api_name="/check_email")
    assert checks and all("passed" in c for c in checks)
    bad = json.loads(request_json())
    bad["student"]["email"] = TYPO_EMAIL
    with pytest.raises(Exception, match="valid email"):  # noqa: B017 - gradio_client's AppError
        client.predict(json.dumps(bad), api_name="/draft_email")
    turn = client.predict("faculty", "[]", "", api_name="/rehearse")
    transcript = turn["transcript"]
    for line in (f"Hi Dr. Lee, I'm {NAME}, a second-year student. My email is {EMAIL}.",
                 "I'm hoping to find a mentor in cardiology research. Would you mentor me?"):
        turn = client.predict("faculty", json.dumps(transcript), line, api_name="/rehearse")
        transcript = turn["transcript"]
    card = client.predict("faculty", json.dumps(transcript), api_name="/feedback")
    assert "score" in card


def files_mentioning(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path} ({n.decode()})" for n in needles if n in data]
    return found


@pytest.mark.server
def test_full_session_leaves_no_trace(coach_instance, outbound, caplog, capfd, tmp_path,
                                      monkeypatch):
    """One student's full session through the real web app (in-process server, gradio_client):
    no outbound connection, no name or email in any log line or console output, and nothing
    about the student written to the data dir, GRADIO_TEMP_DIR or the working directory."""
    import gradio
    from gradio_client import Client

    from coach.logs import install_redaction
    from coach.web.app import build_app, launch

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    caplog.set_level(logging.DEBUG)
    install_redaction()
    temp_dir = Path(os.environ["GRADIO_TEMP_DIR"])
    app = build_app(coach_instance)
    assert app.analytics_enabled is False and gradio.analytics.analytics_enabled() is False
    launch(app, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(app.local_url, verbose=False)
        full_session(client)
        client.close()
    finally:
        app.close()

    assert outbound == [], "no telemetry or any other outbound connection"
    out, err = capfd.readouterr()
    records = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    problems = []
    for needle in (NAME, "Quetzal", EMAIL, TYPO_EMAIL):
        problems += [f"{needle!r} printed to {where}" for where, text in
                     (("stdout", out), ("stderr", err)) if needle in text]
        problems += [f"{needle!r} logged: {m[:200]}" for m in records if needle in m]
    needles = [s.encode() for s in (NAME, "Quetzal", EMAIL, TYPO_EMAIL)]
    for root in {coach_instance.settings.data_dir, temp_dir, tmp_path}:
        if root.exists():
            problems += [f"stored: {f}" for f in files_mentioning(root, needles)]
    assert problems == [], "\n".join(problems)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
