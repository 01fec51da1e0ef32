"""APScheduler wakes the delivery service at the next due instant, not only on its tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from bot.cli import open_runtime
from bot.clock import SystemClock
from bot.config import Settings
from bot.invocation import Origin
from bot.nudges.courier import Courier
from bot.nudges.ledger import DeliveryStatus
from bot.nudges.wakeups import Wakeups
from bot.runtime import Runtime
from tests.notifiers import RecordingNotifier


@pytest_asyncio.fixture
async def live_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, SystemClock()) as opened:
        yield opened


async def test_a_kickoff_failing_once_is_retried_at_its_retry_time_not_the_next_tick(
    live_runtime: Runtime,
) -> None:
    runtime = live_runtime
    inv = await runtime.engine.resolve(
        Origin("console", "local", "Local", "general", "alex", "Alex", is_admin=True)
    )
    cohort, _ = await runtime.engine.setup_cohort(inv, "Cohort", "UTC", 0)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    await runtime.store.save_cohort(
        replace(
            cohort,
            kickoff_day=due.weekday(),
            kickoff_time=due.time(),
            schedule_from=now - timedelta(hours=1),
        )
    )
    service = Courier(
        runtime.store, runtime.ledger, runtime.clock, retry_delays=(timedelta(seconds=0.5),)
    )
    notifier = RecordingNotifier(transient_failures=1)
    service.register(notifier)
    wakeups = Wakeups(service, tick_seconds=3600)
    await wakeups.start()
    try:
        async with asyncio.timeout(10):
            await notifier.delivered.wait()
        assert await service.run_due() == 0  # waits for the wake in progress; nothing left
    finally:
        await wakeups.stop()
    assert notifier.attempts == 2
    [post] = notifier.sent
    record = await runtime.ledger.get(post.key)
    assert record is not None
    assert (record.status, record.attempts) == (DeliveryStatus.SENT, 2)
