"""Token buckets: how fast one client may call an endpoint (in memory, per process)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """A token bucket per key: `burst` at once, refilled at `per_minute` a minute.

    Each process of the service keeps its own buckets, so with N gunicorn workers a client may get
    up to N times the rate; the limit is a brake on floods and guessing, not an exact quota.
    """

    def __init__(self, per_minute: float, burst: int | None = None):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(int(per_minute), 1))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def allow(self, key: str, now: float | None = None, cost: float = 1) -> bool:
        """Take `cost` tokens for `key` (one call, or the characters a call asks for); False when its
        bucket holds fewer (a cost above `burst` is never allowed)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._tokens(key, now)
            allowed = tokens >= cost
            self._buckets[key] = (tokens - cost if allowed else tokens, now)
            if len(self._buckets) > 10_000:  # forget full buckets (idle clients): memory stays bounded
                full = [k for k in self._buckets if self._tokens(k, now) >= self.burst]
                for k in full:
                    del self._buckets[k]
            return allowed

    def retry_after(self, key: str, now: float | None = None, cost: float = 1) -> int:
        """Whole seconds until `key` has `cost` tokens again (0 if it has them now); for a Retry-After
        header."""
        now = time.monotonic() if now is None else now
        with self._lock:
            missing = cost - self._tokens(key, now)
        if missing <= 0:
            return 0
        return math.ceil(missing / self.rate) if self.rate > 0 else 3600


__all__ = ["RateLimiter"]
