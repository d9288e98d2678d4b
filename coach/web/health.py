"""Health of a running coach: can it answer? Served as GET /healthz by the web app.

The index must be readable and non-empty (without it nothing can be answered: 503). The LLM is
reported but only degrades the status, because the guide engine answers when it is down.
Details are words, never exception text or an endpoint with credentials.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel

log = logging.getLogger(__name__)


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    index: str
    llm: str

    @property
    def http_status(self) -> int:
        return 503 if self.status == "unavailable" else 200


def check_index(coach) -> str:  # noqa: ANN001 - coach.ask.answer.Coach
    try:
        count = coach.retriever.store.collection.count()
    except Exception as exc:  # Chroma down or the collection gone
        log.warning("healthz: index check failed (%s)", type(exc).__name__)
        return "unavailable"
    return "ok" if count > 0 else "empty"


def check_llm(coach, timeout: float = 3.0) -> str:  # noqa: ANN001
    if coach.llm_engine is None:
        return "not configured"
    settings = coach.settings
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    try:
        import httpx

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        reply = httpx.get(f"{base}/models", timeout=timeout,
                          headers={"Authorization": f"Bearer {key}"} if key else {})
        return "ok" if reply.status_code < 500 else "unavailable"
    except Exception as exc:
        log.warning("healthz: LLM check failed (%s)", type(exc).__name__)
        return "unavailable"


def check_health(coach) -> Health:  # noqa: ANN001
    """Index and LLM state; unavailable (HTTP 503) when no answer can be given."""
    index, llm = check_index(coach), check_llm(coach)
    if index != "ok":
        status = "unavailable"
    elif llm == "unavailable":
        status = "degraded"
    else:
        status = "ok"
    return Health(status=status, index=index, llm=llm)


def healthz_route(coach):  # noqa: ANN001, ANN201 - a Starlette Route for FastAPI(routes=...)
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def endpoint(request):  # noqa: ANN001, ANN202, ARG001
        health = check_health(coach)
        return JSONResponse(health.model_dump(), status_code=health.http_status)

    return Route("/healthz", endpoint, methods=["GET"])
