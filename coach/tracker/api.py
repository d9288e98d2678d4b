"""The tracker's `gradio_client` endpoints: plain JSON in, plain JSON out, nothing stored.

The caller sends the whole tracker each time (the app keeps it in the browser), so the server
never holds who a student wrote to. Documented in docs/API.md.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from coach.errors import InputError
from coach.tracker.models import Tracker, parse_tracker

MAX_JSON_CHARS = 200_000


def parse_today(value: str | None) -> date:
    """'' -> today; 'YYYY-MM-DD' -> that date; anything else is an InputError."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"today: '{value}' is not a date like 2026-11-20.") from None


def tracker_from_json(value: object) -> Tracker:
    """A tracker from a JSON string (or already-decoded mapping / list of entries)."""
    if isinstance(value, str):
        if len(value) > MAX_JSON_CHARS:
            raise InputError(f"tracker_json is too large ({len(value):,} characters).")
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError as exc:
            raise InputError(f"tracker_json: not valid JSON ({exc.msg}).") from None
    return parse_tracker(value, source="tracker_json")


def make_tracker_api(llm: Any = None) -> dict:
    """The three endpoint functions (llm: the coach's chat model, None = guide drafts)."""
    from coach.tracker.calendar import to_ics
    from coach.tracker.drafts import draft_for
    from coach.tracker.reminders import reminders

    def tracker_next_steps(tracker_json: str, today: str = "") -> list[dict]:
        """Each person's next step, follow-ups due first: name, status, action, due, is_due,
        days_waiting, next_step, guide (the AMWA guide's advice for that status)."""
        return [r.model_dump(mode="json")
                for r in reminders(tracker_from_json(tracker_json), parse_today(today))]

    def tracker_draft(tracker_json: str, name: str, kind: str = "", today: str = "") -> dict:
        """The follow-up (or thank-you) email for the person called `name`."""
        from coach.email.present import draft_json

        draft = draft_for(tracker_from_json(tracker_json), name, kind or None,
                          parse_today(today), llm=llm)
        return draft_json(draft)

    def tracker_ics(tracker_json: str, today: str = "") -> str:
        """The reminders as an iCalendar (.ics) text."""
        return to_ics(tracker_from_json(tracker_json), parse_today(today)).decode("utf-8")

    return {"tracker_next_steps": tracker_next_steps, "tracker_draft": tracker_draft,
            "tracker_ics": tracker_ics}
