"""Guide text cut into selectable units: sentences (with the one they lean on), bullet items,
and short lists of terse entries; what the guide engine scores and picks from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.documents import Document

from coach.text import sentence_end

# Sentence ends, but not after "Dr." or "et al.".
SENTENCE_END = sentence_end(keep=("Dr", "al", "e.g"))
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:[a-z][.)]\s+)?")
# A sentence opening like this leans on the one before it, so the two travel together.
ANAPHOR = re.compile(
    r"^(?:this|these|that|those|they|it|their|such|in these cases|even if)\b", re.I
)
# Advice reads as advice: an imperative opening or a "you should / try to" turn of phrase.
ADVICE = re.compile(
    r"^(?:be|take|ask|start|try|identify|reach|show|follow|create|seek|keep|introduce|express|"
    r"highlight|mention|discuss|let|tell|respond|determine|aim|listen|remember|recognize|work|"
    r"appreciate|set|plan|share|respect|encourage|hold|give|offer|establish|define|know|consider|"
    r"embrace|have|use|come|find|look|locate|think|don't|do not|strive|cultivate|approach)\b|"
    r"\b(?:you (?:should|can|could|will want to|may want to|might want to)|try to|it is important|"
    r"it's essential|it is essential|it can be helpful|crucial that|make sure)\b",
    re.I,
)
MERGE_LIMIT = 70  # words: a sentence and the one it leans on, kept as one unit up to this


@dataclass(frozen=True)
class Unit:
    """One selectable piece of guide text: a sentence (or two), a bullet item or a short list."""

    text: str
    context: str  # heading trail / parent bullet, used for scoring only
    section: str
    chunk_rank: int
    order: int
    kind: str = "sentence"  # "sentence" (prose), "item" (a bullet) or "list" (short items joined)


def _clean(line: str) -> str:
    text = BULLET.sub("", line).strip()
    return re.sub(r"^>\s*|\*\*|__|<u>|</u>", "", text).strip()


def _sentences(paragraph: str) -> list[str]:
    """Sentences, each merged into its predecessor when it starts with a pointer back to it."""
    out: list[str] = []
    for sentence in SENTENCE_END.split(paragraph):
        joined = f"{out[-1]} {sentence}" if out else ""
        if out and ANAPHOR.match(sentence) and len(joined.split()) <= MERGE_LIMIT:
            out[-1] = joined
        else:
            out.append(sentence)
    return out


def _join(parts: list[str]) -> str:
    return " ".join(p if p.endswith("?") else p.rstrip(".,;") + ";" for p in parts).rstrip(";")


def _lines(body: str) -> list[tuple[str, list[str]]]:
    """(top-level line, cleaned nested bullet lines) pairs of a chunk body."""
    items: list[tuple[str, list[str]]] = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and BULLET.match(line) and items:
            items[-1][1].append(_clean(line))
        else:
            items.append((line, []))
    return items


def _is_label(line: str, children: list[str]) -> bool:
    """A terse list entry ("Career Advice", a worksheet question) that reads best in its list."""
    text = _clean(line)
    if not BULLET.match(line) or children or ADVICE.match(text):
        return False
    return len(text.split()) <= 12 or text.endswith("?")


def units_of(hits: list[Document]) -> list[Unit]:
    """The selectable units of retrieved chunks: prose sentences; bullet items (a bullet whose
    sub-items are short is kept whole, "Parent: a; b; c", so the TL;DR reads as points); and runs
    of terse entries joined under their lead-in line or heading ("Goals worksheet: Which...?")."""
    units: list[Unit] = []

    def add(text: str, context: str, section: str, rank: int, kind: str) -> None:
        if len(text.split()) >= 3 and not text.endswith(":"):
            units.append(Unit(text, context, section, rank, len(units), kind))

    for rank, doc in enumerate(hits):
        trail = doc.metadata.get("heading_trail", "")
        section = doc.metadata.get("section", "")
        body = doc.page_content
        if body.startswith(trail):
            body = body[len(trail):]
        body = re.sub(r"```.*?```", "", body, flags=re.S)  # templates are linked, not quoted
        lead = trail.split(" > ")[-1]
        lines = _lines(body)
        i = 0
        while i < len(lines):
            line, children = lines[i]
            run = 0
            while i + run < len(lines) and _is_label(*lines[i + run]):
                run += 1
            if run >= 2:
                entries = [_clean(entry) for entry, _ in lines[i : i + run]]
                add(f"{lead.rstrip(':')}: {_join(entries)}", trail, section, rank, "list")
                i += run
                continue
            i += 1
            parent = _clean(line)
            if not parent:
                continue
            if not BULLET.match(line):
                if len(parent.split()) <= 30:
                    lead = parent  # a short lead-in names the list that follows it
                for sentence in _sentences(parent):
                    add(sentence, trail, section, rank, "sentence")
            elif children and sum(len(c.split()) for c in children) <= 50:
                add(f"{parent.rstrip(':')}: {_join(children)}", trail, section, rank, "item")
            else:
                add(parent, trail, section, rank, "item")
                for child in children:
                    text = f"{parent.rstrip(':')}: {child}"
                    add(text, f"{trail} {parent}", section, rank, "item")
    return units


def unit_text(unit: Unit) -> str:
    """What is embedded for a unit: the unit in its context."""
    return f"{unit.context}: {unit.text}"
