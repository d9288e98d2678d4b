"""Train the safety classifier from the labelled rows in evals/ and write the versioned artifact.

    python -m coach.safety.train            # retrain, write coach/safety/model/
    python -m coach.safety.train --check    # retrain in memory, exit 1 if the artifact differs

Deterministic: fixed row order, lbfgs, fixed fold seed. The crisis threshold is chosen on
out-of-fold probabilities (5 folds), as the lowest value whose out-of-fold false-crisis rate
stays within --max-false-crisis: the model never scores rows it was fitted on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import InputError
from coach.safety.classifier import (
    CLASSES,
    META,
    TFIDF,
    WEIGHTS,
    featurize,
    pack_vocabulary,
    vectorizers,
    window_text,
)
from coach.safety.gate import WINDOW_TURNS
from coach.safety.normalise import normalize

ROOT = Path(__file__).resolve().parents[2]
TRAIN_FILES = ("evals/safety_dev.yaml", "evals/safety.yaml", "evals/safety_exemplars.yaml",
               "evals/safety_blind/dev.yaml", "evals/safety_train/train2.yaml",
               "evals/safety_train/meta.yaml", "evals/safety_train/train3a.yaml",
               "evals/safety_train/train3b.yaml", "evals/safety_train/train4c.yaml",
               "evals/safety_train/train5d.yaml", "evals/safety_train/train6g.yaml",
               "evals/safety_train/train7h.yaml", "evals/safety_train/train8i.yaml",
               "evals/safety_train/train9k.yaml")
# Benign lines from the rehearsal, email and ask features' dev/train2 splits (never their test
# splits): the questions students ask the coach, some upset, none a crisis.
BENIGN_FILES = ("evals/rehearsal_blind/utterances_dev.yaml",
                "evals/rehearsal_blind/utterances_train2.yaml",
                "evals/rehearsal_blind/utterances_train3.yaml",
                "evals/rehearsal_blind/transcripts_dev.yaml",
                "evals/rehearsal_blind/transcripts_train3.yaml",
                "evals/email_blind/requests_dev.yaml", "evals/email_blind/requests_train2.yaml",
                "evals/qa_blind/dev.yaml", "evals/qa_blind/train2.yaml")
LEGACY_KIND = {"ok": "ok", "crisis": "crisis"}
BLIND_LABEL = {"crisis": "crisis", "in_scope": "ok", "injection": "injection"}
C = 16.0
# Rows written blind (by people who never saw the classifier): the crisis threshold is chosen
# on their out-of-fold probabilities.
TUNE_ORIGINS = ("dev.yaml", "train2.yaml", "train3a.yaml", "train3b.yaml", "train4c.yaml",
                "train5d.yaml", "train6g.yaml", "train7h.yaml")
# Safety first. Out of fold on the blind tuning rows, 0.02 -> crisis recall 0.77 for the
# classifier alone, 0.03 -> 0.82. Since the rehearsal and email lines joined the training data
# (benign lines no longer read as crises: dev transcripts 10/95 flagged -> 0, dev email requests
# 3/22 stopped -> 0), 0.03 out of fold is the cut: the gate's measured false-crisis rate on the
# blind test rows stays far below the 0.02 ceiling (evals/thresholds.yaml).
MAX_FALSE_CRISIS = 0.03


class TrainingRow(BaseModel):
    """One labelled text (its conversation window included) and its class."""

    model_config = ConfigDict(extra="ignore")
    text: str = Field(min_length=1)
    label: str
    history: list[str] = []
    origin: str
    kind: str = ""

    @property
    def features_text(self) -> str:
        """What the gate feeds the classifier at run time: normalised, newest line first."""
        return window_text(normalize(self.text), [normalize(h) for h in self.history])


def _fine_label(row: dict) -> str:
    """Blind rows carry label (+ kind); legacy rows kind + category; exemplars label only."""
    if "label" in row:
        label = row["label"]
        if label == "out_of_scope":
            kind = str(row.get("kind") or "")
            return kind if kind in CLASSES else "unrelated"
        return BLIND_LABEL.get(label, label)
    kind = row["kind"]
    return LEGACY_KIND.get(kind) or row.get("category") or kind


def read_rows(path: Path) -> list[TrainingRow]:
    """Rows of one file (a list, or a mapping with `cases`; `include` is not followed)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data.get("cases", []) if isinstance(data, dict) else data or []
    rows = []
    for i, item in enumerate(items):
        try:
            label = _fine_label(item)
            history = [h if isinstance(h, str) else str(h.get("text", "")) for h in
                       item.get("history") or []]
            row = TrainingRow(text=item["text"], label=label, history=history, origin=path.name,
                              kind=str(item.get("kind") or ""))
        except (KeyError, TypeError, AttributeError, ValidationError) as exc:
            raise InputError(f"{path}: row {i}: {exc}") from None
        if row.label not in CLASSES:
            raise InputError(f"{path}: row {i}: label {row.label!r} is not one of {CLASSES}")
        rows.append(row)
    return rows


