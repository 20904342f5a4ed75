"""Client-side rate limiting: stay under a vendor's documented limits instead of hitting them.

Hand-written (a token bucket is a few lines) so that its clock and sleep can be injected: tests
check the waits without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class TokenBucket:
    """At most `rate` calls a second on average, in bursts of up to `capacity`; thread-safe.

    `acquire()` takes a token, sleeping until one is free. A caller that must wait reserves its
    token first, so concurrent callers queue up in order instead of all waking at once.
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("a token bucket needs a positive rate")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def _reserve(self, tokens: float) -> float:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= tokens
            return max(0.0, -self._tokens / self.rate)

    def acquire(self, tokens: float = 1.0) -> float:
        """Take `tokens`, sleeping as long as needed; returns the seconds waited."""
        wait = self._reserve(tokens)
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """A vendor's limits: one bucket per kind of call (e.g. read, write) under an overall bucket.

    `RateLimiter({"read": 30, "write": 20}, overall=50)` keeps reads under 30/s, writes under
    20/s and everything together under 50/s.
    """

    def __init__(
        self,
        limits: Mapping[str, float],
        overall: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.buckets = {
            kind: TokenBucket(rate, clock=clock, sleep=sleep) for kind, rate in limits.items()
        }
        self.overall = TokenBucket(overall, clock=clock, sleep=sleep) if overall else None

    def acquire(self, kind: str) -> float:
        """Wait for a slot for a call of `kind` (a key of `limits`); returns the seconds waited."""
        waited = self.buckets[kind].acquire()
        if self.overall is not None:
            waited += self.overall.acquire()
        return waited
