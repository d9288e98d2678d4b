"""The guide's "Determining your goals" worksheet: goals per area, a mentorship team, and gaps.

Pure functions over pydantic models, so the web app (which keeps the plan in the student's
browser) and tests share one definition of what a gap is.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

# Areas named in "Determining your goals" and "Common reasons medical students seek mentorship".
AREAS: dict[str, str] = {
    "preclinical": "Pre-clinical academics",
    "clinical": "Clinical academics and rotations",
    "specialty": "Specialty choice",
    "research": "Research",
    "clinical_skills": "Clinical skills",
    "career": "Career and residency applications",
    "balance": "Balance and wellness",
    "outside": "Life outside medicine",
    "community": "Community service",
}
# "This might be a classmate, older student, resident or attending physician."
HELPERS: tuple[str, ...] = (
    "Faculty member", "Attending physician", "Resident", "Peer (classmate)", "Older student",
    "Research PI", "Advisor or dean", "Student organization", "Family or friend", "Other",
)
# Guide advice shown with the gaps: (section, quoted text).
ADVICE: tuple[tuple[str, str], ...] = (
    ("The TL;DR", "Aim to build a network of mentors. Different people for different things."),
    ("Characteristics of mentors and mentees",
     "Create a mentorship team: seek out different mentors for different goals."),
    ("The importance of mentorship",
     "Recognize the strengths and limitations of each potential mentor's skill set and look to "
     "fill the gaps with additional mentorship as needed."),
)
WORKSHEET: tuple[str, ...] = (
    "Which categories of mentorship are important to you?",
    "What goals do you have in the categories you determined important?",
    "What kind of people can help you accomplish these goals?",
)
MAX_TEAM = 30

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=600)]


class Goal(BaseModel):
    """One worksheet row: the student's goal in an area and who could help with it."""

    model_config = ConfigDict(extra="ignore")
    area: str
    goal: Long = ""
    helpers: list[Short] = []


class TeamMember(BaseModel):
    """Someone on the mentorship team and the areas they help with."""

    model_config = ConfigDict(extra="ignore")
    name: Short
    role: Short = ""
    helps_with: list[str] = []


class Plan(BaseModel):
    """The whole worksheet plus the profile the Email tab prefills from."""

    model_config = ConfigDict(extra="ignore")
    name: Short = ""
    year: Short = ""
    school: Short = ""
    goals: list[Goal] = []
    team: list[TeamMember] = Field(default=[], max_length=MAX_TEAM)


class Gap(BaseModel):
    """An area with a goal but nobody on the team who helps with it."""

    area: str
    label: str
    goal: str
    suggested: list[str]


def load_plan(data: object) -> Plan:
    """A Plan from a dict or JSON text; anything unreadable gives an empty plan."""
    if isinstance(data, str):
        try:
            data = json.loads(data) if data.strip() else {}
        except json.JSONDecodeError:
            data = {}
    try:
        return Plan.model_validate(data or {})
    except ValidationError:
        return Plan()


def set_goal(plan: Plan, area: str, goal: str, helpers: list[str] | None = None) -> Plan:
    """A copy of the plan with the goal for `area` replaced (an empty goal removes it)."""
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}")
    goals = [g for g in plan.goals if g.area != area]
    if goal.strip() or helpers:
        goals.append(Goal(area=area, goal=goal, helpers=helpers or []))
    goals.sort(key=lambda g: list(AREAS).index(g.area) if g.area in AREAS else len(AREAS))
    return plan.model_copy(update={"goals": goals})


def add_member(plan: Plan, name: str, role: str, helps_with: list[str]) -> Plan:
    """A copy of the plan with a team member added (or replaced, matched by name)."""
    member = TeamMember(name=name, role=role, helps_with=[a for a in helps_with if a in AREAS])
    if not member.name:
        raise ValueError("A team member needs a name.")
    team = [m for m in plan.team if m.name.casefold() != member.name.casefold()]
    if len(team) >= MAX_TEAM:
        raise ValueError(f"The team list holds at most {MAX_TEAM} people.")
    return plan.model_copy(update={"team": [*team, member]})


def remove_member(plan: Plan, name: str) -> Plan:
    """A copy of the plan without the named team member."""
    return plan.model_copy(update={"team": [m for m in plan.team
                                            if m.name.casefold() != name.strip().casefold()]})


def coverage(plan: Plan) -> dict[str, list[str]]:
    """For each area, the names of team members who help with it."""
    covered: dict[str, list[str]] = {area: [] for area in AREAS}
    for member in plan.team:
        for area in member.helps_with:
            covered.setdefault(area, []).append(member.name)
    return covered


def gaps(plan: Plan) -> list[Gap]:
    """Areas with a goal but nobody on the team who helps with it, in worksheet order."""
    covered = coverage(plan)
    return [
        Gap(area=g.area, label=AREAS.get(g.area, g.area), goal=g.goal,
            suggested=g.helpers or ["a mentor who has succeeded in this area"])
        for g in plan.goals
        if g.goal.strip() and not covered.get(g.area)
    ]


def goal_summary(plan: Plan) -> list[str]:
    """Short "Area: goal" lines, e.g. to prefill an outreach email."""
    return [f"{AREAS.get(g.area, g.area)}: {g.goal}" for g in plan.goals if g.goal.strip()]
