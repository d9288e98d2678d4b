"""What the browser-kept stores share: reading stored JSON that may be damaged, finding by id."""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


class HasId(Protocol):
    id: str


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=HasId)


def load_or_empty(model: type[M], data: object) -> M:
    """The stored value; unreadable storage starts empty instead of breaking the tab."""
    try:
        return model.model_validate(data or {})
    except ValidationError:
        return model()


def find(items: list[T], item_id: str | None) -> T | None:
    return next((item for item in items if item.id == item_id), None)


class BrowserStore(BaseModel):
    """A list kept in the browser's local storage and the id of the one open now."""

    model_config = ConfigDict(extra="ignore")
    current: str | None = None

    @classmethod
    def load(cls, data: object):  # noqa: ANN206 - the subclass
        return load_or_empty(cls, data)
