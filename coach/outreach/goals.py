"""Goals that fit the ask: each kind of email takes the student's goals that fit it.

Each goal is typed by the local MiniLM embedder against the example goals in
data/goal_types.yaml (research, career, clinical, study, balance, personal); a kind takes at most
three goals of the types it fits, in the student's order. Goals the student ticks
(`chosen_goals`, 1-based) are used as chosen. Goals go into the email as natural -ing clauses
("Get research experience in cardiology" -> "getting research experience in cardiology"; noun
phrases stay as they are, lower-cased), and
every goal left out is reported in the draft's `not_used` note.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import ConfigError, InputError

MAX_GOALS = 3
TYPES_FILE = "goal_types.yaml"


class GoalTypes(BaseModel):
    """data/goal_types.yaml."""

    model_config = ConfigDict(extra="forbid")
    types: dict[str, list[str]]
    fits: dict[str, list[str]]
    verbs: list[str]


@lru_cache(maxsize=1)
def goal_types() -> GoalTypes:
    """The goal-type examples, validated (errors name the file and field)."""
    raw = resources.files("coach.outreach").joinpath("data", TYPES_FILE).read_text("utf-8")
    try:
        spec = GoalTypes.model_validate(yaml.safe_load(raw))
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(f"coach/outreach/data/{TYPES_FILE}: {exc}") from None
    unknown = {t for ts in spec.fits.values() for t in ts} - set(spec.types)
    if unknown:
        raise ConfigError(f"coach/outreach/data/{TYPES_FILE}: fits: unknown types {unknown}")
    return spec


class _Typer:
    """Example-goal embeddings, built once."""

    def __init__(self) -> None:
        self._state: tuple[Any, list[str], np.ndarray] | None = None

    def classify(self, goals: list[str], embed: Any = None) -> list[str]:
        if self._state is None or embed is not None:
            from coach.embeddings import get_embeddings

            fn = embed or get_embeddings().embed_documents
            spec = goal_types()
            labels = [t for t, xs in spec.types.items() for _ in xs]
            matrix = np.asarray(fn([x for xs in spec.types.values() for x in xs]))
            self._state = (fn, labels, matrix)
        fn, labels, matrix = self._state
        sims = np.asarray(fn(goals)) @ matrix.T
        out = []
        for row in sims:
            best: dict[str, float] = {}
            for label, s in zip(labels, row, strict=True):  # mean of the top two per type
                best.setdefault(label, [])  # type: ignore[arg-type]
                best[label].append(float(s))  # type: ignore[union-attr]
            score = {t: float(np.mean(sorted(v)[-2:])) for t, v in best.items()}  # type: ignore
            out.append(max(score, key=score.get))
        return out


_TYPER = _Typer()


def classify_goals(goals: list[str], embed: Any = None) -> list[str]:
    """The type of each goal (research, career, clinical, study, balance, personal)."""
    return _TYPER.classify(goals, embed) if goals else []


def as_clause(goal: str) -> str:
    """A goal as a natural -ing clause; parentheses and trailing punctuation dropped."""
    text = re.sub(r"\s*\([^)]*\)", "", goal).strip().rstrip(".!;:,")
    text = re.sub(r"\bmy\b", "my", text, flags=re.I)
    words = text.split()
    if not words:
        return goal.strip()
    first = words[0]
    if first.lower() in goal_types().verbs:
        return " ".join([_gerund(first.lower()), *words[1:]])
    lowered = first if first.isupper() or first[1:] != first[1:].lower() else first.lower()
    return " ".join([lowered, *words[1:]])  # a noun phrase or -ing clause reads as it is


def _gerund(verb: str) -> str:
    if verb == "be":
        return "being"
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb) and len(verb) <= 4:
        return verb + verb[-1] + "ing"  # get -> getting, run -> running, stop -> stopping
    return verb + "ing"


class GoalChoice(BaseModel):
    """The goals a draft uses (as clauses) and those it leaves out, with why."""

    used: list[str]
    used_raw: list[str]
    not_used: list[str]


def choose_goals(goals: list[str], kind: str, chosen: list[int] | None = None,
                 embed: Any = None) -> GoalChoice:
    """At most three goals for this kind: the ticked ones, else those whose type fits."""
    if chosen:
        bad = [i for i in chosen if not 1 <= i <= len(goals)]
        if bad:
            raise InputError(f"chosen_goals: {bad} out of range; goals are numbered 1 to "
                             f"{len(goals)}")
        picked = list(dict.fromkeys(i - 1 for i in chosen))[:MAX_GOALS]
        why = "not ticked"
        types = None
    else:
        types = classify_goals(goals, embed)
        fits = goal_types().fits.get(kind, [])
        ranked = sorted((fits.index(t), i) for i, t in enumerate(types) if t in fits)
        picked = sorted(i for _, i in ranked[:MAX_GOALS])
        if not picked:  # nothing fits: the first non-personal goal, so the email has one
            picked = [next((i for i, t in enumerate(types) if t != "personal"), 0)][:len(goals)]
        why = ""
    used = [goals[i] for i in sorted(picked)]
    left = []
    for i, goal in enumerate(goals):
        if i in picked:
            continue
        reason = why or (f"{types[i]} goal, left out of a {kind.replace('_', '-')} email"
                         if types and types[i] not in goal_types().fits.get(kind, [])
                         else f"only {MAX_GOALS} goals per email")
        left.append(f"\"{goal}\" ({reason}; tick it to include it)")
    return GoalChoice(used=[as_clause(g) for g in used], used_raw=used, not_used=left)
