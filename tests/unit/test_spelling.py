"""Hurried typing read as meant (coach/spelling.py): what it fixes and what it must leave alone."""

import re
from pathlib import Path

import pytest

from coach.spelling import fix, known

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("typed", "meant"), [
    ("how shoud i aproach a potental mentr for reserch",
     "how should i approach a potential mentor for research"),
    ("how long shuld i wait befor i folow up if they dont reply",
     "how long should i wait before i follow up if they don't reply"),
    ("can u look at ur email b4 the mtg w/ my PI tmrw",
     "can you look at your email before the meeting with my pi tomorrow"),
    ("I AM SO STRESED ABOUT MY MENTR", "i am so stressed about my mentor"),  # shouted: fixed
    ("i cant stop thinkin about endng it all", "i can't stop thinking about ending it all"),
])
def test_misspellings_and_shorthand_are_read_as_meant(typed: str, meant: str) -> None:
    assert fix(typed) == meant


@pytest.mark.parametrize("typed", [
    "no quiero vivir mas, ya no tiene sentido",  # Spanish is read as typed
    "mi mentor no me contesta, que hago",
    "is PSLF still a good option for people going into peds?",  # acronyms are names
    "Draft an email to Dr. Feld at Drexel about her MS2 elective",  # so are capitalised names
    "i wanna kms after that exam",  # crisis shorthand is known, never "corrected" away
    "my mentee ghosted me after i was pimped on rounds",
    "zxcvbnm qwertyuiop",  # nothing close: unchanged
])
def test_what_it_leaves_alone(typed: str) -> None:
    assert fix(typed) == typed.lower()


def test_every_word_of_the_guide_and_cards_is_known() -> None:
    """A word the coach itself uses must never be 'corrected' in a student's question."""
    text = (ROOT / "knowledge" / "amwa-medical-student-mentorship-guide.md").read_text("utf-8")
    text += "".join(p.read_text("utf-8") for p in sorted((ROOT / "knowledge").rglob("*.yaml")))
    words = {w.lower() for w in re.findall(r"[A-Za-z][a-z']+", text) if len(w) >= 3}
    changed = sorted(w for w in words if not known(w) and fix(w) != w)
    assert not changed, f"add to coach/data/spelling.yaml `known`: {changed}"


def test_empty_and_odd_input() -> None:
    assert fix("") == ""
    assert fix("123 456") == "123 456"
    assert fix("¿qué?") == "¿qué?"
