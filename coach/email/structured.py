"""An LLM email draft through LangChain structured output, with one re-ask.

The model fills an `EmailReply` (JSON schema, enforced by servers that support it, such as
llama.cpp and OpenAI). When a hard check fails (a placeholder, a missing name or contact, a
fact the request does not state) the model is asked once more, with the failed checks spelled
out; if the second draft fails too, the guide engine's draft is used, with a notice.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, Field

log = logging.getLogger(__name__)


class EmailReply(BaseModel):
    """The draft the model must return."""

    subject: str = Field(description="the email's subject line, under 80 characters")
    body: str = Field(description="the whole email body: salutation, paragraphs, sign-off")


def _ask(llm: BaseChatModel, messages: list[BaseMessage]) -> tuple[str | None, str]:
    """(subject, body): structured output when the model supports it, else parsed text."""
    from coach.email.drafting import parse_llm_reply

    try:
        structured = llm.with_structured_output(EmailReply, method="json_schema")
    except NotImplementedError:  # e.g. a plain chat model without tool/schema support
        structured = None
    if structured is not None:
        reply = structured.invoke(messages)
        if isinstance(reply, EmailReply):
            return reply.subject, reply.body.strip()
        if isinstance(reply, dict):
            return reply.get("subject"), str(reply.get("body") or "").strip()
    return parse_llm_reply(llm.invoke(messages).text)


def _failed(request: Any, subject: str, body: str, original: Any = None) -> tuple[list, list]:
    """Checks against the request as drafted; hard checks (facts, holes) against everything the
    student wrote (`original`), so a fact they gave is never counted as invented."""
    from coach.email.check import HARD_CHECKS, check_email

    text = f"Subject: {subject}\n\n{body}"
    checks = check_email(text, request)
    if original is not None and original is not request:
        hard = {c.id: c for c in check_email(text, original)}
        checks = [hard[c.id] if c.id in HARD_CHECKS else c for c in checks]
    failed = [c for c in checks if c.id in HARD_CHECKS and not c.passed]
    if not body:
        failed.append(None)
    return checks, failed


def _explain(failed: list) -> str:
    return "; ".join(f"{c.id}: {c.evidence}" if c else "the reply was empty" for c in failed)


def llm_draft(request: Any, llm: BaseChatModel, guide: Any,
              messages: list[BaseMessage], original: Any = None) -> Any:
    """The LLM's draft if it passes the hard checks (after at most one re-ask), else `guide`
    with a notice. Model failures raise; the caller turns them into a notice."""
    from coach.email.drafting import Draft, _header

    subject, body = _ask(llm, messages)
    subject = _header(subject or guide.subject)
    checks, failed = _failed(request, subject, body, original)
    if failed:
        log.info("email draft: %d hard check(s) failed; asking once more", len(failed))
        fix = ("Your draft failed these required checks: " + _explain(failed) + ". Write the "
               "email again, fixing every one of them, using only the facts in the request, "
               "in the same JSON format.")
        retry = [*messages, AIMessage(f"Subject: {subject}\n\n{body}"), HumanMessage(fix)]
        subject, body = _ask(llm, retry)
        subject = _header(subject or guide.subject)
        checks, failed = _failed(request, subject, body, original)
    if failed:
        return guide.model_copy(update={"notice": "The model's draft was replaced by the guide "
                                        "draft because it failed a required check twice ("
                                        f"{_explain(failed)})"})
    return Draft(subject=subject, body=body, checks=checks, engine="llm")
