"""Where the top-level `prompts/` and `knowledge/` folders are: the checkout's, else the copies
a non-editable install ships inside the package (`coach/_shipped/`, added by setup.py)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def in_checkout() -> bool:
    """True when running from the source tree (or an editable install of it)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "coach").is_dir()


def shipped(name: str) -> Path:
    """The folder `name` ("prompts" or "knowledge"): the checkout's own, else the packaged copy."""
    if in_checkout() and (REPO_ROOT / name).is_dir():
        return REPO_ROOT / name
    return Path(str(resources.files("coach") / "_shipped" / name))
