"""Which language a student wrote in: English, Spanish, or something else.

py3langid ships its model inside the wheel (no download). Short inputs are noisy ("ok", "lol
same" read as Tagalog), so a text counts as non-English only when the identifier is confident
and the text has at least two words, or when most letters are outside the Latin script.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

CANDIDATES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr", "ru", "uk", "ar", "he", "hi",
              "bn", "zh", "ja", "ko", "vi", "tl", "id", "sw", "fa", "ur")
CONFIDENCE = 0.90
log = logging.getLogger(__name__)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid.LanguageIdentifier, imported lazily
    import py3langid.langid as langid

    source = langid.MODEL_DIR / langid.MODEL_FILE
    cached = _cache_path(source)
    if cached is not None and cached.exists():
        try:
            return _from_cache(langid, cached)
        except Exception:  # damaged or truncated (BadZipFile, ValueError, KeyError): rebuild it
            log.info("language identifier cache unreadable; rebuilding it", exc_info=True)
    ident = _from_model(langid)
    if cached is not None:
        _write_cache(ident, cached)
    return ident


def prepare_cache(data_dir: Path) -> None:
    """Write the identifier's cache for `data_dir` now (ingest calls this), so the first
    question after building an index doesn't pay for decompressing the model."""
    import py3langid.langid as langid

    path = _cache_path(langid.MODEL_DIR / langid.MODEL_FILE, data_dir)
    if path is not None and not path.exists():
        with _lock:  # the serving process may be loading the identifier at the same time
            ident = _from_model(langid)
        _write_cache(ident, path)


def _from_model(langid):  # noqa: ANN001, ANN202
    """The identifier read from the shipped (LZMA-compressed) model, candidates only."""
    ident = langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE,
                                                     norm_probs=True)
    ident.set_languages(list(CANDIDATES))
    return ident


def _cache_path(source: Path, data_dir: Path | None = None) -> Path | None:
    """Where the decompressed, candidate-only model is kept: in the data directory, named by
    the shipped model file (size and time) and the candidate list, so either change rebuilds it.
    Reading the LZMA model costs ~0.8 s of CPU per process; the cache ~0.05 s."""
    try:
        from coach.config import get_settings

        stat = source.stat()
        key = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:{CANDIDATES}".encode())
        base = data_dir or get_settings().data_dir
        return base / "cache" / f"langid-{key.hexdigest()[:16]}.npz"
    except Exception:  # no settings or no model file: no cache, the identifier still loads
        return None


def _write_cache(ident, path: Path) -> None:  # noqa: ANN001
    import numpy as np

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(handle, "wb") as f:
            np.savez(f, ptc=ident.nb_ptc, pc=ident.nb_pc, classes=np.array(ident.nb_classes),
                     nextmove=np.asarray(ident.tk_nextmove), row=np.asarray(ident.tk_row),
                     output=np.array(ident.tk_output, dtype=np.int64))
        os.replace(tmp, path)  # readers see the whole file or none; the last writer wins
    except OSError:  # a read-only data directory: no cache, nothing lost
        log.info("language identifier cache not written", exc_info=True)
        with contextlib.suppress(OSError, UnboundLocalError):
            tmp.unlink(missing_ok=True)


def _from_cache(langid, path: Path):  # noqa: ANN001, ANN202
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return langid.LanguageIdentifier(
            data["ptc"], data["pc"], data["classes"].tolist(), _array(data["nextmove"]),
            data["output"].tolist(), norm_probs=True, tk_row=_array(data["row"]))


def _array(values):  # noqa: ANN001, ANN202 - numpy unsigned ints -> the stdlib array py3langid uses
    from py3langid.modelio import _to_array

    return _to_array(values)


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
