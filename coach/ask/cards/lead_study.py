"""Which card leads: `python -m coach.ask.cards.lead_study` (a measurement, it changes nothing).

For every covered question of the blind dev and train2 splits, asked the way `coach eval` asks
it, the cards matching ranks for the student's side are labelled by how many of the key points
the answer needs (a follow-up: the new ones) the card's own text conveys, by the blind scorer.
It reports how much the lead card conveys today, what the best card would ("oracle"), and what a
pairwise logistic re-ranker of the top TOP cards gets, trained on one split and scored on the
other, over features matching already has: fused score, best cosine, BM25, gaps to the best,
rank, audience agreement, mean and top-3 example-question cosine, best and mean point cosine,
card-text cosine, and each cosine against the best card's.

Measured (session 5, third round), lead card's share of wanted key points, dev / train2:
today 0.669 / 0.565, oracle (best card of all) 0.843 / 0.795; the re-ranker trained on dev gets
0.675-0.692 on dev and 0.558-0.581 on train2 over C = 0.01-10, and trained on train2 it does not
beat today's order on train2 itself (0.562-0.572). Adding the cosine to the guide chunk holding
the card's quotes changed nothing (+-0.005). A soft audience penalty in place of the filter
never beat the filter; a logistic audience classifier on the cards' example questions (stored
vectors) fixed 1 of 8 train2 misreads. So the order is already what these signals can give; the
loss is elsewhere. Causes of the 21 train2 (4 dev) covered answers that conveyed nothing:
9 follow-ups (one a crisis-gate false positive, one a false "not covered"), 5 requests to write
an email (names and details drown the request), 3 mentor-side questions read as a mentee's
("I'm a PI", "I'm a resident mentor", "assigned a first year mentee"; reading them right
measured worse: the few mentor cards then fall under the covered floor, two false "not
covered"), 6 mentee questions whose first card holding a key point ranks second or third.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from coach.ask.cards.rank_train import DEV, TRAIN2
from coach.retrieval import expand, tokenize

TOP = 8  # cards re-ranked per question
C_VALUES = (0.01, 0.1, 1.0, 10.0)


@dataclass
class Row:
    """One covered question: its top cards' features and the share of wanted points each
    card's text conveys."""

    id: str
    x: np.ndarray
    y: np.ndarray
    oracle: float


def card_features(matcher, question: str, vector, matches, audience: str) -> np.ndarray:  # noqa: ANN001
    """One feature row per match (see the module docstring)."""
    query = np.asarray(vector, dtype=np.float32)
    query /= np.linalg.norm(query) or 1.0
    sims = matcher.vectors @ query
    kinds = np.asarray(matcher.row_kind)
    bm25 = matcher.bm25.get_scores(tokenize(expand(question)))
    bm25 = bm25 / (bm25.max() or 1.0)
    position = {cid: i for i, cid in enumerate(matcher.order)}
    best, best_dense = matches[0].score, max(m.dense for m in matches)
    rows = []
    for rank, m in enumerate(matches):
        at = matcher.row_card == position[m.card.id]
        q = np.sort(sims[at & (kinds == "q")])[::-1]
        p = sims[at & (kinds == "point")]
        rows.append([m.score, m.dense, bm25[position[m.card.id]], best - m.score,
                     best_dense - m.dense, rank / TOP, float(rank == 0),
                     float(m.card.audience == audience), q.mean(), q[:3].mean(), p.max(),
                     p.mean(), sims[at & (kinds == "card")].max()])
    x = np.asarray(rows, dtype=np.float32)
    return np.column_stack([x, x[:, 8:] - x[:, 8:].max(axis=0)])


def extract(path, coach, scorer) -> list[Row]:  # noqa: ANN001
    from coach.ask.cards.answer import match_cards, question_intent
    from coach.evals.blind.data import load_split
    from coach.evals.blind.evaluate import run_turns

    out = []
    for item in load_split(path):
        if not item.covered or not item.key_points:
            continue
        _, history = run_turns(coach, item.turns[:-1])  # asked as `coach eval` asks them
        question = item.turns[-1]
        intent = question_intent(question, history)
        found = match_cards(coach, question, history, intent)
        if not found.covered or len(found.matches) < 2:
            continue
        top = found.matches[:TOP]
        out.append(Row(item.id, card_features(coach.cards, question, found.vector, top,
                                              intent.audience),
                       np.asarray([share(scorer, m.card, item) for m in top]),
                       max(share(scorer, c, item) for c in coach.cards.cards.values())))
    return out


def share(scorer, card, item) -> float:  # noqa: ANN001
    """The share of the key points the answer needs (a follow-up: the new ones) that the
    card's direct answer and points convey."""
    wanted = item.new_points_only or list(range(len(item.key_points)))
    hits = scorer.conveyed(card.answer + "\n" + "\n".join(f"- {p.say}" for p in card.points),
                           item)
    return sum(hits[k] for k in wanted) / len(wanted)


def pairs(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences of (card conveys more, card conveys less) pairs, both ways round."""
    x, y = [], []
    for row in rows:
        for i in range(len(row.y)):
            for j in range(len(row.y)):
                if row.y[i] > row.y[j]:
                    x += [row.x[i] - row.x[j], row.x[j] - row.x[i]]
                    y += [1, 0]
    return np.asarray(x), np.asarray(y)


def lead_share(rows: list[Row], coef: np.ndarray | None = None) -> float:
    """Mean share of wanted points the lead card conveys (today's order when `coef` is None)."""
    got = [row.y[int(np.argmax(row.x @ coef))] if coef is not None else row.y[0]
           for row in rows]
    return round(float(np.mean(got)), 3)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    from coach.ask.answer import Coach
    from coach.evals.blind.evaluate import Scorer

    coach = Coach.from_settings()
    scorer = Scorer(coach.retriever.store.embeddings)
    splits = {"dev": extract(DEV, coach, scorer), "train2": extract(TRAIN2, coach, scorer)}
    for name, rows in splits.items():
        oracle = round(float(np.mean([r.oracle for r in rows])), 3)
        print(f"{name}: {len(rows)} questions, lead today {lead_share(rows)}, oracle {oracle}")
    for train, test in (("dev", "train2"), ("train2", "dev")):
        x, y = pairs(splits[train])
        for c in C_VALUES:
            coef = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(x, y).coef_[0]
            print(f"re-ranker trained on {train}, C={c}: {train} {lead_share(splits[train], coef)}"
                  f", {test} {lead_share(splits[test], coef)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
