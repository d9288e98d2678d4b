"""The outreach tracker: who the student contacted, what is due next, follow-up drafts, .ics.

Plain functions over pydantic models; the CLI (`coach tracker`), the API and the Tracker tab
are thin shells over them. The tracker itself lives in the student's file or browser.
"""

from coach.tracker.models import Entry, Profile, Tracker, load_tracker, parse_tracker
from coach.tracker.reminders import Reminder, due_reminders, reminders

__all__ = ["Entry", "Profile", "Reminder", "Tracker", "due_reminders", "load_tracker",
           "parse_tracker", "reminders"]
