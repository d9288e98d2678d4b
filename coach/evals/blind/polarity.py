"""Whether a yes/no answer says the right thing: its first line's "Yes"/"No" against the answer
a blind labeller expected (evals/verdict_blind/, evals/qa_blind/verdicts_*.yaml).

The QA suites count a verdict line on yes/no questions; they never asked whether it was the
right one ("do mentors have to be attendings?" got "Yes, a mentor can be a resident..."). Here:
- wrong: share of items expecting yes or no whose answer opens with the other one;
- right: share whose answer opens with the expected one.
Items labelled "depends" or "not_yes_no" are not scored; a neutral opening ("Short answer: ...")
is neither right nor wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import InputError
from coach.evals.blind.evaluate import first_line, run_turns
from coach.evals.datasets import read_yaml

Expected = Literal["yes", "no", "depends", "not_yes_no"]
YES = re.compile(r"^\W*(?:yes|yep|yeah|sure|absolutely|of course|definitely)\b", re.I)
NO = re.compile(r"^\W*(?:no|not|nope|never|don'?t|(?:absolutely|of course|definitely|certainly)"
                r"\s+not)\b", re.I)


class PolarItem(BaseModel):
    model_config = ConfigDict(extra="ignore")  # labels carry a "why"; questions side/quote
    id: str
    turns: list[str]
    expected: Expected


def polarity(answer: str) -> str | None:
    """"yes", "no" or None (neutral) for the answer's opening line (after any empathy line)."""
    line = first_line(answer).replace("\u2019", "'")
    if NO.search(line):  # first: "Absolutely not" is a no
        return "no"
    if YES.search(line):
        return "yes"
    return None


def _rows(path: Path) -> list[dict]:
    data = read_yaml(path)
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of items")
    return data


def load_questions(path: Path) -> list[PolarItem]:
    """Single-turn yes/no questions ({id, text, expected, ...})."""
    try:
        return [PolarItem(id=r["id"], turns=[r["text"]], expected=r["expected"])
                for r in _rows(path)]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: {exc}") from None


def load_labels(path: Path) -> dict[str, str]:
    """{item id: expected} for the blind QA items a labeller read (their last turn)."""
    out = {}
    for n, row in enumerate(_rows(path)):
        name = row.get("id", n) if isinstance(row, dict) else n
        try:
            item = PolarItem.model_validate({**row, "turns": ["-"]} if isinstance(row, dict)
                                            else row, strict=False)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(f"{path}: item {name} field {field}: {err['msg']}") from None
        out[item.id] = item.expected
    return out


def labels_for(suite_path: Path) -> Path:
    """Where a blind QA split's verdict labels are (dev_typo.yaml shares dev's ids)."""
    split = suite_path.stem.removesuffix("_typo")
    return suite_path.with_name(f"verdicts_{split}.yaml")


def share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def judged(case: dict, expected: str, answer: str) -> dict:
    """`case` with what the answer opened with against the expected word."""
    got = polarity(answer)
    case = {**case, "expected": expected, "got": got}
    if expected in ("yes", "no"):
        case["wrong"] = got is not None and got != expected
        case["right"] = got == expected
    return case


def summary(cases: list[dict]) -> dict:
    scored = [c for c in cases if "wrong" in c]
    return {"n": len(scored), "wrong": share([c["wrong"] for c in scored]),
            "right": share([c["right"] for c in scored]),
            "neutral": share([c["got"] is None for c in scored])}


def label_metrics(cases: list[dict], labels: dict[str, str]) -> dict:
    """verdict_wrong / verdict_right of a blind QA split's scored cases (their `answer`)."""
    found = [judged({}, labels[c["id"]], c["answer"]) for c in cases if c["id"] in labels]
    figures = summary(found)
    return {"verdict_wrong": figures["wrong"], "verdict_right": figures["right"],
            "verdict_labelled": figures["n"]}


def score_polarity(coach, items: list[PolarItem], engine: str = "guide",  # noqa: ANN001
                   bar=None) -> dict:  # noqa: ANN001 - tqdm
    """The coach's answers to yes/no questions, each judged (run_turns: earlier turns first)."""
    cases = []
    for item in items:
        answers, _ = run_turns(coach, item.turns, engine)
        text = answers[-1].answer
        case = judged({"id": item.id, "first_line": first_line(text)}, item.expected, text)
        case["failures"] = [f"expected {item.expected!r}, opened {case['got'] or 'neutral'}"] \
            if case.get("wrong") else []
        case["passed"] = not case["failures"]
        cases.append(case)
        if bar is not None:
            bar.update(1)
    return {"metrics": summary(cases), "cases": cases}
