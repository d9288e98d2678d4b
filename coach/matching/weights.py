"""Matching weights: a YAML file the board can change, validated with errors naming the field."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import InputError

DEFAULT_WEIGHTS = Path(__file__).with_name("weights.yaml")
PARTS = ("text", "words", "interests", "availability", "background", "school")


class Weights(BaseModel):
    """How much each part of the questionnaire counts (see weights.yaml for the why)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: float = Field(default=0.30, ge=0, le=10)
    words: float = Field(default=0.30, ge=0, le=10)
    interests: float = Field(default=0.35, ge=0, le=10)
    availability: float = Field(default=0.15, ge=0, le=10)
    background: float = Field(default=0.10, ge=0, le=10)
    school: float = Field(default=0.05, ge=0, le=10)
    preference_boost: float = Field(default=2.0, ge=1, le=10)
    extra_mentee_penalty: float = Field(default=0.02, ge=0, le=1)
    chain: bool = True

    def model_post_init(self, _context: object) -> None:
        if sum(getattr(self, p) for p in PARTS) <= 0:
            raise ValueError("at least one of " + ", ".join(PARTS) + " must be above 0")


def parse_weights(data: object, source: str = "weights") -> Weights:
    """Validate a mapping; every problem becomes one `InputError` naming the source and field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{source}: must be a mapping of weight names to numbers.")
    try:
        return Weights.model_validate(data)
    except ValidationError as exc:
        special = {"extra_forbidden": "unknown weight (known: "
                   + ", ".join(Weights.model_fields) + ")"}
        problems = [f"{'.'.join(map(str, e['loc'])) or 'weights'}: "
                    + special.get(e["type"], e["msg"].removeprefix("Value error, "))
                    for e in exc.errors()]
        raise InputError(f"{source}: " + "; ".join(problems)) from None


def load_weights(path: str | Path | None = None) -> Weights:
    """The board's weights file, or the defaults shipped in coach/matching/weights.yaml."""
    from coach.yamlio import read_file

    path = Path(path) if path else DEFAULT_WEIGHTS
    data = read_file(path, "Weights", kinds="YAML")
    return parse_weights(data, str(path))
