"""Calibrate the guard's support threshold on the labelled SmolLM2 answers (dev only).

    PYTHONPATH=. python evals/grounding/calibrate.py          # dev: the calibration table
    PYTHONPATH=. python evals/grounding/calibrate.py --test   # test: one aggregate figure

Re-scores every labelled claim with the current guard (so splitting or name changes count),
then reports precision/recall of "unsupported" at each threshold and the best F1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
DEV_QA = HERE / "qa_dev.yaml"  # the blind qa dev set (copied from the data helpers)
TEST_QA = HERE / "qa_test.yaml"  # held out: only its aggregate figure is ever printed
QA_LIMIT = 60


def paraphrase_scores(coach, guard, path: Path, limit: int) -> list[tuple[float, bool]]:
    """(similarity, has unknown names) for each key-point paraphrase vs its question's passages."""
    out = []
    for item in (yaml.safe_load(path.read_text()) or [])[:limit]:
        if not item.get("covered") or len(item["turns"]) != 1 or not item.get("key_points"):
            continue
        question = item["turns"][0]
        hits, _ = coach.retrieve(question)
        ctx = guard.context([h.page_content for h in hits], question)
        for point in item["key_points"]:
            v = ctx.check(point["point"])
            if v.kind == "claim":
                out.append((v.similarity, bool(v.unknown)))
    return out


def test_figure() -> None:
    """Aggregate only: the share of the test set's supported paraphrases the guard keeps."""
    from coach.answer import Coach
    from coach.config import Settings
    from coach.grounding import GroundingGuard

    coach = Coach.from_settings(Settings(), llm=None)
    guard = GroundingGuard(coach.retriever.store.embeddings)
    scores = paraphrase_scores(coach, guard, TEST_QA, QA_LIMIT)
    kept = sum(s >= guard.settings.support_threshold and not u for s, u in scores)
    print(f"test: supported paraphrases kept {kept}/{len(scores)} = {kept / len(scores):.3f} "
          f"at threshold {guard.settings.support_threshold}")


def main() -> None:
    from coach.config import disable_telemetry

    disable_telemetry()
    from coach.answer import Coach
    from coach.config import Settings
    from coach.grounding import GroundingGuard

    data = yaml.safe_load((HERE / "smollm2_dev.yaml").read_text())
    coach = Coach.from_settings(Settings(), llm=None)
    guard = GroundingGuard(coach.retriever.store.embeddings)
    sims, names, labels = [], [], []
    stream = {"unsupported": [0, 0], "supported": [0, 0]}  # [dropped, total] by label
    from coach.grounding import guard_text

    for answer in data:
        hits, _ = coach.retrieve(answer["question"])
        ctx = guard.context([h.page_content for h in hits], answer["question"])
        label_of = {u["sentence"]: u["label"] for u in answer["units"]}
        _, report = guard_text(guard.context([h.page_content for h in hits],
                                             answer["question"]), answer["raw"])
        for v in report.verdicts:
            if v.kind == "claim" and v.sentence in label_of:
                stream[label_of[v.sentence]][0] += not v.supported
                stream[label_of[v.sentence]][1] += 1
        for unit in answer["units"]:
            if unit["kind"] == "filler":
                continue
            v = ctx.check(unit["sentence"])
            sims.append(v.similarity)
            names.append(bool(v.unknown))
            labels.append(unit["label"] == "unsupported")
    # Paraphrases written by the blind dev-set authors (key points of each question) are true
    # supported sentences a good model could write: the guard must keep them.
    scores = paraphrase_scores(coach, guard, DEV_QA, QA_LIMIT)
    for similarity, unknown in scores:
        sims.append(similarity)
        names.append(unknown)
        labels.append(False)
    paraphrases = len(scores)
    print(f"+ {paraphrases} supported paraphrases from the blind qa dev set", file=sys.stderr)
    sims, names, bad = np.array(sims), np.array(names), np.array(labels)
    print(f"{len(bad)} claims, {bad.sum()} labelled unsupported", file=sys.stderr)
    best = None
    for t in np.arange(0.30, 0.91, 0.05):
        flagged = (sims < t) | names
        tp = int((flagged & bad).sum())
        precision = tp / flagged.sum() if flagged.sum() else 1.0
        recall = tp / bad.sum()  # unsupported sentences caught
        kept = 1 - (flagged & ~bad).sum() / (~bad).sum()  # supported sentences kept
        balanced = (recall + kept) / 2
        print(f"threshold {t:.2f}: flagged {flagged.sum():3d}  caught {recall:.2f}  "
              f"supported kept {kept:.2f}  precision {precision:.2f}  balanced {balanced:.2f}")
        if best is None or balanced > best[1]:
            best = (round(float(t), 2), balanced)
    print(f"best balanced accuracy {best[1]:.2f} at threshold {best[0]}")
    (caught, bad_total), (lost, good_total) = stream["unsupported"], stream["supported"]
    print(f"whole guard on the raw SmolLM2 answers (similarity, names, citations, repeats, "
          f"cut-off endings; threshold {guard.settings.support_threshold}): caught "
          f"{caught}/{bad_total} unsupported, kept {good_total - lost}/{good_total} supported")


if __name__ == "__main__":
    test_figure() if "--test" in sys.argv else main()
