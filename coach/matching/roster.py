"""The questionnaire: one validated row per student, read from a board's CSV export.

Bad rows never vanish: each becomes a `RowError` (row number, field, message, the raw values)
kept aside in `Roster.errors`, while every good row is matched.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.functional_validators import BeforeValidator

from coach.email.check import EMAIL_RE
from coach.errors import InputError

MAX_BYTES, MAX_ROWS, LINE_MAX, TEXT_MAX, TAGS_MAX = 5_000_000, 5_000, 120, 1_000, 15
TEMPLATE = Path(__file__).with_name("template.csv")
REQUIRED_COLUMNS = ("name", "class_year", "role")
# A forms tool exports the question text as the header: normalised header -> our column.
ALIASES = {
    "full_name": "name", "your_name": "name", "email_address": "email", "school_email": "email",
    "class": "class_year", "year": "class_year", "class_year": "class_year",
    "role_sought": "role", "mentor_or_mentee": "role", "undergrad": "undergraduate_school",
    "undergraduate": "undergraduate_school", "where_did_you_go_to_school": "undergraduate_school",
    "what_matters_to_you": "what_matters", "things_that_are_important_to_you": "what_matters",
    "favorite_things": "favourite_things", "favorite_things_to_do": "favourite_things",
    "favourite_things_to_do": "favourite_things", "goals_as_mentor_or_mentee": "goals",
    "interests_specialties": "interests", "specialties": "interests", "opt_out": "opt_out",
}
IGNORED = {"timestamp", "submitted_at", "score"}
PREFERENCES = {"same school": ("school", "undergrad", "college"),
               "shared background": ("background", "identity", "like me"),
               "shared interests": ("interest", "specialt", "field"),
               "same availability": ("availab", "schedule", "time")}
_NONE = {"", "none", "no preference", "no preferences", "n/a", "na", "-"}
_YEAR = re.compile(r"(?:ms|m|year|yr|class)?[\s-]*(?:([1-6])(?:st|nd|rd|th)?|(first|second|third|"
                   r"fourth|fifth|sixth))(?:[\s-]*(?:year|yr))?(?:\s+(?:medical\s+)?student)?",
                   re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _text(limit: int):
    def clean(value: object) -> str:
        text = unicodedata.normalize("NFC", "" if value is None else str(value))
        text = " ".join(_CONTROL.sub(" ", text.replace("\n", " ").replace("\r", " ")).split())
        if len(text) > limit:
            raise ValueError(f"is too long ({len(text)} characters; the limit is {limit})")
        return text
    return BeforeValidator(clean)


def _tags(value: object) -> list[str]:
    """'Pediatrics; global health, EM' -> ['pediatrics', 'global health', 'em'] (order kept)."""
    items = value if isinstance(value, list) else re.split(r"[;,\n|]", str(value or ""))
    tags = list(dict.fromkeys(" ".join(str(i).lower().split()) for i in items))
    tags = [t for t in tags if t and t not in _NONE]
    if len(tags) > TAGS_MAX:
        raise ValueError(f"has {len(tags)} items; the limit is {TAGS_MAX}")
    if any(len(t) > LINE_MAX for t in tags):
        raise ValueError(f"has an item over {LINE_MAX} characters")
    return tags


Line = Annotated[str, _text(LINE_MAX)]
Text = Annotated[str, _text(TEXT_MAX)]
Tags = Annotated[list[str], BeforeValidator(_tags)]


class StudentRow(BaseModel):
    """One student's questionnaire answers (the columns of template.csv)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Line = Field(min_length=1)
    email: Line = ""
    class_year: int = Field(ge=1, le=6)
    role: Literal["mentor", "mentee", "both"]
    undergraduate_school: Line = ""
    what_matters: Text = ""
    favourite_things: Text = ""
    goals: Text = ""
    interests: Tags = []
    background: Tags = []
    availability: Tags = []
    preferences: list[str] = []
    capacity: int = Field(default=1, ge=0, le=10)
    opt_out: bool = False

    @field_validator("name")
    @classmethod
    def _has_letters(cls, v: str) -> str:
        if not re.search(r"[^\W\d_]", v):
            raise ValueError("must contain letters")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not EMAIL_RE.fullmatch(v):
            raise ValueError(f"'{v}' is not a valid email address")
        return v

    @field_validator("class_year", mode="before")
    @classmethod
    def _year(cls, v: object) -> int:
        match = _YEAR.fullmatch(str(v or "").strip())
        if not match:
            raise ValueError(f"'{v}' is not a class year: use MS1, MS2, MS3 or MS4")
        return int(match.group(1)) if match.group(1) else _ORDINAL[match.group(2).lower()]

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: object) -> str:
        text = str(v or "").strip().lower()
        found = [r for r in ("both", "mentee", "mentor") if r in text]
        if not text or not found or ("mentor" in found and "mentee" in found):
            raise ValueError(f"'{v}' is not a role: use mentor, mentee or both")
        return found[0]

    @field_validator("preferences", mode="before")
    @classmethod
    def _preferences(cls, v: object) -> list[str]:
        chosen = []
        for item in _tags(v):
            hits = [p for p, keys in PREFERENCES.items() if any(k in item for k in keys)]
            if not hits:
                raise ValueError(f"'{item}' is not a known preference: use "
                                 + ", ".join(PREFERENCES) + " (separated by ';')")
            chosen += hits
        return list(dict.fromkeys(chosen))

    @field_validator("capacity", mode="before")
    @classmethod
    def _capacity(cls, v: object) -> object:
        return 1 if v is None or str(v).strip() == "" else v

    @field_validator("opt_out", mode="before")
    @classmethod
    def _opt_out(cls, v: object) -> bool:
        text = str(v or "").strip().lower()
        if text in ("", "no", "n", "false", "0"):
            return False
        if text in ("yes", "y", "true", "1", "opt out", "opt-out"):
            return True
        raise ValueError(f"'{v}' must be yes or no")

    @property
    def key(self) -> str:
        """How the board names this student in fixed/forbidden pairs (case-insensitive)."""
        return " ".join(self.name.lower().split())

    @property
    def profile_text(self) -> str:
        """The free text that is embedded: values, favourite things, goals, interests."""
        parts = [self.what_matters, self.favourite_things, self.goals, "; ".join(self.interests)]
        return ". ".join(p for p in parts if p) or self.name


