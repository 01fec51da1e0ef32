"""The scheduler lease: of all the processes on one database, one runs the scheduler.

Every delivery is claimed in the database before it is sent, so no two processes ever claim
the same nudge. A process that finds a delivery ``claimed`` decides it was cut short by a
crash, as a restart does (``docs/nudges.md``); that is only true if no other process is
sending it right now. So the wake-ups run in one process at a time: the holder of a lease
that the database grants (a lock that ends with the process, however it ends). The others
answer commands and wait; when the holder stops or dies, one of them takes over, and its
first wake recovers what the holder left, under the same rules as a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

log = logging.getLogger(__name__)

STANDBY_SECONDS = 10.0
"""How often a waiting process tries to take the lease, and the holder checks it still has
it."""


class Lease(Protocol):
    """An exclusive right held by at most one process per database."""

    async def acquire(self) -> bool:
        """Take the lease if it is free, without waiting; True if this process holds it."""

    async def held(self) -> bool:
        """Whether this process still holds it (False once, say, its connection is lost)."""

    async def holder(self) -> str:
        """Who holds it, in words for the log ("pid 4242 on host-a since …")."""

    async def release(self) -> None:
        """Give it up, if held."""


class Startable(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LeaseLost(Exception):
    """The lease went away under the holder: it must stop scheduling at once."""


class LeasedWakeups:
    """Starts the wake-ups once this process holds the lease; stops if it loses it."""

    def __init__(
        self, wakeups: Startable, lease: Lease, standby_seconds: float = STANDBY_SECONDS
    ) -> None:
        self.wakeups = wakeups
        self.lease = lease
        self.standby_seconds = standby_seconds
        self.scheduling = asyncio.Event()
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Schedule now if the lease is free; otherwise say who has it and wait for it."""
        if await self.lease.acquire():
            await self._begin()
        else:
            log.warning(
                "another reachout process runs the scheduler on this database (%s); this one "
                "answers commands and sends no nudges or reminders until that one stops",
                await self.lease.holder(),
            )
        self._watch = asyncio.create_task(self._keep())

    async def _begin(self) -> None:
        await self.wakeups.start()
        self.scheduling.set()

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.standby_seconds)
            if self.scheduling.is_set():
                if not await self.lease.held():
                    raise LeaseLost(
                        "lost the scheduler lease (the database connection went away); "
                        "stopping so that another process can take over safely"
                    )
            elif await self.lease.acquire():
                log.warning("the other scheduler stopped; this process now sends the nudges")
                await self._begin()

    async def watch(self) -> None:
        """Returns only by raising ``LeaseLost``; for the caller to wait on with the rest."""
        assert self._watch is not None
        await self._watch

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeaseLost):
                await self._watch
        if self.scheduling.is_set():
            await self.wakeups.stop()
            self.scheduling.clear()
        await self.lease.release()
