"""Saved chats, feedback and eval candidates (coach.history), the CLI, and restart survival of
the browser storage key."""

from __future__ import annotations

import json

import pytest
import yaml

from coach.cli import main
from coach.errors import InputError
from coach.history import chats as h
from coach.history.feedback import candidates, candidates_yaml


def turn(question: str, answer: str = "Start with your goals.") -> dict:
    return {"question": question, "answer": {"kind": "answer", "answer": answer, "engine": "guide",
                                             "sources": [{"section": "Determining your goals",
                                                          "text": "…"}]}}


def test_turns_are_saved_titled_and_a_new_chat_starts_empty():
    store = h.save_turns(h.ChatStore(), [turn("How do I find a research mentor?")])
    assert len(store.chats) == 1 and store.current == store.chats[0].id
    assert store.chats[0].title == "How do I find a research mentor?"
    first = store.current
    store = h.new_chat(store)
    assert store.current != first and store.get(store.current).turns == []
    assert h.new_chat(store).current == store.current  # an empty chat is reused
    store = h.save_turns(store, [turn("What about peers?")])
    assert [c.title for c in store.chats] == ["What about peers?",
                                              "How do I find a research mentor?"]
    assert h.open_chat(store, first).current == first


def test_rename_sticks_and_delete_removes():
    store = h.save_turns(h.ChatStore(), [turn("q1")])
    chat_id = store.current
    store = h.rename(store, chat_id, "  Research   plan ")
    store = h.save_turns(store, [turn("q1"), turn("q2")])
    assert store.get(chat_id).title == "Research plan"
    with pytest.raises(InputError, match="New name"):
        h.rename(store, chat_id, " ")
    store = h.delete(store, chat_id)
    assert store.chats == [] and store.current is None
    with pytest.raises(InputError):
        h.delete(store, chat_id)


def test_feedback_follows_its_answer_and_is_dropped_with_it():
    store = h.save_turns(h.ChatStore(), [turn("q1"), turn("q2")])
    store = h.set_feedback(store, 1, "dislike", "too vague")
    store = h.set_feedback(store, 0, "like")
    assert [(f.turn, f.value) for f in store.get(store.current).feedback] == [(0, "like"),
                                                                              (1, "dislike")]
    store = h.save_turns(store, [turn("q1")])  # undo the last turn
    assert [f.turn for f in store.get(store.current).feedback] == [0]
    with pytest.raises(InputError):
        h.set_feedback(store, 5, "like")


def test_unreadable_storage_starts_empty():
    assert h.load_store({"chats": "nonsense"}).chats == []
    assert h.load_store(None).chats == []


def test_markdown_export_has_questions_answers_sections_and_feedback():
    store = h.set_feedback(h.save_turns(h.ChatStore(), [turn("q1", "Answer one.")]), 0,
                           "dislike", "missed my point")
    text = h.chat_markdown(store.get(store.current))
    assert "## You: q1" in text and "Answer one." in text
    assert "Determining your goals" in text and "not helpful: missed my point" in text


def test_down_votes_become_qa_format_candidates():
    store = h.save_turns(h.ChatStore(), [turn("q1"), turn("q2", "Bad answer.")])
    store = h.set_feedback(h.set_feedback(store, 1, "dislike", "wrong section"), 0, "like")
    cases = candidates(store)
    assert len(cases) == 1
    case = cases[0]
    assert case["question"] == "q2" and case["needs_review"] is True
    assert case["history"][0] == {"role": "user", "content": "q1"}
    assert case["feedback"]["reason"] == "wrong section"
    assert case["feedback"]["answer"] == "Bad answer."
    parsed = yaml.safe_load(candidates_yaml(store))
    assert parsed["cases"][0]["id"] == case["id"] and set(case) >= {"id", "question",
                                                                     "sections", "principles"}


