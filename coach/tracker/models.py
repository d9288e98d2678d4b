"""Tracker entries and the tracker file (YAML or JSON), validated with errors that name the
field the way the student sees it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.functional_validators import BeforeValidator

from coach.errors import InputError

Ask = Literal["faculty", "research", "peer", "resident"]
Status = Literal["planned", "sent", "no reply", "meeting set", "said yes", "said no"]
ASKS: tuple[str, ...] = get_args(Ask)
STATUSES: tuple[str, ...] = get_args(Status)
DEFAULT_FOLLOW_UP_DAYS = 8  # the guide: follow up if you haven't heard back; a week or so
MAX_ENTRIES = 200


def _line(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise ValueError("must be text")
    text = " ".join(str(value).split())
    if len(text) > 200:
        raise ValueError(f"is too long ({len(text)} characters; the limit is 200)")
    return text


def _lines(value: object) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else (value or [])
    if not isinstance(items, list):
        raise ValueError("must be a list of lines")
    return [t for t in (_line(v) for v in items) if t][:10]


Line = Annotated[str, BeforeValidator(_line)]
Lines = Annotated[list[str], BeforeValidator(_lines)]
# What each field is called on the Tracker tab and in the YAML file, for error messages.
LABELS = {"name": "Name", "role": "Role or title", "ask": "Kind of ask",
          "date_sent": "Date sent", "status": "Status", "next_step": "Next step",
          "email": "Their email", "field": "Their field", "focus": "Their work you admire",
          "follow_ups": "Follow-ups sent", "last_follow_up": "Last follow-up",
          "meeting_date": "Meeting date", "follow_up_days": "Follow up after (days)",
          "student": "Your details", "year": "Year", "school": "School", "goals": "Your goals",
          "times": "Times you are free", "entries": "Entry"}


class Entry(BaseModel):
    """One person the student contacted or plans to contact."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[Line, Field(min_length=1)]
    role: Line = ""
    ask: Ask = "faculty"
    date_sent: date | None = None
    status: Status = "planned"
    next_step: Line = ""
    email: Line = ""
    field: Line = ""
    focus: Line = ""
    follow_ups: int = Field(0, ge=0, le=20)
    last_follow_up: date | None = None
    meeting_date: date | None = None


class Profile(BaseModel):
    """The student's details used to sign follow-up and thank-you drafts."""

    model_config = ConfigDict(extra="forbid")
    name: Line = ""
    year: Line = ""
    school: Line = ""
    email: Line = ""
    goals: Lines = []
    times: Lines = []


class Tracker(BaseModel):
    """The whole tracker: settings, the student's details and the entries."""

    model_config = ConfigDict(extra="forbid")
    follow_up_days: int = Field(DEFAULT_FOLLOW_UP_DAYS, ge=1, le=60)
    student: Profile = Profile()
    entries: list[Entry] = Field(default_factory=list, max_length=MAX_ENTRIES)

    def find(self, name: str) -> Entry:
        """The entry whose name matches (case-insensitive); InputError naming the choices."""
        wanted = " ".join((name or "").split()).casefold()
        for entry in self.entries:
            if entry.name.casefold() == wanted:
                return entry
        known = ", ".join(e.name for e in self.entries) or "none yet"
        raise InputError(f"No one called '{name}' in the tracker (names: {known}).")


def _where(loc: tuple) -> str:
    parts = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else 'Entry'} {part + 1}"]
        elif part == "entries" and i + 1 < len(loc):
            parts.append("Entry")
        else:
            parts.append(LABELS.get(str(part), str(part)))
    return " → ".join(parts)


def parse_tracker(data: object, source: str = "tracker") -> Tracker:
    """Validate a tracker mapping; every problem becomes one InputError naming source and field."""
    if data is None:
        return Tracker()
    if isinstance(data, list):  # a bare list of entries is accepted too
        data = {"entries": data}
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping with 'entries' (a list of people).")
    try:
        return Tracker.model_validate(data)
    except ValidationError as exc:
        special = {"extra_forbidden": "unknown field (check the spelling)",
                   "literal_error": "must be one of {expected}",
                   "date_from_datetime_parsing": "must be a date like 2026-11-20",
                   "date_parsing": "must be a date like 2026-11-20",
                   "date_type": "must be a date like 2026-11-20"}
        problems = []
        for err in exc.errors():
            message = special.get(err["type"], err["msg"].removeprefix("Value error, "))
            problems.append(f"{_where(err['loc'])}: "
                            + message.format(**(err.get("ctx") or {"expected": ""})))
        raise InputError(f"{source}: " + "; ".join(problems)) from None


def load_tracker(path: str | Path) -> Tracker:
    """Read a YAML/JSON tracker file (a missing file is an empty tracker)."""
    import yaml

    path = Path(path)
    if not path.exists():
        return Tracker()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read it as YAML or JSON ({type(exc).__name__}).") \
            from None
    return parse_tracker(data, source=str(path))


def save_tracker(tracker: Tracker, path: str | Path) -> None:
    """Write the tracker as YAML (atomically, so an interrupted save loses nothing)."""
    import yaml

    path = Path(path)
    text = yaml.safe_dump(tracker.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
