"""Knowledge provenance: every new or changed knowledge file is screened before it is indexed.

Each paragraph is read as the safety gate reads a question (normalised: look-alike letters
folded, invisible characters dropped, leetspeak undone, base64 decoded) and checked for
- instructions addressed to a model (knowledge_screen.yaml, patterns.yaml's injection and
  extraction groups, and the learned safety classifier),
- requests for credentials or personal data (student ID, date of birth, password, SSN...),
- links to hosts outside the knowledge owner's allowlist (knowledge/allowed_links.yaml).
A file with any finding is quarantined: not indexed until `coach ingest --allow FILE`. An
allowance is remembered for that exact content (its hash), so a later rebuild keeps it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from coach.errors import ConfigError
from coach.index.knowledge import SourceFile
from coach.safety.normalise import (
    INVISIBLE,
    decode_base64,
    fold_homoglyphs,
    normalize,
    variants,
)
from coach.safety.output import allowed_domains, link_allowed

log = logging.getLogger(__name__)
SCREEN_FILE = Path(__file__).resolve().parent.parent / "safety" / "knowledge_screen.yaml"
ALLOWED_FILE = "knowledge_allowed.json"  # under the data directory: content the owner allowed
PARAGRAPH_LINES = 40  # a longer run of lines without a blank one is screened in pieces
EXCERPT_CHARS = 120
SCREEN_BATCH = 64  # paragraphs per classifier call
# The classifier was trained on students' questions, not prose: in a knowledge file it decides
# alone only when it is surer than about anything in the project's own knowledge (the guide's
# and the cards' paragraphs: at most ~0.88 until session 11's retrain, 0.94 since, the research
# email card's example questions).
CLASSIFIER_P = 0.95
CLASSIFIER_MIN_WORDS = 8
INSTRUCTIONS = "reads like instructions to a model"
# Links as written (scheme or www.) and bare host names with a path or a common top-level domain.
URL = re.compile(r"(?:(?:https?|hxxps?|ftp)://|\bwww\.)[^\s<>()\[\]\"'`]+"
                 r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|edu|gov|io|co|info|biz|xyz|ru|cn|top|site"
                 r"|online|app|me|us|uk|link|ly|gl|tk|click|page)\b(?:/[^\s<>()\[\]\"'`]*)?", re.I)


class ScreenPatterns(BaseModel):
    """knowledge_screen.yaml: regex groups, each compiled at validation."""

    model_config = ConfigDict(extra="forbid")
    model_directed: list[str]
    data_request: list[str]

    @field_validator("model_directed", "data_request")
    @classmethod
    def _compiles(cls, items: list[str]) -> list[str]:
        from coach.safety.patterns import check_regexes

        return check_regexes(items)


@lru_cache(maxsize=1)
def screen_patterns(path: Path = SCREEN_FILE) -> dict[str, re.Pattern[str]]:
    try:
        spec = ScreenPatterns.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: cannot read the knowledge screen patterns ({exc})") from None
    return {name: re.compile("|".join(f"(?:{p})" for p in getattr(spec, name)), re.I | re.M)
            for name in ("model_directed", "data_request")}


@dataclass(frozen=True)
class Finding:
    line: int
    excerpt: str
    reason: str


@dataclass
class Quarantine:
    """A file that was not indexed, and why."""

    name: str
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{self.name}:{f.line}: {f.reason}: \"{f.excerpt}\"" for f in self.findings]


def paragraphs(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each paragraph, streamed."""
    start, held = 0, []
    for number, line in enumerate(lines, 1):
        if line.strip():
            start = start if held else number
            held.append(line)
            if len(held) < PARAGRAPH_LINES:
                continue
        if held:
            yield start, "\n".join(held)
            held = []
    if held:
        yield start, "\n".join(held)


