"""Start-up check: the configured model name must be one the server actually serves."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from coach.errors import ConfigError, LLMError


def served_models(base_url: str, api_key: str | None = None, timeout: float = 10.0) -> list[str]:
    """The model ids the OpenAI-compatible server at `base_url` lists under /v1/models."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our URL
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LLMError(f"Cannot list the models at {base_url}/models ({type(exc).__name__}); "
                       "is the LLM server running?") from None
    ids = []
    for item in data.get("data") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.append(item["id"])
            ids += [a for a in item.get("aliases") or [] if isinstance(a, str)]
    return list(dict.fromkeys(ids))


def verify_model(base_url: str, model: str, api_key: str | None = None) -> None:
    """Raise a ConfigError naming the served models when `model` is not one of them.

    llama.cpp answers to any model name, so a typo in COACH_LLM_MODEL would otherwise go
    unnoticed; hosted APIs list hundreds of ids and are checked the same way.
    """
    ids = served_models(base_url, api_key)
    if ids and model not in ids:
        shown = ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "")
        raise ConfigError(f"The LLM server at {base_url} does not serve the model '{model}' "
                          f"(it serves: {shown}). Set COACH_LLM_MODEL to one of those.")
