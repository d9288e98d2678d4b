"""Which school office to point to when the guide does not cover a question (knowledge/
offices.yaml): a new user asking about loans was sent to "advising or student affairs" when the
financial aid office is where that question goes. The office whose examples are nearest the
question (MiniLM cosine) is named, else the file's default; no file, the built-in default."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from coach.errors import ConfigError

FILE = "offices.yaml"
DEFAULT = "your school's advising or student affairs office"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=160)]


class Office(BaseModel):
    model_config = ConfigDict(extra="forbid")
    office: Name
    terms: list[Name] = []  # whole-word regexes that name this office outright ("visas?")
    examples: Annotated[list[Name], Field(min_length=1)]

    def named_in(self, text: str) -> bool:
        return any(re.search(rf"\b(?:{t})\b", text, re.I) for t in self.terms)


class Offices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: Name = DEFAULT
    min_similarity: float = Field(default=0.45, ge=0.0, le=1.0)
    min_margin: float = Field(default=0.03, ge=0.0, le=1.0)
    offices: list[Office] = []


@lru_cache(maxsize=4)
def _read(path: Path, mtime: float) -> Offices:
    try:
        return Offices.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: {exc}") from None


def load_offices(knowledge_dir: Path) -> Offices:
    path = knowledge_dir / FILE
    return _read(path, path.stat().st_mtime) if path.is_file() else Offices()


class OfficeFinder:
    """The office for a question, by its nearest example; the examples embedded once."""

    def __init__(self, data: Offices, embeddings) -> None:
        self.data = data
        self.embeddings = embeddings
        self._owners = [i for i, o in enumerate(data.offices) for _ in o.examples]
        self._vectors: np.ndarray | None = None

    def _examples(self) -> np.ndarray:
        if self._vectors is None:
            texts = [e for o in self.data.offices for e in o.examples]
            rows = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._vectors = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
        return self._vectors

    def match(self, question: str) -> str | None:
        """The office nearest the question, or None when none is near enough."""
        named = [o.office for o in self.data.offices if o.named_in(question)]
        if len(named) == 1:  # "visa", "loans", "IRB": unmistakable, no embedding needed
            return named[0]
        if not self._owners:
            return None
        q = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        sims = self._examples() @ (q / (np.linalg.norm(q) or 1.0))
        per_office = np.full(len(self.data.offices), -1.0)
        np.maximum.at(per_office, np.asarray(self._owners), sims)
        order = np.argsort(-per_office)
        best = per_office[order[0]]
        runner_up = per_office[order[1]] if len(order) > 1 else -1.0
        # MiniLM reads wording ("How do I...") as much as topic: a near tie names no office
        if best < self.data.min_similarity or best - runner_up < self.data.min_margin:
            return None
        return self.data.offices[int(order[0])].office

    def office_for(self, question: str) -> str:
        """The office nearest the question, else the default."""
        return self.match(question) or self.data.default
