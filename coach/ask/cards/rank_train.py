"""Train the point ranker: `python -m coach.ask.cards.rank_train [--report | --check]`.

Data: the covered questions of the blind dev split (evals/qa_blind/dev.yaml), asked the way
`coach eval` asks them (earlier turns answered first, so a follow-up sees the real previous
answer). Every candidate point (coach/ask/cards/ranker.py) is a row; it is positive when the
blind scorer would count it as conveying one of the key points the answer needs (for a
follow-up, the new ones). The second blind writer's split (train2.yaml) is only measured, never
trained on; the test split is never read. `--report` prints the simulated coverage of both
splits for the heuristic and the model without saving; `--check` exits 1 when the shipped model
was trained on other data (the dev split, the cards or the feature list changed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.ask.cards.ranker import FEATURES, MODEL_FILE, POOL, candidates, features, heuristic

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT / "evals" / "qa_blind" / "dev.yaml"
TRAIN2 = ROOT / "evals" / "qa_blind" / "train2.yaml"
REGULARISATION = 1.0  # C of the logistic regression


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
    base: np.ndarray  # the heuristic's scores, for comparison
    lead_hits: set[int] = field(default_factory=set)  # conveyed by the lead card's own lines

    @property
    def y(self) -> np.ndarray:
        return np.asarray([bool(h & set(self.wanted)) for h in self.hits], dtype=int)


def extract(path: Path, coach=None) -> list[Item]:  # noqa: ANN001
    """Candidates with features and labels for every covered item of one blind split."""
    from coach.ask.answer import Coach
    from coach.ask.cards.answer import match_cards, question_intent
    from coach.ask.cards.topics import off_topic
    from coach.evals.blind.data import load_split
    from coach.evals.blind.evaluate import Scorer

    coach = coach or Coach.from_settings()
    scorer = Scorer(coach.retriever.store.embeddings)
    out = []
    for item in load_split(path):
        if not item.covered or not item.key_points:
            continue
        history: list[dict] = []
        for turn in item.turns[:-1]:
            answer = coach.ask(turn, history=history or None, engine="guide")
            history += [{"role": "user", "content": turn},
                        {"role": "assistant", "content": answer.answer}]
        question = item.turns[-1]
        intent = question_intent(question, history)
        if off_topic(question, coach.settings.knowledge_dir):
            continue
        found = match_cards(coach, question, history, intent)
        if not found.covered:
            continue
        cands = candidates(found.matches, coach.cards, found.vector, found.given, POOL)
        if not cands:
            continue
        hits = [{k for k, h in enumerate(scorer.conveyed(f"- {c.point.say}", item)) if h}
                for c in cands]
        lead = cands[0].card
        lead_text = f"{lead.answer}\n\n**Next step:** {lead.next_step}"
        lead_hits = {k for k, h in enumerate(scorer.conveyed(lead_text, item)) if h}
        follow_up = len(item.turns) > 1
        wanted = item.new_points_only or list(range(len(item.key_points)))
        out.append(Item(id=item.id, follow_up=follow_up, wanted=wanted,
                        n_points=len(item.key_points),
                        x=features(cands, question, found.topic), hits=hits,
                        rank=[c.rank for c in cands],
                        vectors=np.stack([c.vector for c in cands]),
                        quotes=[c.point.quote for c in cands], base=heuristic(cands),
                        lead_hits=lead_hits))
    return out


def select(item: Item, scores: np.ndarray, most: int = 4, same: float = 0.8) -> list[int]:
    """The candidates compose.choose_points would give for these scores."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], item.rank[i]))
    lead = next(i for i in order if item.rank[i] == 0)
    used: list[int] = []
    for i in [lead, *order]:
        if len(used) >= most:
            break
        if item.quotes[i] in {item.quotes[u] for u in used} or \
                (used and max(float(item.vectors[i] @ item.vectors[u]) for u in used) >= same):
            continue
        used.append(i)
    return used


def simulate(items: list[Item], scores: list[np.ndarray]) -> dict:
    """Coverage and follow-ups as the blind scorer would see the chosen points (approximately:
    the answer's first line and next step count as the lead card's)."""
    coverage, follow = [], []
    for item, s in zip(items, scores, strict=True):
        got = set(item.lead_hits)
        for i in select(item, s):
            got |= item.hits[i]
        coverage.append(len(got) / item.n_points)
        if item.follow_up:
            new = [k in got for k in item.wanted]
            follow.append(sum(new) / len(new) >= 0.5)
    return {"coverage": round(float(np.mean(coverage)), 3),
            "follow_ups": round(float(np.mean(follow)), 3) if follow else None,
            "items": len(items)}


def fit(items: list[Item]):  # noqa: ANN201
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([i.x for i in items])
    y = np.concatenate([i.y for i in items])
    return LogisticRegression(C=REGULARISATION, max_iter=3000).fit(x, y)


def data_hash() -> str:
    """sha256 of what the model depends on: the dev split, the cards and the feature list."""
    digest = hashlib.sha256(DEV.read_bytes())
    for path in sorted((ROOT / "knowledge" / "cards").glob("*.yaml")):
        digest.update(path.read_bytes())
    digest.update(json.dumps([list(FEATURES), POOL, REGULARISATION]).encode())
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
        after = simulate(items, [model.predict_proba(i.x)[:, 1] for i in items])
        print(f"{name}: heuristic {before} -> ranker {after}")
    if args.report:
        return 0
    meta = {"features": list(FEATURES), "C": REGULARISATION, "pool": POOL,
            "trained_on": {"blind_dev_items": len(dev),
                           "rows": int(sum(len(i.hits) for i in dev))},
            "data_sha256": data_hash()}
    np.savez_compressed(out, coef=model.coef_[0].astype(np.float32),
                        intercept=np.float32(model.intercept_[0]),
                        meta=np.asarray(json.dumps(meta)))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
