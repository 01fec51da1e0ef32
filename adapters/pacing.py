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
    """At most ``rate`` calls a second on average, with bursts of up to ``burst``.

    Each caller reserves the next slot on a schedule (the generic cell rate algorithm), so
    a sleep that wakes a little late costs nothing: the schedule does not drift with it.
    """

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
        self._interval = 1 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = monotonic()
        """When the slot after the last one reserved begins."""

    async def wait(self) -> None:
        """Return when one more call fits under the rate."""
        now = self._monotonic()
        slot = max(self._next, now)
        start = slot - (self.burst - 1) * self._interval
        self._next = slot + self._interval
        if start > now:
            await self._sleep(start - now)


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
