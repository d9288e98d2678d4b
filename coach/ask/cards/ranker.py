"""The learned point ranker: which card points answer *this* question.

Candidates are the points of the best-matching cards (never ones already given). Each gets a
few cheap features from what matching already computed (no extra embedding): its cosine to the
question, its card's match score and rank, its place in the card, word overlap with the
question, whether it states an action, its length, for a follow-up its closeness to the
previous answer, and how each compares with the other candidates. A pairwise logistic regression
over them (data/point_ranker.npz, written by `python -m coach.ask.cards.rank_train` from the
blind dev split) orders them by how likely each is, against the others, to convey a point a good
answer needs; without the file the old heuristic (point cosine plus card score, best three cards)
ranks them. Measured with `coach eval` (blind dev / the second writer's train2, never trained
on), with the diversity penalty of compose.choose_points: follow-ups 0.59 -> 0.65 / 0.47 -> 0.56,
coverage 0.705 -> 0.715 / 0.611 -> 0.618. These cheap features carry little more than the
heuristic's two; rank_train.py reports both.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources

import numpy as np

from coach.ask.cards.artifact import read_model
from coach.ask.cards.matching import CardMatcher, Match
from coach.ask.cards.model import Card, Point, normalise
from coach.errors import ConfigError
from coach.retrieval import expand, tokenize
from coach.text import sentence_end

PASSAGE_SENTENCE = sentence_end()
POOL = 6  # cards whose points are candidates (a third of wanted points sit below the top two)
CARD_MARGIN = 0.15  # ...when their match is this close to the best card's (else: filler)
MODEL_FILE = "point_ranker.npz"
# Opening words of a point that tells the student what to do ("Ask...", "You can...").
ACTION = re.compile(r"^(?:you (?:can|could|should|might|may)|try|ask|be|show|work|say|take|use|"
                    r"respond|don'?t|aim|give|consider|acknowledge|share|offer|hold|have|approach|"
                    r"introduce|let|keep|determine|create|bring|strive|start|find|reach|send|"
                    r"write|look|set|make|follow|think|identify|prepare|thank|tell|seek|build|"
                    r"talk|meet|check|plan|list|pick|choose|go|get|join|email|first|then)\b", re.I)
FEATURES = ("point_cos", "card_score", "card_gap", "rank", "top_card", "position", "last_half",
            "overlap_q", "overlap_p", "action", "words", "follow_up", "topic_cos",
            # relative to the other candidates of the same question:
            "point_cos_gap", "point_cos_place", "point_cos_gap_in_card", "fused_gap")


@dataclass(frozen=True)
class Candidate:
    card: Card
    point: Point
    index: int  # the point's place in its card
    rank: int  # its card's place among the matches
    card_score: float
    point_score: float  # cosine of the point with the question
    vector: np.ndarray  # the point's stored unit vector


def candidates(matches: list[Match], matcher: CardMatcher, vector: list[float],
               given: set[str], pool: int = POOL) -> list[Candidate]:
    """Points not given before from the best `pool` cards that still have one to give and
    match within CARD_MARGIN of the best of them."""
    fresh = [m for m in matches if any(p.say not in given for p in m.card.points)][:pool]
    fresh = [m for m in fresh if m.score >= fresh[0].score - CARD_MARGIN]
    out = []
    for rank, match in enumerate(fresh):
        scores = matcher.point_scores(match.card, vector)
        for i, (score, point) in enumerate(zip(scores, match.card.points, strict=True)):
            if point.say not in given:
                out.append(Candidate(match.card, point, i, rank, match.score, score,
                                     matcher.point_vector(match.card, i)))
    return out


def features(cands: list[Candidate], question: str,
             topic: np.ndarray | None = None) -> np.ndarray:
    """One row of FEATURES per candidate (see the module docstring)."""
    if not cands:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    terms = set(tokenize(expand(question)))
    best = max(c.card_score for c in cands)
    rows = []
    for c in cands:
        words = set(tokenize(c.point.say))
        shared = len(terms & words)
        rows.append([
            c.point_score, c.card_score, best - c.card_score, min(c.rank, POOL) / POOL,
            float(c.rank == 0), c.index / 5, float(c.index >= len(c.card.points) / 2),
            shared / (len(terms) or 1), shared / (len(words) or 1),
            float(bool(ACTION.match(c.point.say))), min(len(c.point.say.split()), 40) / 40,
            float(topic is not None),
            float(c.vector @ topic) if topic is not None else 0.0,
        ])
    base = np.asarray(rows, dtype=np.float32)
    cosine, fused = base[:, 0], base[:, 0] + base[:, 1]
    place = np.minimum((-cosine).argsort().argsort(), 10) / 10
    in_card = np.zeros(len(cands), dtype=np.float32)
    ranks = np.asarray([c.rank for c in cands])
    for r in set(ranks.tolist()):
        same = ranks == r
        in_card[same] = cosine[same] - cosine[same].max()
    return np.column_stack([base, cosine - cosine.max(), place, in_card,
                            fused - fused.max()]).astype(np.float32)


@dataclass(frozen=True)
class Passage:
    """What `restates` compares of one point, computed once per candidate."""

    text: str  # the guide quote, normalised and lower-cased
    sentences: frozenset[str]  # its sentences of 3+ words
    words: frozenset[str]  # the point's own words (tokenized)


def passage(quote: str, say: str = "") -> Passage:
    text = normalise(quote)  # split before lower-casing: a sentence starts with a capital
    sentences = frozenset(s.lower() for s in PASSAGE_SENTENCE.split(text) if len(s.split()) >= 3)
    return Passage(text.lower(), sentences, frozenset(tokenize(say)))


def overlaps(a: Passage, b: Passage) -> bool:
    """See `restates`."""
    if a.text in b.text or b.text in a.text or a.sentences & b.sentences:
        return True
    return bool(a.words and b.words) and (a.words <= b.words or b.words <= a.words)


def restates(quote: str, other_quote: str, say: str = "", other_say: str = "") -> bool:
    """Two points that say one thing: their guide passages overlap (one holds the other, or they
    share a sentence), or one's words all sit inside the other's ("Respond promptly." beside
    "Respond promptly and show up with an agenda.")."""
    return overlaps(passage(quote, say), passage(other_quote, other_say))


def pick(scores: np.ndarray, vectors: np.ndarray, quotes: list[str], ranks: list[int],
         most: int, same: float, penalty: float = 0.0, lead_rank: int = 0,
         lead_bonus: float = 0.0, says: list[str] | None = None) -> list[int]:
    """Indices of up to `most` candidates: the best of the lead card first, then greedily the
    best score (plus `lead_bonus` for the lead card's points) less `penalty` times the cosine to
    the closest one already picked; never one within `same` cosine of a picked one or that
    `restates` one (that is filler)."""
    says = says if says is not None else [""] * len(quotes)
    passages = [passage(q, s) for q, s in zip(quotes, says, strict=True)]
    scores = np.asarray(scores, dtype=np.float32) + lead_bonus * (np.asarray(ranks) == lead_rank)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], ranks[i]))
    used = [next(i for i in order if ranks[i] == lead_rank)]
    while len(used) < most:
        best, value = None, -np.inf
        for i in order:
            closest = max(float(vectors[i] @ vectors[u]) for u in used)
            if i in used or closest >= same or \
                    any(overlaps(passages[i], passages[u]) for u in used):
                continue
            if scores[i] - penalty * closest > value:
                best, value = i, scores[i] - penalty * closest
        if best is None:
            break
        used.append(best)
    return used


def heuristic(cands: list[Candidate]) -> np.ndarray:
    """The ranking before the learned model: point cosine plus card score."""
    return np.asarray([c.point_score + c.card_score for c in cands], dtype=np.float32)


class PointRanker:
    """The logistic regression of data/point_ranker.npz, loaded on first use."""

    def __init__(self, coef: np.ndarray, intercept: float, meta: dict) -> None:
        if coef.shape != (len(FEATURES),) or meta.get("features") != list(FEATURES) or \
                not np.isfinite(coef).all() or not np.isfinite(intercept):
            raise ConfigError(f"{MODEL_FILE}: trained on other features; run "
                              "`python -m coach.ask.cards.rank_train`")
        self.coef, self.intercept, self.meta = coef, intercept, meta

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """How much more likely each candidate is than the others to convey a wanted point
        (a pairwise model: only the order matters)."""
        return rows @ self.coef + self.intercept


_LOCK = threading.Lock()
_LOADED: dict[str, PointRanker | None] = {}


def model_path():  # noqa: ANN201 - an importlib Traversable
    return resources.files("coach.ask.cards").joinpath("data", MODEL_FILE)


@contextmanager
def heuristic_only() -> Iterator[None]:
    """Rank with the heuristic while inside (training data is extracted this way, so a model
    never learns from answers it chose itself)."""
    with _LOCK:
        _LOADED["off"] = None
    try:
        yield
    finally:
        with _LOCK:
            _LOADED.pop("off", None)


def load_ranker() -> PointRanker | None:
    """The shipped ranker (None when the file is absent: the heuristic ranks)."""
    with _LOCK:
        if "off" in _LOADED:
            return None
        if "model" not in _LOADED:
            path = model_path()
            ranker = None
            if path.is_file():  # a damaged file: a ConfigError naming it (artifact.py)
                ranker = read_model(path, lambda data, meta: PointRanker(
                    data["coef"].astype(np.float32), float(data["intercept"]), meta))
            _LOADED["model"] = ranker
        return _LOADED["model"]


def rank(cands: list[Candidate], question: str, topic: np.ndarray | None = None) -> np.ndarray:
    """A score per candidate, higher first: the learned ranker's, else the heuristic's."""
    ranker = load_ranker()
    if ranker is None or not cands:
        return heuristic(cands)
    return ranker.scores(features(cands, question, topic))
