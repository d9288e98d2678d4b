"""Outreach emails: request validation, guide drafts for every eval case, and the safety stop.
The LLM fact guard and the exports are in test_email_llm.py."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from coach.email.drafting import SafetyStop, draft_email, guide_draft
from coach.email.request import parse_request
from coach.errors import InputError
from coach.safety import classify as REAL_CLASSIFY

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "evals" / "email_cases.yaml").read_text())
PLACEHOLDERS = re.compile(r"[\[\]{}]|TODO|XX")


class _Ok:
    kind = "ok"


@pytest.fixture(autouse=True)
def safe_classifier(monkeypatch):
    """The safety gate has its own tests; here it says "ok" so drafts don't load embeddings."""
    import coach.safety

    monkeypatch.setattr(coach.safety, "classify", lambda text: _Ok())


def case(case_id: str) -> dict:
    return copy.deepcopy(next(c for c in CASES if c["id"] == case_id))


def request_for(case_id: str, **changes):
    data = case(case_id)["request"]
    data.update(changes)
    return parse_request(data)


# --- the eval cases --------------------------------------------------------------------------

def test_cases_cover_every_kind_and_shape():
    kinds = [c["request"]["kind"] for c in CASES]
    assert len(CASES) >= 12 and len({c["id"] for c in CASES}) == len(CASES)
    assert set(kinds) == {"faculty", "research", "peer", "follow_up", "thank_you"}
    time_counts = {len(c["request"].get("times", [])) for c in CASES}
    assert {0, 1, 3} <= time_counts
    names = " ".join(c["request"]["student"]["name"] for c in CASES)
    assert "Zoë O'Connor" in names and "José Núñez-García" in names


def test_guide_draft_is_deterministic():
    request = request_for("faculty-three-times-accents")
    assert guide_draft(request) == guide_draft(request)


def test_goals_and_times_are_joined_naturally():
    one = guide_draft(request_for("faculty-one-time-no-title")).body
    assert "to discuss learning more about rural family medicine." in one
    assert "One time that works for me is any weekday afternoon next week" in one
    assert "\n- " not in one  # a single time stays inline
    three = guide_draft(request_for("faculty-three-times-accents")).body
    assert ("career advice in cardiology, finding research opportunities, and preparing for "
            "Step 1") in three
    assert "\n- Tuesday, March 4 at 3:00 pm\n- Thursday, March 6 at noon\n" in three
    two = guide_draft(request_for("follow-up-two-weeks")).body
    assert "career advice in cardiology and finding research opportunities" in two


def test_context_is_used_without_inventing():
    follow = guide_draft(request_for("follow-up-no-context")).body
    assert "my earlier email" in follow and "met" not in follow.split()
    thanks = guide_draft(request_for("thank-you-peer-mentor")).body
    assert "I passed my first block exam and joined an intramural soccer team." in thanks


# --- request validation ----------------------------------------------------------------------

@pytest.mark.parametrize("year,phrase", [
    ("2", "a second-year medical student"), ("MS2", "a second-year medical student"),
    ("second", "a second-year medical student"), ("second-year", "a second-year medical student"),
    ("M3", "a third-year medical student"), ("4th year", "a fourth-year medical student"),
    ("year 1", "a first-year medical student"), ("MS-4 student", "a fourth-year medical student"),
    ("MD/PhD student", "an MD/PhD student"), ("DO student", "a DO student"),
    ("rising MS3", "a rising MS3"),
])
def test_year_is_spelled_naturally(year, phrase):
    assert request_for("peer-role", student={**case("peer-role")["request"]["student"],
                                             "year": year}).student.year_phrase == phrase


def test_residents_are_out_of_scope():
    data = case("peer-role")["request"]
    data["student"]["year"] = "PGY-1"
    with pytest.raises(InputError, match="student.year: .*medical students"):
        parse_request(data)


def test_missing_fields_are_all_named():
    data = case("faculty-three-times-accents")["request"]
    del data["student"]["email"], data["mentor"]["field"], data["times"]
    data["student"]["goals"] = []
    with pytest.raises(InputError) as err:
        parse_request(data)
    assert str(err.value) == ("Missing required fields: student.email, student.goals, "
                              "mentor.field, times")
    with pytest.raises(InputError, match="Missing required fields: kind, student.name"):
        parse_request({"student": {"year": "MS1"}})


def test_thank_you_needs_no_times():
    assert request_for("thank-you-no-times").times == []


