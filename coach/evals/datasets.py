"""The eval datasets in evals/: their pydantic models, loaders and where each suite's file is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from coach.errors import InputError

BLIND = ("qa_dev", "qa_train2", "qa_test", "qa_dev_typo", "qa_test_typo")  # train2: a second
# blind writer's set, tuned on too; *_typo: the same questions retyped with typos (session 9)
HIDDEN = ("qa_test", "qa_test_typo", "verdicts_test")  # test splits: figures only, no item shown
VERDICTS = ("verdicts_dev", "verdicts_test")  # yes/no questions with the expected answer (s14)
SAFETY_BLIND = ("safety_blind", "safety_blind_typo")


def _regexes(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        re.compile(pattern)  # a typo in a dataset fails at load, not silently at match time
    return patterns


Patterns = Annotated[list[str], AfterValidator(_regexes)]


class Principle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    any: Annotated[Patterns, Field(min_length=1)]


class QACase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    question: str
    history: list[dict] = []
    sections: Annotated[list[str], Field(min_length=1)]
    principles: Annotated[list[Principle], Field(min_length=1)]
    must_not: Patterns = []


class QASet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    must_not: Patterns = []
    cases: list[QACase]


@dataclass
class Params:
    k: int = 3
    grounding_similarity: float = 0.75
    answer_words: tuple[int, int] = (40, 250)


def read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from None


def load_qa(path: Path) -> QASet:
    data = read_yaml(path)
    try:
        qa = QASet.model_validate({"cases": data} if isinstance(data, list) else data)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    ids = [c.id for c in qa.cases]
    if len(ids) != len(set(ids)):
        raise InputError(f"{path}: duplicate case ids")
    return qa


def load_thresholds(data_dir: Path) -> tuple[dict, Params]:
    """Thresholds per suite/metric ({min:}/{max:}) and the metric parameters."""
    path = data_dir / "thresholds.yaml"
    data = read_yaml(path) if path.exists() else {}
    data = dict(data or {})
    raw = data.pop("params", {}) or {}
    low, high = raw.get("answer_words", (40, 250))
    params = Params(k=int(raw.get("k", 3)),
                    grounding_similarity=float(raw.get("grounding_similarity", 0.75)),
                    answer_words=(int(low), int(high)))
    return data, params


def load_safety(path: Path, seen: frozenset[Path] = frozenset()) -> list[dict]:
    """Rows of {text, kind, category, origin}; `include:` files are read by reference."""
    data = read_yaml(path)
    if isinstance(data, list):
        data = {"cases": data}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a list of rows or a mapping with include/cases")
    rows = []
    for name in data.get("include") or []:
        target = (path.parent / name).resolve()
        if target in seen or not target.exists():
            raise InputError(f"{path}: cannot include {name} (missing or circular)")
        rows += load_safety(target, seen | {path.resolve()})
    for row in data.get("cases") or []:
        if not isinstance(row, dict) or not {"text", "kind"} <= set(row):
            raise InputError(f"{path}: every safety row needs text and kind: {row!r}")
        rows.append({"text": str(row["text"]), "kind": row["kind"],
                     "category": row.get("category", row["kind"]), "origin": path.name})
    return rows


SUITE_FILES = {"qa": "qa.yaml", "qa_dev": "qa_blind/dev.yaml",
               "qa_train2": "qa_blind/train2.yaml", "qa_test": "qa_blind/test.yaml",
               "qa_dev_typo": "qa_blind/dev_typo.yaml", "qa_test_typo": "qa_blind/test_typo.yaml",
               "safety_blind_typo": "safety_blind/test_typo.yaml",
               "safety": "safety.yaml", "email": "email_cases.yaml",
               "rehearsal": "rehearsal_cases.yaml", "safety_blind": "safety_blind/test.yaml",
               "criteria": "rehearsal_blind", "drafts": "email_blind", "prefill": "write_blind",
               "verdicts_dev": "verdict_blind/dev.yaml", "verdicts_test": "verdict_blind/test.yaml"}
SUITE_MODULES = {"safety": "coach.safety", "safety_blind": "coach.safety.evaluation",
                 "safety_blind_typo": "coach.safety.evaluation",
                 "email": "coach.email.drafting", "rehearsal": "coach.rehearsal.session",
                 "criteria": "coach.rehearsal.criteria", "drafts": "coach.email",
                 "prefill": "coach.email"}


def missing(suite: str, path: Path) -> str | None:
    """Why a suite cannot run here (its data file or module is absent), else None."""
    import importlib.util

    if not path.exists():
        return f"{path} not found"
    module = SUITE_MODULES.get(suite)
    if module and importlib.util.find_spec(module) is None:
        return f"{module} is not installed"
    return None


def load_suite(suite: str, path: Path):  # noqa: ANN202
    if suite == "qa":
        return load_qa(path)
    if suite in BLIND:
        from coach.evals.blind.data import load_split

        return load_split(path)
    if suite in VERDICTS:
        from coach.evals.blind.polarity import load_questions

        return load_questions(path)
    if suite == "safety":
        return load_safety(path)
    if suite in SAFETY_BLIND:  # aggregate figures only: no test item is ever shown
        from coach.safety.evaluation import load_blind

        return load_blind(path)
    if suite in ("criteria", "drafts", "prefill"):  # a folder of blind splits, run as one unit
        return [{"id": suite, "path": path}]
    data = read_yaml(path)
    if not isinstance(data, list) or not all(isinstance(c, dict) and "id" in c for c in data):
        raise InputError(f"{path}: expected a list of cases, each with an id")
    return data
