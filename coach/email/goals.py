"""Goals that fit the ask: each kind of email takes the student's goals that fit it.

Each goal is scored by the local MiniLM embedder against prototype goals per type in
data/goal_types.yaml (research, career, clinical, study, balance, personal, written from the
guide's "Determine your goals" list): its fit margin for a kind is its best score among the types
that kind fits minus its best score among the others (plus a small bonus for closeness to the
mentor's field and focus). A small logistic regression per group of kinds over these similarity
features (data/goal_fit.yaml, `python -m coach.email.tune`, trained on blind dev/train requests)
turns them into a fit score; a kind takes at most three goals over its cross-validated cut, best
first (the best one when none clears it, except a thank-you note, which may restate none). Goals
the student ticks
(`chosen_goals`, 1-based) are used as chosen. Goals go into the email as natural -ing clauses
("Get research experience in cardiology" -> "getting research experience in cardiology"; noun
phrases stay as they are, lower-cased), and
every goal left out is reported in the draft's `not_used` note.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from coach.datafiles import load_data
from coach.errors import ConfigError, InputError

MAX_GOALS = 3
TYPES_FILE = "goal_types.yaml"
FIT_FILE = "goal_fit.yaml"


class GoalTypes(BaseModel):
    """data/goal_types.yaml."""

    model_config = ConfigDict(extra="forbid")
    types: dict[str, list[str]]
    fits: dict[str, list[str]]
    verbs: list[str]
    goals_optional: list[str] = []


@lru_cache(maxsize=1)
def goal_types() -> GoalTypes:
    """The goal-type examples, validated (errors name the file and field)."""
    spec = load_data("coach.email", TYPES_FILE, GoalTypes)
    unknown = {t for ts in spec.fits.values() for t in ts} - set(spec.types)
    if unknown:
        raise ConfigError(f"coach/email/data/{TYPES_FILE}: fits: unknown types {unknown}")
    kinds = set(spec.goals_optional) - set(spec.fits)
    if kinds:
        raise ConfigError(f"coach/email/data/{TYPES_FILE}: goals_optional: unknown kinds {kinds}")
    return spec


class FitModel(BaseModel):
    """A logistic regression over goal_features() for one group of kinds."""

    model_config = ConfigDict(extra="forbid")
    coef: list[float]
    intercept: float
    cut: float  # min logit for a goal to be used


class GoalFit(BaseModel):
    """data/goal_fit.yaml (written by `python -m coach.email.tune`)."""

    model_config = ConfigDict(extra="forbid")
    groups: dict[str, str]  # kind -> group
    models: dict[str, FitModel]  # group -> model
    cv_only_fitting: float | None = None
    trained_on: int = 0


@lru_cache(maxsize=1)
def goal_fit() -> GoalFit:
    """The tuned cuts, validated."""
    return load_data("coach.email", FIT_FILE, GoalFit)


class _Typer:
    """Example-goal (prototype) embeddings, built once."""

    def __init__(self) -> None:
        self._state: tuple[Any, list[str], np.ndarray] | None = None

    def embedder(self, embed: Any = None) -> Any:
        if self._state is None or embed is not None:
            from coach.embeddings import get_embeddings

            fn = embed or get_embeddings().embed_documents
            spec = goal_types()
            labels = [t for t, xs in spec.types.items() for _ in xs]
            matrix = np.asarray(fn([x for xs in spec.types.values() for x in xs]))
            self._state = (fn, labels, matrix)
        return self._state[0]

    def scores(self, goals: list[str], embed: Any = None) -> list[dict[str, float]]:
        """Per goal, per type: the mean cosine to that type's two closest prototypes."""
        fn = self.embedder(embed)
        _, labels, matrix = self._state  # type: ignore[misc]
        sims = np.asarray(fn(goals)) @ matrix.T
        out = []
        for row in sims:
            per: dict[str, list[float]] = {}
            for label, s in zip(labels, row, strict=True):
                per.setdefault(label, []).append(float(s))
            out.append({t: float(np.mean(sorted(v)[-2:])) for t, v in per.items()})
        return out


_TYPER = _Typer()


def classify_goals(goals: list[str], embed: Any = None) -> list[str]:
    """The type of each goal (research, career, clinical, study, balance, personal)."""
    return [max(s, key=s.get) for s in _TYPER.scores(goals, embed)] if goals else []


