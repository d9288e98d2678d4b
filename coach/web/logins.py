"""Sign-in attempts throttled with exponential backoff, per client address.

Three doors use it: Gradio's login form (COACH_AUTH; an ASGI middleware in front of POST /login)
and POST /api/v1/ask's Basic credentials, which share one count per address, and the board
password on the /chapter page. After `free` misses from one address, each
further attempt must wait 2, 4, 8 ... seconds (capped at 15 minutes) after the last miss; while
it waits, the attempt is refused unread. A success clears the address.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_DELAY = 900.0  # seconds
MAX_ENTRIES = 10_000


def wait_message(seconds: float) -> str:
    wait = max(1, math.ceil(seconds))
    return (f"Too many sign-in attempts. Please wait {wait} second{'s' if wait != 1 else ''} "
            "and try again.")


@dataclass
class _Misses:
    count: int
    last: float


class LoginThrottle:
    """`wait(key)` seconds before the next attempt is read (0 = now); `failed`/`succeeded`
    record the outcome."""

    def __init__(self, free: int = 3, base: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.clock = max(0, free), base, clock
        self._misses: OrderedDict[str, _Misses] = OrderedDict()
        self._lock = threading.Lock()

    def delay(self, count: int) -> float:
        """Seconds an address with `count` misses waits after its last one."""
        over = count - self.free
        return 0.0 if over < 0 else min(MAX_DELAY, self.base ** (over + 1))

    def wait(self, key: str) -> float:
        with self._lock:
            entry = self._misses.get(key)
            if entry is None:
                return 0.0
            return max(0.0, entry.last + self.delay(entry.count) - self.clock())

    def failed(self, key: str) -> None:
        with self._lock:
            entry = self._misses.pop(key, None) or _Misses(0, 0.0)
            entry.count, entry.last = entry.count + 1, self.clock()
            self._misses[key] = entry
            while len(self._misses) > MAX_ENTRIES:
                self._misses.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._misses.pop(key, None)


class LoginGuard:
    """ASGI middleware: POST .../login goes through `throttle` per client address; a refused
    attempt gets 429 with a kind message and never reaches Gradio's password check."""

    def __init__(self, app, throttle: LoginThrottle) -> None:  # noqa: ANN001 - ASGI app
        self.app, self.throttle = app, throttle

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope.get("type") != "http" or scope.get("method") != "POST" or \
                not scope.get("path", "").rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        host = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait(host)
        if wait > 0:
            body = json.dumps({"detail": wait_message(wait)}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", str(math.ceil(wait)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: list[int] = []

        async def watch(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self.throttle.succeeded(host)
        elif status and status[0] in (400, 401, 403):  # wrong user name or password
            self.throttle.failed(host)
