"""The engine contract: one small interface that the guide engine and the LLM engine share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol, TypeVar, runtime_checkable

EngineName = Literal["guide", "llm"]
Requested = Literal["auto", "guide", "llm"]

Req = TypeVar("Req", contravariant=True)
Res = TypeVar("Res")


@runtime_checkable
class Engine(Protocol[Req, Res]):
    """Writes one kind of result (an answer, a draft, a persona turn, a narrative) for a request.

    `run` returns the finished result; `stream` yields it as it grows (the last item is final).
    The guide engine's results never fail; the LLM engine's may raise anything, and `Fallback`
    turns that into the guide engine's result with a notice.
    """

    name: EngineName

    def run(self, request: Req) -> Res: ...

    def stream(self, request: Req) -> Iterator[Res]: ...


class OneShot:
    """Mixin for engines that do not stream: `stream` yields the one finished result."""

    def run(self, request):  # noqa: ANN001, ANN201 - overridden
        raise NotImplementedError

    def stream(self, request):  # noqa: ANN001, ANN201
        yield self.run(request)
