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
    assert "**Next step:** Write down three goals." in text  # the actionable part stays
    assert text.endswith("*From the guide: Determining your goals.*")
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
                                       {"office": "the IRB",
                                        "examples": ["How do I get IRB approval?"]}]})
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

    def turn(kind=None):
        answer = {"kind": "answer", "answer": "..."}
        if kind:
            answer["handoff"] = {"tool": "email", "kind": kind, "context": "help me write"}
        return {"question": "q", "answer": answer}

    update, *boxes, seen = handoff_kind([turn(), turn("research")], seen=1)
    assert update["value"] == "research" and seen == 2
    assert all("value" not in b for b in boxes)  # the question gave no name, field or context
    assert "value" not in handoff_kind([turn()], seen=0)[0]
    assert "value" not in handoff_kind([], seen=3)[0]
    # a saved chat restored (several turns at once) does not override the student's choice
    update, *boxes, seen = handoff_kind([turn(), turn(), turn("peer")], seen=0)
    assert "value" not in update and seen == 3 and all("value" not in b for b in boxes)
    # what the question gave fills the mentor's name, field and context boxes
    filled = turn("faculty")
    filled["answer"]["handoff"]["prefill"] = {"mentor_name": "Dr. Patel", "field": "pediatrics",
                                              "context": None}
    update, name, field, context, seen = handoff_kind([filled], seen=0)
    assert (update["value"], name["value"], field["value"]) == ("faculty", "Dr. Patel",
                                                                "pediatrics")
    assert "value" not in context


def test_an_office_term_names_it_outright_without_an_embedding():
    data = Offices.model_validate({"offices": [
        {"office": "the international student office", "terms": ["visas?", "I-?20"],
         "examples": ["visa question"]},
        {"office": "the IRB", "examples": ["How do I get IRB approval?"]}]})

    class NoEmbedding(Axes):
        def embed_query(self, text):
            raise AssertionError("a term match needs no embedding")

    assert OfficeFinder(data, NoEmbedding()).office_for("I need an I20 for an away rotation") \
        == "the international student office"


def test_a_near_tie_between_offices_names_none():
    class Tie(Axes):
        def embed_query(self, text):
            return [0.7, 0.7, 0.0, 0.0] if text == "tie" else super().embed_query(text)

    f = OfficeFinder(finder().data, Tie())
    assert f.match("tie") is None and f.office_for("tie") == "the advising office"


def test_nothing_shorter_keeps_the_crisis_resources_and_never_gives_tips():
    from coach.ask.cards.condense import nothing_shorter

    short = nothing_shorter("**You matter.**\n\n- **Call or text 988** (Suicide & Crisis Lifeline)")
    assert "988" in short and "911" in short
    mistreat = nothing_shorter("I'm sorry. Here is where to turn:\n\n- **Report it**: Title IX.\n"
                               "- Keep a note.")
    assert mistreat.endswith("- **Report it**: Title IX.") and "Keep a note" not in mistreat
    assert nothing_shorter("") is None


@pytest.mark.parametrize("text", [
    "I'm interested in your work on how often residents report being harassed by patients.",
    "Study how often women surgeons report being harassed by patients",
    "I co-founded a peer support group for classmates who have been harassed on rotations",
    "I want to work on reducing sexist jokes in the OR culture",
    "I want to study how attendings make sexist comments",
    "the attending hit me with so many pimp questions", "he cornered me with pimping questions",
    "the spam emails keep harassing me", "I feel unsafe with my statistics skills"])
def test_research_advocacy_and_idioms_are_not_mistreatment(text):
    """Found in review: these stopped email drafts and rehearsal lines."""
    from coach.safety.mistreatment import describes_mistreatment

    assert not describes_mistreatment(text)


@pytest.mark.parametrize("text", [
    "my research mentor keeps making sexual jokes about me", "my PI grabbed me in the lab",
    "how do i report an attending who yelled at me and made sexist comments on my rotation?",
    "I've been harassed by my chief for months", "I dont feel safe with my PI anymore"])
def test_mistreatment_of_the_student_still_matches(text):
    from coach.safety.mistreatment import describes_mistreatment

    assert describes_mistreatment(text)
