"""Per-client limits for the web app, by work done, on every handler (UI events and API).

Who a client is comes from the server, never from the request body: the signed-in user
(Gradio auth) when there is one, else the connection's address. Gradio's session hash is chosen
by the client, so it is not a key. Each call is charged to three token buckets:

- *requests*: model work (ask, draft, check, rehearse, feedback, board matching) per client;
- *tokens*: the prompt tokens (tiktoken) the call brings in (question, history, transcript),
  so one 40-turn transcript costs what it costs, not one request;
- *host*: all model work from one address, across its signed-in users.

Light handlers (saving the plan, switching chats) have their own generous bucket. Defaults
sit below the measured capacity of one process (docs/DEPLOYMENT.md, "Rate limits"). Behind a
reverse proxy every request comes from the proxy's address: set COACH_RATE_HOST_PER_MINUTE=0.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from coach.config import Settings

MAX_BUCKETS = 10_000  # idle buckets beyond this are forgotten (oldest first): bounded memory
CLIENT_BURST = 8  # a student can fire a few requests at once (retry, undo, ask again)
HOST_BURST = 30
LIGHT_BURST = 120
TOKEN_BURST_MINUTES = 1.5  # a client may spend 1.5 minutes of its token budget at once
COUNT_CHARS = 20_000  # beyond this, tokens are extrapolated (counting must stay cheap)
# Handlers that do model work (retrieval, the safety classifier, an LLM call): by function name
# for the UI's events and by api_name for the API. Everything else is light.
COSTLY = frozenset({
    "respond", "retry", "edit", "from_example", "draft", "recheck_draft", "check_own", "say",
    "get_feedback", "start", "make_draft", "propose_pairs", "swap_mentors",
    "ask", "draft_email", "check_email", "rehearse", "feedback", "tracker_next_steps",
    "tracker_draft", "tracker_ics",
})


def limited_message(seconds: float) -> str:
    """What a limited student reads: kind, and when to try again."""
    wait = max(1, math.ceil(seconds))
    return (f"You're sending messages faster than I can answer; try again in {wait} second"
            f"{'s' if wait != 1 else ''}.")


class RateLimited(gr.Error):
    """Raised to Gradio: the student sees only the kind message, titled, no traceback."""

    def __init__(self, seconds: float) -> None:
        self.retry_after = max(1, math.ceil(seconds))
        super().__init__(limited_message(seconds), title="One moment, please",
                         print_exception=False)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """`take(key, cost)` spends `cost`; buckets refill at `per_minute` up to `burst`."""

    def __init__(self, per_minute: float, burst: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed (and spent); otherwise the seconds until `cost` is available. A cost
        above the burst is clipped to it, so one large call waits for a full bucket."""
        now = self.clock()
        cost = min(cost, self.burst)
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
            if bucket.tokens < cost:
                return (cost - bucket.tokens) / self.rate if self.rate > 0 else 60.0
            bucket.tokens -= cost
            return 0.0

    def allow(self, key: str) -> bool:
        return self.take(key) == 0.0


def client_keys(request: Any) -> tuple[str, str]:
    """(client, host): the signed-in user if any, else the address; and the address."""
    host = getattr(getattr(request, "client", None), "host", None) or "unknown"
    user = getattr(request, "username", None)
    return (f"user:{user}" if user else f"host:{host}"), host


def prompt_tokens(values: tuple | list) -> int:
    """Tokens a call brings into prompts: strings as they are, lists and dicts as JSON."""
    from coach.tokens import count_tokens

    total = 0
    for value in values:
        if value is None or isinstance(value, bool | int | float):
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)[:1_000_000]
        head = text[:COUNT_CHARS]
        tokens = count_tokens(head) if head else 0
        total += tokens if len(text) <= COUNT_CHARS else math.ceil(tokens * len(text) / len(head))
    return total


class RateLimiter:
    """The buckets; `check(request, inputs, costly)` raises RateLimited when one is empty."""

    def __init__(self, client_per_minute: float = 20, client_burst: int = CLIENT_BURST,
                 host_per_minute: float = 60, host_burst: int = HOST_BURST,
                 tokens_per_minute: float = 20_000, light_per_minute: float = 300,
                 light_burst: int = LIGHT_BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = TokenBuckets(client_per_minute, client_burst, clock)
        self.hosts = TokenBuckets(host_per_minute, host_burst, clock) if host_per_minute > 0 \
            else None
        self.tokens = TokenBuckets(tokens_per_minute, tokens_per_minute * TOKEN_BURST_MINUTES,
                                   clock) if tokens_per_minute > 0 else None
        # A page load fires a few dozen light events at once; a low rate keeps a smaller burst.
        light_burst = min(light_burst, max(10, int(light_per_minute / 2)))
        self.light = TokenBuckets(light_per_minute, light_burst, clock) if light_per_minute > 0 \
            else None

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """The limiter the settings ask for; None when it is off (client rate 0). A host rate
        of 0 drops the per-address bucket (behind a proxy that limits per address)."""
        if settings.rate_client_per_minute <= 0:
            return None
        return cls(settings.rate_client_per_minute, CLIENT_BURST, settings.rate_host_per_minute,
                   HOST_BURST, settings.rate_tokens_per_minute, settings.rate_light_per_minute)

    def check(self, request: Any, inputs: tuple | list = (), costly: bool = True) -> None:
        """Charge this call to its client; raise RateLimited (kind message) when over."""
        client, host = client_keys(request)
        if not costly:
            wait = self.light.take(client) if self.light else 0.0
        else:  # in order, stopping at the first refusal: a refused call spends nothing more
            wait = self.clients.take(client)
            if not wait and self.hosts is not None and client != f"host:{host}":
                wait = self.hosts.take(host)
            if not wait and self.tokens is not None:
                wait = self.tokens.take(client, prompt_tokens(inputs))
        if wait > 0:
            raise RateLimited(wait)

    def guard(self, fn: Callable, costly: bool = True) -> Callable:
        """`fn` with the limit applied before it runs. The request comes from Gradio's context
        (set for every event), so `fn`'s signature and API stay exactly as they were."""
        from gradio.context import LocalContext

        def charge(args: tuple, kwargs: dict) -> None:
            self.check(LocalContext.request.get(None), (*args, *kwargs.values()), costly)

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):  # noqa: ANN202
                charge(args, kwargs)
                async for item in fn(*args, **kwargs):
                    yield item
        elif inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):  # noqa: ANN202
                charge(args, kwargs)
                return await fn(*args, **kwargs)
        elif inspect.isgeneratorfunction(fn):  # streaming handlers must stay generators
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):  # noqa: ANN202
                charge(args, kwargs)
                yield from fn(*args, **kwargs)
        else:
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):  # noqa: ANN202
                charge(args, kwargs)
                return fn(*args, **kwargs)
        return wrapper


def limit_handlers(app: gr.Blocks, limiter: RateLimiter | None) -> int:
    """Put every Python handler of `app` (UI events, API endpoints, every page) behind the
    limiter; returns how many were wrapped. Call once, after the app is built."""
    if limiter is None:
        return 0
    wrapped = 0
    for block_fn in app.fns.values():
        if block_fn.fn is None or getattr(block_fn.fn, "_rate_limited", False):
            continue
        name = block_fn.api_name if block_fn.api_visibility == "public" else \
            getattr(block_fn.fn, "__name__", "")
        block_fn.fn = limiter.guard(block_fn.fn, costly=str(name) in COSTLY)
        block_fn.fn._rate_limited = True
        wrapped += 1
    return wrapped
