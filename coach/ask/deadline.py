"""One deadline for a whole LLM answer, whatever the client's retries and waits add up to."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator


def within_deadline(items: Iterator, seconds: float) -> Iterator:
    """Iterate `items` in a worker thread; TimeoutError once `seconds` have passed in total.

    Client timeouts bound each request, not retries, Retry-After waits or a slow stream; this
    bounds the whole answer. An abandoned worker stops at its next item (or client timeout).
    """
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    end = object()

    def pump() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                results.put((item, None))
            results.put((end, None))
        except BaseException as exc:  # handed to the consumer thread
            results.put((None, exc))
        finally:  # closes the HTTP stream, so the server stops generating for nobody
            getattr(items, "close", lambda: None)()

    threading.Thread(target=pump, daemon=True, name="llm-deadline").start()
    finish = time.monotonic() + seconds
    try:
        while True:
            try:
                item, error = results.get(timeout=max(0.0, finish - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no complete answer within {seconds:g} s") from None
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()
