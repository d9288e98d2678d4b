""""Make it shorter" cuts the previous answer down (a new user got a longer one); a question the
guide does not cover names the office that handles it (loans: financial aid); a write request's
kind reaches the web app's Email tab."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.ask.cards.condense import asks_to_shorten, condensed
from coach.ask.cards.model import Card, Point
from coach.ask.cards.offices import DEFAULT, OfficeFinder, Offices, load_offices
from coach.errors import ConfigError

QUESTIONS = ["q one?", "q two?", "q three?", "q four?"]
GOALS = Card(id="goals", section="Determining your goals", audience="mentee",
             answer="Start by naming what you want from a mentor.",
             points=[Point(say=f"Point {i}.", quote=f"Quote {i}.") for i in range(1, 5)],
             next_step="Write down three goals.", questions=QUESTIONS)
ANSWER = ("Start by naming what you want from a mentor.\n\n- Point 1.\n- Point 2.\n- Point 3.\n"
          "- Point 4.\n\n**Next step:** Write down three goals.\n\n"
          "*From the guide: Determining your goals.*")


@pytest.mark.parametrize("text", ["make it shorter", "can you make that a bit shorter pls",
                                  "tl;dr?", "too long", "thats too long lol", "ok summarize",
                                  "in one sentence?", "give me the short version"])
def test_requests_to_shorten_are_read(text):
    assert asks_to_shorten(text)


@pytest.mark.parametrize("text", ["How do I write a shorter email to my mentor?",
                                  "Is a shorter meeting ok?", "summarize the guide for me",
                                  "what is the gist of mentorship", "ok thanks",
                                  "it is too long for my mentor to read"])
def test_questions_that_mention_length_are_not_requests_to_shorten(text):
    assert not asks_to_shorten(text)


def test_shorter_keeps_the_opening_and_first_two_points_with_their_sources():
    text, sources = condensed("make it shorter", ANSWER, [GOALS])
    assert len(text) < len(ANSWER)
    assert text.startswith("Start by naming what you want from a mentor.")
    assert "- Point 1.\n- Point 2." in text and "Point 3." not in text
    assert "Next step" not in text and "*From the guide: Determining your goals.*" in text
    assert [s.text for s in sources] == ["Quote 1.", "Quote 2."]


def test_one_sentence_keeps_the_opening_alone_cited_from_its_card():
    text, sources = condensed("in one sentence", ANSWER, [GOALS])
    assert "- " not in text and text.startswith("Start by naming")
    assert [s.section for s in sources] == ["Determining your goals"]


def test_nothing_to_shorten_without_a_card_answer_before():
    assert condensed("make it shorter", "", [GOALS]) is None
    assert condensed("make it shorter", "The guide doesn't cover that.", [GOALS]) is None


class Axes:
    """A fake embedder: each known text is a unit axis; anything else is axis 3."""

    AXES = {"How much should I borrow in loans?": 0, "loans please": 0,
            "How do I get IRB approval?": 1, "IRB question": 1}

    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        v = np.zeros(4, dtype=np.float32)
        v[self.AXES.get(text, 3)] = 1.0
        return v.tolist()


def finder() -> OfficeFinder:
    data = Offices.model_validate({"default": "the advising office", "min_similarity": 0.5,
                                   "offices": [
                                       {"office": "the financial aid office",
                                        "examples": ["How much should I borrow in loans?"]},
                                       {"office": "the IRB", "examples": ["How do I get IRB approval?"]}]})
    return OfficeFinder(data, Axes())


def test_the_nearest_office_is_named_and_the_default_below_the_similarity_cut():
    f = finder()
    assert f.office_for("loans please") == "the financial aid office"
    assert f.office_for("IRB question") == "the IRB"
    assert f.office_for("something else entirely") == "the advising office"


def test_no_offices_file_gives_the_built_in_default(tmp_path):
    assert load_offices(tmp_path).default == DEFAULT
    assert OfficeFinder(load_offices(tmp_path), Axes()).office_for("loans please") == DEFAULT


def test_a_bad_offices_file_names_the_file_and_field(tmp_path: Path):
    (tmp_path / "offices.yaml").write_text("offices:\n  - office: x\n    examples: []\n")
    with pytest.raises(ConfigError, match=r"offices\.yaml.*(?s:.*)offices\.0\.office"):
        load_offices(tmp_path)


def test_the_shipped_offices_file_is_valid():
    root = Path(__file__).resolve().parents[2] / "knowledge"
    data = load_offices(root)
    assert data.offices and any("financial aid" in o.office for o in data.offices)


def test_a_write_request_sets_the_email_tabs_kind():
    from coach.web.practice import handoff_kind

    turns = [{"question": "help me write to a PI", "answer": {
        "kind": "answer", "answer": "...", "handoff": {"tool": "email", "kind": "research",
                                                       "context": "help me write to a PI"}}}]
    assert handoff_kind(turns)["value"] == "research"
    assert "value" not in handoff_kind([{"question": "q", "answer": {"kind": "answer"}}])
    assert "value" not in handoff_kind([])
