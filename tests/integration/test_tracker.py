"""The outreach tracker: validation, follow-ups due, said-no advice, drafts, .ics, the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from coach.cli import main
from coach.errors import InputError
from coach.tracker import due_reminders, parse_tracker, reminders
from coach.tracker.calendar import to_ics
from coach.tracker.drafts import draft_for
from coach.tracker.edit import record_follow_up, remove, upsert
from coach.tracker.reminders import advice

TODAY = date(2026, 11, 30)
STUDENT = {"name": "Ana Diaz", "year": "MS2", "school": "Drexel University",
           "email": "ana@example.edu", "goals": ["research in cardiology"],
           "times": ["Tuesday 3-4 pm"]}
RAMAN = {"name": "Dr. Priya Raman", "role": "Cardiology attending", "field": "cardiology",
         "focus": "heart failure outcomes", "status": "sent",
         "date_sent": (TODAY - timedelta(days=10)).isoformat()}


def tracker(*entries: dict, days: int = 8):
    return parse_tracker({"follow_up_days": days, "student": STUDENT, "entries": list(entries)})


def test_sent_ten_days_ago_is_due_and_five_days_ago_is_not():
    recent = {**RAMAN, "name": "Dr. Kim", "date_sent": (TODAY - timedelta(days=5)).isoformat()}
    items = {r.name: r for r in reminders(tracker(RAMAN, recent), TODAY)}
    assert items["Dr. Priya Raman"].is_due and items["Dr. Priya Raman"].days_waiting == 10
    assert items["Dr. Priya Raman"].due == TODAY - timedelta(days=2)
    assert "follow-up" in items["Dr. Priya Raman"].next_step
    assert not items["Dr. Kim"].is_due and items["Dr. Kim"].due == TODAY + timedelta(days=3)
    assert [r.name for r in due_reminders(tracker(RAMAN, recent), TODAY)] == ["Dr. Priya Raman"]


def test_follow_up_days_is_configurable():
    assert not due_reminders(tracker(RAMAN, days=14), TODAY)
    assert due_reminders(tracker(RAMAN, days=7), TODAY)
    with pytest.raises(InputError, match="Follow up after"):
        parse_tracker({"follow_up_days": 0})


def test_recorded_follow_up_restarts_the_clock():
    after = record_follow_up(tracker(RAMAN), "dr. priya raman", TODAY)
    entry = after.find("Dr. Priya Raman")
    assert entry.follow_ups == 1 and entry.status == "no reply"
    assert not due_reminders(after, TODAY)
    assert due_reminders(after, TODAY + timedelta(days=8))


def test_said_no_gets_the_guides_advice():
    item = reminders(tracker({"name": "Sam Lee", "status": "said no"}), TODAY)[0]
    assert "don't take it personally" in item.guide and "schedule" in item.guide
    assert not item.is_due


def test_every_guide_quote_is_in_the_guide():
    guide = " ".join(p.read_text() for p in Path("knowledge").glob("*.md")) if Path(
        "knowledge").exists() else ""
    if not guide:
        root = Path(__file__).resolve().parents[2] / "knowledge"
        guide = " ".join(p.read_text() for p in root.glob("*.md"))
    for status, tip in advice().items():
        assert tip.guide in guide, status


def test_errors_name_the_file_and_the_field():
    with pytest.raises(InputError) as err:
        parse_tracker({"entries": [{"name": "X", "status": "waiting", "date_sent": "soon"}]},
                      source="tracker.yaml")
    text = str(err.value)
    assert text.startswith("tracker.yaml: ") and "Entry 1 → Status" in text
    assert "Entry 1 → Date sent: must be a date" in text


def test_upsert_replaces_by_name_and_remove():
    t = upsert(tracker(RAMAN), {"name": "dr. priya raman", "status": "meeting set"})
    assert len(t.entries) == 1 and t.entries[0].status == "meeting set"
    t = upsert(t, {"name": "Sam Lee", "ask": "peer"})
    assert [e.name for e in remove(t, "Sam Lee").entries] == ["dr. priya raman"]
    with pytest.raises(InputError, match="No one called"):
        remove(t, "Nobody")


def test_follow_up_draft_uses_the_email_engine_and_the_days():
    draft = draft_for(tracker(RAMAN), "Dr. Priya Raman", today=TODAY)
    assert draft.subject.startswith("Following Up")
    assert "Dear Dr. Raman" in draft.body and "10 days ago" in draft.body
    assert "Ana Diaz" in draft.body


def test_thank_you_after_a_yes_and_missing_details_named_by_label():
    yes = {**RAMAN, "status": "said yes"}
    assert draft_for(tracker(yes), "Dr. Priya Raman", today=TODAY).subject.startswith("Thank")
    bare = parse_tracker({"entries": [RAMAN]})
    with pytest.raises(InputError, match="Your name, Year, School, Your email"):
        draft_for(bare, "Dr. Priya Raman", today=TODAY)


def test_ics_parses_back_with_the_due_follow_up():
    cal = Calendar.from_ical(to_ics(tracker(RAMAN, {"name": "Sam Lee", "status": "said no"}),
                                    TODAY))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1  # "said no" has no dated reminder
    event = events[0]
    assert str(event["summary"]) == "Follow up with Dr. Priya Raman"
    assert event.decoded("dtstart") == TODAY  # overdue: placed on today
    assert list(event.walk("VALARM"))


def test_cli_add_due_draft_and_ics(tmp_path, capsys):
    path = tmp_path / "tracker.yaml"
    path.write_text(yaml.safe_dump({"student": STUDENT}))
    assert main(["tracker", "--file", str(path), "--add", json.dumps(RAMAN),
                 "--today", TODAY.isoformat(), "--due", "--ics", str(tmp_path / "r.ics")]) == 0
    out = capsys.readouterr().out
    assert "DUE  Dr. Priya Raman" in out
    assert Calendar.from_ical((tmp_path / "r.ics").read_bytes()).walk("VEVENT")
    assert main(["tracker", "--file", str(path), "--draft", "Dr. Priya Raman", "--engine",
                 "guide", "--today", TODAY.isoformat()]) == 0
    assert "Following Up" in capsys.readouterr().out
    assert main(["tracker", "--file", str(path), "--json", "--today", TODAY.isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)[0]["is_due"] is True


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "tracker.yaml"
    path.write_text("entries:\n  - name: X\n    status: maybe\n")
    assert main(["tracker", "--file", str(path)]) == 2
    assert "Status: must be one of" in capsys.readouterr().err
    assert main(["tracker", "--file", str(tmp_path / "none.yaml")]) == 2
