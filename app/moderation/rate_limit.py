"""Token buckets per session and per user: a burst of questions is fine, a flood waits."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """Holds up to `capacity` tokens and gains `rate` tokens per second; each question costs one."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """`check(session, user)` takes one token from the session's and the user's bucket, or says how long
    to wait; a question that has to wait takes nothing."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.burst, self.rate, self.burst, now)
        bucket.refill(now)
        return bucket

    def check(self, session_id: str, user: str | None = None) -> tuple[float, str]:
        """(0, '') when the question may go ahead, else (seconds to wait, 'session' or 'user')."""
        now = self.clock()
        with self._lock:
            keys = [("session", f"s:{session_id}")] + ([("user", f"u:{user}")] if user else [])
            buckets = [(scope, self._bucket(key, now)) for scope, key in keys]
            waits = [(bucket.wait(), scope) for scope, bucket in buckets]
            longest = max(waits)
            if longest[0] > 0:
                return longest
            for _, bucket in buckets:
                bucket.tokens -= 1
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
        return 0.0, ""

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled completely (they behave exactly like new ones)."""
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * b.rate >= b.capacity]
        for key in full:
            del self._buckets[key]


def wait_message(seconds: float, scope: str) -> str:
    """'Too many questions in a short time: please wait 3 seconds, then ask again.'"""
    whole = max(1, math.ceil(seconds))
    who = "from this session" if scope == "session" else "from your account"
    unit = "second" if whole == 1 else "seconds"
    return f"Too many questions {who} in a short time: please wait {whole} {unit}, then ask again."
