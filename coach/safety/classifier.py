"""The learned safety classifier: multinomial logistic regression over the local MiniLM
sentence embeddings plus TF-IDF word (1-2) and character (2-5) n-grams, which carry the short
slang, typos and Spanish that the English embedder reads poorly.

The weights are a versioned artifact (model/classifier.npz + classifier.json) written by
`python -m coach.safety.train` from the labelled rows listed in its metadata; a test retrains it
from those rows and checks the result matches. At run time only numpy is needed: the embedding,
one matrix product and a softmax.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.spelling import fix

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).with_name("model")
WEIGHTS = MODEL_DIR / "classifier.npz"
META = MODEL_DIR / "classifier.json"
CLASSES = ("ok", "crisis", "injection", "extraction", "dishonest", "clinical", "homework",
           "unrelated")
WINDOW_CHARS = 900  # MiniLM reads ~256 word pieces; the newest text goes first


TFIDF = {"word": {"ngram_range": (1, 2), "sublinear_tf": True},
         "char": {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True}}


def pack_vocabulary(terms: list[str]) -> np.ndarray:
    """Terms as one UTF-8 byte array, newline-separated (TF-IDF terms hold no whitespace other
    than the single space of a word pair). A fixed-width numpy string array pads every term to
    the longest one: 5 MB for what is 0.2 MB of text."""
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def unpack_vocabulary(stored: np.ndarray) -> list[str]:
    """The terms of a packed (or, for old artifacts, fixed-width string) vocabulary."""
    if stored.dtype.kind == "U":
        return [str(t) for t in stored]
    return bytes(stored).decode("utf-8").split("\n") if stored.size else []


def vectorizers(arrays: dict[str, np.ndarray] | None = None) -> dict:
    """The TF-IDF vectorizers: unfitted, or rebuilt from stored vocabularies and idf weights."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = {}
    for name, params in TFIDF.items():
        if arrays is None:
            out[name] = TfidfVectorizer(**params, min_df=1 if name == "word" else 2)
            continue
        vocabulary = {t: i for i, t in enumerate(unpack_vocabulary(arrays[f"{name}_vocabulary"]))}
        vec = TfidfVectorizer(**params, vocabulary=vocabulary)
        vec.idf_ = arrays[f"{name}_idf"]
        out[name] = vec
    return out


def featurize(vecs: dict, texts: list[str], embeddings: np.ndarray, fit: bool = False):  # noqa: ANN201
    """[TF-IDF words | TF-IDF characters | embedding] as one sparse matrix per text (the
    vectorizers given, in their order: the third-party detector passes its words only)."""
    from scipy.sparse import csr_matrix, hstack

    parts = [v.fit_transform(texts) if fit else v.transform(texts) for v in vecs.values()]
    return hstack([*parts, csr_matrix(embeddings)]).tocsr()


@dataclass(frozen=True)
class SafetyModel:
    """Weights plus the decision thresholds chosen on the training data (see classifier.json)."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    thresholds: dict[str, float]
    vecs: dict

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> list[dict[str, float]]:
        """Softmax of the linear scores, one {class: p} per row (same as sklearn's)."""
        features = featurize(self.vecs, texts, vectors)
        scores = np.asarray(features @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        probs = exp / exp.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in probs]


def window_text(text: str, history: list[str] | None = None, fixed: bool = True) -> str:
    """The text the classifier reads for a conversation: the newest line first, then earlier
    student lines newest to oldest, cut to WINDOW_CHARS; each with its misspellings and
    shorthand fixed (coach.spelling: the same when training and when screening) unless `fixed`
    is False (the gate also reads the line as typed, so a fix never lowers a crisis score)."""
    parts = [p.strip()[:WINDOW_CHARS] for p in [text, *reversed(history or [])] if p and p.strip()]
    return " \n ".join(fix(p) if fixed else p for p in parts)[:WINDOW_CHARS]


def load_model(weights: Path = WEIGHTS, meta: Path = META) -> SafetyModel:
    """Read the artifact; a missing or damaged file raises (the gate then uses patterns only)."""
    info = json.loads(meta.read_text(encoding="utf-8"))
    with np.load(weights, allow_pickle=False) as data:
        classes = tuple(str(c) for c in data["classes"])
        return SafetyModel(classes=classes, coef=data["coef"], intercept=data["intercept"],
                           thresholds={k: float(v) for k, v in info["thresholds"].items()},
                           vecs=vectorizers(dict(data)))


class _Scorer:
    """Model and embedder, loaded once per process on first use (double-checked lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = "new"  # new | ready | failed

    def _load(self) -> None:
        from coach.config import get_settings
        from coach.embeddings import get_embeddings

        self.model = load_model()
        self.embedder = get_embeddings(get_settings().embedding_model)

    def ready(self) -> bool:
        if self.state == "new":
            with self._lock:
                if self.state == "new":
                    try:
                        self._load()
                        self.state = "ready"
                    except Exception:  # no model on disk: the patterns alone still guard
                        log.exception("safety: classifier unavailable, using patterns only")
                        self.state = "failed"
        return self.state == "ready"

    def score(self, texts: tuple[str, ...]) -> list[dict[str, float]]:
        """{class: p} per text; [] when the classifier or the embedder cannot run."""
        if not texts or not self.ready():
            return []
        try:
            vectors = np.asarray(self.embedder.embed_documents(list(texts)), dtype=np.float32)
        except Exception:  # one odd input must not take the gate down; patterns already ran
            log.warning("safety: embedding failed, patterns only for this input", exc_info=True)
            return []
        rows = self.model.probabilities(list(texts), vectors)
        from coach.safety.third_party import load_model as third_party_model

        other = third_party_model()  # someone else at risk: same vectors, no second embedding
        if other is not None:
            try:
                extra = other.probabilities(list(texts), vectors)
            except Exception:  # the main classifier's rows still decide
                log.warning("safety: the third-party detector failed for this input",
                            exc_info=True)
                return rows
            for row, more in zip(rows, extra, strict=True):
                row.update(more)
        return rows


SCORER = _Scorer()


@lru_cache(maxsize=2048)  # role-play turns and retries repeat; lru_cache is thread-safe
def score(texts: tuple[str, ...]) -> tuple[tuple[tuple[str, float], ...], ...]:
    """Cached, hashable form of SCORER.score."""
    return tuple(tuple(row.items()) for row in SCORER.score(texts))


def thresholds() -> dict[str, float]:
    """Decision thresholds of the loaded model ({} when it is unavailable)."""
    return SCORER.model.thresholds if SCORER.ready() else {}
