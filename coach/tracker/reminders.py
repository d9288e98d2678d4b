"""What is due next per tracker entry: follow-ups after N days, thank-yous, the guide's advice."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError

from coach.errors import ConfigError
from coach.tracker.models import STATUSES, Entry, Tracker

Action = Literal["send", "follow_up", "prepare", "thank_you"]
MAX_NUDGES = 2  # after two unanswered follow-ups, suggest widening the search as well


class StatusAdvice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    action: Action
    next_step: str
    guide: str


class AdviceFile(RootModel[dict[str, StatusAdvice]]):
    pass


@lru_cache(maxsize=1)
def advice() -> dict[str, StatusAdvice]:
    """coach/tracker/advice.yaml, validated: one entry per status."""
    import yaml

    source = files("coach.tracker") / "advice.yaml"
    try:
        table = AdviceFile.model_validate(yaml.safe_load(source.read_text(encoding="utf-8"))).root
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"coach/tracker/advice.yaml: {'.'.join(map(str, first['loc']))}: "
                          f"{first['msg']}") from None
    if missing := set(STATUSES) - set(table):
        raise ConfigError(f"coach/tracker/advice.yaml: no advice for {sorted(missing)}")
    return table


class Reminder(BaseModel):
    """The next step for one entry, with its due date when it has one."""

    name: str
    status: str
    action: Action
    due: date | None
    is_due: bool
    days_waiting: int | None  # since the last email, for sent / no reply
    next_step: str
    guide: str


def reminder(entry: Entry, today: date, follow_up_days: int) -> Reminder:
    """The next step for `entry` on `today`."""
    tip = advice()[entry.status]
    due, waiting, step = None, None, entry.next_step
    if tip.action == "follow_up":
        last = entry.last_follow_up or entry.date_sent
        if last is None:
            step = step or "Add the date you sent your email, so the tracker can time a follow-up."
        else:
            waiting = (today - last).days
            due = last + timedelta(days=follow_up_days)
            if entry.follow_ups >= MAX_NUDGES and due <= today:
                step = step or ("You have followed up twice: one more polite note is fine, and "
                                "reach out to other mentors too.")
            elif due <= today:
                step = step or (f"No reply for {waiting} days: send a polite follow-up now "
                                "(Draft follow-up).")
    elif tip.action == "thank_you":
        due = today if entry.status == "said yes" else None  # "said no": a thank-you if wished
    elif tip.action == "prepare" and entry.meeting_date:
        due = entry.meeting_date + timedelta(days=1)  # the thank-you after the meeting
        if due <= today:
            step = step or "Send a thank-you for the meeting and a short update."
    step = step or tip.next_step.format(due=due.isoformat() if due else "then")
    is_due = due is not None and due <= today
    return Reminder(name=entry.name, status=entry.status, action=tip.action, due=due,
                    is_due=is_due, days_waiting=waiting, next_step=step, guide=tip.guide)


def reminders(tracker: Tracker, today: date | None = None) -> list[Reminder]:
    """Every entry's next step, soonest due first (undated ones last)."""
    today = today or date.today()
    found = [reminder(e, today, tracker.follow_up_days) for e in tracker.entries]
    return sorted(found, key=lambda r: (r.due is None, r.due or today, r.name.casefold()))


def due_reminders(tracker: Tracker, today: date | None = None) -> list[Reminder]:
    """Only the entries whose follow-up or thank-you is due on or before `today`."""
    return [r for r in reminders(tracker, today) if r.is_due]
