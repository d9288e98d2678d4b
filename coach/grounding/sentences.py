"""Splitting model output into the units the guard checks: lines, then sentences in a line.

`split_units(text)` returns pieces whose `text + sep` concatenate back to the input, so kept
sentences can be shown with their original spacing and line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (citations like "[1]" that follow stay with it), then whitespace;
# a line break always ends a unit.
BOUNDARY = re.compile(r"(?<=[.!?])((?:\s*\[\d+\])*)(\s+)|(\n+)")
ABBREVIATIONS = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|etc|e\.g|i\.e|U\.S|No)\.)$", re.I)
LIST_MARKER = re.compile(r"\s*(?:\d{1,2}|[a-z])[.)]?\.?")
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
CITATION = re.compile(r"\[(\d+)\]")
MARKUP = re.compile(r"\*\*|__|`|^#+\s*|\*(?=\w)|(?<=\w)\*", re.M)


@dataclass(frozen=True)
class Unit:
    """One sentence (or list item / heading line) and the separator that followed it."""

    text: str
    sep: str


def split_units(text: str) -> list[Unit]:
    """Sentences and lines of `text`; the last unit may be unfinished (sep == "")."""
    units: list[Unit] = []
    start = 0
    for match in BOUNDARY.finditer(text):
        if match.group(3) is None and (ABBREVIATIONS.search(text[start:match.start()])
                                       or LIST_MARKER.fullmatch(text[start:match.start()])):
            continue  # "Dr. Lee" is one sentence; so is "1. Ask early."
        end = match.start() + len(match.group(1) or "")
        piece = text[start:end]
        if piece.strip():
            units.append(Unit(piece, match.group(2) or match.group(3) or ""))
        elif units:  # blank run: fold its spacing into the previous separator
            units[-1] = Unit(units[-1].text, units[-1].sep + piece + (match.group(3) or ""))
        start = match.end()
    if start < len(text):
        units.append(Unit(text[start:], ""))
    return units


def complete_units(text: str) -> tuple[list[Unit], str]:
    """(finished units, the unfinished rest) of streaming text.

    A unit is finished once the next one has begun with something other than a citation
    (so "... mentors. [2]" keeps its citation) or a line break follows it.
    """
    units = split_units(text)
    if not units:
        return [], text
    last = units[-1]
    if last.sep:  # text ends in whitespace: wait, a citation may still follow
        if "\n" in last.sep:
            return units, ""
        return units[:-1], last.text + last.sep
    if last.text.lstrip().startswith("[") and len(units) > 1:
        prev = units[-2]  # "[" may be the start of a citation for the previous sentence
        return units[:-2], prev.text + prev.sep + last.text
    return units[:-1], last.text


def plain(text: str) -> str:
    """A unit without bullets, Markdown emphasis and citations, for matching."""
    text = MARKUP.sub("", CITATION.sub("", BULLET.sub("", text)))
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip()


def citations(text: str) -> list[int]:
    """The [n] numbers a unit cites, in order, without repeats."""
    return list(dict.fromkeys(int(n) for n in CITATION.findall(text)))
