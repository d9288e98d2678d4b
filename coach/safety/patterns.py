"""Load and validate coach/safety/patterns.yaml: named groups of regexes, compiled once."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from coach.errors import ConfigError
from coach.yamlio import safe_load

PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")
REQUIRED = ("crisis", "crisis_es", "crisis_ml", "harm_others", "clinical_context", "patient",
            "means", "distress", "farewell", "absence", "final", "injection",
            "injection_multilingual", "extraction", "dishonest", "homework", "clinical", "case",
            "unrelated", "tutoring", "request", "anchor", "topic_noun", "clinical_context_ml",
            "feeling_ml")



def check_regexes(items: list[str], where: str = "") -> list[str]:
    """`items` unchanged when every one compiles; else ValueError naming `where`[index]."""
    for i, pattern in enumerate(items):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{where}[{i}]: invalid regex ({exc})") from None
    return items


def joined(items: list[str]) -> str:
    """The items as one alternation (a group that can never match when empty)."""
    return "|".join(f"(?:{p})" for p in items) or r"(?!x)x"


def compile_checked(source: str, items: list[str], where: str, flags: int = re.I) -> re.Pattern:
    """Each item checked on its own (one that breaks out of its group, like "a)|(?:b", would
    otherwise pass inside the joined pattern), then `source` compiled, which re caches, so
    compiling it again later is free; errors name the bad item as `where`[index]."""
    check_regexes(items, where)
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise ValueError(f"{where}: the items do not compile together ({exc})") from None


class PatternFile(BaseModel):
    """Group name -> list of regexes; every group in REQUIRED must be present."""

    model_config = ConfigDict(extra="forbid")
    groups: dict[str, list[str]]

    @field_validator("groups")
    @classmethod
    def _compile_each(cls, groups: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [g for g in REQUIRED if g not in groups]
        if missing:
            raise ValueError(f"missing group(s): {', '.join(missing)}")
        for name, items in groups.items():  # one compile per group, reused by Patterns
            compile_checked(joined(items), items, name)
        return groups


class Patterns:
    """Compiled groups, as attributes: `patterns.crisis.search(text)`."""

    def __init__(self, spec: PatternFile) -> None:
        for name, items in spec.groups.items():
            setattr(self, name, re.compile(joined(items), re.IGNORECASE))

    def __getattr__(self, name: str) -> re.Pattern[str]:  # only for names not in the file
        raise AttributeError(f"no pattern group {name!r} in {PATTERNS_FILE.name}")


def load_patterns(path: Path = PATTERNS_FILE) -> Patterns:
    """Read and validate a pattern file; errors name the file and the group."""
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
        return Patterns(PatternFile(groups=raw))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the safety patterns ({exc})") from None
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: {message}") from None


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """The packaged patterns, loaded once per process."""
    return load_patterns()
