"""Pacing for notifiers: stay under a platform's rate limit instead of bouncing off it.

A 429 costs a round trip and a wait; spacing requests up front costs only the wait. Discord
allows about 50 requests a second per bot; Slack about one message a second per channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """At most ``rate`` calls a second on average, with bursts of up to ``burst``."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = monotonic()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when one more call fits under the rate."""
        async with self._lock:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                delay = (1 - self._tokens) / self.rate
                await self._sleep(delay)
                self._updated = self._monotonic()
                self._tokens = 0.0
            else:
                self._tokens -= 1


class KeyedPacer:
    """One ``Pacer`` per key (e.g. per channel), forgotten once idle long enough."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        idle_after: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.idle_after = idle_after
        self._monotonic = monotonic
        self._sleep = sleep
        self._pacers: dict[str, tuple[Pacer, float]] = {}

    async def wait(self, key: str) -> None:
        now = self._monotonic()
        if len(self._pacers) > 1000:
            self._pacers = {k: v for k, v in self._pacers.items() if now - v[1] < self.idle_after}
        fresh = (Pacer(self.rate, self.burst, self._monotonic, self._sleep), now)
        pacer = self._pacers.get(key, fresh)[0]
        self._pacers[key] = (pacer, now)
        await pacer.wait()
