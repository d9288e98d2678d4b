"""Tune the goal-fit cuts: `python -m coach.outreach.tune [--cv-only] [FILE ...]`.

Data: blind email requests written by people who never saw the code (by default the dev split
and the second writer's training set, evals/email_blind/requests_{dev,train2}.yaml; never the test
split). Each request labels which goals fit its kind. The cut on the fit margin (one for peer
emails, one for the others) and the mentor-closeness weight are chosen on a grid to maximise the
share of requests whose draft uses only fitting goals (plus a small reward for using more of
them); the figure reported is 5-fold cross-validated by request, then the cuts are refit on all.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from coach.outreach.goals import _TYPER, MAX_GOALS, goal_types, pick_fitting

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = [ROOT / "evals" / "email_blind" / f"requests_{s}.yaml" for s in ("dev", "train2")]
CUTS = np.round(np.arange(-0.12, 0.2001, 0.01), 3)
WEIGHTS = (0.0, 0.05, 0.1, 0.2)
RECALL_REWARD = 0.05  # a draft with more of the fitting goals is better, but fit comes first


def _group(kind: str) -> str:
    return "peer" if kind == "peer" else "pi"


def load(paths: list[Path]) -> list[dict]:
    """Requests with goal labels and no ticked goals, with their raw scores precomputed."""
    items = []
    for path in paths:
        if path.exists():
            items += [x for x in yaml.safe_load(path.read_text("utf-8")) or []
                      if not x.get("chosen_goals") and x.get("fitting_goals") is not None]
    embed = _TYPER.embedder()
    for x in items:
        goals = x["student"]["goals"]
        fits = goal_types().fits[x["kind"]]
        margins = []
        for s in _TYPER.scores(goals):
            inside = max(v for t, v in s.items() if t in fits)
            margins.append(inside - max(v for t, v in s.items() if t not in fits))
        mentor = f"{x['mentor']['field']}: {x['mentor']['focus']}"
        vectors = np.asarray(embed([*goals, mentor]))
        x["_margin"], x["_near"] = np.asarray(margins), vectors[:-1] @ vectors[-1]
    return items


def score(items: list[dict], cuts: dict[str, float], weight: float) -> tuple[float, float]:
    """(share of requests using only fitting goals, objective with the recall reward)."""
    ok, reward = 0, 0.0
    for x in items:
        picked = set(pick_fitting(list(x["_margin"] + weight * x["_near"]),
                                  cuts[_group(x["kind"])]))
        fitting = set(x["fitting_goals"])
        ok += picked <= fitting
        reward += len(picked & fitting) / max(1, min(MAX_GOALS, len(fitting)))
    n = max(1, len(items))
    return ok / n, ok / n + RECALL_REWARD * reward / n


def best(items: list[dict]) -> tuple[dict[str, float], float]:
    """The cuts and weight with the best objective (ties: the smaller cut, no weight)."""
    top: tuple[float, dict[str, float], float] | None = None
    for weight in WEIGHTS:
        cuts = {}
        for group in ("pi", "peer"):  # the groups are independent: tune each on its own items
            mine = [x for x in items if _group(x["kind"]) == group]
            cuts[group] = float(max(CUTS, key=lambda c, m=mine: (
                score(m, {group: c}, weight)[1], -c)))
        value = score(items, cuts, weight)[1]
        if top is None or value > top[0] + 1e-9:
            top = (value, cuts, weight)
    return top[1], top[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--cv-only", action="store_true", help="report CV figures, save nothing")
    args = parser.parse_args(argv)
    items = load(args.files or DEFAULT)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(items))
    held_ok = 0.0
    for fold in range(5):
        held = [items[i] for i in order[fold::5]]
        train = [items[i] for i in order if i not in set(order[fold::5])]
        cuts, weight = best(train)
        held_ok += score(held, cuts, weight)[0] * len(held)
    cv = held_ok / max(1, len(items))
    cuts, weight = best(items)
    fit_all = score(items, cuts, weight)[0]
    print(f"{len(items)} requests: only-fitting 5-fold CV {cv:.3f}, in-sample {fit_all:.3f}; "
          f"cuts {cuts}, mentor weight {weight}")
    if args.cv_only:
        return 0
    margin = {k: cuts[_group(k)] for k in goal_types().fits}
    out = Path(str(resources.files("coach.outreach").joinpath("data", "goal_fit.yaml")))
    head = ("# Written by `python -m coach.outreach.tune` (do not edit by hand): the cut on each\n"
            "# kind's goal-fit margin and the mentor-closeness weight, tuned on blind dev/train\n"
            f"# requests; 5-fold CV share of drafts with only fitting goals: {cv:.3f}.\n")
    body = {"margin": margin, "mentor_weight": weight, "cv_only_fitting": round(cv, 3),
            "trained_on": len(items)}
    out.write_text(head + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
