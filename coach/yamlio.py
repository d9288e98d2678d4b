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
