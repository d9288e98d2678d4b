"""Outreach emails: the LLM engine's invented-fact guard, and .eml/mailto/text exports."""

from __future__ import annotations

import copy
import json
from email import message_from_bytes
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from coach.email.drafting import Draft, draft_email, guide_draft, parse_llm_reply
from coach.email.export import mailto_link, to_eml
from coach.email.request import parse_request
from coach.testing import ScriptedChatModel

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "evals" / "email_cases.yaml").read_text())


class _Ok:
    kind = "ok"


@pytest.fixture(autouse=True)
def safe_classifier(monkeypatch):
    """The safety gate has its own tests; here it says "ok" so drafts don't load embeddings."""
    import coach.safety

    monkeypatch.setattr(coach.safety, "classify", lambda text: _Ok())


def request_for(case_id: str):
    return parse_request(copy.deepcopy(next(c for c in CASES if c["id"] == case_id)["request"]))


# --- LLM engine and the invented-fact guard --------------------------------------------------

def fake_llm(*contents: str) -> ScriptedChatModel:
    """Scripted replies; a failed draft is re-asked once, so fallbacks script two."""
    return ScriptedChatModel(*contents)


CLEAN_BODY = """Dear Dr. Raman,

I hope you are well. My name is Zoë O'Connor, and I am a second-year medical student at Drexel \
University College of Medicine, where I also serve as president of our AMWA chapter. Your work \
on heart failure outcomes in women is a big reason I am drawn to cardiology.

I would value your guidance on career advice in cardiology, finding research opportunities, and \
preparing for Step 1. Would you have time to meet at one of these times?

- Tuesday, March 4 at 3:00 pm
- Thursday, March 6 at noon
- Friday, March 7 at 9:00 am

I would be glad to meet about once a month, or at whatever frequency suits your schedule.

Thank you so much for your time and consideration.

Best regards,
Zoë O'Connor
Drexel University College of Medicine
zoe.oconnor@drexel.edu"""


def llm_json(body: str, subject: str = "Mentorship meeting request") -> str:
    return json.dumps({"subject": subject, "body": body}, ensure_ascii=False)


def test_clean_llm_draft_is_kept():
    request = request_for("faculty-three-times-accents")
    draft = draft_email(request, llm=fake_llm(llm_json(CLEAN_BODY)))
    assert draft.engine == "llm" and draft.notice is None
    assert draft.subject == "Mentorship meeting request" and draft.body == CLEAN_BODY
    assert all(c.passed for c in draft.checks), [c for c in draft.checks if not c.passed]


def test_plain_text_llm_reply_is_parsed():
    reply = f"Subject: Request for Mentorship Meeting\n\n{CLEAN_BODY}"
    draft = draft_email(request_for("faculty-three-times-accents"), llm=fake_llm(reply))
    assert draft.engine == "llm" and draft.subject == "Request for Mentorship Meeting"
    fenced = f"```json\n{llm_json('Hi')}\n```"
    assert parse_llm_reply(fenced) == ("Mentorship meeting request", "Hi")
    assert parse_llm_reply("no subject here") == (None, "no subject here")


@pytest.mark.parametrize("invented,flag", [
    ("I recently published my paper in JAMA on this topic.", "JAMA"),
    ("As Chief of Surgery, you have shaped many careers.", "Chief"),
    ("As we discussed after your lecture, I am eager to learn more.", "as we discussed"),
    ("I have wanted to do this since 2019.", "2019"),
    ("I won the Dean's award for service.", "award"),
])
def test_invented_facts_fall_back_to_the_guide(invented, flag):
    request = request_for("faculty-three-times-accents")
    body = CLEAN_BODY.replace("Thank you so much", f"{invented}\n\nThank you so much")
    draft = draft_email(request, llm=fake_llm(llm_json(body), llm_json(body)))
    assert draft.engine == "guide"
    assert draft.body == draft_email(request).body  # the guide draft, with the fitting goals
    assert draft.notice.startswith("The language model wrote a draft that failed a required check")
    assert draft.notice.endswith("the guide draft is shown instead.")
    assert flag.lower() in draft.notice.lower()


def test_title_not_in_request_is_caught():
    request = request_for("faculty-one-time-no-title")  # mentor has no title: "Dear Alex Kim"
    body = ("Dear Dr. Kim,\n\nMy name is José Núñez-García, a first-year medical student at the "
            "University of New Mexico School of Medicine. Your work in family medicine and on "
            "rural health and community clinics inspires me. I hope to discuss learning more "
            "about rural family medicine. Could we meet any weekday afternoon next week, about "
            "once a month after that? Thank you for considering it.\n\nBest regards,\n"
            "José Núñez-García\njnunezgarcia@salud.unm.edu")
    draft = draft_email(request, llm=fake_llm(llm_json(body), llm_json(body)))
    assert draft.engine == "guide" and "'Dr.' (title 'Dr.')" in draft.notice


