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
    """The configured LLM failed (unreachable, timed out, rate-limited, bad reply).

    `reason` completes "The language model ..." in the student's notice (e.g. "gave an empty
    reply"); without it the notice names the failure by its class.
    """

    def __init__(self, message: str = "", reason: str = ""):
        super().__init__(message or reason)
        self.reason = reason


class PromptLeak(LLMError):
    """The model began repeating its instructions: the reply is stopped and redirected."""

    def __init__(self, message: str = "the model repeated its instructions"):
        super().__init__(message, reason="repeated its instructions")
