"""The runtime grounding guard: every sentence of an LLM answer is checked against the
retrieved passages before a student sees it.

A claim passes when (1) its best cosine similarity to a passage sentence, line or run of lines
(local embedder) reaches the calibrated threshold, or it quotes the passages; (2) every name,
number and link in it appears in the passages or the student's words; (3) each [n] it cites
exists and that passage supports it; (4) most of its content words come from the passages
or the student (`novelty.py`), it recommends no resource the passages do not name, and it does
not repeat a phrase within itself. Short connective units ("Here are some tips:") pass unless
they name or cite something.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.embeddings import Embeddings, VectorCache
from coach.errors import ConfigError
from coach.grounding.names import normal, unknown_things
from coach.grounding.novelty import (
    Vocabulary,
    content_stems,
    out_of_role,
    repeated_phrase,
    unnamed_resource,
)
from coach.grounding.sentences import citations, plain
from coach.text import source_units

log = logging.getLogger(__name__)
SETTINGS_FILE = Path(__file__).with_name("settings.yaml")
CACHE_MAX = 4096


class GuardSettings(BaseModel):
    """Thresholds and allowed names (from `settings.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    support_threshold: float
    citation_threshold: float
    filler_max_words: int = 6
    min_kept_claims: int = 1
    min_kept_fraction: float = 0.34
    novelty_threshold: float | None = None  # None: content-word novelty not checked
    novelty_min_words: int = 2
    check_resources: bool = False
    check_self_repeats: bool = False
    check_voice: bool = False
    allowed_names: list[str] = []


@lru_cache(maxsize=4)
def load_settings(path: Path = SETTINGS_FILE) -> GuardSettings:
    """The guard's settings; a bad file raises a ConfigError naming the file and field."""
    import yaml

    try:
        return GuardSettings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {where}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the grounding settings ({exc})") from None


class SentenceVerdict(BaseModel):
    """The guard's decision on one sentence (model text, never the student's)."""

    index: int
    sentence: str
    kind: Literal["claim", "filler"]
    supported: bool
    similarity: float
    novelty: float = 0.0  # share of content words found in neither the passages nor the question
    best_passage: int | None = None  # 1-based, as the model cites them
    unknown: list[str] = []  # names/figures found in neither the passages nor the question
    bad_citations: list[int] = []
    reasons: list[str] = []


class GroundingGuard:
    """Checks sentences against one answer's passages; vectors are cached across answers."""

    def __init__(self, embeddings: Embeddings, settings: GuardSettings | None = None) -> None:
        self.embeddings = embeddings
        self.settings = settings or load_settings()
        self.allowed = frozenset(n.lower() for n in self.settings.allowed_names)
        self._cache = VectorCache(embeddings, CACHE_MAX, unit=True)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        return self._cache.vectors(texts)

    def context(self, passages: list[str], known: str) -> AnswerContext:
        """Prepare one answer's passages (numbered from 1) and the student's own words."""
        return AnswerContext(self, passages, known)


class AnswerContext:
    """The passages of one answer, embedded once; `check` judges one sentence."""

    def __init__(self, guard: GroundingGuard, passages: list[str], known: str) -> None:
        self.guard = guard
        self.passages = passages
        self.known = " ".join(passages) + " " + known
        self.haystacks = [normal(plain(p)) for p in passages]
        self.haystack = " ".join(self.haystacks)
        self.vocabulary = Vocabulary(self.known)
        self.units: list[str] = []
        self.owner: list[int] = []
        for number, text in enumerate(passages, 1):
            for unit in source_units(text):
                self.units.append(unit)
                self.owner.append(number)
        self._matrix = guard._vectors(self.units) if self.units else np.zeros((0, 1))
        self.count = 0

    @staticmethod
    def _quoted(sentence: str, haystack: str) -> bool:
        """Every fragment of 4+ words is a verbatim quote (after normalising) of `haystack`."""
        fragments = [normal(f).strip() for f in re.split(r"[:;,]", sentence)]
        fragments = [f for f in fragments if len(f.split()) >= 4]
        return bool(fragments) and all(f" {f} " in haystack for f in fragments)

    def check(self, unit: str) -> SentenceVerdict:
        """The verdict on one sentence, list item or heading of the answer."""
        s = self.guard.settings
        text = plain(unit)
        cited = citations(unit)
        unknown = unknown_things(text, self.known, self.guard.allowed)
        index, self.count = self.count, self.count + 1
        if not text.strip(" .:-") or (len(text.split()) <= s.filler_max_words and not cited
                                      and not unknown):
            return SentenceVerdict(index=index, sentence=unit.strip(), kind="filler",
                                   supported=True, similarity=0.0)
        sims = (self._matrix @ self.guard._vectors([text])[0]) if self.units else np.zeros(0)
        quoted = self._quoted(text, self.haystack)
        best = float(sims.max()) if sims.size else 0.0
        best_passage = self.owner[int(sims.argmax())] if sims.size else None
        similarity = 1.0 if quoted else best
        reasons = []
        if similarity < s.support_threshold:
            reasons.append(f"similarity {similarity:.2f} < {s.support_threshold:.2f}")
        if unknown:
            reasons.append("names or figures not in the passages: " + ", ".join(unknown))
        novel = [] if quoted else self.vocabulary.novel(text)
        content = content_stems(text)
        novelty = len(novel) / len(content) if content else 0.0
        if (s.novelty_threshold is not None and len(novel) >= s.novelty_min_words
                and novelty > s.novelty_threshold):
            reasons.append(f"novelty {novelty:.2f} > {s.novelty_threshold:.2f}: "
                           + ", ".join(novel[:6]))
        if s.check_resources and not quoted and (resource := unnamed_resource(text,
                                                                             self.vocabulary)):
            reasons.append("recommends a resource the passages do not name: "
                           + ", ".join(resource[:6]))
        if s.check_self_repeats and (phrase := repeated_phrase(text)):
            reasons.append(f"repeats '{phrase}' within the sentence")
        if s.check_voice and out_of_role(text) and not quoted:
            reasons.append("speaks as a person (feelings, a role, a past), not from the guide")
        bad = []
        for number in cited:
            if not 1 <= number <= len(self.passages):
                bad.append(number)
                continue
            own = sims[[i for i, o in enumerate(self.owner) if o == number]]
            if self._quoted(text, self.haystacks[number - 1]):
                continue
            if own.size == 0 or float(own.max()) < s.citation_threshold:
                bad.append(number)
        if bad:
            reasons.append("citations that do not support it: "
                           + ", ".join(f"[{n}]" for n in bad))
        return SentenceVerdict(index=index, sentence=unit.strip(), kind="claim",
                               supported=not reasons, similarity=round(similarity, 3),
                               novelty=round(novelty, 3),
                               best_passage=best_passage, unknown=unknown, bad_citations=bad,
                               reasons=reasons)
