"""Held-out figures on the dev transcripts: `python -m coach.rehearsal.criteria.heldout`.

The shipped classifier is trained on the dev transcripts' own turns, so its dev re-ask rate and
transcript accuracy are in-sample (0.000 and 1.000 on 2026-11-30). This refits it once per fold,
each time without the turns of a fifth of the dev transcripts, and replays those transcripts
through the scripted persona and the scorecard: the figures a fresh transcript by the same writer
would get. Cuts are the shipped ones (chosen on the dev utterances). Dev only, never the test
split; it takes a few minutes (one embedding pass, then five fits).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import numpy as np

from coach.rehearsal.criteria import train
from coach.rehearsal.criteria.detector import CriterionDetector, get_detector, standing_in
from coach.rehearsal.criteria.evaluate import (
    BlindTranscript,
    load_split,
    reask_figures,
    transcript_figures,
)


def held_out_mask(item_ids: Sequence[str], transcript_ids: set[str]) -> np.ndarray:
    """True for the training items that are turns of the given transcripts ("d-07-2" is turn 2
    of transcript "d-07"; see train.transcript_turns)."""
    return np.asarray([i.rsplit("-", 1)[0] in transcript_ids and i.rsplit("-", 1)[-1].isdigit()
                       and i.count("-") >= 2 for i in item_ids])


def heldout_figures(transcripts: list[BlindTranscript], folds: int = 5) -> dict[str, float]:
    """Re-ask rate and transcript accuracy, each transcript replayed over a model that never
    saw its turns."""
    items, _, weight = train.training_items()
    x, y, known = train.matrices(items)
    shipped = get_detector()
    ids = [t.id for t in transcripts]
    totals = dict.fromkeys(("asked", "reasked", "verdicts", "right", "right_all"), 0.0)
    for fold in range(folds):
        held = set(ids[fold::folds])
        keep = ~held_out_mask([i.id for i in items], held)
        models = train.fit(x[keep], y[keep], known[keep], weight[keep])
        detector = CriterionDetector(
            np.stack([m.coef_[0] for m in models]), np.asarray([m.intercept_[0] for m in models]),
            shipped.thresholds, None, shipped.memory_thresholds)
        part = [t for t in transcripts if t.id in held]
        with standing_in(detector):
            asks, verdicts = reask_figures(part), transcript_figures(part)
        totals["asked"] += asks["mentor_turns"]
        totals["reasked"] += asks["reask_rate"] * asks["mentor_turns"]
        totals["verdicts"] += verdicts["transcript_verdicts"]
        totals["right"] += verdicts["transcript_accuracy"] * verdicts["transcript_verdicts"]
        totals["right_all"] += (verdicts["transcript_accuracy_all_criteria"]
                                * verdicts["transcript_verdicts"])
    return {"heldout_reask_rate": round(totals["reasked"] / max(1, totals["asked"]), 4),
            "heldout_mentor_turns": int(totals["asked"]),
            "heldout_transcript_accuracy": round(totals["right"] / max(1, totals["verdicts"]), 4),
            "heldout_transcript_accuracy_all_criteria": round(
                totals["right_all"] / max(1, totals["verdicts"]), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    _, transcripts = load_split(train.DEV_TRANSCRIPTS.parent, "dev")
    print(json.dumps(heldout_figures(transcripts, args.folds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
