"""Named things and figures in a sentence: people, organisations, programs, numbers, links.

A sentence may only name what the retrieved passages or the student's own words name; a small
model's typical invention is a plausible organisation ("the National Institute of Biomedical
Research (NIBR)") or a website, which sentence similarity alone can miss.
"""

from __future__ import annotations

import re

LINK = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|\b[\w-]+\.(?:com|org|net|edu|"
                  r"gov|io|ai|co)\b", re.I)
NUMBER = re.compile(r"(?<![\w\[])\$?\d[\d,]*(?:\.\d+)?%?(?![\w\]])")
WORD = re.compile(r"[A-Za-z][A-Za-z'&.-]*[A-Za-z]|[A-Z]")
# Small words allowed inside a multi-word name ("Association of American Medical Colleges").
JOINERS = {"of", "for", "the", "in", "on", "at", "&", "de"}
TITLES = {"Dr", "Mr", "Mrs", "Ms", "Prof", "Professor"}
NUMBER_WORDS_OK = {"1", "2", "3", "4", "5"}  # list numbering and "two or three" style counts


def _is_name_word(word: str, initial: bool) -> bool:
    if len(word) < 2 or word in {"I", "I'm", "I've", "I'd", "I'll"}:
        return False
    inner_caps = any(c.isupper() for c in word[1:])  # LinkedIn, NIBR, McGill
    if initial:
        return inner_caps
    return word[0].isupper() or inner_caps


def names(sentence: str) -> list[str]:
    """Runs of capitalised words (not the sentence's first word unless it is an acronym or
    camel-cased), joined across small words: the things a sentence names."""
    words = list(WORD.finditer(sentence))
    runs: list[list[str]] = []
    current: list[str] = []
    pending: list[str] = []
    previous_end, previous = 0, ""
    for i, match in enumerate(words):
        word = match.group().strip(".'")
        gap = sentence[previous_end: match.start()]
        if current and gap.strip():  # punctuation between words ends a name: "X (NIBR)"
            runs.append(current)
            current, pending = [], []
        initial = i == 0 or (bool(re.search(r"[.!?:]\s*$", sentence[: match.start()]))
                             and previous not in TITLES)
        previous_end, previous = match.end(), word
        if word in TITLES:
            pending = [] if not current else pending
            current = current or []
            pending.append(word)
            continue
        if word and _is_name_word(word, initial):
            current += pending + [word]
            pending = []
        elif current and word.lower() in JOINERS:
            pending.append(word)
        else:
            if current:
                runs.append(current)
            current, pending = [], []
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs if run]


def figures(sentence: str) -> list[str]:
    """Numbers (not list numbering or [n] citations) and links in a sentence."""
    found = [m.group().rstrip(".,;:!?)") for m in LINK.finditer(sentence)]
    rest = LINK.sub(" ", sentence)
    found += [n for n in (m.group().rstrip(".,") for m in NUMBER.finditer(rest))
              if n not in NUMBER_WORDS_OK]
    return found


def normal(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9%$@]+", " ", text.lower()).strip() + " "


def unknown_things(sentence: str, known_text: str, allowed: frozenset[str]) -> list[str]:
    """Names and figures in `sentence` that `known_text` (passages + the student's words) and
    the always-allowed list never mention."""
    haystack = normal(known_text)
    unknown = []
    for thing in names(sentence) + figures(sentence):
        key = thing.lower().strip()
        if key in allowed or normal(thing) in haystack:
            continue
        if " " in key and all(normal(w) in haystack or w in JOINERS for w in key.split()) \
                and not any(w.isupper() and len(w) > 1 for w in thing.split()):
            # Each word is the guide's ("Medical Student Mentorship"): a capitalised phrase of
            # known words, not a new organisation (acronyms still have to appear as such).
            continue
        unknown.append(thing)
    return unknown
