"""A plain JSON route for programs: `POST /api/v1/ask` -> the same answer as the `/ask` API.

Gradio's API goes through its event queue and a server-sent-events stream, which costs more per
request than the answer itself on a two-core machine (docs/DEPLOYMENT.md, "Serving"). This route
is one HTTP round trip: the body is read (size- and depth-capped), the caller is charged to the
same rate limiter as every Gradio handler, `Coach.ask` runs in a worker thread (at most
`serve_concurrency` at once) and the answer's public JSON comes back. When COACH_AUTH is set it
takes HTTP Basic credentials, throttled like the login form.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from coach.errors import CoachError

log = logging.getLogger(__name__)
PATH = "/api/v1/ask"
MAX_BODY = 100_000  # bytes; a real question with its history is a few kilobytes


@dataclass(frozen=True)
class _Caller:
    """What the rate limiter reads from a request: the address and the signed-in user."""

    client: Any
    username: str | None


def _reply(status: int, body: dict, headers: dict | None = None):  # noqa: ANN202
    from starlette.responses import JSONResponse

    return JSONResponse(body, status_code=status, headers=headers)


def _user(header: str | None, auth: tuple[str, str]) -> str | None:
    """The user name when `header` carries the right Basic credentials, else None."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    ok = hmac.compare_digest(user, auth[0]) & hmac.compare_digest(password, auth[1])
    return user if ok else None


def parse_body(raw: bytes) -> tuple[str, list]:
    """(question, history) from the request body; ValueError with a plain reason otherwise."""
    from coach.web.render import load_json

    if len(raw) > MAX_BODY:
        raise ValueError(f"The request body is too large (limit {MAX_BODY:,} bytes).")
    try:
        data = load_json(raw.decode("utf-8"), None)
    except UnicodeDecodeError:
        raise ValueError("The request body must be UTF-8 JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        raise ValueError('Send JSON like {"question": "...", "history": [...]}.')
    history = data.get("history") or []
    turns_ok = isinstance(history, list) and all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant")
        and isinstance(t.get("content"), (str, list)) for t in history)
    if not turns_ok:  # a new user's [1, 2, 3] left a TypeError in the server log
        raise ValueError('history must be a JSON list of {"role": "user" or "assistant", '
                         '"content": "..."} turns.')
    try:  # "\ud800" parses as JSON but is no character: it failed later, as a 500
        json.dumps([data["question"], history], ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("The text contains an invalid character (a lone surrogate).") from None
    return data["question"], history


def ask_route(coach, auth: tuple[str, str] | None = None, limiter=None,  # noqa: ANN001, ANN201
              throttle=None):  # noqa: ANN001 - RateLimiter, LoginThrottle
    """The Starlette route, bound to one Coach and the app's limits: pass the app's limiter
    and sign-in throttle so the UI and this route share one budget (made here when absent)."""
    import anyio
    from starlette.routing import Route

    from coach.web.api import FAULT_SENTENCE
    from coach.web.logins import LoginThrottle, wait_message
    from coach.web.ratelimit import RateLimited, RateLimiter

    limiter = limiter if limiter is not None else RateLimiter.from_settings(coach.settings)
    workers = anyio.CapacityLimiter(coach.settings.serve_concurrency)
    throttle = throttle if throttle is not None else LoginThrottle(
        free=coach.settings.login_free_attempts)

    async def endpoint(request):  # noqa: ANN001, ANN202
        user = None
        if auth is not None:
            host = request.client.host if request.client else "unknown"
            wait = throttle.wait(host)
            if wait > 0:
                return _reply(429, {"error": wait_message(wait)},
                              {"Retry-After": str(math.ceil(wait))})
            user = _user(request.headers.get("authorization"), auth)
            if user is None:
                throttle.failed(host)
                return _reply(401, {"error": "Sign in with the app's user name and password "
                                    "(HTTP Basic)."}, {"WWW-Authenticate": 'Basic realm="coach"'})
            throttle.succeeded(host)
        try:
            question, history = parse_body(await request.body())
            if limiter is not None:
                limiter.check(_Caller(request.client, user), (question, history))
            answer = await anyio.to_thread.run_sync(coach.ask, question, history,
                                                    limiter=workers)
        except RateLimited as exc:
            return _reply(429, {"error": exc.message}, {"Retry-After": str(exc.retry_after)})
        except (CoachError, ValueError) as exc:  # bad input or an LLM forced and down
            return _reply(400, {"error": str(exc)})
        except Exception as exc:  # a fault: one kind sentence, never the exception's text
            log.error("%s failed: %s", PATH, type(exc).__name__)
            return _reply(500, {"error": FAULT_SENTENCE})
        return _reply(200, answer.public())

    route = Route(PATH, endpoint, methods=["POST"])
    route.limits = (limiter, throttle)  # what it enforces, for a check that they are the app's
    return route


def dumps(question: str, history: list | None = None) -> bytes:
    """The request body for `question` (used by the benchmark and the docs' example)."""
    return json.dumps({"question": question, "history": history or []}).encode()
