"""Hurried typing read as meant: "how shoud i aproach a mentr" -> "how should i approach a
mentor".

A student's misspellings and texting shorthand put the words the embeddings and BM25 know out of
reach (a typo-heavy question read as off-topic; "how long shuld i wait befor i folow up" read as
a crisis). `fix` lowercases a line, expands shorthand (coach/data/spelling.yaml), and replaces
each word the English frequency dictionary (pyspellchecker) and the known-word list lack by its
most frequent word one edit away (else, for words of five letters or more, one sharing a
one-letter deletion with it: two substitutions or transpositions, one letter in and one out;
two letters missing or extra are left as typed).

Never touched: words with digits or accents; words of one or two letters; Spanish words; a
word beside a mask ("su*cide"); the word after a title ("Dr. Feld", "DR. FELD"); acronyms and
names typed in capitals ("PSLF", "Drexel" mid-sentence); known words (coach/data/spelling.yaml:
med-school acronyms typed in lowercase, specialties, drug names, crisis slang); lines with few
known English words or at least as many Spanish ones; words with no close known word.

The safety classifier (when trained and when screening) and card matching read the fixed line;
the gate also reads the line as typed, for crisis only, so a fix can only add to a crisis
score. Patterns and everything shown read what the student typed, except email drafts, which
show form fields through `tidy` (shorthand written out, case kept, nothing corrected).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from coach.datafiles import load_data

WORD = re.compile(r"[^\W_][\w'\-]*[^\W_]|[^\W_]")  # any script: "está" is one word, not "est"
MASKS = set("*#@$%^&+=~_|\\<>")  # "su*cide": a masked word is read as typed
ACRONYM = re.compile(r"[A-Z][A-Z0-9]+s?")
NAME_TITLE = re.compile(r"\b(?:dr|mr|mrs|ms|prof|professor|doctor)\.?$", re.I)
IM_BEFORE = {"in", "into", "for", "of", "on", "an", "and", "or", "my", "the", "your", "their",
             "to", "vs", "em", "fm", "peds", "surgery", "like", "doing", "do", "choose"}
IM_AFTER = {"rotation", "rotations", "residency", "residencies", "clerkship", "program",
            "programs", "attending", "attendings", "resident", "residents", "doc", "docs",
            "physician", "physicians", "department", "dept", "match", "mentor", "mentors", "vs",
            "or", "and", "interest", "applicant", "applicants", "subi", "sub-i", "people"}
MIN_CHARS = 3  # shorter words are shorthand or left alone
MIN_TWO_EDITS = 5  # shorter words are corrected one edit at most
INDEXED = 40_000  # most frequent dictionary words that two-edit corrections may land on
MIN_ENGLISH = 0.3  # share of a line's words that must be known English for it to be fixed
_LOCK = threading.Lock()


class SpellingData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shorthand: dict[str, str]
    draft_shorthand: dict[str, str] = {}  # read as meant by `tidy` only (see the file)
    known: list[str]
    spanish: str


@lru_cache(maxsize=1)
def _file() -> SpellingData:
    return load_data("coach", "spelling.yaml", SpellingData)


@lru_cache(maxsize=1)
def _spanish():  # noqa: ANN202 - a SpellChecker
    from spellchecker import SpellChecker

    checker = SpellChecker(language="es", distance=1)
    checker.word_frequency.load_words(_file().spanish.split())
    return checker


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, str], object]:
    from spellchecker import SpellChecker  # ~0.3 s to load its dictionary: on first use only

    data = _file()
    checker = SpellChecker(distance=1)
    checker.word_frequency.load_words([w.lower() for w in data.known] + list(data.shorthand))
    return {k.lower(): v for k, v in data.shorthand.items()}, checker


@lru_cache(maxsize=1)
def _two_edits() -> dict[str, tuple[str, ...]]:
    """Each of the INDEXED most frequent words under each one-letter deletion: a word and a
    dictionary word that share a deletion are at most two edits apart (symmetric delete, as
    SymSpell does, ~1 s once; pyspellchecker's own two-edit search takes ~0.5 s per word)."""
    _, checker = _data()
    common = sorted(checker.word_frequency.dictionary.items(), key=lambda kv: -kv[1])
    index: dict[str, list[str]] = {}
    for word, _count in common[:INDEXED]:
        if word.isalpha() and len(word) >= MIN_TWO_EDITS - 1:
            for i in range(len(word)):
                index.setdefault(word[:i] + word[i + 1:], []).append(word)
    return {k: tuple(v) for k, v in index.items()}


def _correction(word: str) -> str | None:
    """The most frequent known word one edit away (a swap of two letters first), else (a longer
    word) one sharing a one-letter deletion with it."""
    _, checker = _data()
    with _LOCK:
        found = checker.known(checker.edit_distance_1(word))
        if not found and len(word) >= MIN_TWO_EDITS:
            index = _two_edits()
            found = {w for d in {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}
                     for w in index.get(d, ())}
        swapped = {w for w in found if sorted(w) == sorted(word)}  # two letters swapped: the
        # commonest slip ("wnat" is "want", not the more frequent "what")
        return max(swapped or found, key=lambda w: (checker.word_usage_frequency(w), w)) \
            if found else None


def warm() -> None:
    """Load the dictionaries and build the two-edit index now, not on a student's question."""
    _data()
    _spanish()
    _two_edits()


def known(word: str) -> bool:
    """In the English dictionary, the known-word list or the shorthand."""
    shorthand, checker = _data()
    word = word.lower()
    return word in shorthand or word in checker or "-" in word and all(
        part in checker for part in word.split("-") if part)


def dictionary_word(word: str) -> bool:
    """An English dictionary word ("rush"), not only on the known-word list ("ucla", "ohsu")."""
    word = word.lower()
    return known(word) and word not in _known_list()


@lru_cache(maxsize=1)
def _known_list() -> frozenset[str]:
    return frozenset(w.lower() for w in _file().known)


def _keep(word: str) -> bool:
    """Left as typed: too short, with digits or non-ASCII letters, known, or Spanish."""
    return len(word) < MIN_CHARS or not word.isascii() or any(c.isdigit() for c in word) or \
        known(word) or word in _spanish()


@lru_cache(maxsize=4096)
def _fixed(word: str) -> str:
    shorthand, checker = _data()
    if word in shorthand:
        return shorthand[word]
    if _keep(word):
        return word
    core = word.strip("'/-")
    best = _correction(core) if core.isalpha() else None
    return best or word


def fix(text: str) -> str:
    """The line lowercased with shorthand expanded and misspellings corrected; a line that is
    mostly not English comes back lowercased only."""
    return _read(text, keep_case=False)


def tidy(text: str, sentences: bool = False) -> str:
    """What a student pasted into a form, as a draft shows it: texting shorthand written out
    ("ur" -> "your", "wks" -> "weeks", "rly" -> "really"), "i"/"im" as "I"/"I'm" and (with
    `sentences`) each sentence opening with a capital; every other word as typed (no spelling
    corrections: a draft must not turn "aml" into "all"), and addresses and links untouched. A line
    that is mostly not English, or shouted, comes back as typed."""
    if not _english(_lowered(text)) or _shouted(text):
        return text
    out = _read(text, keep_case=True)
    safe = _unprotected(out)
    out = PRONOUN.sub(lambda m: "I" + (m.group(1) or "") if safe(m.start()) else m.group(0), out)
    if not sentences:
        return out
    safe = _unprotected(out)

    def capital(m: re.Match) -> str:
        word = WORD.match(out, m.start(2))
        before = out[:m.start(1) + 1].rstrip().rsplit(None, 1)[-1:] or [""]
        if not safe(m.start(2)) or (word and word.group(0) != word.group(0).lower()) or \
                NOT_AN_END.fullmatch(before[0].lower()) or \
                re.match(r"\.\w", out[m.end(2):m.end(2) + 2]):  # "i.e.", "e.g."
            return m.group(0)  # "pH", "Dr. de la Cruz", a link
        return m.group(1) + m.group(2).upper()

    return SENTENCE.sub(capital, out)


# "i", "i'm", "i've" alone (not "i.e."); a sentence's first letter (after "." only when the
# word before it is not an abbreviation: NOT_AN_END)
PRONOUN = re.compile(r"\bi('(?:m|ve|d|ll))?\b(?![.\-/]\w)")
SENTENCE = re.compile(r"((?:^|[.!?]\s+)[\"'(]?)([a-z])")
NOT_AN_END = re.compile(r"(?:dr|mr|mrs|ms|prof|st|vs|etc|e\.g|i\.e|\w)\.")
# e-mail addresses and links: a draft shows them exactly as typed
LINKISH = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|\S+\.(?:com|org|edu|net|gov|io)\b\S*",
                     re.I)