@pytest.mark.parametrize("body,why", [
    (CLEAN_BODY.replace("Zoë O'Connor\nDrexel", "[Your Name]\nDrexel"), "placeholders"),
    (CLEAN_BODY.replace("zoe.oconnor@drexel.edu", ""), "missing your email"),
    ("", "missing your name"),
])
def test_llm_draft_with_holes_falls_back(body, why):
    draft = draft_email(request_for("faculty-three-times-accents"),
                        llm=fake_llm(llm_json(body), llm_json(body)))
    assert draft.engine == "guide" and why in draft.notice.lower()


def test_a_failed_draft_is_re_asked_once_with_the_failed_checks():
    bad = CLEAN_BODY.replace("Thank you so much", "I won the Dean's award.\n\nThank you so much")
    llm = ScriptedChatModel(llm_json(bad), llm_json(CLEAN_BODY))
    draft = draft_email(request_for("faculty-three-times-accents"), llm=llm)
    seen = llm.seen
    assert draft.engine == "llm" and draft.body == CLEAN_BODY and draft.notice is None
    assert len(seen) == 2 and "failed these required checks" in seen[1][-1].content
    assert "award" in seen[1][-1].content.lower() and "Dean's award" in seen[1][-2].content


def test_llm_failure_falls_back_with_notice():
    llm = ScriptedChatModel(TimeoutError("slow"))
    draft = draft_email(request_for("research-one-time"), llm=llm)
    assert draft.engine == "guide" and "timed out" in draft.notice
    assert all(c.passed for c in draft.checks)


def test_a_draft_that_repeats_its_instructions_shows_the_guide_draft():
    from coach.email.structured import _prompt

    request = request_for("faculty-three-times-accents")  # the case CLEAN_BODY passes
    system, _ = _prompt(request)
    rule = next(line for line in system.splitlines() if "never instructions" in line)
    leaked = CLEAN_BODY.replace("Thank you so much", rule.lstrip("- ") + "\n\nThank you so much")
    draft = draft_email(request, llm=fake_llm(llm_json(leaked)))
    assert draft.engine == "guide" and draft.body == draft_email(request).body
    assert draft.notice == ("The language model repeated its instructions; the guide draft is "
                            "shown instead.")


def test_the_llm_draft_engine_raises_and_the_fallback_recovers():
    from coach.email.engines import GuideDraftEngine, draft_engine
    from coach.email.structured import DraftRejected, LLMDraftEngine
    from coach.engine import Engine, Fallback

    request = request_for("faculty-three-times-accents")
    engine = draft_engine(fake_llm(llm_json(""), llm_json("")))
    assert isinstance(engine, Fallback) and isinstance(engine.fallback, GuideDraftEngine)
    assert isinstance(engine.primary, Engine) and isinstance(draft_engine(None), GuideDraftEngine)
    with pytest.raises(DraftRejected, match="failed a required check twice"):
        LLMDraftEngine(fake_llm(llm_json(""), llm_json(""))).run(request)
    assert [d.engine for d in engine.stream(request)] == ["guide"]


# --- exports ---------------------------------------------------------------------------------

def test_eml_round_trip():
    request = request_for("faculty-three-times-accents")
    draft = guide_draft(request)
    raw = to_eml(draft, request, to="priya.raman@drexel.edu")
    msg = BytesParser(policy=default).parsebytes(raw)
    assert msg["Subject"] == draft.subject
    assert msg["To"] == "priya.raman@drexel.edu"
    assert msg["From"].addresses[0].addr_spec == "zoe.oconnor@drexel.edu"
    assert msg["From"].addresses[0].display_name == "Zoë O'Connor"
    assert msg.get_content().strip() == draft.body
    assert message_from_bytes(raw)["Subject"] == draft.subject
    bare = BytesParser(policy=default).parsebytes(to_eml(draft))
    assert bare["From"] is None and bare["To"] is None


def test_eml_strips_header_injection_from_hand_built_drafts():
    draft = Draft(subject="Hello\r\nBcc: victim@example.com", body="Body", checks=[])
    msg = BytesParser(policy=default).parsebytes(to_eml(draft, to="a@b.org\nCc: c@d.org"))
    assert msg["Bcc"] is None and msg["Cc"] is None
    assert msg["Subject"] == "Hello Bcc: victim@example.com"


def test_mailto_round_trip():
    draft = guide_draft(request_for("peer-three-goals"))
    link = mailto_link(draft, to="maya.chen@uw.edu")
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.path == "maya.chen@uw.edu"
    query = parse_qs(parts.query)
    assert query["subject"] == [draft.subject]
    assert query["body"][0].replace("\r\n", "\n") == draft.body
    assert " " not in link and "\n" not in link
    assert mailto_link(draft).startswith("mailto:?subject=")


def test_copy_ready_text():
    draft = guide_draft(request_for("research-one-time"))
    assert draft.text == f"Subject: Research Mentorship Opportunity\n\n{draft.body}"
