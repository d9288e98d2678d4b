"""The advice-card format (knowledge/cards/*.yaml), validated with pydantic on load.

Every quoted passage must occur in the card file's source document after whitespace and
Markdown normalisation; a card that paraphrases beyond its source is rejected with the file,
card and field named.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from coach.errors import InputError
from coach.yamlio import safe_load

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=600)]
Audience = Literal["mentee", "mentor", "both"]
EmailKind = Literal["faculty", "research", "peer", "follow_up", "thank_you"]  # as coach email
LIST_MARK = re.compile(r"^\s*(?:>\s*)?(?:(?:[-*+]|\d+[.)])\s+)?(?:[a-z][.)]\s+)?", re.M)
MARKUP = re.compile(r"\*\*|__|</?u>|`")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-"})


class Point(BaseModel):
    """One piece of advice in the coach's words, and the guide passage it rests on."""

    model_config = ConfigDict(extra="forbid")
    say: Text
    quote: Text


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")]
    section: Text
    audience: Audience
    answer: Text  # the one-line direct answer
    verdict: Text | None = None  # the first line for yes/no and "is it normal" questions
    points: Annotated[list[Point], Field(min_length=1, max_length=6)]
    next_step: Text
    questions: Annotated[list[Text], Field(min_length=4)]
    # The emails this card's advice is about writing: a request to write one leads with it.
    drafts: list[EmailKind] = []
    source: str = ""  # filled from the file

    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class CardFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    cards: list[Card]


def normalise(text: str) -> str:
    """Text as compared for verbatim checks: no list markers or emphasis, one space each."""
    text = MARKUP.sub("", LIST_MARK.sub("", text.translate(QUOTES)))
    return " ".join(text.split())


@lru_cache(maxsize=8)
def _normalised_source(path: Path, mtime: float) -> str:
    return normalise(path.read_text(encoding="utf-8"))


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def load_card_file(path: Path, knowledge_dir: Path) -> list[Card]:
    """Cards of one YAML file, each passage checked against its source document."""
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
        parsed = CardFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(f"{path.name}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _field_path(first["loc"])
        card_id = _card_id(data, first["loc"])
        raise InputError(f"{path.name}: {card_id}field {where}: {first['msg']}") from None
    source = knowledge_dir / parsed.source
    if not source.is_file():
        raise InputError(f"{path.name}: field source: {parsed.source} is not in {knowledge_dir}")
    text = _normalised_source(source, source.stat().st_mtime)
    for i, card in enumerate(parsed.cards):
        card.source = parsed.source
        for j, point in enumerate(card.points):
            if normalise(point.quote) not in text:
                raise InputError(
                    f"{path.name}: card {card.id!r} field cards.{i}.points.{j}.quote: the passage "
                    f"is not verbatim in {parsed.source}: {point.quote[:80]!r}")
    return parsed.cards


def _card_id(data: object, loc: tuple) -> str:
    try:
        if loc[0] == "cards":
            return f"card {data['cards'][loc[1]]['id']!r} "
    except (KeyError, IndexError, TypeError):
        pass
    return ""


def load_cards(knowledge_dir: Path) -> list[Card]:
    """Every card under `knowledge_dir/cards/` (none when the folder is absent); ids unique."""
    folder = knowledge_dir / "cards"
    cards: list[Card] = []
    if not folder.is_dir():
        return cards
    for path in sorted(folder.glob("*.yaml")):
        cards += load_card_file(path, knowledge_dir)
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise InputError(f"cards: duplicate card id {card.id!r}")
        seen.add(card.id)
    return cards