def goal_features(goals: list[str], kind: str, mentor_text: str = "",
                  embed: Any = None) -> np.ndarray:
    """Per goal: [fit margin for this kind, the six type scores, closeness to the mentor]. The
    margin is the best score among the types the kind fits minus the best among the others."""
    fits = goal_types().fits.get(kind, [])
    rows = []
    for s in _TYPER.scores(goals, embed):
        inside = max((v for t, v in s.items() if t in fits), default=0.0)
        outside = max((v for t, v in s.items() if t not in fits), default=0.0)
        rows.append([inside - outside, *(s[t] for t in goal_types().types)])
    fn = _TYPER.embedder(embed)
    vectors = np.asarray(fn([*goals, mentor_text or kind]))
    near = vectors[:-1] @ vectors[-1]
    return np.column_stack([np.asarray(rows), near])


def fit_margins(goals: list[str], kind: str, mentor_text: str = "",
                embed: Any = None) -> list[float]:
    """How well each goal fits this kind: the logit of the tuned model (0 = even odds)."""
    if not goals:
        return []
    spec = goal_fit()
    model = spec.models[spec.groups.get(kind, kind)]
    logits = goal_features(goals, kind, mentor_text, embed) @ np.asarray(model.coef)
    return [float(x) + model.intercept for x in logits]


def _cut(kind: str) -> float:
    spec = goal_fit()
    return spec.models[spec.groups.get(kind, kind)].cut


def goals_optional(kind: str) -> bool:
    """Whether an email of this kind may restate no goal at all (a thank-you note)."""
    return kind in goal_types().goals_optional


def pick_fitting(margins: list[float], cut: float, fallback: bool = True) -> list[int]:
    """Indices of at most three goals over the cut, best first; if none is, the best one
    (`fallback`) or none."""
    ranked = sorted(range(len(margins)), key=lambda i: -margins[i])
    picked = [i for i in ranked if margins[i] >= cut][:MAX_GOALS]
    return sorted(picked or (ranked[:1] if fallback else []))


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


# What a thank-you note thanks for, when a goal says it: "thank her for the letter of
# recommendation", "Thanks so much for meeting with me!", "I'd like to thank Dr. Lee for his
# advice".
THANKS = re.compile(
    r"^\s*(?:(?:to|and|i want to|i'?d like to|i would like to)\s+)?(?:say\s+)?(?:a\s+)?"
    r"(?:thank(?:s|ing)?(?:[- ]you)?|(?:show|express)\s+(?:my\s+)?(?:gratitude|appreciation))"
    r"(?:\s+(?P<who>her|him|them|my (?:mentor|pi|advisor)|(?:dr|prof|professor)\.?"
    r"(?:\s+[\w'-]+){1,3}?))?"
    r"(?:\s+(?:so much|again|a lot|very much))?\s+for\s+(?P<what>\S.*?)\s*$", re.I)
_TO_MENTOR = ((re.compile(r"\b(?:her|his|their)\b(?=\s+\w)", re.I), "your"),
              (re.compile(r"\b(?:her|him|them)\b", re.I), "you"),
              (re.compile(r"\b(?:she|he|they)\b", re.I), "you"))
_TITLE = re.compile(r"^(?:dr|prof|professor)\.?\s+", re.I)


def _someone_else(who: str, mentor_names: tuple[str, ...]) -> bool:
    """Whether a goal's "Dr. Lee" names someone other than the mentor (`mentor_names`)."""
    names = {n.lower() for name in mentor_names for n in name.replace(".", " ").split()}
    return bool(_TITLE.match(who) and names and
                not {w.lower() for w in _TITLE.sub("", who).split()} & names)


def reason_text(text: str) -> str:
    """What a note thanks for, as it goes after "thank you for": one line, no closing
    punctuation, no repeated "thank you for", lowercase when typed in capitals."""
    lines = [line for line in text.splitlines() if line.strip()]  # its first line only
    text = " ".join(re.sub(r"\s*\([^)]*\)", "", lines[0] if lines else "").split())
    text = re.sub(r"^(?:thank(?:s|ing)?(?:[- ]you)?\s+)?for\s+", "", text, flags=re.I)
    text = text.rstrip(" .!?,;:")
    if text.isupper():
        text = text.lower()
    elif text[:1].isupper() and text.split(" ", 1)[0].lower() in {"the", "your", "a", "an",
                                                                "my", "all", "everything"}:
        text = text[0].lower() + text[1:]
    return text