def benign_lines(path: Path) -> list[TrainingRow]:
    """Benign in-domain text from the other features' blind training splits: what students say
    to a mentor in a rehearsal (utterance sets; transcripts, each line with the lines before it:
    a greeting then "...and it's stressing me out" read as one window was a false crisis) and the
    free-text fields of email requests (goals, background, context). Nervous, apologetic or
    personal ("Sleep before midnight") but never a crisis: the register the classifier must not
    mistake for one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    texts: list[str] = []
    rows: list[TrainingRow] = []
    origin = f"{path.parent.name}/{path.name}"  # never a tuning origin (TUNE_ORIGINS)
    for item in data:
        if item.get("turns") and isinstance(item["turns"][0], dict):  # a rehearsal transcript:
            # each student line read with the student's lines before it, as the gate reads it
            said = [str(t.get("text", "")) for t in item["turns"] if t.get("role") == "student"]
            rows += [TrainingRow(text=line, history=said[max(0, k - WINDOW_TURNS):k], label="ok",
                                 origin=origin) for k, line in enumerate(said) if k]
            texts += said[:1]
        elif item.get("turns"):  # a question to the coach, with the conversation before it
            turns = [str(t) for t in item["turns"]]
            rows.append(TrainingRow(text=turns[-1], history=turns[:-1], label="ok",
                                    origin=origin))
            texts += turns[:-1]
        elif "text" in item:
            texts.append(str(item["text"]))
        else:
            student = item.get("student") or {}
            texts += [str(g) for g in student.get("goals") or []]
            texts += [str(student.get("background") or ""), str(item.get("context") or "")]
    return rows + [TrainingRow(text=t, label="ok", origin=origin) for t in texts if t.strip()]


def window_parts(rows: list[TrainingRow]) -> list[TrainingRow]:
    """The gate also scores a conversation's lines one by one (see gate._semantic_units), so
    train on them: in a benign conversation every earlier line alone is benign, and in a crisis
    conversation whose risk lies only in the earlier lines (kind `window`), the new line alone
    is. Origin `<file>#part`, so these never set the crisis threshold."""
    parts = []
    for r in rows:
        if not r.history:
            continue
        if r.label != "crisis":
            parts += [TrainingRow(text=h, label="ok", origin=f"{r.origin}#part")
                      for h in r.history if h.strip()]
        elif r.kind == "window":
            parts.append(TrainingRow(text=r.text, label="ok", origin=f"{r.origin}#part"))
    return parts


def training_rows(root: Path = ROOT) -> tuple[list[TrainingRow], list[str]]:
    """Every row of the training files that exist, and the files used (relative paths)."""
    used = [f for f in TRAIN_FILES if (root / f).exists()]
    benign = [f for f in BENIGN_FILES if (root / f).exists()]
    rows = [r for f in used for r in read_rows(root / f)]
    rows += window_parts(rows)
    rows += [r for f in benign for r in benign_lines(root / f)]
    return rows, used + benign


def data_hash(rows: list[TrainingRow]) -> str:
    blob = json.dumps([[r.features_text, r.label] for r in rows], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def embed(texts: list[str]) -> np.ndarray:
    from coach.embeddings import get_embeddings

    return np.asarray(get_embeddings().embed_documents(texts), dtype=np.float64)


def crisis_threshold(probs: np.ndarray, is_crisis: np.ndarray, max_false: float) -> float:
    """Lowest p(crisis) cut whose false-crisis rate on non-crisis rows is within max_false."""
    negatives = np.sort(probs[~is_crisis])[::-1]
    allowed = int(np.floor(max_false * len(negatives)))
    cut = negatives[allowed] if allowed < len(negatives) else 0.0
    return float(max(cut + 1e-6, 0.05))


def fit(rows: list[TrainingRow], max_false_crisis: float = MAX_FALSE_CRISIS) -> tuple[dict, dict]:
    """(weights, metadata) for these rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    texts = [r.features_text for r in rows]
    emb = embed(texts)
    y = np.array([r.label for r in rows])
    classes = sorted(set(y))
    oof = np.zeros((len(rows), len(classes)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train_idx, test_idx in folds.split(emb, y):  # vectorizers refit per fold: no leak
        vecs = vectorizers()
        x_train = featurize(vecs, [texts[i] for i in train_idx], emb[train_idx], fit=True)
        model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        model.fit(x_train, y[train_idx])
        oof[test_idx] = model.predict_proba(featurize(vecs, [texts[i] for i in test_idx],
                                                      emb[test_idx]))
    p_crisis = oof[:, classes.index("crisis")]
    is_crisis = y == "crisis"
    tune = np.array([r.origin in TUNE_ORIGINS for r in rows])
    tune = tune if tune.any() else np.ones(len(rows), dtype=bool)
    cut = crisis_threshold(p_crisis[tune], is_crisis[tune], max_false_crisis)
    vecs = vectorizers()
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    model.fit(featurize(vecs, texts, emb, fit=True), y)
    # float32 and packed vocabularies: same decisions (checked by --check), a fraction of the size
    weights = {"classes": np.array(model.classes_, dtype=str),
               "coef": model.coef_.astype(np.float32), "intercept": model.intercept_}
    for name in TFIDF:
        vocab = vecs[name].vocabulary_
        weights[f"{name}_vocabulary"] = pack_vocabulary(sorted(vocab, key=vocab.get))
        weights[f"{name}_idf"] = vecs[name].idf_.astype(np.float32)

    def rates(mask: np.ndarray) -> dict:
        return {"crisis_recall": round(float((p_crisis[mask & is_crisis] >= cut).mean()), 4),
                "false_crisis_rate": round(float((p_crisis[mask & ~is_crisis] >= cut).mean()), 4)}

    meta = {"model": f"LogisticRegression(C={C:g}, balanced) over MiniLM + TF-IDF n-grams",
            "trained_on": sorted({r.origin for r in rows}), "rows": len(rows),
            "rows_per_class": {c: int((y == c).sum()) for c in classes},
            "data_sha256": data_hash(rows), "max_false_crisis": max_false_crisis,
            "thresholds": {"crisis": round(cut, 6), "other": 0.5},
            "out_of_fold_classifier_only": {"all_rows": rates(np.ones(len(rows), dtype=bool)),
                                            "tuning_rows": rates(tune)}}
    return weights, meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coach.safety.train", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="retrain in memory and compare with the stored artifact")
    parser.add_argument("--max-false-crisis", type=float, default=MAX_FALSE_CRISIS,
                        help="out-of-fold false-crisis rate allowed on the blind rows")
    args = parser.parse_args(argv)
    rows, used = training_rows()
    weights, meta = fit(rows, args.max_false_crisis)
    meta["trained_on"] = used
    if args.check:
        stored = json.loads(META.read_text(encoding="utf-8"))
        with np.load(WEIGHTS, allow_pickle=False) as old:
            same = (stored["data_sha256"] == meta["data_sha256"]
                    and np.allclose(old["coef"], weights["coef"], atol=1e-3))
        print("artifact matches the data" if same else "artifact is stale: retrain")
        return 0 if same else 1
    WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(WEIGHTS, **weights)
    META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
