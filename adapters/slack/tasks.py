"""Work that continues after Slack has its ack, tracked so it is logged, awaited and stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


class BackgroundTasks:
    """A set of running follow-ups: each failure is logged with what it was doing."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, object], what: str) -> None:
        """Run ``work`` after the ack, its result unused; ``what`` names it in the log if it
        fails."""
        task = asyncio.ensure_future(self._guard(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until nothing is running, including follow-ups spawned by follow-ups."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Let running work finish for ``grace`` seconds, then cancel what is left."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        for task in set(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @staticmethod
    async def _guard(work: Coroutine[Any, Any, object], what: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Slack follow-up failed: %s", what)
