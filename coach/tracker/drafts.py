"""One-click follow-up and thank-you drafts for a tracker entry, with the existing email engine."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from coach.email.drafting import Draft, draft_email
from coach.email.request import parse_request
from coach.errors import InputError
from coach.tracker.models import Entry, Profile, Tracker

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# The email engine's kinds: a resident or faculty ask follows up the same way.
DRAFT_KINDS = ("follow_up", "thank_you")


def _missing(profile: Profile, entry: Entry, kind: str) -> list[str]:
    """The labels (as the student sees them) of what a draft still needs."""
    need = {"Your name": profile.name, "Year": profile.year, "School": profile.school,
            "Your email": profile.email, "Your goals": profile.goals,
            f"Their field ({entry.name})": entry.field,
            f"Their work you admire ({entry.name})": entry.focus}
    if kind == "follow_up":
        need["Times you are free"] = profile.times
    return [label for label, value in need.items() if not value]


def default_kind(entry: Entry) -> str:
    """A thank-you once they replied (yes, no or a meeting); a follow-up otherwise."""
    return "thank_you" if entry.status in ("meeting set", "said yes", "said no") else "follow_up"


def request_for(tracker: Tracker, entry: Entry, kind: str, today: date) -> dict:
    """The outreach request (coach.email.request) for a follow-up or thank-you to `entry`."""
    if kind not in DRAFT_KINDS:
        raise InputError(f"Kind of draft must be one of {', '.join(DRAFT_KINDS)}.")
    if missing := _missing(tracker.student, entry, kind):
        raise InputError("To draft this email, fill in: " + ", ".join(missing) + ".")
    profile = tracker.student
    data = {"kind": kind,
            "student": {"name": profile.name, "year": profile.year, "school": profile.school,
                        "email": profile.email, "goals": profile.goals},
            "mentor": {"name": entry.name, "field": entry.field, "focus": entry.focus},
            "times": profile.times}
    if entry.role:
        data["mentor"]["title"] = entry.role
    sent = entry.last_follow_up or entry.date_sent
    if kind == "follow_up" and sent and (days := (today - sent).days) > 0:
        data["context"] = f"I emailed {days} day{'s' if days != 1 else ''} ago."
    return data


def draft_for(tracker: Tracker, name: str, kind: str | None = None, today: date | None = None,
              llm: BaseChatModel | None = None) -> Draft:
    """Draft the follow-up (or thank-you) for the tracker entry called `name`."""
    entry = tracker.find(name)
    kind = kind or default_kind(entry)
    data = request_for(tracker, entry, kind, today or date.today())
    return draft_email(parse_request(data), llm=llm)
