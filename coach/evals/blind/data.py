"""The blind QA item format (evals/qa_blind/{dev,test}.yaml), validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import InputError


class KeyPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    point: str
    guide_quote: str = ""


class BlindItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    turns: Annotated[list[str], Field(min_length=1)]
    audience: Literal["mentee", "mentor"] = "mentee"
    covered: bool
    yes_no: bool = False
    distress: bool = False
    write_request: bool = False
    sections: list[str] = []
    key_points: list[KeyPoint] = []
    new_points_only: list[int] = []


def load_split(path: Path) -> list[BlindItem]:
    """Items of one split; errors name the file, the item and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of items")
    items = []
    for n, raw in enumerate(data):
        try:
            items.append(BlindItem.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(f"{path}: item {n} field {field}: {err['msg']}") from None
    return items
