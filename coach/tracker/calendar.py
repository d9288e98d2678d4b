"""Reminders as an iCalendar (.ics) file, with the `icalendar` package."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from coach.tracker.models import Tracker
from coach.tracker.reminders import reminders

TITLES = {"follow_up": "Follow up with {name}", "thank_you": "Send a thank-you to {name}",
          "prepare": "Thank {name} for the meeting", "send": "Email {name}"}


def to_ics(tracker: Tracker, today: date | None = None) -> bytes:
    """One all-day event (with a morning alert) per dated next step; undated ones are skipped.
    A reminder already due is placed on `today`, so it shows up in the calendar now."""
    today = today or date.today()
    cal = Calendar()
    cal.add("prodid", "-//Mentor Coach//Outreach tracker//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Mentorship follow-ups")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in reminders(tracker, today):
        if item.due is None:
            continue
        day = max(item.due, today)
        event = Event()
        uid = hashlib.sha256(f"{item.name}|{item.action}|{item.due}".encode()).hexdigest()[:24]
        event.add("uid", f"{uid}@mentor-coach")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", TITLES[item.action].format(name=item.name))
        event.add("description", f"{item.next_step}\n\nFrom the AMWA guide: {item.guide}")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", TITLES[item.action].format(name=item.name))
        alarm.add("trigger", timedelta(hours=9))
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