def _excerpt(text: str) -> str:
    """One printable line (an operator reads it in a terminal: no escapes, no controls)."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def _readings(text: str) -> list[str]:
    """The paragraph as the gate reads it: normalised, leetspeak undone, base64 decoded."""
    return variants(text)


def _link_readings(text: str) -> list[str]:
    """Readings for link hunting (not leetspeak: it turns "@" into "a")."""
    plain = unicodedata.normalize("NFKC", text)
    return [normalize(text), *(normalize(d) for d in decode_base64(plain))]


def pattern_reasons(text: str, domains: tuple[str, ...]) -> list[str]:
    """The reasons the patterns and the link allowlist find in one paragraph."""
    from coach.safety.patterns import patterns

    screen, gate = screen_patterns(), patterns()
    readings = _readings(text)
    reasons = []
    if any(screen["model_directed"].search(r) or gate.injection.search(r)
           or gate.extraction.search(r) or gate.injection_multilingual.search(r)
           for r in readings):
        reasons.append(INSTRUCTIONS)
    if any(screen["data_request"].search(r) for r in readings):
        reasons.append("asks for credentials or personal data")
    outside = sorted({m.group(0).rstrip(".,;:!?") for r in _link_readings(text)
                      for m in URL.finditer(r) if not link_allowed(_with_scheme(m.group(0)),
                                                                    domains)})
    if outside:
        reasons.append("links outside the allowed domains (" + ", ".join(outside[:3]) + ")")
    plain = unicodedata.normalize("NFKC", text)
    if reasons and (INVISIBLE.search(plain) or fold_homoglyphs(plain) != plain):
        reasons.append("disguised with look-alike letters or invisible characters")
    return reasons


def _prose(text: str) -> str:
    """What the classifier reads: the paragraph without heading lines and fence markers."""
    lines = [ln for ln in text.split("\n") if not ln.lstrip().startswith(("#", "```"))]
    return " ".join(" ".join(lines).split())


def classifier_reasons(texts: list[str]) -> list[str | None]:
    """The learned safety classifier over a batch of paragraphs: a reason for each paragraph it
    reads as an injection or extraction attempt with high confidence, else None. Headings and
    short lines are not scored (it was trained on questions, and reads titles poorly)."""
    from coach.safety.classifier import score, window_text

    prose = [_prose(t) for t in texts]
    scored = [i for i, p in enumerate(prose) if len(p.split()) >= CLASSIFIER_MIN_WORDS]
    rows = score(tuple(window_text(normalize(prose[i])) for i in scored)) if scored else ()
    out: list[str | None] = [None] * len(texts)
    for i, row in zip(scored, rows, strict=False):
        p = dict(row)
        attack = p.get("injection", 0.0) + p.get("extraction", 0.0)
        if attack >= CLASSIFIER_P:
            out[i] = f"{INSTRUCTIONS} (classifier, p={attack:.2f})"
    return out


def screen_text(text: str, domains: tuple[str, ...] | None = None) -> list[str]:
    """The reasons one paragraph is suspicious ([] when it is clean)."""
    domains = domains or allowed_domains()
    reasons = pattern_reasons(text, domains)
    learned = classifier_reasons([text])[0]
    if learned and INSTRUCTIONS not in reasons:
        reasons.insert(0, learned)
    return reasons


def _with_scheme(url: str) -> str:
    url = re.sub(r"^hxxp", "http", url, flags=re.I)
    return url if "://" in url else "https://" + url


def _screen_batch(batch: list[tuple[int, str]], domains: tuple[str, ...]) -> Iterator[Finding]:
    learned = classifier_reasons([text for _, text in batch])
    for (line, text), extra in zip(batch, learned, strict=True):
        reasons = pattern_reasons(text, domains)
        if extra and INSTRUCTIONS not in reasons:
            reasons.insert(0, extra)
        for reason in reasons:
            yield Finding(line=line, excerpt=_excerpt(text), reason=reason)


def screen_file(source: SourceFile, domains: tuple[str, ...] | None = None) -> list[Finding]:
    """Every suspicious paragraph of a knowledge file, with its line number. The file is read
    as a stream and the classifier scores paragraphs in batches."""
    domains = domains or allowed_domains()
    found: list[Finding] = []
    batch: list[tuple[int, str]] = []
    for item in paragraphs(source.lines()):
        batch.append(item)
        if len(batch) >= SCREEN_BATCH:
            found += _screen_batch(batch, domains)
            batch = []
    if batch:
        found += _screen_batch(batch, domains)
    return found


def _allowed_path(data_dir: Path) -> Path:
    return data_dir / ALLOWED_FILE


def load_allowances(data_dir: Path) -> dict[str, str]:
    """File name -> the content hash the knowledge owner allowed with --allow."""
    try:
        data = json.loads(_allowed_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_allowance(data_dir: Path, name: str, file_hash: str) -> None:
    """Remember that this exact content of `name` may be indexed (written atomically)."""
    allowances = {**load_allowances(data_dir), name: file_hash}
    path = _allowed_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(allowances, indent=1, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def is_named(source: SourceFile, wanted: Iterable[str | Path]) -> bool:
    """Whether --allow names this file (by its name in the index, its file name or its path)."""
    for item in wanted:
        text = str(item)
        if text in (source.name, Path(source.name).name):
            return True
        if source.path is not None and Path(text).resolve() == source.path.resolve():
            return True
    return False
