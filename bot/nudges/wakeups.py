"""Wake-ups: APScheduler 3.x only tells the courier to look at the database.

The database decides what is due, so a run missed while the process was down, a DST change,
or a job replaced at start cannot lose or repeat a nudge (APScheduler itself drops missed
runs and fires twice in a repeated autumn hour; see docs/nudges.md). Two jobs wake the
courier: a steady tick, and a one-off job at the next instant something is due.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.nudges.courier import Courier

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0


class Wakeups:
    """Runs ``Courier.run_due`` on a tick and at the next due instant."""

    def __init__(self, courier: Courier, tick_seconds: float = TICK_SECONDS) -> None:
        self.courier = courier
        self.tick_seconds = tick_seconds
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    async def start(self) -> None:
        """Look once now (catching up after downtime), then keep waking up.

        Platforms that connect later trigger their own look when their notifier registers.
        """
        self._scheduler.add_job(
            self.wake,
            "interval",
            seconds=self.tick_seconds,
            id="tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self._scheduler.start()
        self.courier.on_change = self.poke
        await self.wake()

    async def stop(self) -> None:
        """Stop waking up; a run already in progress finishes first."""
        self.courier.on_change = None
        if self._scheduler.running:
            self._scheduler.pause()
            await self.courier.close()
            self._scheduler.shutdown(wait=False)

    def poke(self) -> None:
        """Look again now, e.g. after an organizer changed the schedule."""
        self._plan(datetime.now(UTC))

    async def wake(self) -> None:
        try:
            sent = await self.courier.run_due()
        except Exception:
            log.exception("looking for due nudges and reminders failed; will look again")
        else:
            if sent:
                log.info("delivered %d nudges and reminders", sent)
        if self.courier.next_due is not None:
            self._plan(self.courier.next_due)

    def _plan(self, when: datetime) -> None:
        self._scheduler.add_job(
            self.wake,
            "date",
            run_date=when,
            id="next",
            replace_existing=True,
            misfire_grace_time=None,
        )