def test_a_peer_note_needs_no_focus_and_a_peers_role_reads_as_a_role():
    """A new user's peer request to a second-year failed on mentor.focus; with a made-up focus
    it read "your experience in second-year medical student"."""
    data = {"kind": "peer", "student": {"name": "Sofia Alvarez", "year": "MS1",
                                        "school": "UT Health San Antonio",
                                        "email": "alvarezs@uthscsa.edu",
                                        "goals": ["how to study for anatomy"]},
            "mentor": {"name": "Jordan Kim", "field": "second-year medical student"},
            "times": ["Friday after 4 pm"]}
    draft = draft_email(parse_request(data))
    assert "your experience as a second-year medical student is exactly" in draft.body
    data["kind"] = "faculty"
    with pytest.raises(InputError, match="Missing required fields: mentor.focus"):
        parse_request(data)


def test_a_follow_up_speaks_to_the_mentor_and_says_which_context_it_used():
    """A new user's follow-up to Dr. Reyes said "joining a research project in her lab" and
    reported the context unused though its "10 days ago" was in the draft."""
    data = {"kind": "follow_up", "student": {"name": "Aisha Bello", "year": "MS2",
                                             "school": "Emory University School of Medicine",
                                             "email": "aisha.bello@emory.edu",
                                             "goals": ["join a research project in her lab"]},
            "mentor": {"name": "Dr. Elena Reyes", "field": "pediatric oncology",
                       "focus": "survivorship outcomes"},
            "times": ["Tuesday after 2pm"],
            "context": "i emailed her 10 days ago about a research spot in her lab and havent "
                       "heard back"}
    draft = draft_email(parse_request(data))
    assert "joining a research project in your lab" in draft.body
    assert "the email I sent 10 days ago" in draft.body
    assert any(note.startswith("Your context was not used in full") and
               "(the draft says only 10 days ago;" in note for note in draft.not_used)


def test_a_check_in_with_ones_own_mentor_needs_no_focus_and_blames_no_one():
    """A new user's follow-up to her own mentor was refused for want of mentor.focus; with one,
    the draft read "you have not replied to my last two emails in 3 weeks" and "As a quick
    reminder, my name is...", and its tone check passed it."""
    data = {"kind": "follow_up", "student": {"name": "Sam Rivera", "year": "MS3",
                                             "school": "Lakeside School of Medicine",
                                             "email": "sam@lakeside.edu",
                                             "goals": ["match into general surgery"]},
            "mentor": {"name": "Dr. Okafor", "field": "surgery"},
            "times": ["Tuesday after 4pm", "Friday morning"],
            "context": "she has been my mentor; we met monthly but she has not replied to my "
                       "last two emails in 3 weeks"}
    draft = draft_email(parse_request(data))
    body = draft.body
    assert "I haven't heard back on my last two emails in 3 weeks." in body
    assert "you have not replied" not in body.lower() and "reminder" not in body.lower()
    assert "possibility of connecting" not in body and "our next meeting" in body
    assert "Sam Rivera, MS3" in body
    assert any('"She has been my mentor"' in n and "check-in" in n for n in draft.not_used)
    assert all(c.passed for c in draft.checks), [c for c in draft.checks if not c.passed]
    # goals that do not name the field: the check-in still says why this mentor (a review saw
    # ✗ why_mentor), and "Dr. Okafor has been my mentor." stays one clause (not "Dr. I haven't")
    data["student"]["goals"] = ["improve my research skills"]
    data["context"] = "Dr. Okafor has been my mentor since MS1. She hasn’t replied to my last email"
    other = draft_email(parse_request(data))
    assert all(c.passed for c in other.checks), [c for c in other.checks if not c.passed]
    assert "Dr. I" not in other.body and "I haven't heard back on my last email" in other.body
    # a first follow-up (no mentorship yet) keeps the first-contact wording, without a focus
    data["context"] = "We met at the AMWA regional conference; I emailed last week"
    first = draft_email(parse_request(data))
    assert "It was a pleasure meeting you at the AMWA regional conference" in first.body
    assert "your experience in surgery aligns closely" in first.body


@pytest.mark.parametrize(("field", "phrase"), [
    ("surgery", "in surgery"), ("MS3", "as an MS3"), ("PGY-2 resident", "as a PGY-2 resident"),
    ("fellow", "as a fellow"), ("second-year residents", "as second-year residents"),
    ("US medical graduate", "as a US medical graduate"), ("8th year", "as an 8th year"),
    ("upperclassman", "as an upperclassman"), ("university hospital resident",
                                               "as a university hospital resident")])
def test_a_peers_experience_reads_as_a_role_or_a_field(field, phrase):
    from coach.email.drafting import experience_in

    assert experience_in(field) == phrase


def test_a_goals_her_becomes_your_only_when_it_is_the_mentors():
    from coach.email.tidy import _yours

    assert _yours("learn about his work on sepsis") == "learn about your work on sepsis"
    for other in ("hear how my sister chose her specialty", "learn how she balanced her research"):
        assert _yours(other) == other


