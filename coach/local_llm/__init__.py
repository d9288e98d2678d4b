"""A real local model: llama.cpp (the prebuilt `xllamacpp` wheel) as a managed loopback server."""

from coach.local_llm.check import verify_model
from coach.local_llm.server import LocalServer, bundled_model_path

__all__ = ["LocalServer", "bundled_model_path", "verify_model"]
