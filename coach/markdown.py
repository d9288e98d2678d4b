"""User text made safe inside Markdown that the app renders (shared by every presenter)."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # inline-significant; < > & are HTML-escaped


def md_text(text: str) -> str:
    """User text made inert for Markdown: HTML escaped, Markdown punctuation backslashed."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=True))


def unbold(text: str) -> str:
    """The app's own fixed Markdown (a care note) for a terminal: bold marks dropped."""
    return str(text).replace("**", "")
