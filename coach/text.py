"""Sentences and answer text shared by the guide engine, the grounding guard and the evals.

A sentence ends at . ! ? followed by whitespace and a sentence start (a capital letter, a quote,
a bracket: `starts`), except after the abbreviations in `keep` ("Dr. Lee" stays whole). The
grounding guard (coach/grounding/sentences.py) and the rehearsal criteria
(coach/rehearsal/criteria/text.py) split differently on purpose and keep their own splitters.
"""

from __future__ import annotations

import re
from functools import lru_cache

STARTS = r'A-Z\"('  # the same pattern text as the splitters it replaced
# What phones type for ' and ": read as the plain characters (students' text, before patterns)
_APOSTROPHES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'"}
STRAIGHT_APOSTROPHES = str.maketrans(_APOSTROPHES)
STRAIGHT_QUOTES = str.maketrans({**_APOSTROPHES, "\u201c": '"', "\u201d": '"'})


def not_after(keep: tuple[str, ...]) -> str:
    """Pattern text: not right after one of the abbreviations `keep` ("Dr." ends no sentence)."""
    return "".join(rf"(?<!\b{re.escape(word)}\.)" for word in keep)


@lru_cache(maxsize=16)
def sentence_end(starts: str = STARTS, keep: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The whitespace between two sentences, as a pattern for `re.split`."""
    return re.compile(rf"(?<=[.!?]){not_after(keep)}\s+(?=[{starts}])")


def split_sentences(text: str, starts: str = STARTS, keep: tuple[str, ...] = ()) -> list[str]:
    """The non-empty sentences of `text`, stripped."""
    return [s.strip() for s in sentence_end(starts, keep).split(text) if s.strip()]


# Answer text as the evals and the grounding guard read it: bullets, [n] citations, emphasis.
INLINE_CITE = re.compile(r"\[(\d+)\]")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
MARKDOWN = re.compile(r"\*\*|__|`|\*(?=\w)|(?<=\w)\*")


def plain(text: str) -> str:
    """Text without Markdown emphasis and [n] citations, spaces normalised."""
    text = re.sub(r"\s+", " ", MARKDOWN.sub("", INLINE_CITE.sub("", text)))
    return re.sub(r"\s+([.,;:!?])", r"\1", text).strip()  # "in [1]." -> "in."


def sentences(text: str) -> list[str]:
    """Sentences of a line of answer text."""
    return split_sentences(text, STARTS + r"\[")  # "[1] ..." may open a sentence too


def source_units(text: str) -> list[str]:
    """What a claim may be supported by: each line and sentence of a source, plus runs of
    2-3 consecutive lines (a bullet with its sub-items)."""
    lines = [plain(BULLET.sub("", line)) for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if line]
    units = [s for line in lines for s in sentences(line)] + lines
    units += [" ".join(lines[i:i + n]) for n in (2, 3) for i in range(len(lines) - n + 1)]
    return list(dict.fromkeys(units))
