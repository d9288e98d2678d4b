"""Mentor personas for rehearsing the ask, drawn from the situations in the AMWA guide.

Each persona carries its own voice: several phrasings per probe (so the scripted mentor never
repeats itself), acknowledgements, and how it accepts or kindly declines ("If they say no, don't
take it personally; it may have to do with their schedule and their timing"). The lines live in
coach/rehearsal/data/personas.yaml, validated here on first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coach.datafiles import load_data
from coach.errors import InputError

Lines = tuple[str, ...]
PROBES = ("intro", "goals", "interest", "ask_hint", "frequency", "flexibility", "wrap_up",
          "after_decline", "expectations", "style")
ACKS = ("intro", "goals", "interest", "gratitude", "flexibility", "frequency", "short")


def _known(value: dict[str, Lines], keys: tuple[str, ...], what: str) -> dict[str, Lines]:
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(keys)}")
    if any(not lines for lines in value.values()):
        raise ValueError(f"every {what} needs at least one line")
    return value


class Persona(BaseModel):
    """A mentor the student rehearses with; `probes` lists what it asks about."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    short_name: str  # the CLI prompt label, e.g. "Dr. Osei"
    title: str
    field: str
    manner: str
    opening: str
    probes: dict[str, Lines] = Field(default_factory=dict)
    accept: Lines = Field(min_length=1)
    decline: Lines = Field(min_length=1)
    frequency_answer: Lines
    style: Literal["hands-on", "hands-off"] | None = None  # research PIs, drawn per rehearsal
    style_answer: dict[Literal["hands-on", "hands-off"], Lines] = Field(default_factory=dict)
    expectations_answer: Lines = ()
    closing: Lines = ()
    research: bool = False

    @field_validator("probes")
    @classmethod
    def _probe_keys(cls, value: dict[str, Lines]) -> dict[str, Lines]:
        return _known(value, PROBES, "probe")

    def phrasings(self, probe: str) -> Lines:
        """The persona's phrasings for a probe, falling back to the shared ones."""
        return self.probes.get(probe) or persona_file().common_probes.get(probe, ())

    def questions(self) -> list[str]:
        """The first phrasing of each probe this persona uses (for prompts and docs)."""
        keys = ["intro", "goals", "interest", "ask_hint", "frequency", "flexibility"]
        if self.research:
            keys[3:3] = ["expectations", "style"]
        return [self.phrasings(k)[0] for k in keys if self.phrasings(k)]


class PersonaFile(BaseModel):
    """coach/rehearsal/data/personas.yaml: shared probes and acknowledgements, then personas."""

    model_config = ConfigDict(extra="forbid")
    common_probes: dict[str, Lines]
    common_acks: dict[str, Lines]
    personas: list[Persona] = Field(min_length=1)

    @field_validator("common_probes")
    @classmethod
    def _probe_keys(cls, value: dict[str, Lines]) -> dict[str, Lines]:
        return _known(value, PROBES, "probe")

    @field_validator("common_acks")
    @classmethod
    def _ack_keys(cls, value: dict[str, Lines]) -> dict[str, Lines]:
        missing = sorted(set(ACKS) - set(value))
        if missing:
            raise ValueError(f"missing acknowledgements for {', '.join(missing)}")
        return _known(value, ACKS, "acknowledgement")

    @model_validator(mode="after")
    def _unique_ids(self) -> PersonaFile:
        ids = [p.id for p in self.personas]
        if len(set(ids)) != len(ids):
            raise ValueError(f"persona ids must be unique: {', '.join(ids)}")
        return self


@lru_cache(maxsize=1)
def persona_file() -> PersonaFile:
    """The personas file, validated once; a bad file raises ConfigError naming file and field."""
    return load_data("coach.rehearsal", "personas.yaml", PersonaFile)


def __getattr__(name: str) -> object:
    """PERSONAS, COMMON_PROBES and COMMON_ACKS, read from the data file on first use."""
    if name == "PERSONAS":
        return {p.id: p for p in persona_file().personas}
    if name == "COMMON_PROBES":
        return persona_file().common_probes
    if name == "COMMON_ACKS":
        return persona_file().common_acks
    raise AttributeError(name)


def get_persona(persona: str | Persona) -> Persona:
    """A Persona from its id (faculty, research, peer, resident) or the Persona itself."""
    if isinstance(persona, Persona):
        return persona
    found = {p.id: p for p in persona_file().personas}
    key = (persona or "").strip().lower()
    if key not in found:
        raise InputError(f"unknown persona {persona!r}; choose one of: {', '.join(found)}")
    return found[key]
