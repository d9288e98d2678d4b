"""A synthetic chapter roster with planted affinities, for the matching tests and benchmark.

Each planted pair (an MS1 mentee and an MS2 mentor) shares a pair of specialties no other
planted pair has, a value, a pastime and a free time; everybody also gets random "noise"
answers. The planted partner is then each mentee's best mentor by construction, so a matcher
that reads the answers well recovers the planted pairs.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from dataclasses import dataclass, field

SPECIALTIES = ["pediatrics", "surgery", "cardiology", "neurology", "psychiatry", "dermatology",
               "oncology", "radiology", "emergency medicine", "family medicine", "obstetrics",
               "orthopedics", "ophthalmology", "anesthesiology", "global health", "geriatrics",
               "infectious disease", "endocrinology", "nephrology", "rural health",
               "public health", "sports medicine", "pathology", "urology"]
VALUES = ["family", "faith", "honesty", "community service", "curiosity", "independence",
          "friendship", "health and fitness", "creativity", "justice", "humor", "tradition",
          "adventure", "kindness", "learning"]
PASTIMES = ["hiking", "cooking", "painting", "soccer", "chess", "rock climbing", "baking",
            "photography", "swimming", "gardening", "yoga", "video games", "knitting",
            "basketball", "singing in a choir", "reading novels", "playing guitar",
            "birdwatching", "running marathons", "dancing salsa"]
TIMES = ["weekday mornings", "weekday lunch", "weekday evenings", "saturday", "sunday",
         "friday afternoons"]
SCHOOLS = ["Rice University", "UT Austin", "Texas A&M", "Baylor University", "UCLA",
           "University of Michigan", "Howard University", "Emory University"]
BACKGROUNDS = ["first-generation", "non-traditional", "international", "veteran", "parent"]
FIRST = ["Alex", "Sam", "Jordan", "Priya", "Maya", "Diego", "Aisha", "Wei", "Lena", "Omar",
         "Chloe", "Mateo", "Nia", "Ravi", "Sofia", "Ethan", "Grace", "Hiro", "Zara", "Lucas"]
LAST = ["Rivera", "Chen", "Patel", "Okafor", "Nguyen", "Garcia", "Kim", "Haddad", "Smith",
        "Lopez", "Khan", "Novak", "Ibrahim", "Rossi", "Tanaka"]
COLUMNS = ["name", "email", "class_year", "role", "undergraduate_school", "what_matters",
           "favourite_things", "goals", "interests", "background", "availability", "preferences",
           "capacity", "opt_out"]


@dataclass
class SyntheticRoster:
    rows: list[dict[str, str]]
    planted: list[tuple[str, str]]  # (mentor, mentee) pairs that were planted as each other's best
    chain_mentors: list[str] = field(default_factory=list)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def synthetic_roster(pairs: int = 90, upper: int = 20, upper_capacity: int = 5,
                     seed: int = 17) -> SyntheticRoster:
    """`pairs` MS1 mentees and MS2 mentors (planted pairs) plus `upper` MS3 mentors (chain)."""
    rng = random.Random(seed)
    names = [f"{first} {last}" for first, last in itertools.product(FIRST, LAST)]
    rng.shuffle(names)
    names = iter(names)
    combos = rng.sample(list(itertools.combinations(SPECIALTIES, 2)), pairs)

    def person(year: int, role: str, interests: list[str], value: str, pastime: str,
               time: str, capacity: int = 1) -> dict[str, str]:
        name = next(names)
        extra = rng.choice(SPECIALTIES)
        goal = rng.choice(["Shadow in {s} this year", "Find a research project in {s}",
                           "Learn what residency in {s} is like", "Build a study plan for Step 1",
                           "Balance school with family life", "Get involved in a free clinic"])
        return {
            "name": name, "email": name.lower().replace(" ", ".") + "@example.edu",
            "class_year": f"MS{year}", "role": role,
            "undergraduate_school": rng.choice(SCHOOLS),
            "what_matters": f"{value.capitalize()} and {rng.choice(VALUES)}",
            "favourite_things": f"{pastime.capitalize()}, {rng.choice(PASTIMES)}",
            "goals": goal.format(s=interests[0] if interests else extra),
            "interests": "; ".join(dict.fromkeys([*interests, extra])),
            "background": rng.choice(["", "", *BACKGROUNDS]),
            "availability": "; ".join(dict.fromkeys([time, rng.choice(TIMES)])),
            "preferences": rng.choice(["", "", "shared interests", "same school"]),
            "capacity": str(capacity), "opt_out": "no"}

    rows, planted = [], []
    for combo in combos:
        shared = dict(value=rng.choice(VALUES), pastime=rng.choice(PASTIMES),
                      time=rng.choice(TIMES))
        mentee = person(1, "mentee", list(combo), **shared)
        mentor = person(2, "mentor", list(reversed(combo)), **shared)
        rows += [mentee, mentor]
        planted.append((mentor["name"], mentee["name"]))
    chain = []
    for _ in range(upper):
        row = person(3, "mentor", [rng.choice(SPECIALTIES)], rng.choice(VALUES),
                     rng.choice(PASTIMES), rng.choice(TIMES), capacity=upper_capacity)
        rows.append(row)
        chain.append(row["name"])
    rng.shuffle(rows)
    return SyntheticRoster(rows=rows, planted=planted, chain_mentors=chain)
