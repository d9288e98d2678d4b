"""YAML parsing with libyaml's C parser when PyYAML was built with it.

The pure-Python parser spent ~0.5 s of every cold start (quiet machine; seconds under load) on
the advice cards and the safety patterns; the C parser reads the same files into the same
objects about ten times faster.
"""

from __future__ import annotations

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):  # noqa: ANN201 - whatever the document holds
    """`yaml.safe_load`, with the C parser when available."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read_file(path, what: str, kinds: str = "YAML/JSON"):  # noqa: ANN001, ANN201
    """Parse a user's YAML (or JSON) file; every problem is an `InputError` naming `what`."""
    from pathlib import Path

    from coach.errors import InputError

    path = Path(path)
    try:
        # the pure parser here: its messages are the ones users have seen (these files are small)
        return yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is valid YAML too
    except FileNotFoundError:
        raise InputError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {what.lower()} file {path}: {exc}") from None
    except yaml.YAMLError as exc:
        first = (str(exc).splitlines() or ["parse error"])[0]
        raise InputError(f"{what} file {path} is not valid {kinds}: {first}") from None
