"""Which request facts a draft used, and the plain "not used" notes for the rest."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
_STOP = frozenset("""the and for with you your yours our was were are this that from have has had
into about after before over than then them they she her his him its their there here said
what when where which who will would could should just also very really last next""".split())


def content_words(text: str) -> set[str]:
    """Lower-cased content words (3+ letters, no stop words)."""
    return {w.lower() for w in _WORD.findall(text or "")} - _STOP


def used_in(fact: str, body: str, share: float = 0.6) -> bool:
    """True when most of a fact's content words appear in the draft body."""
    words = content_words(fact)
    if not words:
        return True
    return len(words & content_words(body)) / len(words) >= share


def context_note(context: str | None, body: str, shown: str | None = None) -> list[str]:
    """A "not used" note when the draft could not use the student's context (quoted as `shown`:
    what the student typed, when the draft read a tidied copy)."""
    if not context or used_in(context, body):
        return []
    return [f"Your context was not used: \"{(shown or context).strip()}\" (this draft could not "
            "fit it in "
            "naturally; add it in your own words, e.g. right after the greeting)."]
