"""The criterion detector: logistic regression (one per criterion) over MiniLM features.

Features of a text: its embedding, the element-wise max of its sentences' and clauses'
embeddings (so one sentence can carry a criterion inside a long turn), the exact-pattern
flags from data/patterns.yaml, and a few structural flags (text.STRUCTURE). Weights and
per-criterion thresholds come from data/classifier.npz, written by
`python -m coach.rehearsal.criteria.train` from the dev split of the blind utterances plus the
project's own exemplars. If the embedder cannot load, the
patterns alone decide (logged), so the scorecard still works.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from coach.errors import ConfigError
from coach.rehearsal.criteria.text import (
    STRUCTURE,
    STRUCTURE_VERSION,
    normalise,
    pattern_flags,
    pattern_table,
    sentences,
    structure_flags,
    units,
)

log = logging.getLogger(__name__)

CRITERIA: tuple[str, ...] = ("intro", "interest", "goals", "direct_ask", "frequency",
                             "flexibility", "gratitude", "style", "expectations")
MODEL_FILE = "classifier.npz"
CACHE_MAX = 8192


def patterns_signature() -> str:
    """A hash of the pattern and structural features, so a model trained on other features is
    refused."""
    names = "\n".join([*(f"{n}\t{rx.pattern}" for n, rx in pattern_table()), *STRUCTURE,
                       f"structure v{STRUCTURE_VERSION}"])
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def featurize(texts: Sequence[str], embed: Any) -> np.ndarray:
    """One feature row per text: [embedding, max over sentence/clause embeddings, pattern flags,
    structural flags]."""
    texts = [normalise(t) for t in texts]
    parts = [units(t) for t in texts]
    flat = list(dict.fromkeys([*texts, *(u for ps in parts for u in ps)]))
    vectors = dict(zip(flat, np.asarray(embed(flat), dtype=np.float32), strict=True))
    rows = []
    for text, ps in zip(texts, parts, strict=True):
        pooled = np.max(np.stack([vectors[u] for u in ps]), axis=0)
        rows.append(np.concatenate([vectors[text], pooled,
                                    np.asarray(pattern_flags(text) + structure_flags(text),
                                               dtype=np.float32)]))
    return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)


class CriterionDetector:
    """Probabilities and verdicts per criterion for student texts; thread-safe, cached."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, thresholds: np.ndarray,
                 embed: Any | None, memory_thresholds: np.ndarray | None = None) -> None:
        self.coef, self.intercept, self.thresholds = coef, intercept, thresholds
        # Lower, recall-biased cuts for "has the student already said this?" (the persona).
        self.memory_thresholds = thresholds if memory_thresholds is None else memory_thresholds
        self._embed = embed
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, embed: Any | None = None) -> CriterionDetector:
        """The shipped model; `embed` maps texts to vectors (default: the local MiniLM)."""
        path = resources.files("coach.rehearsal.criteria").joinpath("data", MODEL_FILE)
        try:
            with path.open("rb") as handle:
                data = np.load(handle, allow_pickle=False)
                coef, intercept = data["coef"], data["intercept"]
                thresholds, meta = data["thresholds"], json.loads(str(data["meta"]))
                memory = data["memory_thresholds"] if "memory_thresholds" in data else None
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"coach/rehearsal/criteria/data/{MODEL_FILE} is unreadable ({exc}); "
                              "run `python -m coach.rehearsal.criteria.train`") from None
        if meta.get("patterns") != patterns_signature() or tuple(meta["ids"]) != CRITERIA:
            raise ConfigError(f"coach/rehearsal/criteria/data/{MODEL_FILE} was trained on other "
                              "patterns or criteria; run "
                              "`python -m coach.rehearsal.criteria.train`")
        return cls(coef, intercept, thresholds, embed, memory)

    def _embedder(self) -> Any | None:
        if self._embed is None:
            try:
                from coach.config import get_settings
                from coach.embeddings import get_embeddings

                self._embed = get_embeddings(get_settings().embedding_model).embed_documents
            except Exception:  # no model on disk: the exact patterns still work
                log.exception("criteria: embedder unavailable, exact patterns only")
                self._embed = False
        return self._embed or None

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), len(CRITERIA)) probabilities; pattern-only scores without an embedder."""
        keys = [normalise(t) for t in texts]
        with self._lock:
            todo = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if todo:
            embed = self._embedder()
            if embed is None:
                fresh = [self._patterns_only(k) for k in todo]
            else:
                logits = featurize(todo, embed) @ self.coef.T + self.intercept
                fresh = list(1.0 / (1.0 + np.exp(-logits)))
            with self._lock:
                if len(self._cache) > CACHE_MAX:
                    self._cache.clear()
                self._cache.update(zip(todo, fresh, strict=True))
        with self._lock:
            return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 9))

    @staticmethod
    def _patterns_only(text: str) -> np.ndarray:
        flags = dict.fromkeys(CRITERIA, 0.0)
        for (name, _), on in zip(pattern_table(), pattern_flags(text), strict=True):
            cid = name.rstrip("!")
            if on and cid in flags:
                flags[cid] = -9.0 if name.endswith("!") else max(flags[cid], 1.0)
        return np.asarray([max(0.0, flags[c]) for c in CRITERIA])

    def sentence_max(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the highest probability any one of its sentences gets when read alone."""
        parts = [sentences(t) or [normalise(t)] for t in texts]
        if not parts:
            return np.zeros((0, len(CRITERIA)))
        probs = self.probabilities([s for ps in parts for s in ps])
        starts = np.cumsum([0, *(len(ps) for ps in parts)])
        return np.stack([probs[a:b].max(axis=0) for a, b in zip(starts, starts[1:], strict=False)])

    def _memory_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The memory reading: the turn's probability or its best sentence's, the higher."""
        return np.maximum(self.probabilities(texts), self.sentence_max(texts))

    def detect(self, texts: Sequence[str], memory: bool = False) -> list[frozenset[str]]:
        """Per text, the criterion ids it satisfies. `memory` (has the student already said
        it? the persona's question): the recall-biased cuts, on the turn or on any one of its
        sentences read alone, since a request folded into a long turn about goals is still said
        ("...Would you be open to meeting weekly?"). Out of fold, per probed criterion, the
        sentence reading cut missed "already said" 0.023 -> 0.004 (dev writer) and 0.065 -> 0.015
        (second writer) at about the same false rate (0.024 -> 0.025, 0.054 -> 0.057)."""
        probs = self._memory_probabilities(texts) if memory else self.probabilities(texts)
        cuts = self.memory_thresholds if memory else self.thresholds
        return [frozenset(c for c, p, t in zip(CRITERIA, row, cuts, strict=True)
                          if p >= t) for row in probs]

    def answers(self, text: str, cid: str, factor: float) -> bool:
        """Does `text`, the student's reply to a question about `cid`, cover it? The memory
        reading with the memory cut scaled by `factor` (< 1: a reply to the question is likelier
        to be about it than a line out of the blue)."""
        if cid not in CRITERIA or not text.strip():
            return False
        j = CRITERIA.index(cid)
        return bool(self._memory_probabilities([text])[0, j] >= self.memory_thresholds[j] * factor)


_DETECTOR_LOCK = threading.Lock()
_stand_in: list[CriterionDetector] = []  # set only by `standing_in` (held-out evals)


@lru_cache(maxsize=1)
def _shipped() -> CriterionDetector:
    return CriterionDetector.load()


def get_detector() -> CriterionDetector:
    """The process-wide detector over the shipped model (or the one `standing_in` set)."""
    with _DETECTOR_LOCK:
        return _stand_in[-1] if _stand_in else _shipped()


@contextmanager
def standing_in(detector: CriterionDetector) -> Iterator[None]:
    """Use `detector` in place of the shipped one inside the block (the held-out eval refits
    the model per fold and replays the persona and scorecard over it)."""
    with _DETECTOR_LOCK:
        _stand_in.append(detector)
    try:
        yield
    finally:
        with _DETECTOR_LOCK:
            _stand_in.remove(detector)


def detect_criteria(texts: Sequence[str]) -> list[frozenset[str]]:
    """Per text, the criterion ids it satisfies (the shipped detector)."""
    return get_detector().detect(texts)
