"""Per-client rate limiting for the web app: token buckets per browser session and per host.

The session bucket stops one tab or script from hogging the queue; the looser host bucket stops
a client that opens many sessions. Behind a reverse proxy every request comes from the proxy's
address, so there the host limit belongs in the proxy (see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from coach.config import Settings

MAX_BUCKETS = 10_000  # idle buckets beyond this are forgotten (oldest first): bounded memory
SESSION_BURST = 10  # a student can fire a few requests at once (retry, undo, ask again)
HOST_BURST = 100


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """`allow(key)` spends one token; buckets refill at `per_minute` up to `burst`."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True


class RateLimiter:
    """Both limits; `check(request)` raises a friendly gr.Error when either is exceeded."""

    def __init__(self, session_per_minute: float = 30, session_burst: int = SESSION_BURST,
                 host_per_minute: float = 600, host_burst: int = HOST_BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions = TokenBuckets(session_per_minute, session_burst, clock)
        self.hosts = TokenBuckets(host_per_minute, host_burst, clock) if host_per_minute > 0 \
            else None

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """The limiter the settings ask for; None when it is off (session rate 0). A host rate
        of 0 keeps only the per-session limit (behind a proxy that limits per address)."""
        if settings.rate_session_per_minute <= 0:
            return None
        return cls(settings.rate_session_per_minute, SESSION_BURST,
                   settings.rate_host_per_minute, HOST_BURST)

    def check(self, request: gr.Request | None) -> None:
        host = getattr(getattr(request, "client", None), "host", None) or "unknown"
        session = getattr(request, "session_hash", None) or "none"
        # Both buckets are charged, so a refused session request still counts for its host.
        ok_session = self.sessions.allow(f"{host}|{session}")
        ok_host = self.hosts is None or self.hosts.allow(host)
        if not (ok_session and ok_host):
            raise gr.Error("You're sending requests faster than the coach can answer. "
                           "Please wait a few seconds and try again.", print_exception=False)

    def guard(self, fn: Callable) -> Callable:
        """`fn` with the limit applied first. Gradio passes the request as an extra trailing
        positional argument (it is not an API input) because the signature says so."""
        signature = inspect.signature(fn)
        params = [*signature.parameters.values(),
                  inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=None, annotation=gr.Request)]

        def split(args: tuple, kwargs: dict) -> tuple[gr.Request | None, tuple, dict]:
            if "request" in kwargs:
                return kwargs.pop("request"), args, kwargs
            if args and isinstance(args[-1], gr.Request):
                return args[-1], args[:-1], kwargs
            return None, args, kwargs

        if inspect.isgeneratorfunction(fn):  # streaming handlers must stay generators
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):  # noqa: ANN202
                request, args, kwargs = split(args, kwargs)
                self.check(request)
                yield from fn(*args, **kwargs)
        else:
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):  # noqa: ANN202
                request, args, kwargs = split(args, kwargs)
                self.check(request)
                return fn(*args, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)
        wrapper.__annotations__ = {**getattr(fn, "__annotations__", {}), "request": gr.Request}
        return wrapper
