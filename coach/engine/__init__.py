"""One engine contract for both engines (guide and LLM), one resolver, one fallback wrapper.

What differs between the engines (an answer, an email draft, a persona turn, the feedback
narrative) is an `Engine[Request, Result]` pair per feature; `choose` decides from settings
which one runs, and `Fallback` turns any LLM failure into the guide engine's result plus a notice.
"""

from coach.engine.contract import Engine, EngineName, Requested
from coach.engine.fallback import Fallback, describe_failure, failure_reason
from coach.engine.resolve import chat_model, choose, held

__all__ = ["Engine", "EngineName", "Fallback", "Requested", "chat_model", "choose",
           "describe_failure", "failure_reason", "held"]
