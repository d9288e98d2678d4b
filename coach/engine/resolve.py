"""One resolver: which engine runs, decided once from settings and the student's request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.engine.contract import EngineName, Requested
from coach.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.config import Settings


def choose(settings: Settings, requested: Requested | None = None,
           llm_available: bool | None = None) -> EngineName:
    """"guide" or "llm": the request (or settings.engine) resolved against what is configured.

    "auto" means the LLM when one is configured; asking for "llm" without one is a ConfigError
    that says how to fix it.
    """
    wanted = requested or settings.engine
    available = settings.llm_configured if llm_available is None else llm_available
    if wanted == "llm" and not available:
        raise ConfigError(
            "The LLM engine was requested but no LLM is configured. Set OPENAI_API_KEY "
            "(and OPENAI_BASE_URL for a local server), or use --engine guide.")
    if wanted == "auto":
        return "llm" if available else "guide"
    return wanted


def held(settings: Settings, llm: BaseChatModel | None) -> BaseChatModel | None:
    """A model the app already holds, when `choose` picks the LLM engine (else None)."""
    if llm is None or choose(settings, llm_available=True) == "guide":
        return None
    return llm


def chat_model(settings: Settings, requested: Requested | None = None,
               streaming: bool = False) -> BaseChatModel | None:
    """The chat model the chosen engine uses, or None when the guide engine runs."""
    if choose(settings, requested) == "guide":
        return None
    from coach.llm import make_chat_model

    return make_chat_model(settings, streaming=streaming)
