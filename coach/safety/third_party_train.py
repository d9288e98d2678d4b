"""Train the someone-else-at-risk detector (coach/safety/third_party.py) and report how well it
does on rows it never saw.

    python -m coach.safety.third_party_train            # evaluate held out, fit, write model/
    python -m coach.safety.third_party_train --check    # evaluate only, write nothing

Rows: every row the safety classifier trains on (coach.safety.train.training_rows). Positives:
crisis rows whose kind is in third_party.yaml `training_kinds`; negatives: every other row (the
student's own crises included). Crisis rows whose kind says neither self nor other (`window`,
`giving_away`) are left out. Cuts are chosen on out-of-fold probabilities (5 folds):
`crisis` and `care` as the lowest cuts whose false rate on the benign blind rows stays within
MAX_FALSE / MAX_CARE; `about` as the cut that best separates the two kinds of crisis rows.
Held out by file: each blind file with positives is scored by a model (and cuts) fitted
without it.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from coach.safety.classifier import pack_vocabulary
from coach.safety.third_party import META, WEIGHTS, config, featurize, word_vectorizer
from coach.safety.train import (
    ROOT,
    TUNE_ORIGINS,
    TrainingRow,
    crisis_threshold,
    read_rows,
    training_rows,
)

C = 4.0
MAX_FALSE = 0.004  # out of fold, benign blind rows called a crisis by this detector alone
MAX_CARE = 0.012  # out of fold, benign blind rows given the care note by it
NEITHER = ("window", "giving_away")
# Hand-written (not blind) exemplars: trained on, never used to measure or to set a cut.
EXEMPLARS = "evals/safety_train/third_party_exemplars.yaml"
FOLDS = 5


def labelled(rows: list[TrainingRow]) -> tuple[list[TrainingRow], np.ndarray]:
    """(rows kept, 1 for someone else at risk)."""
    kinds = set(config().training_kinds)
    kept = [r for r in rows if not (r.label == "crisis" and r.kind in NEITHER)]
    y = np.array([int(r.label == "crisis" and r.kind in kinds) for r in kept])
    return kept, y


def embed_cached(texts: list[str], cache_dir: str | None) -> np.ndarray:
    """MiniLM vectors (unit length); with cache_dir, texts embedded before are read back."""
    from pathlib import Path

    from coach.safety.train import embed

    path = Path(cache_dir) / "third-party-vectors.npz" if cache_dir else None
    known: dict[str, np.ndarray] = {}
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as data:
            known = dict(zip(map(str, data["texts"]), data["vectors"], strict=True))
    todo = sorted({t for t in texts if t not in known})
    if todo:
        known.update(zip(todo, embed(todo), strict=True))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(known)
            np.savez(path, texts=np.array(keys, dtype=str),
                     vectors=np.stack([known[k] for k in keys]))
    return np.stack([known[t] for t in texts])


class Head:
    """One logistic regression over [word TF-IDF | embedding], its vectorizer fitted with it."""

    def __init__(self, texts: list[str], x: np.ndarray, y: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

        self.vec = word_vectorizer()
        features = featurize(self.vec, texts, x, fit=True)
        self.model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        self.model.fit(features, y)

    def predict(self, texts: list[str], x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(featurize(self.vec, texts, x))[:, 1]


def out_of_fold(texts: list[str], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros(len(y))
    for train_idx, test_idx in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        head = Head([texts[i] for i in train_idx], x[train_idx], y[train_idx])
        oof[test_idx] = head.predict([texts[i] for i in test_idx], x[test_idx])
    return oof


def choose_cuts(risk: np.ndarray, about: np.ndarray, y: np.ndarray, crisis: np.ndarray,
                tune: np.ndarray) -> dict:
    """The three cuts from out-of-fold probabilities (`about` scored on crisis rows only)."""
    mask = (tune & ~crisis) | (y == 1)  # benign blind rows and the positives
    cut = crisis_threshold(risk[mask], (y == 1)[mask], MAX_FALSE)
    care = crisis_threshold(risk[mask], (y == 1)[mask], MAX_CARE)
    grid = np.linspace(0.05, 0.95, 91)
    accuracy = [((about[crisis] >= g) == (y[crisis] == 1)).mean() for g in grid]
    return {"crisis": round(cut, 6), "care": round(min(care, cut), 6),
            "about": round(float(grid[int(np.argmax(accuracy))]), 4)}


def rates(risk: np.ndarray, about: np.ndarray, y: np.ndarray, crisis: np.ndarray,
          cuts: dict) -> dict:
    """Recall / false rates at `cuts` (None where there are no rows)."""
    def share(mask: np.ndarray, flags: np.ndarray) -> float | None:
        return round(float(flags[mask].mean()), 4) if mask.any() else None

    pos, benign, own = y == 1, ~crisis, crisis & (y == 0)
    return {"positives": int(pos.sum()), "benign": int(benign.sum()), "own_crisis": int(own.sum()),
            "recall_at_crisis_cut": share(pos, risk >= cuts["crisis"]),
            "recall_at_care_cut": share(pos, risk >= cuts["care"]),
            "about_other_right": share(pos, about >= cuts["about"]),
            "own_crisis_called_other": share(own, about >= cuts["about"]),
            "benign_called_crisis": share(benign, risk >= cuts["crisis"]),
            "benign_given_care": share(benign, risk >= cuts["care"])}


def fit_both(texts: list[str], x: np.ndarray, y: np.ndarray,
             crisis: np.ndarray) -> tuple[Head, Head]:
    """(risk head over every row, about head over the crisis rows)."""
    idx = np.flatnonzero(crisis)
    return Head(texts, x, y), Head([texts[i] for i in idx], x[idx], y[idx])


def oof_both(texts: list[str], x: np.ndarray, y: np.ndarray,
             crisis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold p(risk) for every row and p(about someone else) for the crisis rows."""
    risk = out_of_fold(texts, x, y)
    about = np.zeros(len(y))
    idx = np.flatnonzero(crisis)
    about[idx] = out_of_fold([texts[i] for i in idx], x[idx], y[idx])
    return risk, about


