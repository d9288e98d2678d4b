"""Tune goal fit: `python -m coach.email.tune [--cv-only] [FILE ...]`.

Data: blind email requests written by people who never saw the code (by default the dev split
and the second writer's training set, evals/email_blind/requests_{dev,train2}.yaml; never the test
split). Each request labels which goals fit its kind. Per group of kinds (research; faculty,
follow-up and thank-you; peer) a logistic regression over goal_features() (prototype similarities
from data/goal_types.yaml and closeness to the mentor) scores each goal; its cut on the logit is
chosen to maximise the share of requests whose draft uses only fitting goals (plus a small reward
for using more of them). The figure reported is 5-fold cross-validated by request; the models
are then refit on everything and written to data/goal_fit.yaml.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from coach.email.goals import MAX_GOALS, goal_features, goals_optional, pick_fitting

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = [ROOT / "evals" / "email_blind" / f"requests_{s}.yaml" for s in ("dev", "train2")]
GROUPS = {"research": "research", "faculty": "pi", "follow_up": "pi", "thank_you": "pi",
          "peer": "peer"}
CUTS = np.round(np.arange(-3.0, 3.01, 0.25), 2)
RECALL_REWARD = 0.05  # a draft with more of the fitting goals is better, but fit comes first
REGULARISATION = 1.0


def load(paths: list[Path]) -> list[dict]:
    """Requests with goal labels and no ticked goals, with their features precomputed."""
    items = []
    for path in paths:
        if path.exists():
            items += [x for x in yaml.safe_load(path.read_text("utf-8")) or []
                      if not x.get("chosen_goals") and x.get("fitting_goals") is not None]
    for x in items:
        mentor = f"{x['mentor']['field']}: {x['mentor']['focus']}"
        x["_x"] = goal_features(x["student"]["goals"], x["kind"], mentor)
    return items


def train(items: list[dict]) -> dict[str, tuple[np.ndarray, float, float]]:
    """Per group: (coef, intercept, cut)."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for group in dict.fromkeys(GROUPS.values()):
        mine = [x for x in items if GROUPS[x["kind"]] == group]
        x = np.vstack([i["_x"] for i in mine])
        y = np.concatenate([[j in set(i["fitting_goals"]) for j in range(len(i["_x"]))]
                            for i in mine]).astype(int)
        model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(x, y)
        coef, intercept = model.coef_[0], float(model.intercept_[0])
        cut = float(max(CUTS, key=lambda c: (score(mine, {group: (coef, intercept, c)})[1], -c)))
        out[group] = (coef, intercept, cut)
    return out


def score(items: list[dict], models: dict) -> tuple[float, float]:
    """(share of requests using only fitting goals, objective with the recall reward)."""
    ok, reward = 0, 0.0
    for x in items:
        coef, intercept, cut = models[GROUPS[x["kind"]]]
        picked = set(pick_fitting(list(x["_x"] @ coef + intercept), cut,
                                  fallback=not goals_optional(x["kind"])))
        fitting = set(x["fitting_goals"])
        ok += picked <= fitting
        reward += len(picked & fitting) / max(1, min(MAX_GOALS, len(fitting)))
    n = max(1, len(items))
    return ok / n, ok / n + RECALL_REWARD * reward / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--cv-only", action="store_true", help="report CV figures, save nothing")
    args = parser.parse_args(argv)
    items = load(args.files or DEFAULT)
    order = np.random.default_rng(0).permutation(len(items))
    held_ok = 0.0
    for fold in range(5):
        held = set(order[fold::5].tolist())
        models = train([items[i] for i in range(len(items)) if i not in held])
        held_ok += score([items[i] for i in held], models)[0] * len(held)
    cv = held_ok / max(1, len(items))
    models = train(items)
    print(f"{len(items)} requests: only-fitting 5-fold CV {cv:.3f}, in-sample "
          f"{score(items, models)[0]:.3f}; cuts {({g: m[2] for g, m in models.items()})}")
    if args.cv_only:
        return 0
    out = Path(str(resources.files("coach.email").joinpath("data", "goal_fit.yaml")))
    head = ("# Written by `python -m coach.email.tune` (do not edit by hand): per group of\n"
            "# kinds, a logistic regression over goal_features() and its cut on the logit, tuned\n"
            f"# on blind dev/train requests; 5-fold CV share of drafts with only fitting goals: "
            f"{cv:.3f}.\n")
    body = {"groups": GROUPS,
            "models": {g: {"coef": [round(float(c), 4) for c in m[0]],
                           "intercept": round(m[1], 4), "cut": m[2]} for g, m in models.items()},
            "cv_only_fitting": round(cv, 3), "trained_on": len(items)}
    out.write_text(head + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
