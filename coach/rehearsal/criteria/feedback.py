"""Encouraging feedback: what went well first, then the one thing to work on, then the rest.

Every tip quotes the guide; the example line follows on from a sentence the student actually
said (quoted), and anything only the student knows is left as a [bracketed blank], so feedback
never invents a fact about the student.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import ConfigError

TIPS_FILE = "tips.yaml"


class Tip(BaseModel):
    """One criterion's guide quote, section and example line (data/tips.yaml)."""

    model_config = ConfigDict(extra="forbid")
    quote: str
    section: str
    example: str
    builds_on: str | None = None


@lru_cache(maxsize=1)
def tips() -> dict[str, Tip]:
    """All tips, validated; a bad file raises ConfigError naming file and field."""
    raw = resources.files("coach.rehearsal.criteria").joinpath("data", TIPS_FILE).read_text("utf-8")
    try:
        data = yaml.safe_load(raw) or {}
        return {cid: Tip.model_validate(item) for cid, item in data.items()}
    except ValidationError as exc:
        raise ConfigError(f"coach/rehearsal/criteria/data/{TIPS_FILE}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"coach/rehearsal/criteria/data/{TIPS_FILE}: {exc}") from None


def clip(text: str, limit: int = 120) -> str:
    """The student's sentence, shortened for display."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def example_line(cid: str, mentor: str, evidence: dict[str, str], direct_ask: str = "") -> str:
    """An example of what to say for `cid`, following on from the student's own words."""
    tip = tips()[cid]
    line = tip.example.format(mentor=mentor)
    if cid == "direct_ask" and direct_ask and "goals" not in evidence:
        line = direct_ask
    said = evidence.get(tip.builds_on or "")
    if said:
        return f"After you said \"{clip(said, 90)}\", add: \"{line}\""
    return f"For example: \"{line}\""


def tip_text(cid: str, mentor: str, evidence: dict[str, str], direct_ask: str = "") -> str:
    """The guide's words on `cid`, then an example line."""
    tip = tips()[cid]
    return (f"The guide says: \"{tip.quote}\" "
            f"{example_line(cid, mentor, evidence, direct_ask)}")
