"""One scripted fake at the LLM boundary: LangChain's GenericFakeChatModel with a reply queue."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

Reply = AIMessage | str | BaseException


class ScriptedChatModel(GenericFakeChatModel):
    """Replies in the order given (`enqueue` adds more); an exception in the script is raised.

    `repeat=True` keeps answering with the last reply; `chunk_delay` slows streaming down;
    `seen` records every prompt sent (one list of messages per call).
    """

    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))
    repeat: bool = False
    chunk_delay: float = 0.0
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    _script: deque[Reply] = PrivateAttr(default_factory=deque)

    def __init__(self, *replies: Reply, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enqueue(*replies)

    def enqueue(self, *replies: Reply) -> ScriptedChatModel:
        """Add replies to the end of the script; returns self for chaining."""
        self._script.extend(replies)
        return self

    def rescript(self, *replies: Reply) -> ScriptedChatModel:
        """Drop the replies not yet given and script these instead."""
        self._script.clear()
        return self.enqueue(*replies)

    @property
    def prompts(self) -> list[str]:
        """Each call's messages joined as plain text, for assertions on what was sent."""
        return ["\n".join(str(m.content) for m in call) for call in self.seen]

    def _next_reply(self) -> AIMessage | str:
        if not self._script:
            return next(self.messages)  # StopIteration: the script ran out
        last = self.repeat and len(self._script) == 1
        reply = self._script[0] if last else self._script.popleft()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        reply = self._next_reply()
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for chunk in super()._stream(*args, **kwargs):
            if self.chunk_delay:
                time.sleep(self.chunk_delay)
            yield chunk
