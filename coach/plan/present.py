"""The plan's one presenter: Markdown (the page and the download), terminal text and JSON."""

from __future__ import annotations

from coach.markdown import md_text
from coach.plan.worksheet import ADVICE, AREAS, Gap, Plan, TeamMember, coverage, gaps


def member_line(member: TeamMember) -> str:
    """"- **Dr. Lee** (faculty mentor): Research, Career"."""
    return (f"- **{md_text(member.name)}**" + (f" ({md_text(member.role)})" if member.role else "")
            + (": " + ", ".join(md_text(AREAS.get(a, a)) for a in member.helps_with)
               if member.helps_with else ""))


def gap_line(gap: Gap) -> str:
    return (f"- **{md_text(gap.label)}** ({md_text(gap.goal)}): look for "
            f"{md_text(', '.join(gap.suggested))}")


def team_markdown(plan: Plan) -> str:
    """The team list on the My plan tab."""
    if not plan.team:
        return "*Nobody on your team yet. Add a mentor, peer or advisor below.*"
    return "\n".join(member_line(m) for m in plan.team)


def gaps_markdown(plan: Plan) -> str:
    """The gaps with who could help, then the guide's advice on building a team."""
    found = gaps(plan)
    if not [g for g in plan.goals if g.goal.strip()]:
        lines = ["*Write a goal in at least one area to see where your team has gaps.*"]
    elif not found:
        covered = coverage(plan)
        lines = ["✓ **No gaps:** every goal has someone on your team."] + [
            f"- {md_text(AREAS[g.area])}: {md_text(', '.join(covered[g.area]))}"
            for g in plan.goals if g.goal.strip() and g.area in covered]
    else:
        lines = [f"**{len(found)} goal(s) with nobody on your team yet:**"] + [
            gap_line(g) for g in found]
    lines.append("")
    lines += [f"> {text} *({section})*\n" for section, text in ADVICE]
    return "\n".join(lines)


def to_markdown(plan: Plan) -> str:
    """The plan as a Markdown document the student can download and keep."""
    who = ", ".join(md_text(x) for x in (plan.name, plan.year, plan.school) if x)
    lines = ["# My mentorship plan", ""]
    if who:
        lines += [f"**Student:** {who}", ""]
    lines += ["## Goals", ""]
    goals = [g for g in plan.goals if g.goal.strip()]
    lines += [f"- **{md_text(AREAS.get(g.area, g.area))}:** {md_text(g.goal)}"
              + (f" — *who could help:* {md_text(', '.join(g.helpers))}" if g.helpers else "")
              for g in goals] or ["- (no goals yet)"]
    lines += ["", "## Mentorship team", ""]
    lines += [member_line(m) for m in plan.team] or ["- (nobody yet)"]
    lines += ["", "## Gaps", ""]
    lines += [gap_line(g) for g in gaps(plan)] or ["- None: every goal has someone on the team."]
    lines += ["", "## From the AMWA guide", ""]
    for section, text in ADVICE:
        lines += [f"> {text} *({section})*", ""]
    return "\n".join(lines)


def to_text(plan: Plan) -> str:
    """The plan for a terminal: the same sections, no Markdown."""
    lines = ["My mentorship plan", "", "Goals:"]
    lines += [f"  {AREAS.get(g.area, g.area)}: {g.goal}" for g in plan.goals if g.goal.strip()] \
        or ["  (no goals yet)"]
    lines += ["", "Mentorship team:"]
    lines += [f"  {m.name}" + (f" ({m.role})" if m.role else "") for m in plan.team] \
        or ["  (nobody yet)"]
    found = gaps(plan)
    lines += ["", "Gaps:"] + ([f"  {g.label} ({g.goal}): look for {', '.join(g.suggested)}"
                               for g in found] or ["  None: every goal has someone on the team."])
    return "\n".join(lines)


def to_json(plan: Plan) -> dict:
    """The plan as the JSON the browser stores, plus its gaps."""
    return {**plan.model_dump(mode="json"),
            "gaps": [g.model_dump(mode="json") for g in gaps(plan)]}
