"""The two draft engines behind `coach.engine`: the guide template and the checked LLM draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.engine import Engine, EngineName, Fallback, Requested, describe_failure
from coach.engine.contract import OneShot
from coach.errors import PromptLeak

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.config import Settings
    from coach.email.drafting import Draft
    from coach.email.request import OutreachRequest

INSTEAD = "the guide draft is shown instead"  # completes every draft fallback notice


class GuideDraftEngine(OneShot):
    """The deterministic template draft: never fails, states only facts from the request."""

    name: EngineName = "guide"

    def run(self, request: OutreachRequest) -> Draft:
        from coach.email.drafting import guide_draft

        return guide_draft(request)


def draft_engine(llm: BaseChatModel | None,
                 original: OutreachRequest | None = None) -> Engine[OutreachRequest, Draft]:
    """The guide engine, or the LLM engine with the guide engine as its fallback."""
    if llm is None:
        return GuideDraftEngine()
    from coach.email.structured import LLMDraftEngine

    return Fallback(LLMDraftEngine(llm, original), GuideDraftEngine(), instead=INSTEAD)


def compose(request: OutreachRequest, llm: BaseChatModel | None,
            original: OutreachRequest | None = None) -> Draft:
    """The draft from the chosen engine; a prompt leak shows the guide draft with a notice."""
    try:
        return draft_engine(llm, original).run(request)
    except PromptLeak as leak:  # Fallback never hides a leak: the draft feature answers it
        notice = describe_failure(leak, INSTEAD)
        return GuideDraftEngine().run(request).model_copy(update={"notice": notice})


def draft_model(settings: Settings, requested: Requested | None = None) -> BaseChatModel | None:
    """The chat model that drafts (None: the guide engine), decided once by `coach.engine`.

    Asking for "llm" with none configured is a ConfigError that says how to fix it.
    """
    from coach.engine import chat_model

    return chat_model(settings, requested, streaming=False)
