"""Settings, read once from the environment (and `.env`) into a frozen object."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach.errors import ConfigError
from coach.paths import REPO_ROOT, shipped

__all__ = ["REPO_ROOT", "Settings", "disable_telemetry", "get_settings"]


def _default_data_dir() -> Path:
    # Per-user data directory (XDG on Linux), never inside the checkout.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mentor-coach"


class Settings(BaseSettings):
    """Everything configurable. Env vars are prefixed `COACH_`, except the OpenAI ones."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    knowledge_dir: Path = Field(default_factory=lambda: shipped("knowledge"))
    collection: str = "mentor-guide"
    chroma_host: str | None = None
    chroma_port: int = 8000
    embedding_model: str = "all-MiniLM-L6-v2"
    top_k: int = 5
    engine: Literal["auto", "guide", "llm"] = "auto"

    # The LLM engine: any OpenAI-compatible endpoint.
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0  # per request (connect, each read)
    llm_deadline: float = 60.0  # per answer, retries and back-off included; then the guide answers
    llm_max_retries: int = 2
    llm_temperature: float = 0.3
    llm_max_tokens: int = 1000  # caps every reply (answers, drafts, persona turns): bounded cost
    llm_stop: list[str] = []  # stop sequences (JSON list in COACH_LLM_STOP)
    llm_context_budget: int = 2500  # tokens of guide passages in one answer prompt
    llm_grounding: bool = True  # check every LLM sentence against the passages before showing it

    max_question_chars: int = 4000
    max_file_mb: float = 5.0  # COACH_MAX_FILE_MB: a bigger knowledge file is skipped, with a reason
    # Web app limits (coach/web/ratelimit.py; sized in docs/DEPLOYMENT.md "Rate limits"). Per client
    # (signed-in user, else address): model-work requests and prompt tokens per minute, and
    # light UI events; per address: model work across its users. 0 = off (client rate 0: all).
    rate_client_per_minute: float = 20.0
    rate_host_per_minute: float = 60.0
    rate_tokens_per_minute: float = 20_000.0
    rate_light_per_minute: float = 300.0
    # Sign-in (COACH_AUTH) and board password: this many misses free, then exponential backoff.
    login_free_attempts: int = 3
    auth: str | None = None  # "user:password" enables basic auth on the web app
    # torch intra-op threads per process (COACH_TORCH_THREADS); unset: 1 on a machine with at
    # most two cores, where concurrent requests already fill every core and two threads per
    # embedding spin against each other under load; torch's own default on bigger machines.
    torch_threads: int | None = Field(default=None, ge=1)
    # Web requests computed at once (COACH_SERVE_CONCURRENCY); the rest wait in Gradio's queue.
    # Unset: one per core (with one torch thread each, more only contend for the GIL).
    serve_concurrency_limit: int | None = Field(default=None, ge=1,
                                                validation_alias="COACH_SERVE_CONCURRENCY")
    board_password: SecretStr | None = None  # unlocks the Chapter tab's board tools
    # Key for what the web app keeps in the browser (chats, rehearsals, tracker). It must stay
    # the same across restarts, or saved data can no longer be read (Gradio's default is a new
    # random key per process). It is sent to the page, so it obfuscates, it does not protect.
    browser_secret: SecretStr = SecretStr("mentor-coach-browser-v1")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def intra_op_threads(self) -> int | None:
        """The torch thread count to set (None: leave torch's default)."""
        if self.torch_threads is not None:
            return self.torch_threads
        return 1 if (os.cpu_count() or 1) <= 2 else None

    @property
    def serve_concurrency(self) -> int:
        """How many web requests are computed at once."""
        return self.serve_concurrency_limit or max(1, os.cpu_count() or 1)

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    def require_llm(self) -> None:
        """Raise a fix-it message when the LLM engine is requested but not configured."""
        if not self.llm_configured:
            raise ConfigError(
                "No LLM is configured. Set OPENAI_API_KEY (and OPENAI_BASE_URL for a local "
                "server such as Ollama or vLLM, e.g. http://localhost:11434/v1), or use "
                "--engine guide."
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def disable_telemetry() -> None:
    """Turn off every third-party phone-home before those libraries are imported."""
    for key, value in {
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGSMITH_TRACING": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)
