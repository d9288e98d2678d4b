"""The outreach-email checklist on pasted drafts: every check both ways, tips, and facts."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from coach.email.check import CHECK_IDS, TIPS, applicable_checks, check_email, split_draft
from coach.email.request import parse_request

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "evals" / "email_cases.yaml").read_text())
SECTIONS = {"Finding faculty mentors", "Research mentorship", "The importance of mentorship",
            "Characteristics of mentors and mentees", "The TL;DR"}

GOOD = """Subject: Request for Mentorship Meeting

Dear Dr. Lopez,

I hope this email finds you well. My name is Sam Patel, and I am a second-year medical student \
at Ohio State University College of Medicine. I am preparing for the USMLE as an MS2 and help \
run our AMWA chapter.

Your work in pediatric cardiology, especially your research on congenital heart disease \
outcomes, is exactly what I hope to learn more about. My goals are career advice in pediatrics, \
finding a research project, and building clinical skills.

I would love to meet at whatever frequency suits you, perhaps once a month. I am free on \
Tuesday at 3 pm or Thursday at 10 am, and I am happy to adjust.

Thank you so much for your time and consideration.

Best regards,
Sam Patel
sam.patel@osumc.edu
"""

# For each check: a replacement that breaks only that check in GOOD.
BREAKS = {
    "subject": ("Subject: Request for Mentorship Meeting", "Subject: Question"),
    "greeting": ("Dear Dr. Lopez,", "To whom it may concern,"),
    "introduction": ("My name is Sam Patel, and I am a second-year medical student at Ohio State "
                     "University College of Medicine.", "Hope all is well."),
    "why_mentor": ("Your work in pediatric cardiology, especially your research on", "Pediatric "
                   "cardiology, especially"),
    "goals": ("is exactly what I hope to learn more about. My goals are", "is exciting, with"),
    "time_commitment": ("at whatever frequency suits you, perhaps once a month", "sometime"),
    "times_offered": ("on Tuesday at 3 pm or Thursday at 10 am", "whenever works"),
    "gratitude": ("Thank you so much for your time and consideration.", "No thanks needed."),
    "signoff": ("Best regards,\nSam Patel\nsam.patel@osumc.edu", "Sam"),
    "length": ("I am preparing for the USMLE", " ".join(["very"] * 300) + " I am preparing for "
               "the USMLE"),
    "placeholders": ("Sam Patel\nsam.patel", "[Your Name]\nsam.patel"),
    "tone": ("I would love to meet", "You must reply ASAP!! I would love to meet"),
}


def by_id(checks):
    return {c.id: c for c in checks}


def test_good_draft_passes_everything():
    checks = check_email(GOOD)
    assert [c.id for c in checks] == [i for i in CHECK_IDS if i != "facts"]
    assert all(c.passed for c in checks), [(c.id, c.evidence) for c in checks if not c.passed]
    assert all(c.tip == "" and c.section in SECTIONS for c in checks)


@pytest.mark.parametrize("check_id", list(BREAKS))
def test_each_check_fails_on_its_flaw(check_id):
    old, new = BREAKS[check_id]
    assert old in GOOD
    checks = by_id(check_email(GOOD.replace(old, new)))
    failing = {i for i, c in checks.items() if not c.passed}
    assert check_id in failing
    bad = checks[check_id]
    assert bad.tip == TIPS[check_id] and bad.evidence and bad.section in SECTIONS
    assert failing <= {check_id, "length", "introduction", "why_mentor", "goals"}, failing


def test_weak_student_draft_gets_specific_tips():
    checks = by_id(check_email("hey, can u be my mentor? thx"))
    failing = {i for i, c in checks.items() if not c.passed}
    assert failing == set(CHECK_IDS) - {"facts", "placeholders"}
    tone = checks["tone"].evidence
    assert "'hey'" in tone and "'u'" in tone and "'thx'" in tone
    assert checks["greeting"].tip.startswith("Open with 'Dear Dr.")
    assert "Thank you" in checks["gratitude"].tip
    assert checks["subject"].evidence == "No 'Subject:' line at the top of the draft."
    assert checks["length"].evidence.startswith("7 words")
    assert checks["gratitude"].section == "The importance of mentorship"
    assert checks["tone"].section == "Finding faculty mentors"


@pytest.mark.parametrize("text,passed", [
    ("Thanks so much for reading.", True), ("I'm grateful for any advice.", True),
    ("I appreciate your time.", True), ("No thanks, I'll manage.", False),
    ("thx", False),
])
def test_gratitude_detection(text, passed):
    assert by_id(check_email(GOOD.replace(
        "Thank you so much for your time and consideration.", text)))["gratitude"].passed is passed


@pytest.mark.parametrize("text,passed", [
    ("I am studying for USMLE Step 1 and COMLEX as an MS2 in AMWA.", True),
    ("PLEASE answer.", False), ("I need you to answer immediately.", False),
    ("Great!!", False), ("Wow! Yes! Great! Really!", False), ("Hey Dr. Lopez!", False),
])
def test_tone(text, passed):
    assert by_id(check_email(GOOD.replace("I would love to meet", f"{text} I would love to meet"))
                 )["tone"].passed is passed


def test_subject_line_parsing():
    assert split_draft("\n\nSubject:  Hello there \n\nBody") == ("Hello there", "Body")
    assert split_draft("Body only") == (None, "Body only")
    assert split_draft("subject: Hi\r\n\r\nBody\r\n") == ("Hi", "Body")


def test_checks_depend_on_kind():
    assert "time_commitment" in applicable_checks("faculty", False)
    assert "time_commitment" in applicable_checks("peer", False)
    assert "time_commitment" in applicable_checks(None, False)
    assert "time_commitment" not in applicable_checks("research", False)
    assert "times_offered" not in applicable_checks("thank_you", True)
    assert "facts" in applicable_checks("thank_you", True)
    research = by_id(check_email(GOOD, kind="research"))
    assert research["why_mentor"].section == "Research mentorship"
    assert by_id(check_email(GOOD, kind="follow_up"))["times_offered"].section == "The TL;DR"


# --- with a request: the actual facts --------------------------------------------------------

def request(case_id="faculty-three-times-accents", **changes):
    data = copy.deepcopy(next(c for c in CASES if c["id"] == case_id)["request"])
    data.update(changes)
    return parse_request(data)


ZOE = """Subject: Request for Mentorship Meeting

