"""A learned reading of three intents the patterns of intent.py miss on new writers: the student is
upset (an empathy line first), the student asks for something to be written (the hand-off to
the email drafter), and the student speaks as a mentor (the mentor's cards, not a mentee's).

The patterns were tuned on the blind QA dev split and carry poorly: on writer J's messages
(evals/intent_blind/intents.yaml, a helper who never saw the engine) they found 0.42 of the upset
messages and 0.67 of the write requests ("draft follow up pls", "what should i put in the email
to dr nguyen", requests in Spanish). This reader is a logistic regression per intent over the
MiniLM vector of the line as meant (spelling.fix), trained on J's dev half
(`python -m coach.ask.cards.reader_train`; the mentor side also on the advice cards' example
questions, labelled by their card's audience), OR'd with the patterns: an intent is read when a
pattern finds it or the model's probability reaches its cut. The mentor side is read by the
model only when the line names no side itself ("my mentor" is a mentee speaking). The cuts are
chosen on the QA writers' dev and train2 splits, where a false hit costs more than a miss (2x
for an empathy line on a calm question, 4x for a hand-off nobody asked for, 4x for a mentee's
question answered with a mentor's duties). Without the model file the patterns
alone read (as before).
"""

from __future__ import annotations

import re
import threading
from importlib import resources

import numpy as np

from coach.ask.cards.artifact import read_model
from coach.ask.cards.intent import Intent, side
from coach.errors import ConfigError

MODEL_FILE = "intent_reader.npz"
INTENTS = ("distress", "write_request", "mentor_side")
# The model alone never makes a write request of a line that names nothing to write: a review
# found "more pls", "send pls" and "can you proofread this" read as requests to draft an email.
WRITTEN = re.compile(r"\b(?:e-?mails?|letters?|notes?|repl(?:y|ies)|messages?|msgs?|drafts?|"
                     r"texts?|dms?|statements?|intros?|follow[- ]?ups?|correos?|mensajes?|"
                     r"cartas?|notas?)\b", re.I)

# "how often do mentors and mentees meet?" names both sides and takes neither (the model, which
# leans on the word "mentee", read it as a mentor speaking)
BOTH_SIDES = re.compile(r"\bmentors? (?:and|&|or) mentees?\b|\bmentees? (?:and|&|or) mentors?\b"
                        r"|\bmentor[- /]mentee\b|\bmentee[- /]mentor\b", re.I)


def names_no_side(text: str) -> bool:
    """The line says nothing of the student's side: the reader's guess may decide."""
    return side(text) is None and not BOTH_SIDES.search(text)


class IntentReader:
    """The logistic regressions of data/intent_reader.npz (one row of `coef` per intent)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, cut: np.ndarray,
                 meta: dict) -> None:
        if coef.ndim != 2 or coef.shape[0] != len(INTENTS) or \
                intercept.shape != (len(INTENTS),) or cut.shape != (len(INTENTS),) or \
                meta.get("intents") != list(INTENTS) or \
                not (np.isfinite(coef).all() and np.isfinite(intercept).all()) or \
                not ((cut > 0) & (cut < 1)).all():
            raise ConfigError(f"coach/ask/cards/data/{MODEL_FILE}: field coef/intercept/cut: "
                              "not a model of the intents "
                              f"{list(INTENTS)}; run `python -m coach.ask.cards.reader_train`")
        self.coef, self.intercept, self.cut, self.meta = coef, intercept, cut, meta

    def probabilities(self, vector: list[float] | np.ndarray,
                      embedder: str | None = None) -> dict[str, float]:
        """Per intent, the model's probability; 0 for another embedder's vector (trained on
        `meta["embedding_model"]`'s vectors, it would read noise in any other's)."""
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.coef.shape[1],) or \
                embedder is not None and embedder != self.meta.get("embedding_model"):
            return dict.fromkeys(INTENTS, 0.0)
        query = query / (np.linalg.norm(query) or 1.0)
        logits = self.coef @ query + self.intercept
        return {k: float(1 / (1 + np.exp(-v))) for k, v in zip(INTENTS, logits, strict=True)}

    def read(self, vector: list[float] | np.ndarray,
             embedder: str | None = None) -> dict[str, bool]:
        probs = self.probabilities(vector, embedder)
        return {k: probs[k] >= float(c) for k, c in zip(INTENTS, self.cut, strict=True)}


_LOCK = threading.Lock()
_LOADED: dict[str, IntentReader | None] = {}


def model_path():  # noqa: ANN201 - an importlib Traversable
    return resources.files("coach.ask.cards").joinpath("data", MODEL_FILE)


def load_reader() -> IntentReader | None:
    """The shipped reader (None when the file is absent: the patterns alone read)."""
    with _LOCK:
        if "model" not in _LOADED:
            path, reader = model_path(), None
            if path.is_file():
                reader = read_model(path, lambda data, meta: IntentReader(
                    data["coef"].astype(np.float32), data["intercept"].astype(np.float32),
                    data["cut"].astype(np.float32), meta))
            _LOADED["model"] = reader
        return _LOADED["model"]


def refine(intent: Intent, vector: list[float] | np.ndarray | None, text: str = "",
           embedder: str | None = None) -> Intent:
    """`intent` with what the learned reader adds from the vector of `text` (made by
    `embedder`): upset, asking for something written that the line names (a write request is
    never a yes/no question: "can you draft it?" wants the draft), or speaking as a mentor in a
    line that names no side ("a couple of MS1s want me to mentor them")."""
    reader = load_reader()
    if reader is None or vector is None:
        return intent
    found = reader.read(vector, embedder)
    update = {}
    if found["distress"] and not intent.distress:
        update["distress"] = True
    if found["write_request"] and not intent.write_request and WRITTEN.search(text):
        update.update(write_request=True, yes_no=False)
    if found["mentor_side"] and intent.audience != "mentor" and names_no_side(text):
        update["audience"] = "mentor"
    return intent.model_copy(update=update) if update else intent
