"""Text normalisation for detection: NFKC, invisible characters, look-alike letters, and the
encodings attackers use to slip past a screen (base64, leetspeak).

`normalize` is what the patterns and the classifier read; `variants` adds the decoded forms so a
screen can check every reading of the same input.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from functools import lru_cache

from coach.text import STRAIGHT_QUOTES

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Zero-width, bidi and soft-hyphen marks, variation selectors, tag characters and lone
# surrogates: they can split a word to dodge a screen and carry nothing a reader sees.
INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                       r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
                       r"\U000e0000-\U000e007f\ud800-\udfff]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "+": "t"})
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$!|+])[a-z0-9@$!|+]{3,}\b")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The ASCII look-alike of one non-Latin letter (Cyrillic 'а' -> 'a'), else the letter."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=["latin", "common"])
    for hit in found or ():
        for glyph in hit["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return glyph["c"].lower()
    return char


def _is_latin(char: str) -> bool:
    return char.isascii() or "LATIN" in unicodedata.name(char, "")


def _fold_word(word: str) -> str:
    return "".join(c if _is_latin(c) or not c.isalpha() else _fold_char(c) for c in word)


def fold_homoglyphs(text: str) -> str:
    """Replace look-alike letters from other scripts with their ASCII twins. Latin letters with
    accents (Spanish 'á', 'ñ') are kept. Mostly-Latin text is folded whole; text mostly in
    another script (real Russian, Greek) only in words that mix scripts, so it stays readable
    for language identification."""
    if text.isascii():
        return text
    letters = [c for c in text if c.isalpha()]
    if sum(map(_is_latin, letters)) * 2 >= len(letters):
        return _fold_word(text)
    return re.sub(r"\w+", lambda m: _fold_word(m.group(0)) if any(
        _is_latin(c) for c in m.group(0) if c.isalpha()) else m.group(0), text)


def strip_invisible(text: str) -> str:
    """Drop zero-width, bidi and tag characters (they are invisible to a reader)."""
    return INVISIBLE.sub("", text)


def normalize(text: str) -> str:
    """NFKC, curly quotes straightened, invisible marks dropped, look-alike letters folded,
    control characters -> space, whitespace collapsed, lowercase."""
    text = unicodedata.normalize("NFKC", text or "").translate(STRAIGHT_QUOTES)
    text = fold_homoglyphs(strip_invisible(text))
    return " ".join(_CONTROL.sub(" ", text).split()).lower()


def decode_base64(text: str) -> list[str]:
    """Printable text hidden in base64 runs of the raw input (at most three runs)."""
    found = []
    for run in _BASE64.findall(text)[:3]:
        padded = run + "=" * (-len(run) % 4)
        try:
            raw = base64.b64decode(padded, validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        readable = sum(ch.isalnum() or ch.isspace() for ch in decoded)
        if decoded and decoded.replace("\n", " ").isprintable() and readable / len(decoded) > 0.7:
            found.append(decoded)
    return found


def unleet(text: str) -> str:
    """'1gn0r3 4ll rul3s' -> 'ignore all rules'; only words that mix letters and digits change."""
    return _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)


def variants(text: str) -> list[str]:
    """Normalised readings of the input: itself, leetspeak undone, base64 decoded. Distinct only."""
    base = normalize(text)
    out = [base, unleet(base)]
    out += [normalize(d) for d in decode_base64(unicodedata.normalize("NFKC", text or ""))]
    return [v for v in dict.fromkeys(out) if v]
