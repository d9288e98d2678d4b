"""Which school office to point to when the guide does not cover a question (knowledge/
offices.yaml): a new user asking about loans was sent to "advising or student affairs" when the
financial aid office is where that question goes. The office whose examples are nearest the
question (MiniLM cosine) is named, else the file's default; no file, the built-in default."""

from __future__ import annotations

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
    examples: Annotated[list[Name], Field(min_length=1)]


class Offices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: Name = DEFAULT
    min_similarity: float = Field(default=0.45, ge=0.0, le=1.0)
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

    def office_for(self, question: str, vector: list[float] | None = None) -> str:
        if not self._owners:
            return self.data.default
        q = np.asarray(vector if vector is not None else self.embeddings.embed_query(question),
                       dtype=np.float32)
        sims = self._examples() @ (q / (np.linalg.norm(q) or 1.0))
        best = int(np.argmax(sims))
        if sims[best] < self.data.min_similarity:
            return self.data.default
        return self.data.offices[self._owners[best]].office
