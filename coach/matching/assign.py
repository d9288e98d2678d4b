"""Optimal pairing: one capacity-aware assignment per class (scipy's `linear_sum_assignment`
over mentor slots), hard constraints, board-fixed and forbidden pairs, and the FAMWA chain."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from coach.embeddings import Embeddings
from coach.errors import InputError
from coach.matching.roster import StudentRow
from coach.matching.score import embed_profiles, pair_score, score_matrix
from coach.matching.weights import Weights

log = logging.getLogger(__name__)
FORBIDDEN = 1e6  # cost of a pair that must not happen; such assignments are dropped afterwards
Progress = Callable[[str], None]


class Pair(BaseModel):
    """A proposed pair: mentor in a higher class than the mentee."""

    mentor: str
    mentee: str
    mentor_year: int
    mentee_year: int
    score: float
    parts: dict[str, float]
    reasons: list[str]
    kind: Literal["mentee", "chain"] = "mentee"  # chain: a mentor linked to the class above
    fixed: bool = False


class Unmatched(BaseModel):
    name: str
    year: int
    reason: str


class Constraints(BaseModel):
    """The board's decisions: pairs to keep as they are and pairs never to make (by name)."""

    fixed: list[tuple[str, str]] = []  # (mentor, mentee)
    forbidden: list[tuple[str, str]] = []  # either order


class MatchResult(BaseModel):
    pairs: list[Pair]
    unmatched: list[Unmatched]
    spare_mentors: list[Unmatched]  # mentors with capacity left, for the board's information


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _check_fixed(constraints: Constraints, by_key: dict[str, StudentRow]) -> list[tuple]:
    """Resolve fixed pairs to rows; a name not on the roster or an impossible pair is an error."""
    resolved, forbidden = [], {frozenset(map(_key, p)) for p in constraints.forbidden}
    for mentor_name, mentee_name in constraints.fixed:
        mentor, mentee = by_key.get(_key(mentor_name)), by_key.get(_key(mentee_name))
        for name, row in ((mentor_name, mentor), (mentee_name, mentee)):
            if row is None:
                raise InputError(f"Fixed pair {mentor_name} → {mentee_name}: {name} is not on "
                                 "the roster (or their row has an error).")
            if row.opt_out:
                raise InputError(f"Fixed pair {mentor_name} → {mentee_name}: {name} opted out.")
        if mentor.class_year <= mentee.class_year:
            raise InputError(f"Fixed pair {mentor_name} → {mentee_name}: the mentor must be in a "
                             "higher class than the mentee (same class is never paired).")
        if frozenset((mentor.key, mentee.key)) in forbidden:
            raise InputError(f"{mentor_name} → {mentee_name} is both fixed and forbidden.")
        resolved.append((mentor, mentee))
    return resolved


def match(students: Sequence[StudentRow], embedder: Embeddings, weights: Weights | None = None,
          constraints: Constraints | None = None, progress: Progress | None = None) -> MatchResult:
    """Pair each class's mentees with mentors from the nearest higher class that has mentors,
    maximising the total score; then (chain) link each mentor who has mentees to the class above."""
    weights, constraints = weights or Weights(), constraints or Constraints()
    report = progress or (lambda _step: None)
    by_key = {s.key: s for s in students}
    fixed = _check_fixed(constraints, by_key)
    forbidden = {frozenset(map(_key, p)) for p in constraints.forbidden}
    report("embedding")
    vectors = embed_profiles(students, embedder)
    active = [s for s in students if not s.opt_out]
    capacity = {s.key: s.capacity for s in active if s.role in ("mentor", "both")}
    pairs: list[Pair] = []
    unmatched = [Unmatched(name=s.name, year=s.class_year, reason="opted out")
                 for s in students if s.opt_out]
    for mentor, mentee in fixed:
        capacity[mentor.key] = capacity.get(mentor.key, 1) - 1
        account = pair_score(mentor, mentee, vectors, weights)
        pairs.append(Pair(mentor=mentor.name, mentee=mentee.name, mentor_year=mentor.class_year,
                          mentee_year=mentee.class_year, fixed=True,
                          kind="chain" if mentee.role == "mentor" else "mentee",
                          **account.model_dump(exclude={"reasons"}),
                          reasons=["fixed by the board", *account.reasons]))
    fixed_mentees = {mentee.key for _, mentee in fixed}
    for year in sorted({s.class_year for s in active}):
        has_mentees = {_key(p.mentor) for p in pairs}  # all their mentees are in lower classes
        mentees = [s for s in active if s.class_year == year and s.key not in fixed_mentees and (
            s.role in ("mentee", "both")
            or (weights.chain and s.role == "mentor" and s.key in has_mentees))]
        above = sorted({s.class_year for s in active if s.class_year > year
                        and capacity.get(s.key, 0) > 0})
        if not mentees:
            continue
        if not above:
            unmatched += [Unmatched(name=s.name, year=year, reason="no mentor with free capacity "
                                    "in a higher class") for s in mentees if s.role != "mentor"]
            continue
        mentors = [s for s in active if s.class_year == above[0] and capacity.get(s.key, 0) > 0]
        report(f"matching MS{year}")
        pairs += _assign(mentees, mentors, vectors, weights, capacity, forbidden, unmatched)
    spare = [Unmatched(name=s.name, year=s.class_year, reason=f"{left} place(s) left")
             for s in active if (left := capacity.get(s.key, 0)) > 0]
    log.info("matched %d pairs (%d fixed); %d unmatched", len(pairs), len(fixed), len(unmatched))
    return MatchResult(pairs=pairs, unmatched=unmatched, spare_mentors=spare)


def _assign(mentees: list[StudentRow], mentors: list[StudentRow], vectors: dict[str, np.ndarray],
            weights: Weights, capacity: dict[str, int], forbidden: set[frozenset],
            unmatched: list[Unmatched]) -> list[Pair]:
    """One optimal assignment of `mentees` to mentor slots (a mentor with capacity c = c slots)."""
    scores = score_matrix(mentors, mentees, vectors, weights)
    slots = [(j, n) for j, m in enumerate(mentors)
             for n in range(min(capacity[m.key], len(mentees)))]
    cost = np.array([[-(scores[i, j] - n * weights.extra_mentee_penalty) for j, n in slots]
                     for i in range(len(mentees))])
    for i, mentee in enumerate(mentees):
        for col, (j, _) in enumerate(slots):
            if frozenset((mentee.key, mentors[j].key)) in forbidden:
                cost[i, col] = FORBIDDEN
    rows, cols = linear_sum_assignment(cost)
    pairs, placed = [], set()
    for i, col in zip(rows, cols, strict=True):
        if cost[i, col] >= FORBIDDEN:
            continue  # only forbidden pairs were left for this mentee
        mentor, mentee = mentors[slots[col][0]], mentees[i]
        capacity[mentor.key] -= 1
        placed.add(i)
        pairs.append(Pair(mentor=mentor.name, mentee=mentee.name, mentor_year=mentor.class_year,
                          mentee_year=mentee.class_year,
                          kind="chain" if mentee.role == "mentor" else "mentee",
                          **pair_score(mentor, mentee, vectors, weights).model_dump()))
    year = mentors[0].class_year
    unmatched += [Unmatched(name=m.name, year=m.class_year,
                            reason=f"not enough mentor places in MS{year}")
                  for i, m in enumerate(mentees) if i not in placed]
    return pairs
