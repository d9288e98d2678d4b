"""The LLM boundary: a `ChatOpenAI` for any OpenAI-compatible endpoint, and error wording."""

from __future__ import annotations

import logging

from langchain_core.language_models import BaseChatModel

from coach.config import Settings

log = logging.getLogger(__name__)


def make_chat_model(settings: Settings, streaming: bool = True) -> BaseChatModel | None:
    """The configured chat model, or None when no LLM is configured (guide engine only)."""
    if not settings.llm_configured:
        return None
    from langchain_openai import ChatOpenAI

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,  # the openai client backs off and honours Retry-After
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        stop=settings.llm_stop or None,
        streaming=streaming,
    )


def describe_failure(exc: BaseException) -> str:
    """A one-line, secret-free reason for an LLM failure, for the student-facing notice."""
    name = type(exc).__name__
    reasons = {
        "APITimeoutError": "timed out",
        "TimeoutError": "timed out",
        "RateLimitError": "is rate-limited",
        "APIConnectionError": "is unreachable",
        "ConnectError": "is unreachable",
        "InternalServerError": "returned a server error",
        "AuthenticationError": "rejected the API key",
        "NotFoundError": "does not know the configured model",
    }
    # langchain-openai re-raises openai's errors as subclasses (OpenAIRateLimitError...): match
    # the nearest known ancestor, not just the concrete class name.
    known = next((c.__name__ for c in type(exc).__mro__ if c.__name__ in reasons), None)
    reason = reasons[known] if known else f"failed ({name})"
    return f"The language model {reason}; this answer comes from the guide engine instead."


def model_label(settings: Settings) -> str:
    """What the UI header shows: which engine answers."""
    if not settings.llm_configured:
        return "Guide engine (offline, no LLM configured)"
    from coach.safety.secrets import endpoint_host  # host and model only: no credentials

    host = endpoint_host(settings.openai_base_url)
    return f"LLM: {settings.llm_model}" + (f" at {host}" if host else "")
