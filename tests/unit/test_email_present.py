"""The one presenter for drafts and checklists: JSON, Markdown and terminal text agree."""

from __future__ import annotations

from coach.email.check import Check
from coach.email.drafting import Draft, SafetyStop
from coach.email.present import (
    checklist_json,
    checklist_markdown,
    checklist_text,
    draft_json,
    draft_markdown,
    draft_text,
    stop_json,
)

CHECKS = [Check(id="greeting", passed=True, evidence="Opening line: 'Dear Dr. Raman,'",
                section="Finding faculty mentors"),
          Check(id="tone", passed=False, evidence="Tone: casual '<b>hey</b>'.",
                tip="Stay respectful.", section="Characteristics of mentors and mentees")]
DRAFT = Draft(subject="Request *now*", body="Dear Dr. Raman,\n\nThanks.", checks=CHECKS,
              not_used=["your role <i>president</i>"])


def test_the_checklist_in_three_renderings():
    assert checklist_json(CHECKS)[1] == {"id": "tone", "passed": False, "tip": "Stay respectful.",
                                         "evidence": "Tone: casual '<b>hey</b>'.",
                                         "section": "Characteristics of mentors and mentees"}
    assert checklist_json(checklist_json(CHECKS)) == checklist_json(CHECKS)  # dicts accepted
    markdown = checklist_markdown(CHECKS)
    assert markdown.startswith("**1 of 2 checks pass.**")
    assert "- ✓ **Greeting by name**" in markdown and "✗ Missing: **Respectful tone**" in markdown
    assert "<b>" not in markdown and "Tip: Stay respectful." in markdown
    assert checklist_markdown([]) == "*No checks yet.*"
    text = checklist_text(CHECKS).splitlines()
    assert text[0] == "Checklist (1 of 2 passed):"
    assert text[2] == "  ✗ tone: Tone: casual '<b>hey</b>'."
    assert text[3] == "      Tip: Stay respectful. (Guide: Characteristics of mentors and mentees)"


def test_a_draft_in_three_renderings():
    data = draft_json(DRAFT)
    assert data["text"] == "Subject: Request *now*\n\nDear Dr. Raman,\n\nThanks."
    assert data["checks"] == checklist_json(CHECKS) and data["engine"] == "guide"
    full, review = draft_markdown(DRAFT), draft_markdown(DRAFT, with_text=False)
    assert full.startswith("**Subject:** Request \\*now\\*") and full.endswith(review)
    assert "Thanks." not in review and "**Not used in this draft:**" in review
    assert "<i>" not in review and checklist_markdown(CHECKS) in review
    assert draft_text(DRAFT) == (f"{DRAFT.text}\n\nNot used: your role <i>president</i>\n"
                                 + checklist_text(CHECKS))


def test_a_safety_stop_replaces_the_draft():
    assert stop_json(SafetyStop("Call 988.", kind="crisis")) == {"kind": "crisis",
                                                                  "response": "Call 988."}
