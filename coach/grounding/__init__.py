"""Runtime grounding: every LLM sentence is checked against the retrieved passages."""

from coach.grounding.guard import AnswerContext, GroundingGuard, SentenceVerdict, load_settings
from coach.grounding.stream import GroundingReport, GuardedStream, guard_for, guard_text

__all__ = ["AnswerContext", "GuardedStream", "GroundingGuard", "GroundingReport",
           "SentenceVerdict", "guard_for", "guard_text", "load_settings"]
