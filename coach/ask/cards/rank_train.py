"""Train the point ranker: `python -m coach.ask.cards.rank_train [--report | --check]`.

Data: the covered questions of the blind dev split (evals/qa_blind/dev.yaml), asked the way
`coach eval` asks them (earlier turns answered first, so a follow-up sees the real previous
answer). Every candidate point (coach/ask/cards/ranker.py) is a row; it is positive when the
blind scorer would count it as conveying one of the key points the answer needs (for a
follow-up, the new ones). The second blind writer's split (train2.yaml) is only measured, never
trained on; the test split is never read. `--report` prints the simulated coverage of both
splits for the heuristic and the model without saving; `--check` exits 1 when the shipped model
was trained on other data (the dev split, the cards or the feature list changed).

What the data says (simulated on the extracted candidates, dev / train2): the cards hold 97% /
95% of the key points, but choosing the best 4 of the best six cards' points by hand would reach
only 0.87 / 0.76 coverage, and today's choice gets 0.73 / 0.61. Every ranker tried on these
features (pointwise or pairwise, any C, pools of 3-60 cards, a per-point prior learned from dev,
the question's cosine to the guide quote, leading with another card) lands within +-0.02 of the
heuristic; only the follow-up and diversity gains held on train2. The loss is in which card
leads (train2: 16 of 135 covered answers convey nothing) and in writers' choice of points.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.ask.cards.compose import DIVERSITY, LEAD_BONUS, MAX_POINTS, SAME_POINT
from coach.ask.cards.ranker import (
    CARD_MARGIN,
    FEATURES,
    MODEL_FILE,
    POOL,
    candidates,
    features,
    heuristic,
    heuristic_only,
    pick,
)

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT / "evals" / "qa_blind" / "dev.yaml"
TRAIN2 = ROOT / "evals" / "qa_blind" / "train2.yaml"
REGULARISATION = 0.1  # C of the pairwise logistic regression (5-fold CV on dev: 0.01-10 alike)
PAIRS = 30  # negatives drawn per positive point of a question


@dataclass
class Item:
    """One covered question's candidates: features, the key points each conveys, vectors."""

    id: str
    follow_up: bool
    wanted: list[int]  # key points the answer must convey (a follow-up: the new ones)
    n_points: int
    x: np.ndarray
    hits: list[set[int]]  # key points each candidate conveys
    rank: list[int]
    vectors: np.ndarray
    quotes: list[str]
    says: list[str]
    base: np.ndarray  # the heuristic's scores, for comparison
    card_hits: list[set[int]] = field(default_factory=list)  # by card rank: its own lines

    @property
    def y(self) -> np.ndarray:
        return np.asarray([bool(h & set(self.wanted)) for h in self.hits], dtype=int)


def extract(path: Path, coach=None) -> list[Item]:  # noqa: ANN001
    """Candidates with features and labels for every covered item of one blind split."""
    from coach.ask.answer import Coach
    from coach.evals.blind.data import load_split
    from coach.evals.blind.evaluate import Scorer

    coach = coach or Coach.from_settings()
    scorer = Scorer(coach.retriever.store.embeddings)
    with heuristic_only():
        return [row for item in load_split(path)
                if (row := _extract_item(coach, scorer, item)) is not None]


def _extract_item(coach, scorer, item) -> Item | None:  # noqa: ANN001
    """One covered item's candidates, asked as `coach eval` asks it (None when not a card
    answer)."""
    from coach.ask.cards.answer import match_cards, question_intent
    from coach.ask.cards.topics import off_topic
    from coach.evals.blind.evaluate import run_turns

    if not item.covered or not item.key_points:
        return None
    _, history = run_turns(coach, item.turns[:-1])  # asked as `coach eval` asks them
    question = item.turns[-1]
    if off_topic(question, coach.settings.knowledge_dir):
        return None
    found = match_cards(coach, question, history, question_intent(question, history))
    cands = candidates(found.matches, coach.cards, found.vector, found.given, POOL) \
        if found.covered else []
    if not cands:
        return None
    hits = [{k for k, h in enumerate(scorer.conveyed(f"- {c.point.say}", item)) if h}
            for c in cands]
    cards = list({c.rank: c.card for c in cands}.values())
    card_hits = [{k for k, h in enumerate(scorer.conveyed(
        f"{card.answer}\n\n**Next step:** {card.next_step}", item)) if h} for card in cards]
    return Item(id=item.id, follow_up=len(item.turns) > 1,
                wanted=item.new_points_only or list(range(len(item.key_points))),
                n_points=len(item.key_points), x=features(cands, question, found.topic),
                hits=hits, rank=[c.rank for c in cands],
                vectors=np.stack([c.vector for c in cands]),
                quotes=[c.point.quote for c in cands], says=[c.point.say for c in cands],
                base=heuristic(cands), card_hits=card_hits)


