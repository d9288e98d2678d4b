"""Guarding a streamed answer: each sentence is held back until the guard has passed it."""

from __future__ import annotations

import logging
import re
from difflib import SequenceMatcher

from pydantic import BaseModel

from coach.grounding.guard import AnswerContext, GroundingGuard, SentenceVerdict
from coach.grounding.sentences import Unit, complete_units, split_units

log = logging.getLogger(__name__)
FINISHED = re.compile(r"[.!?:)\]\"'*_]\s*$")
REPEAT_SIMILARITY = 0.85  # character-level ratio: the same sentence with a word changed


class GroundingReport(BaseModel):
    """The per-sentence verdicts of one answer and what was done with them."""

    verdicts: list[SentenceVerdict]
    claims: int
    kept: int
    dropped: int
    enough: bool  # False: too little survived, the guide engine answers instead
    note: str | None = None

    @property
    def fallback_notice(self) -> str:
        return ("The language model's answer was not supported well enough by the guide "
                f"({self.kept} of {self.claims} sentences checked out); this answer comes from "
                "the guide engine instead.")

    def counts(self) -> dict[str, int]:
        """Counts for logs and evals (no text)."""
        dropped = [v for v in self.verdicts if not v.supported]
        return {"claims": self.claims, "kept": self.kept, "dropped": self.dropped,
                "unknown_names": sum(bool(v.unknown) for v in dropped),
                "low_similarity": sum(any(r.startswith("similarity") for r in v.reasons)
                                      for v in dropped),
                "bad_citations": sum(bool(v.bad_citations) for v in dropped),
                "novel_words": sum(any(r.startswith("novelty") for r in v.reasons)
                                   for v in dropped),
                "unnamed_resource": sum(any(r.startswith("recommends") for r in v.reasons)
                                        for v in dropped),
                "self_repeat": sum(any(r.startswith("repeats '") for r in v.reasons)
                                   for v in dropped),
                "voice": sum(any(r.startswith("speaks as a person") for r in v.reasons)
                             for v in dropped),
                "repeated": sum("repeats an earlier sentence" in v.reasons for v in dropped),
                "unfinished": sum("unfinished" in v.reasons for v in dropped)}


class GuardedStream:
    """Feed model tokens; `shown` only ever holds sentences that passed the guard."""

    def __init__(self, context: AnswerContext) -> None:
        self.context = context
        self.pending = ""
        self.shown = ""
        self.verdicts: list[SentenceVerdict] = []
        self._said: list[str] = []

    def feed(self, token: str) -> str:
        """Add streamed text; returns the text that may be shown so far."""
        self.pending += token
        finished, self.pending = complete_units(self.pending)
        for unit in finished:
            self._judge(unit)
        return self.shown

    def _judge(self, unit: Unit, last: bool = False) -> None:
        verdict = self.context.check(unit.text)
        key = " ".join(re.findall(r"[a-z0-9]+", verdict.sentence.lower()))
        extra = []
        if verdict.kind == "claim" and any(
                key == k or SequenceMatcher(None, key, k).ratio() > REPEAT_SIMILARITY
                for k in self._said):
            extra.append("repeats an earlier sentence")  # small models loop
        if last and not FINISHED.search(unit.text) and not unit.text.lstrip().startswith("#"):
            extra.append("unfinished")  # cut off by the token limit
        if extra:
            verdict = verdict.model_copy(update={"supported": False, "kind": "claim",
                                                 "reasons": verdict.reasons + extra})
        elif verdict.kind == "claim":
            self._said.append(key)
        self.verdicts.append(verdict)
        if verdict.supported:
            self.shown += unit.text + unit.sep
        elif "\n" in unit.sep and self.shown and not self.shown.endswith("\n"):
            self.shown = self.shown.rstrip(" ") + "\n"

    def finish(self) -> GroundingReport:
        """Judge the last sentence and decide whether enough of the answer survived."""
        units = split_units(self.pending)
        for i, unit in enumerate(units):
            self._judge(unit, last=i == len(units) - 1)
        self.pending = ""
        self.shown = self.shown.rstrip()
        settings = self.context.guard.settings
        claims = [v for v in self.verdicts if v.kind == "claim"]
        kept = sum(v.supported for v in claims)
        dropped = len(claims) - kept
        enough = kept >= settings.min_kept_claims and (
            kept / len(claims) >= settings.min_kept_fraction if claims else False)
        note = None
        if dropped and enough:
            note = (f"({dropped} sentence{'s' if dropped > 1 else ''} the guide does not support "
                    f"{'were' if dropped > 1 else 'was'} left out.)")
        report = GroundingReport(verdicts=self.verdicts, claims=len(claims), kept=kept,
                                 dropped=dropped, enough=enough, note=note)
        log.info("grounding: %s enough=%s", report.counts(), enough)  # counts only, no text
        return report


    def result(self) -> tuple[str, GroundingReport]:
        """(the text to show, with a short note when sentences were dropped; the report)."""
        report = self.finish()
        text = self.shown + (f"\n\n{report.note}" if report.note and self.shown else "")
        return text, report


def guard_text(context: AnswerContext, text: str) -> tuple[str, GroundingReport]:
    """A complete (non-streamed) text: the kept part and the report."""
    stream = GuardedStream(context)
    stream.feed(text)
    return stream.result()


def guard_for(coach: object, passages: list[str], question: str,
              history: list[dict]) -> GuardedStream | None:
    """A guarded stream for one answer of `coach` (None when grounding is turned off).

    The guard (and its vector cache) is made once per Coach, on the first LLM answer.
    """
    if not coach.settings.llm_grounding:
        return None
    guard = coach.__dict__.get("_grounding_guard")
    if guard is None:
        guard = coach.__dict__.setdefault(
            "_grounding_guard", GroundingGuard(coach.retriever.store.embeddings))
    known = question + " " + " ".join(t.get("content", "") for t in history)
    return GuardedStream(guard.context(passages, known))
