"""The checklist's data (coach/email/data/checks.yaml): sections, tips, patterns and claims,
validated and compiled on load; a bad file names the file and the field."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from coach.datafiles import load_data

CHECK_IDS = ("subject", "greeting", "introduction", "why_mentor", "goals", "time_commitment",
             "times_offered", "gratitude", "signoff", "length", "placeholders", "tone", "facts")
PATTERNS = ("greeting", "generic", "year", "school", "why", "goals", "frequency", "times",
            "thanks", "no_thanks", "closing", "phone", "placeholder", "demand", "reproach")
CASE_SENSITIVE = ("intro", "casual", "caps")


def _compiler(flags: int) -> BeforeValidator:
    def compile_pattern(value: object) -> re.Pattern[str]:
        if not isinstance(value, str):
            raise ValueError("must be a regular expression (text)")
        try:
            return re.compile(value, flags)
        except re.error as exc:
            raise ValueError(f"invalid regular expression ({exc})") from None
    return BeforeValidator(compile_pattern)


Pattern = Annotated[re.Pattern[str], _compiler(re.I)]
ExactPattern = Annotated[re.Pattern[str], _compiler(0)]


class Claim(BaseModel):
    """A claim a draft may make only when the request states it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    what: str
    found: Pattern  # in the draft
    allow: Pattern  # in the request's facts: then the claim is true


class Sections(BaseModel):
    """The guide section each check cites: per kind, else per check, else the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    default: str
    checks: dict[str, str]
    kinds: dict[str, dict[str, str]]

    def for_check(self, check_id: str, kind: str | None) -> str:
        own = self.kinds.get(kind or "", {})
        return own.get(check_id) or self.checks.get(check_id, self.default)


class CheckRules(BaseModel):
    """Everything the checklist reads from data."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sections: Sections
    tips: dict[str, str]
    patterns: dict[str, Pattern]
    case_sensitive: dict[str, ExactPattern]
    acronyms: frozenset[str]
    claims: list[Claim]

    @model_validator(mode="after")
    def _complete(self) -> CheckRules:
        for field, names in (("tips", CHECK_IDS), ("patterns", PATTERNS),
                             ("case_sensitive", CASE_SENSITIVE)):
            if missing := [n for n in names if n not in getattr(self, field)]:
                raise ValueError(f"{field}: missing {', '.join(missing)}")
        return self

    def rx(self, name: str) -> re.Pattern[str]:
        """A compiled pattern by name (case-insensitive or exact, as the file groups it)."""
        return self.patterns.get(name) or self.case_sensitive[name]


@lru_cache(maxsize=1)
def check_rules() -> CheckRules:
    """The checklist's data, loaded once."""
    return load_data("coach.email", "checks.yaml", CheckRules)
