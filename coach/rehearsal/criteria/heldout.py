"""Held-out figures on the dev transcripts: `python -m coach.rehearsal.criteria.heldout`.

The shipped classifier is trained on the dev transcripts' own turns, so its dev re-ask rate and
transcript accuracy are in-sample (0.000 and 1.000 on 2026-11-30). This refits it once per fold,
each time without the turns of a fifth of the dev transcripts, and replays those transcripts
through the scripted persona and the scorecard: the figures a fresh transcript by the same writer
would get. Cuts are the shipped ones (chosen on the dev utterances). Dev only, never the test
split; it takes a few minutes (one embedding pass, then five fits).

`--second-writer` adds a check on phrasings by another writer, who wrote no transcripts: each
fold's held-out lines of the second blind writer (utterances_train2.yaml), shuffled, are read in
fives to a persona over a model that never saw them; a re-ask is a probe for a criterion an
earlier line of the five was labelled with.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from coach.rehearsal.criteria import train
from coach.rehearsal.criteria.detector import CriterionDetector, get_detector, standing_in
from coach.rehearsal.criteria.evaluate import (
    BlindTranscript,
    load_split,
    reask_figures,
    transcript_figures,
)
from coach.rehearsal.planner import PROBE_ELEMENT

PSEUDO_PERSONAS = ("faculty", "research", "peer", "resident")


def held_out_mask(item_ids: Sequence[str], transcript_ids: set[str]) -> np.ndarray:
    """True for the training items that are turns of the given transcripts ("d-07-2" is turn 2
    of transcript "d-07"; see train.transcript_turns)."""
    return np.asarray([i.rsplit("-", 1)[0] in transcript_ids and i.rsplit("-", 1)[-1].isdigit()
                       and i.count("-") >= 2 for i in item_ids])


class TrainingData(NamedTuple):
    """The training items with their features, computed once for every check here."""

    items: list[train.Utterance]
    x: np.ndarray
    y: np.ndarray
    known: np.ndarray
    weight: np.ndarray
    second_writer: list[int]  # indices of the second blind writer's lines


def training_data() -> TrainingData:
    """Every training item, embedded (one pass)."""
    items, n, weight = train.training_items()
    count = len(train.load_utterances(train.TRAIN2_UTTERANCES)) \
        if train.TRAIN2_UTTERANCES.exists() else 0
    return TrainingData(items, *train.matrices(items), weight, list(range(n, n + count)))


def _refit(data: TrainingData, keep: np.ndarray) -> CriterionDetector:
    """The detector refitted on the kept training rows, with the shipped cuts."""
    models = train.fit(data.x[keep], data.y[keep], data.known[keep], data.weight[keep])
    shipped = get_detector()
    return CriterionDetector(
        np.stack([m.coef_[0] for m in models]), np.asarray([m.intercept_[0] for m in models]),
        shipped.thresholds, None, shipped.memory_thresholds)


def pseudo_reasks(persona: str, lines: Sequence[train.Utterance]) -> tuple[int, int]:
    """(mentor turns, re-asks) when the persona hears these labelled lines in order."""
    from coach.rehearsal.session import start_rehearsal

    session = start_rehearsal(persona, unavailable=False, seed=0)
    said: set[str] = set()
    asked = reasked = 0
    for line in lines:
        if session.done:
            break
        kind = session.reply(line.text).kind
        said |= set(line.labels)
        if kind == "mentor" and not session.done:
            asked += 1
            reasked += PROBE_ELEMENT.get(session.last_probe or "") in said
    return asked, reasked


def second_writer_figures(data: TrainingData, folds: int = 5,
                          length: int = 5) -> dict[str, float]:
    """Re-asks on the second writer's held-out lines, read in groups of `length`."""
    items = data.items
    order = list(data.second_writer)
    random.Random(0).shuffle(order)
    asked = reasked = 0
    for fold in range(folds):
        held = order[fold::folds]
        keep = np.ones(len(items), dtype=bool)
        keep[held] = False
        with standing_in(_refit(data, keep)):
            for k in range(0, len(held) - length + 1, length):
                persona = PSEUDO_PERSONAS[(k // length) % len(PSEUDO_PERSONAS)]
                a, r = pseudo_reasks(persona, [items[i] for i in held[k:k + length]])
                asked, reasked = asked + a, reasked + r
    return {"second_writer_reask_rate": round(reasked / max(1, asked), 4),
            "second_writer_mentor_turns": asked}


def heldout_figures(transcripts: list[BlindTranscript], folds: int = 5,
                    data: TrainingData | None = None) -> dict[str, float]:
    """Re-ask rate and transcript accuracy, each transcript replayed over a model that never
    saw its turns."""
    data = data or training_data()
    ids = [t.id for t in transcripts]
    totals = dict.fromkeys(("asked", "reasked", "verdicts", "right", "right_all"), 0.0)
    for fold in range(folds):
        held = set(ids[fold::folds])
        keep = ~held_out_mask([i.id for i in data.items], held)
        part = [t for t in transcripts if t.id in held]
        with standing_in(_refit(data, keep)):
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


def third_writer_transcripts() -> list[BlindTranscript]:
    """The third blind writer's transcripts (training data: figures on them are held out by
    transcript, though the same writer's single lines stay in training)."""
    return load_split(train.TRAIN3_TRANSCRIPTS.parent, "train3")[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--second-writer", action="store_true",
                        help="also the re-ask rate on the second writer's held-out lines")
    args = parser.parse_args(argv)
    _, transcripts = load_split(train.DEV_TRANSCRIPTS.parent, "dev")
    data = training_data()
    figures = heldout_figures(transcripts, args.folds, data)
    if train.TRAIN3_TRANSCRIPTS.exists():  # the third writer's transcripts, held out the same way
        third = heldout_figures(third_writer_transcripts(), args.folds, data)
        figures.update({f"third_writer_{k}": v for k, v in third.items()})
    if args.second_writer:
        figures.update(second_writer_figures(data, args.folds))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
