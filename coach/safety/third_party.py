"""Someone else may be at risk: a student telling the coach that a mentee, roommate, friend or
sibling may be thinking about suicide or self-harm.

A small learned detector (logistic regression over the same MiniLM sentence embeddings the
safety classifier reads; weights in model/third_party.npz, trained by
`python -m coach.safety.third_party_train`) gives p(someone else at risk) per text. The gate
uses it two ways (gate.classify): on a line of 8+ words, the third-party care note beside the
answer at the `crisis` cut (never the crisis reply on its own; the stored `care` cut is no longer
read), and to say whom a crisis the gate found is about (the `about` cut, the new line only), so
the reply helps the student help them. Replies and the rows it learns from are named in
third_party.yaml.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from coach.safety.classifier import TFIDF, unpack_vocabulary
from coach.safety.classifier import featurize as classifier_features
from coach.yamlio import safe_load

log = logging.getLogger(__name__)
CONFIG = Path(__file__).with_name("third_party.yaml")
WEIGHTS = Path(__file__).with_name("model") / "third_party.npz"
META = Path(__file__).with_name("model") / "third_party.json"


class Localised(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str
    es: str

    def get(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class ThirdPartyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    training_kinds: list[str]
    reply: Localised
    care: Localised
    confidentiality_sources: list[str]


@lru_cache(maxsize=1)
def config() -> ThirdPartyConfig:
    """third_party.yaml, validated once per process."""
    return ThirdPartyConfig(**safe_load(CONFIG.read_text(encoding="utf-8")))


def third_party_response(lang: str = "en") -> str:
    """How to help someone else who may be at risk: 988 (for them and for the student), 911,
    school resources, safety before confidentiality, not alone."""
    return config().reply.get(lang)


def third_party_care_note(lang: str = "en") -> str:
    """The resources beside an answer when someone else may be at risk."""
    return config().care.get(lang)


def gives_confidentiality_advice(source_texts: list[str]) -> bool:
    """Whether an answer's sources quote the guide's confidentiality advice."""
    marks = config().confidentiality_sources
    return any(m in t.lower() for t in source_texts for m in marks)


def word_vectorizer(vocabulary: list[str] | None = None, idf: np.ndarray | None = None):  # noqa: ANN201
    """Word (1-2)-gram TF-IDF, as the safety classifier's: unfitted, or rebuilt from storage."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if vocabulary is None:
        return TfidfVectorizer(**TFIDF["word"], min_df=2)
    vec = TfidfVectorizer(**TFIDF["word"], vocabulary={t: i for i, t in enumerate(vocabulary)})
    vec.idf_ = idf
    return vec


def featurize(vec, texts: list[str], vectors: np.ndarray, fit: bool = False):  # noqa: ANN001, ANN201
    """[word TF-IDF | embedding] as one sparse matrix (the safety classifier's, words only)."""
    return classifier_features({"word": vec}, texts, np.asarray(vectors, dtype=np.float64), fit)


@dataclass(frozen=True)
class Head:
    vec: object
    coef: np.ndarray
    intercept: float

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        scores = np.asarray(featurize(self.vec, texts, vectors) @ self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-scores))


@dataclass(frozen=True)
class ThirdPartyModel:
    """Two heads: `risk` (someone else at risk, among all texts) and `about` (whether a crisis
    is about someone else rather than the student), with the cuts chosen out of fold."""

    risk: Head
    about: Head
    cuts: dict[str, float]  # crisis, care (risk head); about (about head)

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> list[dict[str, float]]:
        """{"other_risk": p, "other_about": p} per text."""
        risk = self.risk.probabilities(texts, vectors)
        about = self.about.probabilities(texts, vectors)
        return [{"other_risk": float(r), "other_about": float(a)}
                for r, a in zip(risk, about, strict=True)]


@lru_cache(maxsize=1)
def load_model() -> ThirdPartyModel | None:
    """The artifact, or None (logged) when it is missing or damaged: the gate then decides as
    before, and a crisis gets the student's own crisis reply."""
    try:
        info = json.loads(META.read_text(encoding="utf-8"))
        with np.load(WEIGHTS, allow_pickle=False) as data:
            heads = {name: Head(vec=word_vectorizer(unpack_vocabulary(data[f"{name}_vocabulary"]),
                                                    data[f"{name}_idf"]),
                                coef=data[f"{name}_coef"].astype(np.float64),
                                intercept=float(data[f"{name}_intercept"]))
                     for name in ("risk", "about")}
        return ThirdPartyModel(cuts={k: float(v) for k, v in info["cuts"].items()}, **heads)
    except Exception:  # noqa: BLE001 - any damage: fall back, never take the gate down
        log.exception("safety: third-party detector unavailable")
        return None


def cuts() -> dict[str, float]:
    """The detector's cuts ({} when it is unavailable: nothing is decided by it)."""
    model = load_model()
    return model.cuts if model is not None else {}
