"""Question rate limits that a reload cannot reset: per browser, per signed-in user, per address, overall.

Each page load is a new Panel session with a new session id, so the moderator's per-session bucket alone
was reset by reloading the page. The chat also checks, atomically (a question that must wait takes no
token anywhere), token buckets keyed by:
- the browser: its signed `citewise_browser` cookie (set by the auth provider; a forged value is
  rejected, and dropping the cookie only leaves the address and overall limits);
- the signed-in user, when there is one;
- the client address (proxy-aware: `CITEWISE_TRUSTED_PROXIES`);
- everyone together, so a crowd of addresses cannot take every answer worker.
The browser and user buckets use the per-session rate (`CITEWISE_RATE_LIMIT_PER_MINUTE`, burst
`CITEWISE_RATE_LIMIT_BURST`); the address and overall ones have their own settings.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.moderation.rate_limit import TokenBucket
from app.settings import Settings
from app.web.auth import Identity, request_value

SCOPES = ("browser", "user", "address", "everyone")


@dataclass(frozen=True)
class Client:
    """Who is asking, as far as the HTTP request tells: browser id, signed-in user, address."""

    browser: str | None = None
    user: str | None = None
    address: str | None = None


def current_client() -> Client:
    """The client of the current Panel session, read from its HTTP request (see `app.web.auth`)."""
    identity = request_value("citewise_identity")
    user = identity.name if isinstance(identity, Identity) else None
    browser, address = request_value("citewise_browser"), request_value("citewise_address")
    return Client(browser if isinstance(browser, str) else None, user, address if isinstance(address, str) else None)


def wait_text(seconds: float, scope: str) -> str:
    """What a reader is told when a question must wait."""
    whole = max(1, math.ceil(seconds))
    unit = "second" if whole == 1 else "seconds"
    if scope == "everyone":
        return f"Many people are asking right now: please wait {whole} {unit}, then ask again."
    who = {"browser": "from this browser", "user": "from your account", "address": "from your network address"}
    return f"Too many questions {who[scope]} in a short time: please wait {whole} {unit}, then ask again."


class ClientLimiter:
    """Token buckets per browser, user, address and overall; `check` takes one token from each or none."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        per_client = (float(settings.rate_limit_burst), settings.rate_limit_per_minute / 60.0)
        self.limits = {
            "browser": per_client, "user": per_client,
            "address": (float(settings.rate_limit_address_burst), settings.rate_limit_per_address_per_minute / 60.0),
            "everyone": (float(settings.rate_limit_global_burst), settings.rate_limit_global_per_minute / 60.0),
        }
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, scope: str, key: str, now: float) -> TokenBucket:
        name = f"{scope}:{key}"
        bucket = self._buckets.get(name)
        if bucket is None:
            capacity, rate = self.limits[scope]
            bucket = self._buckets[name] = TokenBucket(capacity, rate, capacity, now)
        bucket.refill(now)
        return bucket

    def check(self, client: Client) -> str | None:
        """None when the question may go ahead (one token taken from each bucket), else what to tell."""
        keys = {"browser": client.browser, "user": client.user, "address": client.address, "everyone": "all"}
        now = self.clock()
        with self._lock:
            buckets = [(scope, self._bucket(scope, key, now)) for scope, key in keys.items() if key]
            waits = [(bucket.wait(), scope) for scope, bucket in buckets]
            longest, scope = max(waits)
            if longest > 0:
                return wait_text(longest, scope)
            for _, bucket in buckets:
                bucket.tokens -= 1
            if len(self._buckets) > 50_000:
                full = [k for k, b in self._buckets.items()
                        if b.tokens + (now - b.updated) * b.rate >= b.capacity]
                for key in full:
                    del self._buckets[key]
        return None
