"""Changes to a tracker, each returning a new Tracker (the caller stores it)."""

from __future__ import annotations

from datetime import date

from coach.errors import InputError
from coach.tracker.models import MAX_ENTRIES, Entry, Tracker, parse_tracker


def upsert(tracker: Tracker, entry: dict | Entry) -> Tracker:
    """Add the person, or replace the entry with the same name."""
    data = entry.model_dump() if isinstance(entry, Entry) else dict(entry)
    checked = parse_tracker({"entries": [data]}, source="New entry").entries[0]
    others = [e for e in tracker.entries if e.name.casefold() != checked.name.casefold()]
    if len(others) >= MAX_ENTRIES:
        raise InputError(f"The tracker holds at most {MAX_ENTRIES} people.")
    replaced = len(others) < len(tracker.entries)
    entries = [checked if e.name.casefold() == checked.name.casefold() else e
               for e in tracker.entries] if replaced else [*tracker.entries, checked]
    return tracker.model_copy(update={"entries": entries})


def remove(tracker: Tracker, name: str) -> Tracker:
    """Without the entry called `name` (InputError if there is none)."""
    entry = tracker.find(name)
    return tracker.model_copy(update={"entries": [e for e in tracker.entries if e is not entry]})


def record_follow_up(tracker: Tracker, name: str, today: date | None = None) -> Tracker:
    """Note that a follow-up went out today: the next one is timed from now."""
    entry = tracker.find(name)
    status = "no reply" if entry.status in ("sent", "planned") else entry.status
    updated = entry.model_copy(update={"follow_ups": entry.follow_ups + 1, "status": status,
                                       "last_follow_up": today or date.today()})
    return tracker.model_copy(update={"entries": [updated if e is entry else e
                                                  for e in tracker.entries]})
