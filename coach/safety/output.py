"""One cleaning function for everything shown to a student (model text, guide text, sources),
used at every boundary: the core functions (answers, role-play turns, feedback, drafts) call it,
so the API, the CLI and the UI all get clean text. And a leak check that normalises first.

clean_output removes: active HTML (script, style, iframe, svg, object, embed, form...) with its
content, every other tag (text kept), Markdown and HTML images (alt text kept, multi-line too),
links to hosts outside the allowlist (link text kept), data:/javascript: URLs, terminal escape
sequences, control and invisible characters.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from coach.errors import ConfigError
from coach.safety.normalise import INVISIBLE, decode_base64

# Used when the knowledge folder has no allowed_links.yaml.
DEFAULT_LINK_DOMAINS = ("988lifeline.org", "amwa-doc.org", "aamc.org", "nih.gov")
LINK_DOMAINS_ENV = "COACH_LINK_DOMAINS"  # comma-separated hosts added at run time
LINK_FILE = "allowed_links.yaml"  # in the knowledge folder, kept by the knowledge owner
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

_ANSI = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x1b\[[0-?]*[ -/]*[@-~]|"
                   r"[\x80-\x9f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ACTIVE = ("script", "style", "iframe", "svg", "math", "object", "embed", "form", "template",
           "noscript", "textarea", "select", "button", "video", "audio", "frameset", "frame")
_ACTIVE_BLOCK = re.compile(r"<\s*(" + "|".join(_ACTIVE) + r")\b[^>]*>.*?<\s*/\s*\1\s*>",
                           re.I | re.S)
_TAG = re.compile(r"</?\s*[a-z!][^<>]*>?", re.I)
_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(?:\([^)]*\)|\[[^\]]*\])", re.S)
_LINK = re.compile(r"\[([^\]\n]{0,300})\]\s*\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)", re.S)
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|data|javascript):[^>\s]*)>", re.I)
_BARE_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>()\"']+|"
                       r"\b(?:data|javascript|vbscript):[^\s<>()\"']+", re.I)


class LinkAllowlist(BaseModel):
    """knowledge/allowed_links.yaml: the hosts the knowledge owner lists."""

    model_config = ConfigDict(extra="forbid")
    domains: list[str]

    @field_validator("domains")
    @classmethod
    def _hosts(cls, domains: list[str]) -> list[str]:
        cleaned = [d.strip().lower().rstrip(".") for d in domains]
        bad = [d for d in cleaned if not _HOST.match(d)]
        if bad:
            raise ValueError(f"not a host name: {', '.join(bad)} (write e.g. aamc.org)")
        return cleaned


@lru_cache(maxsize=8)
def _domains_from(path: Path, stamp: tuple[int, int]) -> tuple[str, ...]:  # noqa: ARG001 - cache key
    try:
        spec = LinkAllowlist.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: cannot read the link allowlist ({exc})") from None
    return tuple(spec.domains)


def link_file_domains(knowledge_dir: Path) -> tuple[str, ...]:
    """The hosts listed in `knowledge_dir`/allowed_links.yaml (the defaults when it is absent)."""
    path = knowledge_dir / LINK_FILE
    try:
        stat = path.stat()
    except OSError:
        return DEFAULT_LINK_DOMAINS
    return _domains_from(path, (stat.st_mtime_ns, stat.st_size))  # re-read when edited


def allowed_domains() -> tuple[str, ...]:
    """Hosts links may point to: knowledge/allowed_links.yaml plus COACH_LINK_DOMAINS."""
    from coach.config import get_settings

    extra = [d.strip().lower() for d in os.environ.get(LINK_DOMAINS_ENV, "").split(",")]
    return link_file_domains(get_settings().knowledge_dir) + tuple(d for d in extra if d)


def link_allowed(url: str, domains: tuple[str, ...] | None = None) -> bool:
    """https/http/mailto link to an allowed host (or a subdomain of one)."""
    domains = domains or allowed_domains()
    raw = url.strip()
    if raw.lower().startswith("www."):
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def clean_output(text: str, domains: tuple[str, ...] | None = None) -> str:
    """Text safe to show in a browser, a terminal or a JSON client (Markdown kept)."""
    if not text:
        return ""
    domains = domains or allowed_domains()
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE.sub("", _ANSI.sub("", text))
    text = _CONTROL.sub("", text)
    text = _ACTIVE_BLOCK.sub("", text)
    text = _IMAGE.sub(lambda m: " ".join(m.group(1).split()), text)
    text = _TAG.sub("", text)  # after images: <img> and any unclosed active tag go too

    def link(m: re.Match[str]) -> str:
        label, url = " ".join(m.group(1).split()), m.group(2)
        return m.group(0) if link_allowed(url, domains) else label

    text = _LINK.sub(link, text)
    text = _REF_DEF.sub("", text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if link_allowed(m.group(1), domains)
                         else "[link removed]", text)
    text = _BARE_URL.sub(lambda m: m.group(0) if link_allowed(m.group(0), domains)
                         else "[link removed]", text)
    return text.strip()


def _readings(text: str) -> list[str]:
    """The output as a reader could decode it: plain, without invisibles, base64 runs decoded;
    each lowercased with only letters and digits kept."""
    plain = unicodedata.normalize("NFKC", text or "")
    outs = [plain, INVISIBLE.sub("", plain), *decode_base64(INVISIBLE.sub("", plain))]
    return ["".join(ch for ch in o.lower() if ch.isalnum()) for o in outs]


def contains_secret(text: str, secrets: list[str]) -> bool:
    """True when any secret (canary, API key) appears in any reading of the text, however it
    was spaced, cased, split with zero-width characters or base64-encoded."""
    wanted = ["".join(ch for ch in s.lower() if ch.isalnum()) for s in secrets if s]
    wanted = [w for w in wanted if len(w) >= 6]
    return any(w in r for r in _readings(text) for w in wanted)


_WORD = re.compile(r"[a-z0-9]+")
LEAK_WINDOW = 8  # words: a run this long copied from a prompt means it is leaking


def _word_runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + LEAK_WINDOW]) for i in range(len(words) - LEAK_WINDOW + 1)}


def leaks(text: str, prompt: str, secrets: tuple[str, ...] = ()) -> bool:
    """True when model output repeats an 8-word run of its prompt's own instructions (lines
    with quoted wording the model is meant to use are ignored) or a secret, in any reading:
    zero-width characters dropped, any case, base64 decoded."""
    if contains_secret(text, list(secrets)):
        return True
    lines = [ln for ln in (prompt or "").splitlines() if '"' not in ln and "988" not in ln]
    runs = _word_runs("\n".join(lines))
    plain = INVISIBLE.sub("", unicodedata.normalize("NFKC", text or ""))
    return any(not _word_runs(t).isdisjoint(runs) for t in [plain, *decode_base64(plain)])
