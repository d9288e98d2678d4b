"""Limits a 135M-parameter model on two shared CPU cores actually meets.

Hosted models keep the general defaults (`coach.config.Settings`); with `--local-model` these
replace them unless the environment sets a value explicitly.
"""

from __future__ import annotations

import json
import os

from coach.local_llm.server import LocalServer

# SmolLM2 rarely stops on its own: it starts a new "Student:" turn or repeats paragraphs.
STOP_SEQUENCES = ["<|im_end|>", "<|im_start|>", "\n\n\n", "Student's question:", "\nStudent:",
                  "\nUser:", "\nuser:"]
LOCAL_LIMITS = {
    "COACH_LLM_MAX_TOKENS": "160",      # ~6-8 s of generation at ~20-30 tokens/s
    "COACH_LLM_CONTEXT_BUDGET": "700",  # prompt processing is ~30-130 tokens/s on one thread
    "COACH_LLM_DEADLINE": "90",
    "COACH_LLM_TIMEOUT": "60",
    "COACH_LLM_MAX_RETRIES": "0",       # a local server that failed once will fail again
    "COACH_LLM_TEMPERATURE": "0.2",
    "COACH_LLM_STOP": json.dumps(STOP_SEQUENCES),
}


def local_environment(server: LocalServer) -> dict[str, str]:
    """The variables that point the LLM engine at `server` (limits: only where unset)."""
    env = {k: v for k, v in LOCAL_LIMITS.items() if k not in os.environ}
    env.update({"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "local-llama-cpp",
                "COACH_LLM_MODEL": server.alias or ""})
    return env


def use_local_server(server: LocalServer) -> None:
    """Point this process's settings at the running local server."""
    from coach.config import get_settings

    os.environ.update(local_environment(server))
    get_settings.cache_clear()
