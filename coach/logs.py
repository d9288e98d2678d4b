"""Log redaction: emails, and names registered for the session, never reach a log line raw."""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SECRET = re.compile(r"\b(sk-[A-Za-z0-9_-]{6,}|Bearer\s+\S+)")


def redact(text: str) -> str:
    """Replace email addresses and API-key-like tokens with placeholders."""
    return SECRET.sub("[secret]", EMAIL.sub("[email]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg, record.args = redact(message), None
        return True


def install_redaction() -> None:
    """Attach the redacting filter to every root handler (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
