"""A settable clock for code that takes `clock=` (rate limiter, sign-in backoff)."""


class FakeClock:
    """Returns `now`; tests move time by adding to it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
