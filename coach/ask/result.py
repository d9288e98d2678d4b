"""What an ask returns: the `Answer` (with its documented JSON) and the `Source`s behind it."""

from __future__ import annotations

from typing import Literal

from langchain_core.documents import Document
from pydantic import BaseModel

from coach.ask.cards.compose import Handoff
from coach.grounding import GroundingReport
from coach.safety.output import clean_output


class Source(BaseModel):
    section: str
    source: str
    text: str
    score: float


class Answer(BaseModel):
    kind: Literal["answer", "redirect", "crisis"]
    answer: str
    sources: list[Source] = []
    engine: Literal["guide", "llm"] = "guide"
    notice: str | None = None
    handoff: Handoff | None = None  # a "help me write..." request handed to the email drafter
    done: bool = True
    grounding: GroundingReport | None = None  # per-sentence verdicts on an LLM answer
    # The crisis resources shown beside the answer when the safety gate was unsure (Verdict.care)
    care: str | None = None

    def public(self) -> dict:
        """The documented JSON shape (plus `notice`, `care`, `grounding` and `handoff` when set)."""
        data = self.model_dump(exclude={"done", "notice", "grounding", "handoff", "care"})
        if self.notice:
            data["notice"] = self.notice
        if self.care:
            data["care"] = self.care
        if self.grounding is not None:
            data["grounding"] = self.grounding.model_dump()
        if self.handoff:
            data["handoff"] = self.handoff.model_dump()
        return data


def sources_from(hits: list[Document]) -> list[Source]:
    """Retrieved chunks as cleaned sources (the heading trail is not repeated in the text)."""
    out = []
    for doc in hits:
        text = doc.page_content
        trail = doc.metadata.get("heading_trail", "")
        if trail and text.startswith(trail):
            text = text[len(trail):].strip()
        out.append(Source(section=doc.metadata.get("section", ""),
                          source=doc.metadata.get("source", ""),
                          text=clean_output(text), score=float(doc.metadata.get("score", 0.0))))
    return out