def select(item: Item, scores: np.ndarray, penalty: float = 0.0, lead_rank: int = 0,
           bonus: float = 0.0) -> list[int]:
    """The candidates compose.choose_points would give for these scores."""
    return pick(scores, item.vectors, item.quotes, item.rank, MAX_POINTS, SAME_POINT, penalty,
                lead_rank, bonus, item.says)


def simulate(items: list[Item], scores: list[np.ndarray], penalty: float = 0.0,
             leads: list[int] | None = None, bonus: float = 0.0) -> dict:
    """Coverage and follow-ups as the blind scorer would see the chosen points (approximately:
    the answer's first line and next step count as the lead card's)."""
    coverage, follow = [], []
    for n, (item, s) in enumerate(zip(items, scores, strict=True)):
        lead = leads[n] if leads else 0
        got = set(item.card_hits[lead])
        for i in select(item, s, penalty, lead, bonus):
            got |= item.hits[i]
        coverage.append(len(got) / item.n_points)
        if item.follow_up:
            new = [k in got for k in item.wanted]
            follow.append(sum(new) / len(new) >= 0.5)
    return {"coverage": round(float(np.mean(coverage)), 3),
            "follow_ups": round(float(np.mean(follow)), 3) if follow else None,
            "items": len(items)}


def pairs(items: list[Item], most: int = PAIRS) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences of (conveys a wanted point, does not) pairs of the same question,
    both ways round: a ranking, not a calibrated probability, is what the answer needs."""
    rng = np.random.default_rng(0)
    x, y = [], []
    for item in items:
        labels = item.y
        good, bad = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
        if not len(good) or not len(bad):
            continue
        for g in good:
            for b in rng.choice(bad, min(most, len(bad)), replace=False):
                diff = item.x[g] - item.x[b]
                x += [diff, -diff]
                y += [1, 0]
    return np.asarray(x), np.asarray(y)


def fit(items: list[Item]):  # noqa: ANN201
    from sklearn.linear_model import LogisticRegression

    x, y = pairs(items)
    return LogisticRegression(C=REGULARISATION, max_iter=5000, fit_intercept=False).fit(x, y)


def data_hash() -> str:
    """sha256 of what the model depends on: the dev split, the cards and the feature list."""
    digest = hashlib.sha256(DEV.read_bytes())
    for path in sorted((ROOT / "knowledge" / "cards").glob("*.yaml")):
        digest.update(path.read_bytes())
    settings = [list(FEATURES), POOL, CARD_MARGIN, REGULARISATION, PAIRS]
    digest.update(json.dumps(settings).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="print figures, save nothing")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the shipped model was trained on other data")
    args = parser.parse_args(argv)
    out = Path(__file__).with_name("data") / MODEL_FILE
    if args.check:
        stored = json.loads(str(np.load(out, allow_pickle=False)["meta"])) if out.is_file() else {}
        same = stored.get("data_sha256") == data_hash()
        print("up to date" if same else "stale: run `python -m coach.ask.cards.rank_train`")
        return 0 if same else 1
    from coach.ask.answer import Coach

    coach = Coach.from_settings()
    dev, train2 = extract(DEV, coach), extract(TRAIN2, coach)
    model = fit(dev)
    for name, items in (("dev", dev), ("train2", train2)):
        before = simulate(items, [i.base for i in items])
        after = simulate(items, [model.decision_function(i.x) for i in items], DIVERSITY,
                         bonus=LEAD_BONUS)
        print(f"{name}: heuristic {before} -> ranker {after}")
    if args.report:
        return 0
    meta = {"features": list(FEATURES), "C": REGULARISATION, "pool": POOL,
            "trained_on": {"blind_dev_items": len(dev),
                           "rows": int(sum(len(i.hits) for i in dev))},
            "data_sha256": data_hash()}
    np.savez_compressed(out, coef=model.coef_[0].astype(np.float32),
                        intercept=np.float32(0.0),
                        meta=np.asarray(json.dumps(meta)))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
