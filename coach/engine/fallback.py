"""One fallback wrapper: any LLM failure becomes the guide engine's result plus a notice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Generic

from coach.engine.contract import Engine, EngineName, Req, Res
from coach.errors import LLMError, PromptLeak

log = logging.getLogger(__name__)

_REASONS = {
    "APITimeoutError": "timed out",
    "TimeoutError": "timed out",
    "RateLimitError": "is rate-limited",
    "APIConnectionError": "is unreachable",
    "ConnectError": "is unreachable",
    "InternalServerError": "returned a server error",
    "AuthenticationError": "rejected the API key",
    "NotFoundError": "does not know the configured model",
}


def failure_reason(exc: BaseException) -> str:
    """A one-line, secret-free reason for an LLM failure: "The language model timed out"."""
    if isinstance(exc, LLMError) and exc.reason:
        return f"The language model {exc.reason}"
    # langchain-openai re-raises openai's errors as subclasses (OpenAIRateLimitError...): match
    # the nearest known ancestor, not just the concrete class name.
    known = next((c.__name__ for c in type(exc).__mro__ if c.__name__ in _REASONS), None)
    reason = _REASONS[known] if known else f"failed ({type(exc).__name__})"
    return f"The language model {reason}"


def describe_failure(exc: BaseException, instead: str = "this answer comes from the guide "
                     "engine instead") -> str:
    """The student-facing notice: the reason, then what was shown instead."""
    return f"{failure_reason(exc)}; {instead}."


def _with_notice(result: Any, notice: str) -> Any:
    if hasattr(result, "model_copy"):
        return result.model_copy(update={"notice": notice})
    if hasattr(result, "notice"):
        result.notice = notice
    return result


class Fallback(Generic[Req, Res]):
    """`primary` (the LLM engine) first; on any failure `fallback` (the guide engine) + a notice.

    `forced=True` (the student asked for the LLM engine by name) raises `LLMError` with the reason
    instead of falling back. A `PromptLeak` is never hidden behind a fallback: it is a safety event
    the feature answers itself (a redirect). `instead` completes the notice ("the scripted mentor
    replied"); `on_failure` may log or count.
    """

    def __init__(self, primary: Engine[Req, Res], fallback: Engine[Req, Res], *,
                 instead: str = "this answer comes from the guide engine instead",
                 forced: bool = False, on_failure: Callable[[BaseException], None] | None = None):
        self.primary, self.fallback = primary, fallback
        self.instead, self.forced, self.on_failure = instead, forced, on_failure

    @property
    def name(self) -> EngineName:
        return self.primary.name

    def _recover(self, exc: Exception, request: Req) -> Res:
        if isinstance(exc, PromptLeak):
            raise exc
        log.warning("LLM engine failed (%s); the guide engine answers", type(exc).__name__)
        if self.on_failure is not None:
            self.on_failure(exc)
        if self.forced:
            raise LLMError(failure_reason(exc) + ".") from None
        return _with_notice(self.fallback.run(request), describe_failure(exc, self.instead))

    def run(self, request: Req) -> Res:
        try:
            return self.primary.run(request)
        except Exception as exc:  # any LLM failure: the guide engine's result stands in
            return self._recover(exc, request)

    def stream(self, request: Req) -> Iterator[Res]:
        try:
            yield from self.primary.stream(request)
        except Exception as exc:  # mid-stream too: the guide result replaces what was shown
            yield self._recover(exc, request)