Dear Dr. Raman,

My name is Zoë O’Connor, and I am an MS2 at Drexel University College of Medicine. Your work \
on heart failure outcomes in women in cardiology is what I hope to learn about: career advice \
in cardiology, finding research opportunities, and preparing for Step 1. Could we meet once a \
month? I am free Tuesday, March 4 at 3:00 pm; Thursday, March 6 at noon; or Friday, March 7 \
at 9:00 am. I am also happy to adjust to your schedule, and I know your time is valuable.

Thank you so much for considering it.

Best regards,
Zoë O'Connor
zoe.oconnor@drexel.edu
"""


def test_request_facts_pass_with_curly_apostrophe_and_ms2():
    checks = by_id(check_email(ZOE, request()))
    assert all(c.passed for c in checks.values()), [
        (c.id, c.evidence) for c in checks.values() if not c.passed]
    assert list(checks) == list(CHECK_IDS)


@pytest.mark.parametrize("old,new,check_id,evidence", [
    # A draft takes the goals that fit its kind: a missing goal is fine, no goal at all is not.
    ("career advice in cardiology, finding research opportunities, and preparing for Step 1",
     "a few things", "goals", "None of your goals"),
    ("or Friday, March 7 at 9:00 am", "or Friday", "times_offered", "'Friday, March 7 at 9:00 am'"),
    ("Dear Dr. Raman,", "Dear Dr. Smith,", "greeting", "Dear Dr. Smith"),
    ("at Drexel University College of Medicine", "at my school", "introduction", "your school"),
    ("zoe.oconnor@drexel.edu", "", "signoff", "no full contact"),
    ("zoe.oconnor@drexel.edu", "", "facts", "Missing your email"),
    ("Thank you", "I co-authored a paper in NEJM. Thank you", "facts", "'paper' (a publication)"),
    ("Thank you", "Since 2021 I have admired you. Thank you", "facts", "number '2021'"),
    ("Thank you", "As we discussed, thank you", "facts", "(a shared history)"),
    ("Thank you", "As the Director of the program, thank you", "facts", "title 'Director'"),
])
def test_request_checks_fail_on_wrong_or_invented_facts(old, new, check_id, evidence):
    check = by_id(check_email(ZOE.replace(old, new), request()))[check_id]
    assert not check.passed and evidence in check.evidence


def test_shared_history_allowed_when_context_says_so():
    text = ZOE.replace("Thank you", "It was great meeting you at the conference. Thank you")
    assert not by_id(check_email(text, request()))["facts"].passed
    met = request(context="We met at the AMWA conference last spring.")
    assert by_id(check_email(text, met))["facts"].passed


def test_the_checklist_data_file_is_validated_and_names_the_field():
    from pydantic import ValidationError

    from coach.email.check_rules import CheckRules

    good = check_rules_raw()
    assert CheckRules.model_validate(good).rx("greeting").match("Dear Dr. Raman,")
    broken = {**good, "patterns": {**good["patterns"], "greeting": "(unclosed"}}
    with pytest.raises(ValidationError, match=r"patterns\.greeting[\s\S]*invalid regular"):
        CheckRules.model_validate(broken)
    no_tip = {**good, "tips": {k: v for k, v in good["tips"].items() if k != "tone"}}
    with pytest.raises(ValidationError, match="tips: missing tone"):
        CheckRules.model_validate(no_tip)


def check_rules_raw() -> dict:
    path = Path(__file__).resolve().parents[2] / "coach" / "email" / "data" / "checks.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))