def test_she_has_been_becomes_you_have_been():
    from coach.email.context import to_second_person

    assert to_second_person("she's been my mentor since MS1", []) == \
        "You've been my mentor since MS1"
    assert to_second_person("Dr. Haddad's always helped me", ["Dr. Haddad"]) == \
        "You've always helped me"
    assert to_second_person("she's so busy", []) == "You're so busy"
    assert to_second_person("she's just done with rounds", []) == "You're just done with rounds"
    assert to_second_person("she's supported by a grant", []) == "You're supported by a grant"
    assert to_second_person("she's been by my side", []) == "You've been by my side"


@pytest.mark.parametrize("path,value,message", [
    (("student", "name"), "Zoë\nBcc: victim@example.com", "student.name: must be a single line"),
    (("mentor", "name"), "Priya Raman\r\nSubject: hi", "mentor.name: must be a single line"),
    (("student", "school"), "Drexel\u2028University", "student.school: must be a single line"),
    (("student", "name"), "Zoë\x00O'Connor", "student.name: must not contain control"),
    (("student", "email"), "zoe at drexel", "student.email: 'zoe at drexel' is not a valid"),
    (("student", "email"), "zoe@drexel.edu\nBcc: x@y.z", "student.email: must be a single line"),
    (("student", "school"), "x" * 201, "student.school: is too long (201 characters"),
    (("student", "background"), "y" * 2001, "student.background: is too long"),
    (("student", "goals"), [f"goal {i}" for i in range(11)], "student.goals: has 11 items"),
    (("student", "name"), "1234", "student.name: must contain letters"),
    (("mentor", "nickname"), "Pri", "mentor.nickname: unknown field"),
    (("kind",), "cover_letter", "kind: must be one of faculty, research, peer"),
    (("student", "goals"), ["ok", {"nested": "dict"}], "student.goals"),
])
def test_bad_input_is_rejected_clearly(path, value, message):
    data = case("faculty-three-times-accents")["request"]
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(InputError, match=re.escape(message)):
        parse_request(data)


def test_whitespace_is_normalised():
    data = case("faculty-three-times-accents")["request"]
    data["student"]["name"] = "  Zoë \t O'Connor "
    data["student"]["goals"] = ["  career   advice ", "", None]
    data["student"]["background"] = "  line one  \r\n  line   two  "
    request = parse_request(data)
    assert request.student.name == "Zoë O'Connor"
    assert request.student.goals == ["career advice"]
    assert request.student.background == "line one\nline two"


def test_non_mapping_request():
    with pytest.raises(InputError, match="must be a mapping"):
        parse_request(["kind", "faculty"])


# --- safety ----------------------------------------------------------------------------------

def test_crisis_in_free_text_stops_drafting(monkeypatch):
    import coach.safety.untrusted

    class Crisis:
        kind = "crisis"
        lang = "en"
        reason = "pattern:crisis"

    monkeypatch.setattr(coach.safety.untrusted, "classify",
                        lambda text, history=None: Crisis() if "hopeless" in text else _Ok())
    request = request_for("faculty-three-times-accents", context="honestly I feel hopeless")
    with pytest.raises(SafetyStop) as stop:
        draft_email(request)
    assert "988" in stop.value.response


def test_crisis_with_the_real_safety_gate(monkeypatch):
    import coach.safety

    # The real classifier: its pattern layer answers before any embedding model loads.
    monkeypatch.setattr(coach.safety, "classify", REAL_CLASSIFY)
    data = case("peer-role")["request"]
    data["student"]["goals"] = ["I want to kill myself", "building a mentorship team"]
    with pytest.raises(SafetyStop) as stop:
        draft_email(parse_request(data))
    assert "988" in stop.value.response


# --- hurried typing in the form ---------------------------------------------------------------

def test_a_hurried_request_is_drafted_tidied_and_what_was_left_out_is_quoted_as_typed():
    """A new user's shorthand ("abt", "wks", "ur") was pasted into the email as typed."""
    request = parse_request({
        "kind": "research",
        "student": {"name": "jamie lee", "year": "ms2", "school": "ucsf", "email": "j@x.edu",
                    "goals": ["learn abt cardiac imaging research", "find time for my fam"]},
        "mentor": {"name": "Dr. Patel", "field": "cardiology", "focus": "cardiac imaging"},
        "times": ["tues 2-4pm"],
        "context": "i read ur paper on echo strain and its rly cool. im free for the next few wks"})
    draft = draft_email(request)
    body = draft.body
    for raw in (" ur ", " abt ", " wks", " rly ", " im ", "jamie lee"):
        assert raw not in body
    assert "Jamie Lee" in body and "UCSF" in body and "I'm free" in body
    assert "learning about cardiac imaging research" in body
    assert any('"find time for my fam"' in note for note in draft.not_used)
    assert all(c.passed for c in draft.checks if c.id in ("tone", "facts", "goals"))