class RowError(BaseModel):
    """A row kept aside: where it is, what is wrong, and its values so nothing is lost."""

    row: int  # the line number in the file (the header is line 1)
    name: str = ""
    problems: list[str]
    values: dict[str, str]

    @property
    def message(self) -> str:
        who = f" ({self.name})" if self.name else ""
        return f"Row {self.row}{who}: " + "; ".join(self.problems)


class Roster(BaseModel):
    """The good rows, the rows kept aside with their errors, and columns that were ignored."""

    students: list[StudentRow]
    errors: list[RowError] = []
    ignored_columns: list[str] = []


def column_name(header: str) -> str:
    """A forms tool's header ('What matters to you?') -> our column name ('what_matters')."""
    key = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKC", header).lower()).strip("_")
    key = ALIASES.get(key, key)
    fields = StudentRow.model_fields
    if key not in fields:  # 'Class year (MS1/MS2)' -> 'class_year'
        key = next((f for f in fields if key.startswith(f + "_")), key)
    return key


def parse_roster(text: str) -> Roster:
    """Validate a CSV text; file-level problems raise `InputError`, row problems are kept aside."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(f"The roster is over {MAX_BYTES // 1_000_000} MB; is this the right file?")
    text = text.lstrip("\ufeff")  # spreadsheet exports often start with a byte-order mark
    first_line = text.split("\n", 1)[0]
    # Comma unless the header has none: a sniffer guesses wrong on free text full of ';'.
    delimiter = next((d for d in ",\t;" if d in first_line), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError("The roster is empty: the first line must be the column names "
                         "(see the template).")
    columns = [column_name(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError("The roster has no column for: " + ", ".join(missing)
                         + ". Start from the template (coach/matching/template.csv).")
    known = set(StudentRow.model_fields)
    ignored = [h for h, c in zip(header, columns, strict=True)
               if c not in known and c not in IGNORED]
    students, errors, seen = [], [], {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(students) + len(errors) >= MAX_ROWS:
            raise InputError(f"The roster has more than {MAX_ROWS:,} rows.")
        raw = {h: c for h, c in zip(header, cells, strict=False)}
        data = {c: v for c, v in zip(columns, cells, strict=False) if c in known}
        name = " ".join(str(data.get("name", "")).split())[:LINE_MAX]
        if len(cells) > len(header):
            errors.append(RowError(row=number, name=name, values=raw, problems=[
                f"has {len(cells)} cells but the header has {len(header)} (a stray comma?)"]))
            continue
        try:
            student = StudentRow.model_validate(data)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc'])) or 'row'}: "
                        f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
            errors.append(RowError(row=number, name=name, values=raw, problems=problems))
            continue
        if student.key in seen:
            errors.append(RowError(row=number, name=name, values=raw, problems=[
                f"name: the same name is already on row {seen[student.key]}; names identify "
                "students in pairs, so add an initial"]))
            continue
        seen[student.key] = number
        students.append(student)
    return Roster(students=students, errors=errors, ignored_columns=ignored)


def load_roster(path: str | Path) -> Roster:
    """Read a roster CSV file (UTF-8, as exported by a forms tool or spreadsheet)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"Roster file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"Cannot read roster file {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"Roster file {path} is not UTF-8 text: export it as CSV (UTF-8).") from None
    return parse_roster(text)


def to_csv(rows: list[StudentRow]) -> str:
    """Rows back to the template's CSV (the student form's download uses it)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(StudentRow.model_fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.model_dump()
        for key in ("interests", "background", "availability", "preferences"):
            data[key] = "; ".join(data[key])
        data["class_year"] = f"MS{row.class_year}"
        data["opt_out"] = "yes" if row.opt_out else "no"
        writer.writerow(data)
    return buffer.getvalue()
