"""Spacing posts per channel: Slack allows about one message per second in a channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

POST_INTERVAL_SECONDS = 1.0
_PRUNE_ABOVE = 1024


class ChannelPacer:
    """Lets one post at a time into each channel, at least ``interval`` seconds apart.

    Waiting posts go in arrival order (``asyncio.Lock`` is fair); other channels are never
    held up. A 429 waited out inside a turn keeps the channel's turn, as it should.
    """

    def __init__(
        self,
        interval: float = POST_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._next_at: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, channel_id: str) -> AsyncIterator[None]:
        """Wait for the channel's next free slot, hold it while posting."""
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            wait = self._next_at.get(channel_id, 0.0) - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            try:
                yield
            finally:
                self._next_at[channel_id] = self._monotonic() + self.interval
        self._prune()

    def _prune(self) -> None:
        """Forget idle channels, so a bot in thousands of channels keeps a small table."""
        if len(self._locks) <= _PRUNE_ABOVE:
            return
        now = self._monotonic()
        for channel_id in [c for c, at in self._next_at.items() if at < now]:
            lock = self._locks.get(channel_id)
            if lock is not None and not lock.locked():
                del self._locks[channel_id]
                del self._next_at[channel_id]
