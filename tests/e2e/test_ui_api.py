"""The web app's API through gradio_client: every api_name, errors, isolation, auth, no egress."""

from __future__ import annotations

import json
import socket
import threading

import pytest

pytest.importorskip("gradio_client")

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

REQUEST = {
    "kind": "faculty",
    "student": {"name": "Ana Lopez", "year": "MS2", "school": "State University School of Medicine",
                "email": "ana.lopez@example.edu",
                "goals": ["choosing a specialty", "improving my clinical skills"]},
    "mentor": {"name": "Priya Raman", "title": "Dr.", "field": "cardiology",
               "focus": "heart failure outcomes in women"},
    "times": ["Tuesday, March 4 at 3:00 pm", "Thursday, March 6 at noon"],
}
LINES = {
    "faculty": ["Hi Dr. Osei, my name is Ana and I'm a second-year student at State. I admire "
                "your work as clerkship director.",
                "My goal is to choose a specialty. Would you be willing to be my mentor? "
                "Thank you!"],
    "peer": ["Hi Priya, I'm Ben, a first-year. I loved your talk on study habits.",
             "I'd like help with Step 1 planning. Could you be my peer mentor? Thanks so much."],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(coach_instance, tmp_path_factory):
    """The app over the shared guide-engine Coach, on 127.0.0.1 and a free port."""
    from coach.web.app import build_app, launch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        app = build_app(coach_instance)
        _, url, _ = launch(app, port=free_port(), prevent_thread_lock=True, quiet=True)
        try:
            yield url
        finally:
            app.close()


@pytest.fixture(scope="module")
def client(served):
    return Client(served, verbose=False)


def test_only_the_documented_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert sorted(endpoints) == ["/ask", "/check_email", "/draft_email", "/feedback", "/rehearse",
                                 "/tracker_draft", "/tracker_ics", "/tracker_next_steps"]


def test_ask_returns_an_answer_with_sources_and_follow_ups_use_history(client):
    first = client.predict("How do I find a research mentor?", "[]", api_name="/ask")
    assert first["kind"] == "answer" and first["engine"] == "guide"
    assert first["answer"].strip()
    assert first["sources"] and all(s["section"] and s["text"] for s in first["sources"])
    history = [{"role": "user", "content": "How do I find a research mentor?"},
               {"role": "assistant", "content": first["answer"]}]
    follow = client.predict(question="And what should I ask at the first meeting?",
                            history_json=json.dumps(history), api_name="/ask")
    assert follow["kind"] == "answer" and follow["sources"]


def test_crisis_through_the_ask_api_returns_the_crisis_response(client):
    result = client.predict("I want to kill myself", api_name="/ask")
    assert result["kind"] == "crisis"
    assert "988" in result["answer"] and "911" in result["answer"]
    assert result["sources"] == []


def test_bad_input_becomes_a_clear_error(client):
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", "[]", api_name="/ask")
    with pytest.raises(AppError, match="limit"):
        client.predict("why " * 1200, "[]", api_name="/ask")
    with pytest.raises(AppError, match="history_json"):
        client.predict("How do I find a mentor?", "{not json", api_name="/ask")


def test_draft_email_then_check_the_edited_draft(client):
    draft = client.predict(json.dumps(REQUEST), api_name="/draft_email")
    assert draft["kind"] == "draft" and draft["engine"] == "guide"
    assert draft["subject"] and "Dear Dr. Raman," in draft["body"]
    assert draft["text"].startswith(f"Subject: {draft['subject']}")
    assert {c["id"] for c in draft["checks"]} >= {"greeting", "goals", "facts"}
    assert all(c["passed"] for c in draft["checks"])

    checks = client.predict(draft["text"], json.dumps(REQUEST), api_name="/check_email")
    assert all(c["passed"] for c in checks)
    edited = draft["text"].replace("Dear Dr. Raman,", "Hey,")
    failed = {c["id"]: c for c in client.predict(edited, "", api_name="/check_email")}
    assert failed["greeting"]["passed"] is False
    assert failed["greeting"]["tip"] and failed["greeting"]["section"]
    assert "facts" not in failed  # no request, no fact check


def test_draft_email_reports_missing_fields_and_stops_on_crisis(client):
    with pytest.raises(AppError, match="Missing required fields: .*mentor.name"):
        client.predict(json.dumps({**REQUEST, "mentor": {}}), api_name="/draft_email")
    crisis = {**REQUEST, "context": "Honestly I want to kill myself."}
    result = client.predict(json.dumps(crisis), api_name="/draft_email")
    assert result["kind"] == "crisis" and "988" in result["response"]


def rehearse(client: Client, persona: str, lines: list[str]) -> list[dict]:
    start = client.predict(persona, "[]", "", api_name="/rehearse")
    assert start["mentor"]["role"] == "mentor" and start["mentor"]["text"]
    transcript = start["transcript"]
    for line in lines:
        turn = client.predict(persona, json.dumps(transcript), line, api_name="/rehearse")
        assert turn["mentor"]["text"] and turn["transcript"][-2:][0]["text"] == line
        transcript = turn["transcript"]
    return transcript


def test_rehearse_two_turns_then_feedback(client):
    transcript = rehearse(client, "faculty", LINES["faculty"])
    assert [t["role"] for t in transcript] == ["mentor", "student", "mentor", "student", "mentor"]
    card = client.predict("faculty", json.dumps(transcript), api_name="/feedback")
    assert 0 < card["score"] <= 100
    met = {c["id"]: c for c in card["criteria"]}
    assert met["intro"]["met"] and "Ana" in met["intro"]["evidence"]
    assert met["direct_ask"]["met"]
    assert all(c["section"] and c["label"] for c in card["criteria"])
    assert card["first_fix"]


def test_rehearse_rejects_a_bad_persona_or_transcript(client):
    with pytest.raises(AppError):
        client.predict("astronaut", "[]", "", api_name="/rehearse")
    with pytest.raises(AppError, match="role"):
        client.predict("faculty", json.dumps([{"who": "me"}]), "hi", api_name="/rehearse")


def test_concurrent_clients_stay_isolated(served):
    """Two clients rehearse and ask at the same time; nothing of one shows up in the other."""
    results: dict[str, object] = {}

    def run(persona: str) -> None:
        try:
            own = Client(served, verbose=False)
            transcript = rehearse(own, persona, LINES[persona])
            card = own.predict(persona, json.dumps(transcript), api_name="/feedback")
            answer = own.predict(f"As a {persona} mentee, how do I find a mentor?", "[]",
                                 api_name="/ask")
            results[persona] = (transcript, card, answer)
        except BaseException as exc:  # surfaced in the main thread
            results[persona] = exc

    threads = [threading.Thread(target=run, args=(p,)) for p in LINES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    for persona, other in (("faculty", "peer"), ("peer", "faculty")):
        result = results[persona]
        assert not isinstance(result, BaseException), result
        transcript, card, answer = result
        said = [t["text"] for t in transcript if t["role"] == "student"]
        assert said == LINES[persona]
        assert not any(line in json.dumps(transcript) for line in LINES[other])
        assert card["persona"] == persona
        assert answer["kind"] == "answer"


def test_parse_auth():
    from coach.errors import ConfigError
    from coach.web.app import parse_auth

    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("coach:s3cret:with-colon") == ("coach", "s3cret:with-colon")
    for bad in ("nocolon", ":pw", "user:"):
        with pytest.raises(ConfigError):
            parse_auth(bad)


def test_launch_with_auth_makes_no_outbound_connection(coach_instance, monkeypatch, tmp_path):
    """Build + launch only ever connects to loopback, and a login is required when set."""
    from coach.web.app import build_app, launch

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    seen: list[object] = []
    real_connect = socket.socket.connect

    def spy(sock, address):  # noqa: ANN001, ANN202
        seen.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    app = build_app(coach_instance)
    try:
        _, url, share_url = launch(app, port=free_port(), auth=("coach", "pw"),
                                   prevent_thread_lock=True, quiet=True)
        monkeypatch.undo()
        assert share_url is None
        inet = [a for a in seen if isinstance(a, tuple)]
        assert inet and all(a[0] in ("127.0.0.1", "::1", "localhost") for a in inet), seen
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies
            Client(url, verbose=False).predict("How do I find a mentor?", api_name="/ask")
        logged_in = Client(url, auth=("coach", "pw"), verbose=False)
        assert logged_in.predict("I want to end my life", api_name="/ask")["kind"] == "crisis"
    finally:
        app.close()


# --- rendering: what the tabs show is escaped in one place (coach.web.render) ----------------

def test_user_text_is_shown_literally():
    from coach.web.render import user_text

    shown = user_text('<img src=x onerror="window.__xss=1"> ![t](http://evil.example/t.png)')
    assert "<img" not in shown and "&lt;img" in shown
    assert "![t](" not in shown and "\\[t\\]" in shown


def test_bot_text_neutralises_images_and_raw_html_but_keeps_markdown():
    from coach.ask.present import safe_markdown as bot_text

    shown = bot_text("**Tip:** see [988](https://988lifeline.org) ![x](http://evil.example/a.png)"
                     ' <script>alert(1)</script> ![ref][1]')
    assert "**Tip:**" in shown and "[988](https://988lifeline.org)" in shown
    assert "[image not shown: x]" in shown and "evil.example" not in shown
    assert "<script" not in shown and "&lt;script>" in shown
    assert "![ref]" not in shown


def test_chat_messages_put_sources_in_a_collapsed_bubble_and_flag_crisis():
    from coach.ask.present import CRISIS_TITLE
    from coach.web.render import chat_messages, history

    turns = [{"question": "How do I find a mentor?",
              "answer": {"kind": "answer", "answer": "Ask.", "sources": [
                  {"section": "Peer mentorship", "text": "Peers can help. " * 60}]}},
             {"question": "help", "answer": {"kind": "crisis", "answer": "Call 988."}}]
    messages = chat_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant", "assistant", "user", "assistant"]
    sources = messages[2]
    assert sources["metadata"]["title"] == "Sources from the guide: Peer mentorship"
    assert sources["metadata"]["status"] == "done"  # rendered collapsed
    assert "**Peer mentorship**" in sources["content"] and "> Peers can help." in sources["content"]
    assert sources["content"].endswith("…")  # long passages are trimmed
    assert CRISIS_TITLE in messages[4]["content"] and "988" in messages[4]["content"]
    assert chat_messages(turns[:1], streaming=True)[-1]["role"] == "assistant"
    assert len(chat_messages(turns[:1], streaming=True)) == 2  # sources once the answer is done
    assert history(turns)[1] == {"role": "assistant", "content": "Ask."}


def test_checklists_and_scorecards_escape_evidence():
    from coach.email.present import checklist_markdown as checks_markdown
    from coach.rehearsal.present import card_markdown as scorecard_markdown

    checks = checks_markdown([{"id": "greeting", "passed": False, "evidence": "<b>Hey</b>",
                               "tip": "Use their name.", "section": "Finding faculty mentors"}])
    assert "0 of 1 checks pass" in checks and "✗ Missing: **Greeting by name**" in checks
    assert "&lt;b&gt;Hey&lt;/b&gt;" in checks and "Tip: Use their name." in checks
    card = scorecard_markdown({"score": 50, "first_fix": "Ask directly.", "criteria": [
        {"id": "intro", "label": "Introduced yourself", "met": True,
         "evidence": "I'm <script>x</script>", "tip": "", "section": "Finding faculty mentors"}]})
    assert "Score: 50/100" in card and "✓ **Introduced yourself**" in card
    assert "<script" not in card