def test_cli_feedback_export(tmp_path, capsys):
    store = h.set_feedback(h.save_turns(h.ChatStore(), [turn("q1")]), 0, "dislike", "vague")
    path = tmp_path / "chats.json"
    path.write_text(json.dumps(store.model_dump()))
    out = tmp_path / "candidates.yaml"
    assert main(["feedback-export", "--chats", str(path), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["cases"][0]["feedback"]["reason"] == "vague"
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert main(["feedback-export", "--chats", str(tmp_path / "bad.json")]) == 2
    assert "chats export" in capsys.readouterr().err


def test_browser_storage_key_is_stable_across_restarts(monkeypatch):
    """A restart builds new BrowserState objects: they must keep the same storage key and
    secret, or everything saved before the restart becomes unreadable (Gradio's default is a
    random secret per process)."""
    from coach.config import Settings
    from coach.web.storage import browser_state

    first = browser_state(Settings(), "chats", {})
    second = browser_state(Settings(), "chats", {})
    assert (first.storage_key, first.secret) == (second.storage_key, second.secret)
    monkeypatch.setenv("COACH_BROWSER_SECRET", "deployment-specific")
    assert browser_state(Settings(), "chats", {}).secret == "deployment-specific"


def card(score: int, met: list[str], first_fix: str = "Say why them") -> dict:
    ids = ["intro", "interest", "ask"]
    return {"score": score, "first_fix": first_fix,
            "criteria": [{"id": i, "label": i.title(), "met": i in met} for i in ids]}


def test_rehearsal_attempts_and_progress_first_best_latest():
    from coach.history import rehearsals as r

    opening = [{"role": "mentor", "text": "Come in."}]
    store = r.RehearsalStore()
    for score, met in [(20, ["intro"]), (60, ["intro", "ask"]), (40, ["intro", "interest"])]:
        said = opening + [{"role": "student", "text": f"attempt {score}"}]
        store = r.record(store, "faculty", opening, [])  # a new role-play starts
        store = r.record(store, "faculty", said, [])  # the student speaks
        store = r.record(store, "faculty", said, [], card(score, met))  # feedback
    assert len(store.attempts) == 3 and all(a.card for a in store.attempts)
    (item,) = r.progress(store)
    assert (item.first, item.best, item.latest, item.attempts) == (20, 60, 40, 3)
    by_id = {c.id: c for c in item.criteria}
    assert (by_id["ask"].first, by_id["ask"].best, by_id["ask"].latest) == (False, True, False)
    assert item.improved == ["Interest"] and item.slipped == ["Ask"]
    assert item.next_step == "Say why them"
    text = r.attempt_markdown(store.attempts[-1], "Dr. Osei")
    assert "attempt 40" in text and "Score: 40/100" in text


def test_email_errors_name_the_form_labels():
    from coach.web.storage import form_labels

    assert form_labels("Missing required fields: student.email, times") == (
        "Missing required fields: Your email, Times you are free")


def test_scorecard_opens_with_what_went_well_and_a_low_score_gets_one_next_step():
    from coach.rehearsal.present import card_markdown as scorecard_markdown

    crit = [{"id": "intro", "label": "Introduced yourself", "met": True, "evidence": "Hi",
             "tip": "", "section": "S"},
            {"id": "ask", "label": "Asked directly", "met": False, "evidence": "",
             "tip": "Ask plainly.", "section": "S"},
            {"id": "thanks", "label": "Thanked them", "met": False, "evidence": "",
             "tip": "Say thank you.", "section": "S"}]
    low = scorecard_markdown({"score": 20, "first_fix": "Ask plainly.", "criteria": crit})
    assert low.index("What went well") < low.index("One next step")
    assert "✗" not in low and "Tip:" not in low and "Thanked them" in low
    high = scorecard_markdown({"score": 70, "first_fix": "Say thank you.", "criteria": crit})
    assert high.index("What went well") < high.index("First thing to work on")
    assert "✗ Missing: **Thanked them**" in high and "Tip: Say thank you." in high


def test_markdown_export_keeps_the_care_note_beside_its_answer():
    t = turn("q1", "Answer one.")
    t["answer"]["care"] = "If anything is weighing on you, call or text 988."
    text = h.chat_markdown(h.save_turns(h.ChatStore(), [t]).chats[0])
    assert "> If anything is weighing on you, call or text 988." in text
    assert "988" not in h.chat_markdown(h.save_turns(h.ChatStore(), [turn("q2")]).chats[0])
