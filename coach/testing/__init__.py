"""Test doubles shared by tests/ and benchmarks/: a scripted chat model, a fake
embedder and a settable clock."""

from coach.testing.chat import ScriptedChatModel
from coach.testing.clock import FakeClock
from coach.testing.embeddings import FakeEmbeddings

__all__ = ["FakeClock", "FakeEmbeddings", "ScriptedChatModel"]