def thanks_reason(goals: list[str], mentor_names: tuple[str, ...] = ()) -> tuple[str | None,
                                                                                 int | None]:
    """(what the note thanks the mentor for, the goal's index) from the first goal saying it;
    (None, None) when none does. A third person ("her letter") becomes "your letter"; a goal
    thanking someone by a name that is not one of `mentor_names` is someone else's thanks."""
    for i, goal in enumerate(goals):
        found = THANKS.match(goal)
        if not found:
            continue
        who = found["who"] or ""
        if _someone_else(who, mentor_names):
            continue  # "thank Dr. Lee for..." in a note to Dr. Okafor
        what = found["what"]
        if who:
            for pattern, word in _TO_MENTOR:
                what = pattern.sub(word, what)
        what = reason_text(what)
        if what:
            return what, i
    return None, None


# News a thank-you note passes on, when a goal says it: "tell her I matched into peds at CHOP",
# "let Dr. Kim know that I passed Step 1" (only a clause the student is the subject of).
NEWS = re.compile(
    r"^\s*(?:(?:to|and)\s+)?(?:tell|let)\s+(?P<who>her|him|them|my (?:mentor|pi|advisor)|"
    r"(?:dr|prof|professor)\.?(?:\s+[\w'-]+){1,3}?)\s+(?:know\s+)?(?:that\s+)?"
    r"(?P<what>(?:i|i'm|im|i've|ive|i'll|we)\b.+)$", re.I)


def news_reason(goals: list[str], mentor_names: tuple[str, ...] = ()) -> tuple[str | None,
                                                                               int | None]:
    """(the news a thank-you passes on, the goal's index) from the first goal saying it, as for
    thanks_reason; "tell her I matched" -> "I matched"."""
    for i, goal in enumerate(goals):
        found = NEWS.match(goal)
        if not found or _someone_else(found["who"], mentor_names):
            continue
        what = found["what"]
        for pattern, word in _TO_MENTOR:
            what = pattern.sub(word, what)
        what = reason_text(what)
        what = re.sub(r"^(?:i|im|i'm|ive|i've|i'll)\b", lambda m: {"i": "I", "im": "I'm",
                      "i'm": "I'm", "ive": "I've", "i've": "I've", "i'll": "I'll"}[m[0].lower()],
                      what, flags=re.I)
        if what:
            return what, i
    return None, None


# Longer verbs whose last syllable is stressed double their last letter: submit -> submitting.
STRESSED_LAST = frozenset({"submit", "commit", "admit", "permit", "omit", "quit", "control",
                           "refer", "prefer", "occur", "compel", "propel", "regret", "forget",
                           "begin", "upset", "equip"})


def _gerund(verb: str) -> str:
    if verb == "be":
        return "being"
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if (re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb) and len(verb) <= 4) or \
            verb in STRESSED_LAST:
        return verb + verb[-1] + "ing"  # get -> getting, run -> running, stop -> stopping
    return verb + "ing"


class GoalChoice(BaseModel):
    """The goals a draft uses (as clauses) and those it leaves out, with why."""

    used: list[str]
    used_raw: list[str]
    not_used: list[str]


def choose_goals(goals: list[str], kind: str, chosen: list[int] | None = None,
                 embed: Any = None, mentor_text: str = "",
                 typed: list[str] | None = None) -> GoalChoice:
    """At most three goals for this kind: the ticked ones, else those that fit it best. Goals
    left out are reported as the student `typed` them (default: as given)."""
    typed = typed if typed is not None and len(typed) == len(goals) else goals
    if chosen:
        bad = [i for i in chosen if not 1 <= i <= len(goals)]
        if bad:
            raise InputError(f"chosen_goals: {bad} out of range; goals are numbered 1 to "
                             f"{len(goals)}")
        picked = list(dict.fromkeys(i - 1 for i in chosen))[:MAX_GOALS]
        margins: list[float] = []
    else:
        margins = fit_margins(goals, kind, mentor_text, embed)
        picked = pick_fitting(margins, _cut(kind), fallback=not goals_optional(kind))
    used = [goals[i] for i in sorted(picked)]
    cut = _cut(kind) if margins else 0.0
    left = []
    for i in range(len(goals)):
        if i in picked:
            continue
        if not margins:
            reason = "not ticked"
        elif margins[i] < cut and not picked:
            reason = f"a {kind.replace('_', '-')} note need not restate goals that fit it loosely"
        elif margins[i] < cut:
            reason = f"fits a {kind.replace('_', '-')} email less clearly than the goals used"
        else:
            reason = f"only {MAX_GOALS} goals per email"
        left.append(f"\"{typed[i]}\" ({reason}; tick it to include it)")
    return GoalChoice(used=[as_clause(g) for g in used], used_raw=used, not_used=left)
