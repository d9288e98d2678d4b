"""Model output while it streams: prompt leaks caught (and held back), images reduced to text."""

from __future__ import annotations

import re
from functools import lru_cache

from coach.prompts import CANARY

# Images in model output: a renderer fetches the URL, which can carry data out (exfiltration).
IMAGES = re.compile(r"!\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])|<img\b[^>]*>", re.I)
# While streaming, an image still being written: held back until it is complete (then stripped).
PARTIAL_IMAGE = re.compile(
    r"!(?:\[[^\]\n]*(?:\](?:[(\[][^)\]\n]*)?)?)?$|<(?:i(?:m(?:g\b[^>]*)?)?)?$", re.I)
WORD = re.compile(r"[a-z0-9]+", re.I)
LEAK_WINDOW = 8  # words: a run this long copied from the system prompt means it is leaking


def strip_images(text: str, partial: bool = False) -> str:
    """Model text with Markdown/HTML images reduced to their alt text (nothing to auto-load).

    `partial`: the text is still streaming, so an unfinished image at the end is held back.
    """
    text = IMAGES.sub(lambda m: m.group(1) or "", text)
    return PARTIAL_IMAGE.sub("", text) if partial else text


def _windows(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORD.findall(text)]
    return {tuple(words[i:i + LEAK_WINDOW]) for i in range(len(words) - LEAK_WINDOW + 1)}


@lru_cache(maxsize=1)
def _prompt_windows() -> frozenset[tuple[str, ...]]:
    """Word runs of the answer system prompt, minus the lines the model is told to say itself
    (quoted wording, the crisis line), so a normal answer never matches."""
    from coach.prompts import render

    lines = render("answer_system", canary=CANARY).splitlines()
    keep = [ln for ln in lines if '"' not in ln and "988" not in ln]
    return frozenset(_windows("\n".join(keep)))


@lru_cache(maxsize=1)
def _prompt_prefixes() -> frozenset[tuple[str, ...]]:
    return frozenset(w[:n] for w in _prompt_windows() for n in range(1, LEAK_WINDOW))


def leaks_prompt(text: str) -> bool:
    """True when model output contains the canary or a run of the system prompt's wording,
    also when split by zero-width characters, re-cased, re-spaced or base64-encoded."""
    from coach.safety.normalise import INVISIBLE, decode_base64
    from coach.safety.output import contains_secret

    if contains_secret(text, [CANARY]):
        return True
    plain = INVISIBLE.sub("", text)
    return any(not _windows(t).isdisjoint(_prompt_windows())
               for t in [plain, *decode_base64(plain)])


def streamable(text: str) -> str:
    """Streaming text minus a tail that could be the start of a prompt leak (shown once the
    next words prove it is not)."""
    spans = list(WORD.finditer(text))
    prefixes = _prompt_prefixes()
    for n in range(min(LEAK_WINDOW - 1, len(spans)), 0, -1):
        if tuple(m.group().lower() for m in spans[-n:]) in prefixes:
            return text[: spans[-n].start()]
    return text
