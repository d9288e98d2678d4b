"""Reading a learned model shipped in coach/ask/cards/data/ (the intent reader, the yes/no
polarity): its arrays and JSON `meta` from an .npz file without pickles, built into the model
inside one error boundary, so a damaged or malformed file is a ConfigError naming the file."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from coach.errors import ConfigError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

T = TypeVar("T")


def read_model(path: Traversable, build: Callable[[dict[str, np.ndarray], dict], T]) -> T:
    """`build(arrays, meta)` for the model file at `path`."""
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(str(arrays["meta"]))
        if not isinstance(meta, dict):
            raise ValueError("field meta: not a mapping")
        return build(arrays, meta)
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"coach/ask/cards/data/{path.name}: {exc}") from None
