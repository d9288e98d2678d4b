"""Data files shipped inside a package (`<package>/data/<name>.yaml`), validated on load.

One loader for every feature's YAML: a bad file raises ConfigError naming the file and the field.
"""

from __future__ import annotations

from importlib import resources
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def load_data(package: str, name: str, model: type[M]) -> M:
    """`package`'s data/`name`, parsed and validated as `model`."""
    raw = resources.files(package).joinpath("data", name).read_text("utf-8")
    try:
        return model.model_validate(yaml.safe_load(raw))
    except (ValidationError, yaml.YAMLError) as exc:
        where = package.replace(".", "/")
        raise ConfigError(f"{where}/data/{name}: {exc}") from None
