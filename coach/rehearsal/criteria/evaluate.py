"""The blind rehearsal eval: criterion verdicts on utterances and transcripts, persona re-asks.

Data: evals/rehearsal_blind/{utterances,transcripts}_{dev,test}.yaml, written by people who never
saw the detector. Only aggregate figures are reported (per split, per criterion for dev): test
items and test failures are never listed, so nothing is tuned on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import InputError
from coach.rehearsal.criteria.detector import CRITERIA
from coach.rehearsal.planner import PROBE_ELEMENT

SPLITS = ("dev", "test")


class BlindTurn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str
    text: str


class BlindTranscript(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    persona: str
    turns: list[BlindTurn]
    expected: dict[str, bool]
    already_said_before_each_mentor_turn: list[list[str]] = []


def _read(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: {exc}") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list")
    return data


def load_split(folder: Path, split: str) -> tuple[list[dict], list[BlindTranscript]]:
    """(utterances, transcripts) of one split."""
    utterances = _read(folder / f"utterances_{split}.yaml")
    try:
        transcripts = [BlindTranscript.model_validate(t)
                       for t in _read(folder / f"transcripts_{split}.yaml")]
    except ValidationError as exc:
        raise InputError(f"{folder}/transcripts_{split}.yaml: {exc}") from None
    return utterances, transcripts


def utterance_figures(utterances: list[dict]) -> dict[str, Any]:
    """Verdict accuracy (every utterance x criterion), exact-match rate, per-criterion accuracy."""
    from coach.rehearsal.criteria import detect_criteria

    got = detect_criteria([u["text"] for u in utterances])
    pred = np.asarray([[c in g for c in CRITERIA] for g in got])
    want = np.asarray([[c in (u.get("labels") or []) for c in CRITERIA] for u in utterances])
    right = pred == want
    return {"utterance_accuracy": float(right.mean()),
            "utterance_exact_match": float(right.all(axis=1).mean()),
            "utterances": len(utterances),
            "per_criterion": {c: round(float(right[:, j].mean()), 4)
                              for j, c in enumerate(CRITERIA)}}


def transcript_figures(transcripts: list[BlindTranscript]) -> dict[str, Any]:
    """Verdict accuracy over whole transcripts (student turns only), as the scorecard gives it:
    a criterion the persona's scorecard does not score (research style and expectations for a
    faculty, resident or peer mentor) is never shown as met. `transcript_accuracy_all_criteria`
    is the older figure that runs every criterion on every transcript."""
    from coach.rehearsal.scorecard import RESEARCH_IDS, criteria_for, detect

    right, right_all, total = 0, 0, 0
    for t in transcripts:
        lines = [x.text for x in t.turns if x.role == "student"]
        every = detect(lines, RESEARCH_IDS)
        scored = set(criteria_for(t.persona))
        for cid, expected in t.expected.items():
            total += 1
            right += (cid in every and cid in scored) == bool(expected)
            right_all += (cid in every) == bool(expected)
    return {"transcript_accuracy": right / max(1, total),
            "transcript_accuracy_all_criteria": right_all / max(1, total),
            "transcript_verdicts": total, "transcripts": len(transcripts)}


def reask_figures(transcripts: list[BlindTranscript]) -> dict[str, Any]:
    """Replay each transcript's student turns to the scripted persona; a re-ask is a probe for
    something the blind labels say the student had already said before that mentor turn."""
    from coach.rehearsal.session import start_rehearsal

    asked, reasked, flagged, unsaid = 0, 0, 0, 0  # flagged: lines kept out of the role-play
    for t in transcripts:
        session = start_rehearsal(t.persona, unavailable=False, seed=0)
        mentor_index = 0
        for i, turn in enumerate(t.turns):
            if turn.role != "student" or session.done:
                continue
            flagged += session.reply(turn.text).kind in ("crisis", "mistreatment", "redirect")
            nxt = t.turns[i + 1] if i + 1 < len(t.turns) else None
            if nxt is None or nxt.role != "mentor":
                continue
            said = (t.already_said_before_each_mentor_turn[mentor_index]
                    if mentor_index < len(t.already_said_before_each_mentor_turn) else None)
            mentor_index += 1
            probe = PROBE_ELEMENT.get(session.last_probe or "")
            if said is None or session.done:
                continue
            asked += 1
            reasked += probe is not None and probe in said
            unsaid += bool(set(session.state.answered) - set(said))
    # The cost of remembering too much: turns where the persona takes an element as answered
    # (at the lower bar of a reply to its question) that the labels say was not said yet.
    return {"reask_rate": reasked / max(1, asked), "mentor_turns": asked,
            "answered_unsaid_rate": unsaid / max(1, asked), "safety_flagged_lines": flagged}


def run_blind(folder: Path) -> dict[str, Any]:
    """Figures per split; metric names are '<split>_<figure>'."""
    metrics: dict[str, Any] = {}
    for split in SPLITS:
        utterances, transcripts = load_split(folder, split)
        figures = {**utterance_figures(utterances), **transcript_figures(transcripts),
                   **reask_figures(transcripts)}
        per = figures.pop("per_criterion")
        if split == "dev":  # per-criterion figures only for dev; test is aggregate only
            metrics.update({f"dev_accuracy_{c}": v for c, v in per.items()})
        else:
            metrics["test_min_criterion_accuracy"] = min(per.values())
        metrics.update({f"{split}_{k}": v for k, v in figures.items()})
    return {"metrics": metrics, "cases": []}
