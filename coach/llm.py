"""The LLM boundary: a `ChatOpenAI` for any OpenAI-compatible endpoint, and its label."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from coach.config import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

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


def model_label(settings: Settings) -> str:
    """What the UI header shows: which engine answers."""
    if not settings.llm_configured:
        return "Guide engine (offline, no LLM configured)"
    from coach.safety.secrets import endpoint_host  # host and model only: no credentials

    host = endpoint_host(settings.openai_base_url)
    return f"LLM: {settings.llm_model}" + (f" at {host}" if host else "")
