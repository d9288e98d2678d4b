"""Exceptions the CLI and UI turn into one clear sentence."""


class CoachError(Exception):
    """Base class: the message is meant for the student or operator."""


class InputError(CoachError):
    """The user's input cannot be used (empty, too long, malformed)."""


class ConfigError(CoachError):
    """Something is missing or wrong in the configuration; the message says how to fix it."""


class IndexUnavailable(CoachError):
    """The knowledge index is missing or unreadable."""


class LLMError(CoachError):
    """The configured LLM failed (unreachable, timed out, rate-limited, bad reply)."""
