"""`coach ask` in-process: JSON shape, JSON Lines from stdin, input errors, missing LLM config."""

from __future__ import annotations

import io
import json

import pytest

from coach.cli import main

SOURCE_KEYS = {"section", "source", "text", "score"}


@pytest.fixture(autouse=True)
def _shared_index(coach_instance):
    """The CLI opens the session index built for coach_instance (COACH_DATA_DIR points there)."""


def test_ask_json_has_the_documented_shape(capsys):
    assert main(["ask", "How do I find a research mentor?", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert set(data) == {"kind", "answer", "sources", "engine"}
    assert data["kind"] == "answer" and data["engine"] == "guide"
    assert isinstance(data["answer"], str) and "*From the guide:" in data["answer"]
    assert data["sources"] and all(set(s) == SOURCE_KEYS for s in data["sources"])
    assert data["sources"][0]["section"] == "Research mentorship"
    assert all(isinstance(s["score"], float) and s["text"] for s in data["sources"])


def test_ask_plain_text_prints_the_answer(capsys):
    assert main(["ask", "My mentor stopped replying, what now?"]) == 0
    out = capsys.readouterr().out
    assert "*From the guide:" in out and not out.lstrip().startswith("{")


def test_stdin_questions_give_json_lines(capsys, monkeypatch):
    questions = ["How do I find a research mentor?", "", "any good books on mentorship?",
                 "My mentor stopped replying, what now?"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["ask", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3  # the blank line is skipped
    answers = [json.loads(line) for line in lines]
    assert all(a["kind"] == "answer" and a["sources"] for a in answers)
    assert answers[1]["sources"][0]["section"] == "Resources"


def test_stdin_reports_a_bad_line_and_carries_on(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 4001 + "\nany good books on mentorship?\n"))
    assert main(["ask", "--json"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert first["kind"] == "error" and "4,000" in first["error"]
    assert second["kind"] == "answer"


def test_chat_lines_are_one_conversation(capsys, monkeypatch):
    """A new user could follow up only through the API: `--chat` makes stdin's lines one
    conversation, each question asked with the questions and answers before it."""
    from coach.ask.answer import Coach

    seen, real = [], Coach.ask

    def spy(self, question, history=None, **kw):  # noqa: ANN001, ANN202
        seen.append([dict(t) for t in history or []])
        return real(self, question, history=history, **kw)

    monkeypatch.setattr(Coach, "ask", spy)
    monkeypatch.setattr("sys.stdin", io.StringIO("how do i find a faculty mentor\n\n"
                                                 "what if the one i want says no\n"))
    assert main(["ask", "--chat", "--json"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert seen[0] == []
    assert seen[1] == [{"role": "user", "content": "how do i find a faculty mentor"},
                       {"role": "assistant", "content": first["answer"]}]
    assert "no" in second["answer"].lower() and second["answer"] != first["answer"]


def test_stdin_lines_without_chat_stay_independent(capsys, monkeypatch):
    from coach.ask.answer import Coach

    seen, real = [], Coach.ask

    def spy(self, question, history=None, **kw):  # noqa: ANN001, ANN202
        seen.append(history)
        return real(self, question, history=history, **kw)

    monkeypatch.setattr(Coach, "ask", spy)
    monkeypatch.setattr("sys.stdin", io.StringIO("how do i find a mentor\nwhat if they say no\n"))
    assert main(["ask", "--json"]) == 0
    assert seen == [None, None]


def test_chat_with_a_question_argument_is_a_clear_error(capsys):
    assert main(["ask", "--chat", "how do i find a mentor"]) == 2
    err = capsys.readouterr().err
    assert "--chat" in err and "leave out QUESTION" in err and "Traceback" not in err


@pytest.mark.parametrize("question", ["", "   \n", "x" * 4001], ids=["empty", "blank", "4001"])
def test_unusable_question_exits_2_with_one_line(capsys, question):
    assert main(["ask", question, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip()
    assert error.startswith("coach: error:") and "\n" not in error


def test_llm_engine_without_configuration_explains_the_fix(capsys):
    code = main(["ask", "How do I find a research mentor?", "--engine", "llm"])
    assert code != 0
    error = capsys.readouterr().err.strip()
    assert error.startswith("coach: error:") and "OPENAI_API_KEY" in error
    assert "--engine guide" in error
