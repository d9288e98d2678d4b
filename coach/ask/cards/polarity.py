"""Which way a yes/no question should be answered: a learned reading of "yes" or "no".

A card's verdict was written for the card's own question ("Yes, a mentor can be a resident"),
and was shown to any yes/no question the card led: "do mentors have to be attendings?" got
"Yes". On blind questions labelled by helpers who never saw the engine (evals/verdict_blind,
evals/qa_blind/verdicts_*.yaml) 0.13-0.15 of the answers opened with the wrong word and only
0.15-0.33 with the right one; most opened "Short answer:" and never said yes or no.

This model is a logistic regression over the question's MiniLM vector (the one the answer
already embeds) and TF-IDF word 1-3-grams of its asking sentence, trained by
`python -m coach.ask.cards.polarity_train`. It is used two ways (compose.first_line):
- a card's verdict is kept unless the model leans the other way by at least `veto` (then the
  neutral "Short answer:" line is shown instead of a wrong "Yes");
- a card without a verdict opens "Yes." / "No." only when the model is sure by `fill`.
Without the model file, verdicts are shown as before.

The TF-IDF transform is computed here in numpy (sklearn's defaults: lowercase, tokens of 2+ word
characters, sublinear tf, l2 norm), so an ask never imports scikit-learn.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import numpy as np

from coach.ask.cards.artifact import read_model
from coach.errors import ConfigError

MODEL_FILE = "polarity.npz"
TOKEN = re.compile(r"(?u)\b\w\w+\b")
NGRAMS = (1, 3)
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def asking_sentence(text: str) -> str:
    """The question's last sentence with a question mark (else its last sentence)."""
    parts = [p for p in _SENTENCE.split(text.strip()) if p]
    asked = [p for p in parts if "?" in p]
    return asked[-1] if asked else (parts[-1] if parts else "")


def ngrams(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    low, high = NGRAMS
    return [" ".join(words[i:i + n]) for n in range(low, high + 1)
            for i in range(len(words) - n + 1)]


def _problem(vocab: list[str], idf: np.ndarray, coef: np.ndarray, intercept: float,
             meta: dict) -> str | None:
    """The first field that makes these arrays not a polarity model ("field: why"), else None."""
    dim, veto, fill = meta.get("vector_dim"), meta.get("veto"), meta.get("fill")
    if not isinstance(meta.get("embedding_model"), str):
        return "meta.embedding_model: missing"
    if not isinstance(dim, int) or dim < 1:
        return "meta.vector_dim: not a positive integer"
    if not all(isinstance(v, float) for v in (veto, fill)) or not 0 < veto <= fill < 0.5:
        return "meta.veto/fill: not margins with 0 < veto <= fill < 0.5"
    if len(set(vocab)) != len(vocab):
        return "vocab: a term is listed twice"
    if idf.shape != (len(vocab),) or not np.isfinite(idf).all():
        return "idf: not one finite weight per vocab term"
    if coef.shape != (len(vocab) + dim,) or not np.isfinite(coef).all():
        return "coef: not one finite weight per term and vector dimension"
    if not math.isfinite(intercept):
        return "intercept: not finite"
    return None


class PolarityModel:
    """P(the right answer is "yes") for a yes/no question, and the margins it is used at."""

    def __init__(self, vocab: list[str], idf: np.ndarray, coef: np.ndarray, intercept: float,
                 meta: dict) -> None:
        problem = _problem(vocab, idf, coef, intercept, meta)
        if problem:
            raise ConfigError(f"coach/ask/cards/data/{MODEL_FILE}: field {problem}; run "
                              "`python -m coach.ask.cards.polarity_train`")
        self.index = {term: i for i, term in enumerate(vocab)}
        self.idf, self.coef, self.intercept, self.meta = idf, coef, float(intercept), meta
        self.veto, self.fill = float(meta["veto"]), float(meta["fill"])
        self.dim = int(meta["vector_dim"])

    def tfidf(self, text: str) -> np.ndarray:
        out = np.zeros(len(self.index), dtype=np.float64)
        for term, count in Counter(ngrams(asking_sentence(text))).items():
            if (i := self.index.get(term)) is not None:
                out[i] = (1 + math.log(count)) * self.idf[i]
        norm = np.linalg.norm(out)
        return out / norm if norm else out

    def yes_probability(self, text: str, vector: list[float] | np.ndarray | None,
                        embedder: str | None = None) -> float | None:
        """None when the vector is missing or another embedder's (it would read noise)."""
        if vector is None or embedder is not None and embedder != self.meta.get("embedding_model"):
            return None
        query = np.asarray(vector, dtype=np.float64)
        if query.shape != (self.dim,) or not np.isfinite(query).all():
            return None
        query = query / (np.linalg.norm(query) or 1.0)
        logit = float(self.coef @ np.concatenate([self.tfidf(text), query]) + self.intercept)
        return float(np.exp(-np.logaddexp(0.0, -logit)))  # the logistic, without overflow


_LOCK = threading.Lock()
_LOADED: dict[str, PolarityModel | None] = {}


def model_path():  # noqa: ANN201 - an importlib Traversable
    return resources.files("coach.ask.cards").joinpath("data", MODEL_FILE)


def load_polarity() -> PolarityModel | None:
    """The shipped model (None when the file is absent: verdicts as written)."""
    with _LOCK:
        if "model" not in _LOADED:
            path, model = model_path(), None
            if path.is_file():
                model = read_model(path, lambda data, meta: PolarityModel(
                    [str(v) for v in data["vocab"]], data["idf"].astype(np.float64),
                    data["coef"].astype(np.float64), float(data["intercept"]), meta))
            _LOADED["model"] = model
        return _LOADED["model"]


@contextmanager
def disabled() -> Iterator[None]:
    """No model while inside (the training replays what the engine says without one)."""
    with _LOCK:
        saved = _LOADED.pop("model", "absent")
        _LOADED["model"] = None
    try:
        yield
    finally:
        with _LOCK:
            _LOADED.pop("model", None)
            if saved != "absent":
                _LOADED["model"] = saved


def lean(probability: float | None, margin: float) -> str | None:
    """"yes"/"no" when `probability` is at least `margin` from 1/2, else None."""
    if probability is None or abs(probability - 0.5) < margin:
        return None
    return "yes" if probability > 0.5 else "no"


_OPENS = re.compile(r"^(?:(yes)|(no|not at all))\b", re.I)


def opening(line: str) -> str | None:
    """The polarity of a verdict as written ("Yes, ...", "No, ..."/"Not at all. ..."), else None."""
    found = _OPENS.match(line.strip())
    return None if not found else ("yes" if found.group(1) else "no")