def held_out_by_file(texts: list[str], origins: np.ndarray, x: np.ndarray, y: np.ndarray,
                     crisis: np.ndarray, tune: np.ndarray) -> dict:
    """Each blind file with positives, scored by heads and cuts fitted without it (its window
    parts, `<file>#part`, left out of training too)."""
    report = {}
    for name in sorted({o for o, label in zip(origins, y, strict=True)
                        if label and o in TUNE_ORIGINS}):
        out = origins == name
        keep = np.flatnonzero(~out)
        kept = [texts[i] for i in keep]
        risk, about = oof_both(kept, x[keep], y[keep], crisis[keep])
        cuts = choose_cuts(risk, about, y[keep], crisis[keep], tune[keep])
        risk_head, about_head = fit_both(kept, x[keep], y[keep], crisis[keep])
        held = np.flatnonzero(out)
        held_texts = [texts[i] for i in held]
        report[name] = {"cuts": cuts, **rates(risk_head.predict(held_texts, x[held]),
                                              about_head.predict(held_texts, x[held]),
                                              y[held], crisis[held], cuts)}
    files = list(report.values())
    pos = sum(r["positives"] for r in files)
    own = sum(r["own_crisis"] for r in files)
    report["pooled"] = {"positives": pos, "own_crisis": own, **{
        k: round(sum(r[k] * r["positives"] for r in files) / pos, 4)
        for k in ("recall_at_crisis_cut", "recall_at_care_cut", "about_other_right")},
        "own_crisis_called_other": round(sum((r["own_crisis_called_other"] or 0) * r["own_crisis"]
                                             for r in files) / max(own, 1), 4)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coach.safety.third_party_train",
                                     description=__doc__)
    parser.add_argument("--check", action="store_true", help="evaluate only; write nothing")
    parser.add_argument("--cache", default=None, help="folder to cache the row vectors in")
    args = parser.parse_args(argv)
    rows, _ = training_rows()
    rows, y = labelled(rows + read_rows(ROOT / EXEMPLARS))
    texts = [r.features_text for r in rows]
    x = embed_cached(texts, args.cache)
    crisis = np.array([r.label == "crisis" for r in rows])
    tune = np.array([r.origin in TUNE_ORIGINS for r in rows])
    origins = np.array([r.origin.split("#")[0] for r in rows])
    risk, about = oof_both(texts, x, y, crisis)
    cuts = choose_cuts(risk, about, y, crisis, tune)
    meta = {"model": f"LogisticRegression(C={C:g}, balanced) x2 over MiniLM + word TF-IDF",
            "rows": len(rows), "positives": int(y.sum()), "crisis_rows": int(crisis.sum()),
            "cuts": cuts, "max_false": MAX_FALSE, "max_care": MAX_CARE,
            "out_of_fold": rates(risk, about, y, crisis, cuts),
            "held_out_by_file": held_out_by_file(texts, origins, x, y, crisis, tune)}
    print(json.dumps(meta, indent=2))
    if args.check:
        return 0
    risk_head, about_head = fit_both(texts, x, y, crisis)
    weights = {}
    for name, head in (("risk", risk_head), ("about", about_head)):
        vocab = head.vec.vocabulary_
        weights[f"{name}_coef"] = head.model.coef_[0].astype(np.float32)
        weights[f"{name}_intercept"] = np.float64(head.model.intercept_[0])
        weights[f"{name}_vocabulary"] = pack_vocabulary(sorted(vocab, key=vocab.get))
        weights[f"{name}_idf"] = head.vec.idf_.astype(np.float32)
    np.savez_compressed(WEIGHTS, **weights)
    META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
