"""The outreach request: who writes, to whom, and the facts a draft may state, validated."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.functional_validators import AfterValidator, BeforeValidator

from coach.email.addresses import address_field
from coach.errors import InputError

Kind = Literal["faculty", "research", "peer", "follow_up", "thank_you"]
KINDS: tuple[str, ...] = get_args(Kind)
LINE_MAX, TEXT_MAX, LIST_MAX = 200, 2000, 10
REQUIRED = ("kind", "student.name", "student.year", "student.school", "student.email",
            "student.goals", "mentor.name", "mentor.field", "mentor.focus", "times")
OPTIONAL_FOR_THANKS = ("times", "mentor.focus")  # a thank-you note needs neither
# a classmate or older student asked for peer mentoring has no research focus (a new user's
# peer request failed on it), and a follow-up need not restate it (a new user's follow-up to
# her own mentor was refused for want of one)
OPTIONAL_FOR_PEERS = ("mentor.focus",)
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(value: object, multiline: bool = False) -> str:
    """NFC text with tidy whitespace; single-line fields reject line breaks (header injection)."""
    if value is None or isinstance(value, bool | dict | list):
        raise ValueError("must be text")
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline and _BREAKS.search(text):
        raise ValueError("must be a single line (no line breaks)")
    if _CONTROL.search(text.replace("\n", " ").replace("\t", " ")):
        raise ValueError("must not contain control characters")
    text = "\n".join(" ".join(ln.split()) for ln in text.split("\n")).strip()
    limit = TEXT_MAX if multiline else LINE_MAX
    if len(text) > limit:
        raise ValueError(f"is too long ({len(text)} characters; the limit is {limit})")
    return text


def _clean_list(value: object) -> list[str]:
    items = [_clean(v) for v in (value if isinstance(value, list) else [value]) if v is not None]
    if len(items := [i for i in items if i]) > LIST_MAX:
        raise ValueError(f"has {len(items)} items; the limit is {LIST_MAX}")
    return items


def _rule(pattern: str, message: str, must_match: bool = True) -> AfterValidator:
    def check(v: str) -> str:
        if bool(re.search(pattern, v, re.I)) != must_match:
            raise ValueError(message.format(v=v))
        return v
    return AfterValidator(check)


Line = Annotated[str, BeforeValidator(_clean)]
Text = Annotated[str, BeforeValidator(lambda v: _clean(v, multiline=True))]
Lines = Annotated[list[str], BeforeValidator(_clean_list)]
Name = Annotated[Line, _rule(r"[^\W\d_]", "must contain letters")]
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_NUM_WORD = {n: w for w, n in _ORDINALS.items()}
_YEAR_RX = re.compile(r"(?:ms|m|year|yr)?[\s-]*(?:([1-6])(?:st|nd|rd|th)?|(first|second|third|"
                      r"fourth|fifth|sixth))(?:[\s-]*(?:year|yr))?(?:\s+(?:medical\s+)?student)?",
                      re.I)


class Student(BaseModel):
    """The student writing the email."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    year: Annotated[Line, _rule(r"\b(?:pgy|resident|residency|intern)\b", "Mentor Coach drafts "
                                "for medical students: use MS1-MS4 or e.g. 'MD/PhD student'",
                                must_match=False)]
    school: Line
    email: Annotated[Line, AfterValidator(address_field)]
    goals: Lines
    role: Line | None = None
    background: Text | None = None

    @property
    def year_number(self) -> int | None:
        """1-6 for a recognisable medical-school year ('MS2', 'second', '4th year'), else None."""
        if not (m := _YEAR_RX.fullmatch(self.year)):
            return None
        return int(m.group(1)) if m.group(1) else _ORDINALS[m.group(2).lower()]

    @property
    def year_phrase(self) -> str:
        """The year spelled naturally: 'a second-year medical student', 'an MD/PhD student'."""
        if n := self.year_number:
            return f"a {_NUM_WORD[n]}-year medical student"
        if (first := self.year.split()[0]).lower() in ("a", "an", "the"):
            return self.year
        vowel = first[0].lower() in "aeiou" or (first[:2].isupper() and first[0] in "FHLMNRSX")
        return f"{'an' if vowel else 'a'} {self.year}"

    def year_terms(self) -> list[str]:
        """Ways a draft may state the year (used by the checker)."""
        n, w = self.year_number, _NUM_WORD.get(self.year_number or 0)
        return [f"{w}-year", f"{w} year", f"MS{n}", f"M{n}", f"year {n}"] if n else [self.year]


# at the start only: "Rachel Adams" ends in "ms" (a new user got "Dear Rachel Ada,")
_HONORIFIC = re.compile(r"^(dr|doctor|prof|professor|mr|ms|mrs|mx)\b\.?(?:\s+|$)", re.I)
_CANON = {"dr": "Dr.", "doctor": "Dr.", "prof": "Professor", "professor": "Professor"}
_PARTICLES = "de|da|del|della|der|di|du|la|le|van|von|bin|al"  # kept with the surname


