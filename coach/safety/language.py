"""Which language a student wrote in: English, Spanish, or something else.

py3langid ships its model inside the wheel (no download). Short inputs are noisy ("ok", "lol
same" read as Tagalog), so a text counts as non-English only when the identifier is confident
and the text has at least two words, or when most letters are outside the Latin script.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

CANDIDATES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr", "ru", "uk", "ar", "he", "hi",
              "bn", "zh", "ja", "ko", "vi", "tl", "id", "sw", "fa", "ur")
CONFIDENCE = 0.90
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid.LanguageIdentifier, imported lazily
    import py3langid.langid as langid

    ident = langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE,
                                                     norm_probs=True)
    ident.set_languages(list(CANDIDATES))
    return ident


def warm() -> None:
    """Load the identifier now: reading its LZMA-compressed model takes about half a second,
    and decompressing releases the GIL, so a background thread hides it."""
    with _lock:
        _identifier()


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("LATIN" not in unicodedata.name(c, "") for c in letters) / len(letters)


@lru_cache(maxsize=2048)
def detect_language(text: str) -> str:
    """'en', 'es', or another ISO 639-1 code; 'en' whenever the evidence is thin."""
    text = " ".join((text or "").split())
    if len(text.split()) < 2 and _non_latin_share(text) < 0.5:
        return "en"
    with _lock:  # the identifier keeps per-call scratch state
        ranked = _identifier().rank(text)
    lang, prob = ranked[0]
    if lang == "en":
        return "en"
    if prob >= CONFIDENCE or _non_latin_share(text) >= 0.5:
        return lang
    return "en"