def _unprotected(text: str):  # noqa: ANN202 - a predicate on offsets
    spans = [m.span() for m in LINKISH.finditer(text)]
    return lambda at: not any(start <= at < end for start, end in spans)


def _lowered(text: str) -> str:
    """Lowercased letter by letter, keeping any letter whose lowercase is longer ("İ" -> "i̇"),
    so offsets in the result are offsets in `text`."""
    return "".join(c if len(lower := c.lower()) != 1 else lower for c in text)


def _english(low: str) -> bool:
    """Enough known English words in the lowercased line, and more of them than Spanish ones."""
    words = [m.group(0) for m in WORD.finditer(low) if m.group(0).isalpha()]
    english = sum(known(w) for w in words)
    return bool(words) and english / len(words) >= MIN_ENGLISH and \
        english > sum(w in _spanish() for w in words)


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > len(letters) / 2


def _read(text: str, keep_case: bool) -> str:
    # the words are found in `low` and their case is read from `text` at the same offsets
    low = _lowered(text)
    shouted = _shouted(text)
    if not _english(low) or keep_case and shouted:
        return text if keep_case else low

    def one(m: re.Match) -> str:
        typed = text[m.start():m.end()]
        around = text[max(0, m.start() - 1):m.start()] + text[m.end():m.end() + 1]
        if MASKS & set(around) or NAME_TITLE.search(text[:m.start()].rstrip()):
            return m.group(0)  # "su*cide"; "Dr. Feld", "DR. FELD"
        if not shouted and (ACRONYM.fullmatch(typed) or typed[0].isupper() and not _opens(
                text, m.start())):  # "PSLF", "Drexel": a name, not a misspelling
            return m.group(0)
        if m.group(0) == "im":
            return _im(low, m)
        if keep_case:  # a draft: shorthand written out, no spelling corrections
            word = m.group(0)
            if text[m.end():m.end() + 1] == "/":  # "w/", "b/c": as typed
                return word
            return _data()[0].get(word) or _file().draft_shorthand.get(word) or word
        return _fixed(m.group(0))

    safe = _unprotected(text)

    def kept(m: re.Match) -> str:
        typed, meant = text[m.start():m.end()], one(m)
        if meant == m.group(0) or not safe(m.start()):
            return typed
        return meant[:1].upper() + meant[1:] if typed[:1].isupper() else meant

    return WORD.sub(kept if keep_case else one, low)


def _im(low: str, m: re.Match) -> str:
    """"im a resident" is "i'm"; "going into im", "im residency" is internal medicine."""
    before = low[:m.start()].split()[-1:] or [""]
    after = WORD.findall(low[m.end():m.end() + 40])[:1] or [""]
    return "im" if before[0] in IM_BEFORE or after[0] in IM_AFTER else "i'm"


def _opens(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence (its capital says nothing)."""
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\"(\n"
