"""Goals that fit the ask, written as clauses; context used or reported; nothing left silent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.email.drafting import draft_email
from coach.email.facts import context_note, used_in
from coach.email.goals import (
    GoalTypes,
    as_clause,
    choose_goals,
    goals_optional,
    pick_fitting,
    reason_text,
    thanks_reason,
)
from coach.email.request import parse_request
from coach.errors import InputError

MIXED_PLAN = ["Pass my next block exam (retake pharmacology)",
              "Get research experience in cardiology",
              "Sleep 7 hours and keep running 3x a week",
              "Figure out if cardiology or EM is for me",
              "Learn how to do a chart review start to finish", "Call my parents more"]
REQUEST = {"kind": "research",
           "student": {"name": "Lena Park", "year": "MS2", "school": "Lakeview School of Medicine",
                       "email": "lpark@lakeview.edu", "goals": MIXED_PLAN},
           "mentor": {"name": "Lena Okafor", "title": "Dr.", "field": "Cardiology",
                      "focus": "heart failure readmissions"},
           "times": ["Tuesdays after 3pm"],
           "context": "I heard you speak at the cardiology interest group last month."}


@pytest.mark.parametrize(("goal", "clause"), [
    ("Get research experience in cardiology", "getting research experience in cardiology"),
    ("Pass my next block exam (retake pharmacology).", "passing my next block exam"),
    ("figure out if family medicine is for me", "figuring out if family medicine is for me"),
    ("Run a half marathon in April", "running a half marathon in April"),
    ("Decide between IM and peds", "deciding between IM and peds"),
    ("USMLE prep", "USMLE prep"),
    ("Residency applications", "residency applications"),
    ("getting involved in QI research", "getting involved in QI research"),
    ("pick a specialty", "picking a specialty"),  # a verb the list lacks, before "a"
    ("Submit an abstract before MS2 summer", "submitting an abstract before MS2 summer"),
    ("Letters of recommendation", "letters of recommendation"),
    ("research in cardiology", "research in cardiology"),
])
def test_goals_become_natural_clauses(goal, clause):
    assert as_clause(goal) == clause


def test_goal_types_file_shape_is_validated():
    with pytest.raises(ValidationError):
        GoalTypes.model_validate({"types": {}, "fits": {}, "verbs": [], "extra": 1})


def test_only_a_thank_you_note_may_restate_no_goal():
    assert pick_fitting([0.2, -1.0, 0.9], cut=1.5) == [2]  # a request names its best goal
    assert pick_fitting([0.2, -1.0, 0.9], cut=1.5, fallback=False) == []
    assert pick_fitting([2.0, -1.0, 1.6, 1.7, 3.0], cut=1.5, fallback=False) == [0, 3, 4]
    assert goals_optional("thank_you")
    assert not any(goals_optional(k) for k in ("faculty", "research", "peer", "follow_up"))


def test_ticked_goals_are_used_and_the_rest_reported():
    choice = choose_goals(MIXED_PLAN, "research", chosen=[3, 2])
    assert choice.used_raw == [MIXED_PLAN[1], MIXED_PLAN[2]]
    assert len(choice.not_used) == 4 and all("not ticked" in n for n in choice.not_used)
    with pytest.raises(InputError, match="numbered 1 to 6"):
        choose_goals(MIXED_PLAN, "research", chosen=[7])


def test_facts_used_or_reported():
    assert used_in("cardiology interest group", "I enjoyed the cardiology interest group talk.")
    assert not used_in("my friend Sam in your lab", "Dear Dr. Okafor,")
    assert context_note("met at grand rounds", "We met at grand rounds.") == []
    assert "not used" in context_note("my friend Sam in your lab", "Dear Dr. Okafor,")[0]


# --- real embedder ----------------------------------------------------------------------------
def test_research_email_takes_research_and_career_goals_only():
    choice = choose_goals(MIXED_PLAN, "research", mentor_text="Cardiology: heart failure")
    assert MIXED_PLAN[1] in choice.used_raw  # the research goal, at least
    assert set(choice.used_raw) <= {MIXED_PLAN[1], MIXED_PLAN[3], MIXED_PLAN[4]}
    peer = choose_goals(MIXED_PLAN, "peer")
    assert MIXED_PLAN[0] in peer.used_raw  # a study goal fits a peer mentor
    assert MIXED_PLAN[5] not in peer.used_raw


def test_mixed_plan_draft_has_fitting_clauses_and_says_what_it_left_out():
    draft = draft_email(parse_request(REQUEST))
    body = draft.body
    assert "getting research experience in cardiology" in body
    assert "Sleep 7 hours" not in body and "pharmacology" not in body and "parents" not in body
    assert not any(goal in body for goal in MIXED_PLAN)  # never pasted raw
    notes = " ".join(draft.not_used)
    assert "Sleep 7 hours" in notes and "Call my parents more" in notes
    # The context is used, in a sentence to the mentor; nothing left out is silent.
    assert "I heard you speak at the cardiology interest group last month." in body
    assert "Your context was not used" not in notes
    assert {c.id: c.passed for c in draft.checks}["facts"]
    chosen = draft_email(parse_request({**REQUEST, "chosen_goals": [3]}))
    assert "sleeping 7 hours" in chosen.body


def test_ui_form_passes_ticked_goals_by_number():
    from coach.web.practice import request_data

    data = request_data("research", "Lena Park", "MS2", "Lakeview", "lpark@lakeview.edu",
                        "\n".join(MIXED_PLAN), "", "", "Lena Okafor", "Dr.", "Cardiology",
                        "heart failure", "Tuesdays", "", ["2. Get research experience", "4. Fig"])
    assert data["chosen_goals"] == [2, 4]
    assert parse_request(data).chosen_goals == [2, 4]


def test_goal_fit_file_is_validated_and_covers_every_kind():
    from coach.email.goals import GoalFit, goal_fit
    from coach.email.request import KINDS

    spec = goal_fit()
    assert all(spec.groups[k] in spec.models for k in KINDS)
    with pytest.raises(ValidationError):
        GoalFit.model_validate({"groups": {}, "models": {}, "extra": 1})


def test_thank_you_note_without_a_clearly_fitting_goal_restates_none():
    personal = ["Plan my wedding", "Sleep more", "Call my parents every Sunday"]
    request = parse_request({**REQUEST, "kind": "thank_you", "times": [], "context": "",
                             "student": {**REQUEST["student"], "goals": personal}})
    draft = draft_email(request)
    assert not any(as_clause(g) in draft.body or g in draft.body for g in personal)
    assert "I would love to keep you posted on my progress" in draft.body
    assert "focus on ," not in draft.body and "focus on ." not in draft.body
    notes = " ".join(draft.not_used)
    assert all(f'"{g}"' in notes for g in personal) and "need not restate" in notes
    assert {c.id: c.passed for c in draft.checks}["goals"]
    research = draft_email(parse_request({**REQUEST, "student": {**REQUEST["student"],
                                                                  "goals": personal}}))
    assert len([n for n in research.not_used if "tick it" in n]) == 2  # a request names one


@pytest.mark.parametrize(("goals", "what"), [
    (["thank her for the letter of recommendation"], "the letter of recommendation"),
    (["Match into surgery", "Thanks so much for meeting with me!"], "meeting with me"),
    (["to thank Dr. Okafor for his advice on my personal statement"],
     "your advice on my personal statement"),
    (["thank him for letting me shadow him"], "letting me shadow you"),
    (["thank you"], None),  # says nothing it is for
    (["THANK HER FOR THE LETTER?"], "the letter"),
    (["I would like to thank her for the letter she wrote"], "the letter you wrote"),
    (["thank Dr. Lee for his letter"], None),  # someone else's thanks (the mentor is Okafor)
    (["thank Dr. Okafor for her letter"], "your letter"),
    (["thank her for ."], None),
    (["Get research experience"], None),
])
def test_what_a_thank_you_is_for_is_read_from_a_goal(goals, what):
    assert thanks_reason(goals, ("Lena Okafor", "Okafor", "Lena"))[0] == what


def test_a_thanks_for_given_directly_is_one_plain_line_and_a_checked_fact():
    assert reason_text("Thank you for the letter.\n\nWith gratitude,\nLena") == "the letter"
    request = parse_request({**REQUEST, "kind": "thank_you", "times": [], "context": "",
                             "thanks_for": "your paper on heart failure",
                             "student": {**REQUEST["student"], "goals": ["Match into surgery"]}})
    draft = draft_email(request)
    assert "thank you for your paper on heart failure." in draft.body
    assert {c.id: c.passed for c in draft.checks}["facts"]


def test_thank_you_note_thanks_for_what_the_goal_says_and_does_not_report_it_unused():
    request = parse_request({**REQUEST, "kind": "thank_you", "times": [], "context": "",
                             "student": {**REQUEST["student"], "goals": [
                                 "thank her for the letter of recommendation"]}})
    draft = draft_email(request)
    assert "thank you for the letter of recommendation" in draft.body
    assert not draft.not_used
    assert all(c.passed for c in draft.checks)
    plain = draft_email(parse_request({**REQUEST, "kind": "thank_you", "times": [],
                                       "context": "", "student": {**REQUEST["student"],
                                                                  "goals": ["Sleep more"]}}))
    assert "thank you for your time and guidance" in plain.body
