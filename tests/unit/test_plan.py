"""The goals worksheet: gaps, team edits, loading and a Markdown export that stays inert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.plan import present
from coach.plan import worksheet as p

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
GUIDE = KNOWLEDGE / "amwa-medical-student-mentorship-guide.md"
XSS = '<img src=x onerror="window.__xss=1">'


def sample() -> p.Plan:
    plan = p.Plan(name="Ana", year="MS2", school="State SOM")
    plan = p.set_goal(plan, "research", "Publish one first-author paper", ["Research PI"])
    plan = p.set_goal(plan, "balance", "Keep exercising three times a week")
    plan = p.set_goal(plan, "specialty", "")  # an empty goal is not a goal
    plan = p.add_member(plan, "Dr. Lee", "Research PI", ["research", "career"])
    return p.add_member(plan, "Sam", "Peer (classmate)", ["preclinical"])


def test_gaps_are_goals_with_nobody_on_the_team():
    plan = sample()
    found = p.gaps(plan)
    assert [g.area for g in found] == ["balance"]
    assert found[0].label == "Balance and wellness"
    assert found[0].goal == "Keep exercising three times a week"
    assert found[0].suggested  # a hint even when no helper kind was chosen

    covered = p.add_member(plan, "Jo", "Resident", ["balance"])
    assert p.gaps(covered) == []
    assert p.coverage(covered)["balance"] == ["Jo"]
    assert p.gaps(p.remove_member(covered, "jo"))[0].area == "balance"


def test_goal_with_helpers_but_no_team_is_a_gap_listing_the_helpers():
    plan = p.set_goal(p.Plan(), "clinical_skills", "Better presentations", ["Resident"])
    assert [(g.area, g.suggested) for g in p.gaps(plan)] == [("clinical_skills", ["Resident"])]
    assert p.gaps(p.Plan()) == []


def test_set_goal_replaces_and_keeps_worksheet_order():
    plan = p.set_goal(p.Plan(), "community", "Volunteer monthly")
    plan = p.set_goal(plan, "preclinical", "Pass block exams")
    plan = p.set_goal(plan, "community", "Lead a clinic day")
    assert [(g.area, g.goal) for g in plan.goals] == [
        ("preclinical", "Pass block exams"), ("community", "Lead a clinic day")]
    assert p.set_goal(plan, "community", "").goals[-1].area == "preclinical"
    with pytest.raises(ValueError):
        p.set_goal(plan, "astrology", "x")


def test_add_member_replaces_by_name_drops_unknown_areas_and_needs_a_name():
    plan = p.add_member(p.Plan(), "Sam", "Peer", ["research", "nonsense"])
    plan = p.add_member(plan, "SAM", "Older student", ["balance"])
    assert [(m.name, m.role, m.helps_with) for m in plan.team] == [
        ("SAM", "Older student", ["balance"])]
    with pytest.raises(ValueError):
        p.add_member(plan, "   ", "Peer", [])


def test_load_plan_round_trips_and_tolerates_junk():
    plan = sample()
    assert p.load_plan(plan.model_dump_json()) == plan
    assert p.load_plan(json.loads(plan.model_dump_json())) == plan
    assert p.load_plan("not json") == p.Plan()
    assert p.load_plan({"team": "oops"}) == p.Plan()
    assert p.load_plan(None) == p.Plan()


def test_markdown_export_has_goals_team_gaps_and_guide_advice():
    text = present.to_markdown(sample())
    assert "Publish one first\\-author paper" not in text  # hyphens are left alone
    for expected in ("# My mentorship plan", "Ana, MS2, State SOM",
                     "Publish one first-author paper", "Dr. Lee", "Research PI", "Sam", "## Gaps",
                     "Balance and wellness",
                     "Create a mentorship team", "Aim to build a network of mentors"):
        assert expected in text
    assert "Research PI" in text.split("## Mentorship team")[1]


def test_markdown_export_neutralises_html_and_markdown_in_user_text():
    plan = p.Plan(name=XSS, school="<script>window.__xss=1</script>")
    plan = p.set_goal(plan, "research",
                      "![t](http://evil.example/x.png) [click](javascript:alert(1))")
    plan = p.add_member(plan, "Eve | *bold*\n# heading", "`code`", ["research"])
    text = present.to_markdown(plan)
    assert "<img" not in text and "<script" not in text
    assert "&lt;img src=x onerror=&quot;window.\\_\\_xss=1&quot;&gt;" in text
    assert "![t](" not in text and "[click](" not in text
    assert "\\!" not in text  # escaped brackets are enough to stop images and links
    assert "\\[t\\]" in text and "\\*bold\\*" in text and "\\|" in text and "\\`code\\`" in text
    assert "\n# heading" not in text  # newlines in user text cannot start Markdown blocks


def test_guide_advice_is_quoted_from_the_guide():
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split()).casefold()
    assert "create a mentorship team: seek out different mentors for different goals." in guide
    assert "aim to build a network of mentors" in guide
    assert "different people for different things" in guide
    assert "look to fill the gaps with additional mentorship as needed" in guide
    sections = {line[3:].strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()
                if line.startswith("## ")}
    assert {section for section, _ in p.ADVICE} <= sections


def test_one_presenter_renders_the_page_the_terminal_and_json_alike():
    plan = sample()
    team, gaps_md = present.team_markdown(plan), present.gaps_markdown(plan)
    document, text, data = present.to_markdown(plan), present.to_text(plan), present.to_json(plan)
    for line in team.splitlines():  # the tab's team list is the document's team section
        assert line in document
    found = p.gaps(plan)
    assert found and all(g.label in gaps_md and g.label in text for g in found)
    assert "**" not in text and "Dr. Lee" in text and "Publish one first-author paper" in text
    assert [g["label"] for g in data["gaps"]] == [g.label for g in found]
    assert p.load_plan({k: v for k, v in data.items() if k != "gaps"}) == plan
    assert "Nobody on your team yet" in present.team_markdown(p.Plan())
    assert "(nobody yet)" in present.to_text(p.Plan())