class Mentor(BaseModel):
    """The person the student writes to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    field: Line
    focus: Line = ""  # required except for a thank-you, peer or follow-up note (parse_request)
    title: Line | None = None

    @property
    def bare_name(self) -> str:
        """Without honorific or credentials: 'Dr. Priya Raman, MD' -> 'Priya Raman'."""
        return _HONORIFIC.sub("", self.name, count=1).split(",")[0].strip() or self.name

    @property
    def honorific(self) -> str | None:
        """'Dr.', 'Professor', 'Ms.'... only when the request says so (a title, or MD/DO/PhD
        credentials); never guessed."""
        for text in (self.name, self.title or ""):
            if m := _HONORIFIC.match(text):
                return _CANON.get(m.group(1).lower(), m.group(1).capitalize() + ".")
        if re.search(r"\bprofessor\b", self.title or "", re.I):
            return "Professor"
        credentials = f"{self.title or ''} {self.name.partition(',')[2]}"
        return "Dr." if re.search(r"\b(?:MD|M\.D\.|DO|D\.O\.|PhD|Ph\.D\.|MBBS)\b",
                                  credentials) else None

    @property
    def is_student(self) -> bool:
        """A fellow student (their field says 'MS3 student', 'classmate'...): first names."""
        return bool(re.search(r"\b(?:MS[1-6]|M[1-6]|student|classmate)\b", self.field, re.I))

    @property
    def first_name(self) -> str:
        return self.bare_name.split()[0]

    @property
    def surname(self) -> str:
        """The last name with its particles: 'de la Cruz', 'van der Berg'."""
        return re.search(rf"(?:\b(?:{_PARTICLES})\s+)*\S+$", self.bare_name).group(0)

    def salutation(self, peer: bool = False) -> str:
        """The greeting rule (the checker uses it too): the title the student chose with the
        surname ('Dear Dr. Raman,', 'Dear Professor de la Cruz,'); a fellow student or a peer
        email by first name ('Hi Maya,'); no title: the full name ('Dear Alex Kim,'), since a
        title is never guessed."""
        if peer or (self.is_student and not self.honorific):
            return f"Hi {self.first_name},"
        if not self.honorific:
            return f"Dear {self.bare_name},"
        return f"Dear {self.honorific} {self.surname},"


class OutreachRequest(BaseModel):
    """Everything a draft may say: the guide engine and the fact check use nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind
    student: Student
    mentor: Mentor
    times: Lines = []
    context: Text | None = None
    chosen_goals: list[int] | None = None  # 1-based goals the student ticked for this email
    # what a thank-you note thanks the mentor for ("the letter of recommendation"); read from a
    # goal such as "thank her for the letter of recommendation" when not given
    thanks_for: Text | None = None
    # news a thank-you note passes on ("I matched into peds"), read from a goal such as "tell her
    # I matched into peds" when not given
    news: Text | None = None

    def fact_text(self) -> str:
        """All request facts as one text, plus the derived honorific (for the fact check)."""
        data = self.model_dump(exclude_none=True)
        values = [*data["student"].values(), *data["mentor"].values(), self.times,
                  self.context or "", self.thanks_for or "", self.news or "",
                  self.mentor.honorific or ""]
        return "\n".join(" ".join(v) if isinstance(v, list) else str(v) for v in values)


def parse_request(data: object) -> OutreachRequest:
    """Validate a request mapping; every problem becomes one clear `InputError`."""
    if not isinstance(data, dict):
        raise InputError("The request must be a mapping with kind, student, mentor and times.")
    missing = []
    optional = {"thank_you": OPTIONAL_FOR_THANKS, "peer": OPTIONAL_FOR_PEERS,
                "follow_up": OPTIONAL_FOR_PEERS}.get(
        str(data.get("kind")), ())
    for path in REQUIRED:
        node: object = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if (node is None or node == [] or (isinstance(node, str) and not node.strip())) and \
                path not in optional:
            missing.append(path)
    if missing:
        raise InputError("Missing required fields: " + ", ".join(missing))
    try:
        return OutreachRequest.model_validate(data)
    except ValidationError as exc:
        special = {"extra_forbidden": "unknown field (check the spelling)",
                   "literal_error": "must be one of " + ", ".join(KINDS)}
        problems = [
            "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".")
            + ": " + special.get(e["type"], e["msg"].removeprefix("Value error, "))
            for e in exc.errors()]
        raise InputError("Invalid request: " + "; ".join(problems)) from None


def header_line(value: str) -> str:
    """A header value on one line (validation rejects breaks; this guards model drafts too)."""
    return " ".join(_CONTROL.sub(" ", _BREAKS.sub(" ", value)).split())
