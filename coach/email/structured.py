"""The LLM draft engine: LangChain structured output, checked, with one re-ask.

The model fills an `EmailReply` (JSON schema, enforced by servers that support it, such as
llama.cpp and OpenAI). When a hard check fails (a placeholder, a missing name or contact, a
fact the request does not state) the model is asked once more, with the failed checks spelled
out; if the second draft fails too, `DraftRejected` is raised and `coach.engine.Fallback` shows
the guide engine's draft with a notice. A draft that repeats its instructions raises `PromptLeak`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from coach.engine.contract import EngineName, OneShot
from coach.errors import LLMError, PromptLeak

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from coach.email.check import Check
    from coach.email.drafting import Draft
    from coach.email.request import OutreachRequest

log = logging.getLogger(__name__)


class EmailReply(BaseModel):
    """The draft the model must return."""

    subject: str = Field(description="the email's subject line, under 80 characters")
    body: str = Field(description="the whole email body: salutation, paragraphs, sign-off")


class DraftRejected(LLMError):
    """The model's draft failed a hard check twice (the reason names the failed checks)."""

    def __init__(self, failed: str):
        super().__init__(reason=f"wrote a draft that failed a required check twice ({failed})")


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


def _failed(request: OutreachRequest, text: str, body: str,
            original: OutreachRequest | None) -> tuple[list[Check], list[Check | None]]:
    """Checks against the request as drafted; hard checks (facts, holes) against everything the
    student wrote (`original`), so a fact they gave is never counted as invented."""
    from coach.email.check import HARD_CHECKS, check_email

    checks = check_email(text, request)
    if original is not None and original is not request:
        hard = {c.id: c for c in check_email(text, original)}
        checks = [hard[c.id] if c.id in HARD_CHECKS else c for c in checks]
    failed: list[Check | None] = [c for c in checks if c.id in HARD_CHECKS and not c.passed]
    if not body:
        failed.append(None)
    return checks, failed


def _explain(failed: list[Check | None]) -> str:
    return "; ".join(f"{c.id}: {c.evidence}" if c else "the reply was empty" for c in failed)


def _prompt(request: OutreachRequest) -> tuple[str, str]:
    """(system, user) messages for the drafting prompt."""
    import json

    from coach.prompts import render

    facts = json.dumps(request.model_dump(exclude_none=True), ensure_ascii=False, indent=2)
    common = {"kind": request.kind, "salutation": request.mentor.salutation(request.kind == "peer"),
              "year_phrase": request.student.year_phrase, "facts": facts,
              "context": request.context or ""}
    return (render("email_draft", part="system", **common),
            render("email_draft", part="user", **common))


class LLMDraftEngine(OneShot):
    """Drafts with a chat model; any failure raises (the `Fallback` shows the guide draft)."""

    name: EngineName = "llm"

    def __init__(self, llm: BaseChatModel, original: OutreachRequest | None = None):
        self.llm, self.original = llm, original

    def _attempt(self, request: OutreachRequest, messages: list[BaseMessage]) -> tuple:
        from coach.email.drafting import guide_draft
        from coach.email.request import header_line

        subject, body = _ask(self.llm, messages)
        subject = header_line(subject or guide_draft(request).subject)
        text = f"Subject: {subject}\n\n{body}"
        return (subject, body, *_failed(request, text, body, self.original))

    def run(self, request: OutreachRequest) -> Draft:
        """The model's draft if it passes the hard checks (after at most one re-ask)."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        from coach.email.drafting import Draft
        from coach.safety.output import clean_output, leaks

        system, user = _prompt(request)
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        subject, body, checks, failed = self._attempt(request, messages)
        if failed:
            log.info("email draft: %d hard check(s) failed; asking once more", len(failed))
            fix = ("Your draft failed these required checks: " + _explain(failed) + ". Write "
                   "the email again, fixing every one of them, using only the facts in the "
                   "request, in the same JSON format.")
            retry = [*messages, AIMessage(f"Subject: {subject}\n\n{body}"), HumanMessage(fix)]
            subject, body, checks, failed = self._attempt(request, retry)
        if failed:
            raise DraftRejected(_explain(failed))
        if leaks(f"Subject: {subject}\n\n{body}", system):  # instructions never reach the student
            raise PromptLeak()
        return Draft(subject=clean_output(subject), body=clean_output(body), checks=checks,
                     engine="llm")
