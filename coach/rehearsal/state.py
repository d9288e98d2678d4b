"""A rehearsal as data: everything the scripted mentor remembers, serialisable and validated.

The web tab, the API and the CLI all keep a `RehearsalState` and advance it with
`coach.rehearsal.session.step`. A state from a client is untrusted: `load_state` validates it
(types, sizes, a known persona) before any line of it is used.
"""

from __future__ import annotations

import base64
import random
import struct
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from typing_extensions import TypedDict

from coach.errors import InputError

MAX_TURNS = 40  # of the scored transcript; a rehearsal ends after 12 student lines anyway
MAX_HISTORY = 60  # newest lines kept of everything said (the safety gate reads the recent ones)
MAX_LINE_CHARS = 6000  # a student line is capped at 4,000 on input; crisis replies run longer
MAX_STATE_CHARS = 100_000
_RNG_WORDS = 625  # Mersenne Twister: 624 words of state and the position in them

Text = Annotated[str, StringConstraints(max_length=MAX_LINE_CHARS)]
Answer = Literal["accepted", "declined"]


class Line(TypedDict):
    """One line of the role-play: {"role": "mentor" | "student", "text": ...}."""

    role: Literal["mentor", "student"]
    text: Text


def pack_rng(rng: random.Random) -> str:
    """The generator's position as base64 (so a resumed rehearsal picks the same lines)."""
    _, words, _ = rng.getstate()
    return base64.b64encode(struct.pack(f"<{_RNG_WORDS}I", *words)).decode("ascii")


def unpack_rng(text: str) -> random.Random:
    """The generator saved by `pack_rng`; ValueError when `text` is not one."""
    data = base64.b64decode(text.encode("ascii"), validate=True)
    if len(data) != 4 * _RNG_WORDS:
        raise ValueError("rng: not a saved generator")
    words = struct.unpack(f"<{_RNG_WORDS}I", data)
    if words[-1] > _RNG_WORDS - 1:
        raise ValueError("rng: position out of range")
    rng = random.Random()
    rng.setstate((3, words, None))
    return rng


class RehearsalState(BaseModel):
    """What the scripted mentor knows: who it is, what was said, asked, answered and picked."""

    model_config = ConfigDict(extra="forbid")
    persona: Annotated[str, StringConstraints(max_length=40)]
    style: Literal["hands-on", "hands-off"] | None = None
    seed: int | None = None
    unavailable: bool = False
    turns: list[Line] = Field(default_factory=list, max_length=MAX_TURNS)  # scored, in character
    history: list[Line] = Field(default_factory=list, max_length=MAX_HISTORY)  # everything
    done: bool = False
    answer: Answer | None = None  # once the student asked and the mentor answered
    asks: int = Field(default=0, ge=0, le=MAX_TURNS)
    probe: Annotated[str, StringConstraints(max_length=40)] = ""  # probed last, and how often
    probe_streak: int = Field(default=0, ge=0, le=MAX_TURNS)
    used: list[Text] = Field(default_factory=list, max_length=MAX_TURNS)  # mentor lines said
    last_probe: Annotated[str, StringConstraints(max_length=40)] | None = None
    # Criteria the student covered by answering the mentor's question about them.
    answered: list[Literal["intro", "goals", "interest", "direct_ask", "frequency", "style",
                           "expectations", "flexibility"]] = Field(default_factory=list,
                                                                   max_length=8)
    rng: Annotated[str, StringConstraints(max_length=4000)]

    @field_validator("persona")
    @classmethod
    def _known_persona(cls, value: str) -> str:
        from coach.rehearsal.personas import PERSONAS

        if value not in PERSONAS:
            raise ValueError(f"unknown persona; choose one of: {', '.join(PERSONAS)}")
        return value

    @field_validator("rng")
    @classmethod
    def _generator(cls, value: str) -> str:
        unpack_rng(value)
        return value

    @property
    def opening(self) -> str:
        return self.turns[0]["text"] if self.turns else ""

    @property
    def student_turns(self) -> int:
        return sum(1 for t in self.turns if t["role"] == "student")


def load_state(data: str | dict) -> RehearsalState:
    """A client's state (JSON text or mapping), validated; InputError names what is wrong."""
    if isinstance(data, str) and len(data) > MAX_STATE_CHARS:
        raise InputError(f"state_json is too large ({len(data):,} characters; the limit is "
                         f"{MAX_STATE_CHARS:,}).")
    try:
        if isinstance(data, str):
            return RehearsalState.model_validate_json(data)
        return RehearsalState.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "state"
        raise InputError(f"state_json: {where}: {first['msg']}") from None
