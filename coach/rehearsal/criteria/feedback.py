"""Encouraging feedback: what went well first, then the one thing to work on, then the rest.

Every tip quotes the guide; the example line follows on from a sentence the student actually
said (quoted), and anything only the student knows is left as a [bracketed blank], so feedback
never invents a fact about the student.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, RootModel

from coach.datafiles import load_data

TIPS_FILE = "tips.yaml"


class Tip(BaseModel):
    """One criterion's guide quote, section and example line (data/tips.yaml)."""

    model_config = ConfigDict(extra="forbid")
    quote: str
    section: str
    example: str
    builds_on: str | None = None


class TipFile(RootModel[dict[str, Tip]]):
    """data/tips.yaml: one Tip per criterion id."""


@lru_cache(maxsize=1)
def tips() -> dict[str, Tip]:
    """All tips, validated; a bad file raises ConfigError naming file and field."""
    return load_data("coach.rehearsal.criteria", TIPS_FILE, TipFile).root


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
