"""A kickoff reads the cohort in bulk: the same few queries for 5 members or 50."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.invocation import Origin
from bot.models import ActionKind, Cohort
from bot.nudges.posts import kickoff
from bot.runtime import Runtime
from bot.store import Store

KICKOFF = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
"""Monday 30 November, 09:00 in New York."""


class CountingStore:
    """The real store, counting each method the kickoff awaits."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._store, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await method(*args, **kwargs)

        return counted


async def cohort_with_steady_writers(runtime: Runtime, clock: ManualClock, size: int) -> Cohort:
    """A cohort of ``size`` members who each wrote their 3 emails in each of the last 3 weeks."""
    engine = runtime.engine
    organizer = await engine.resolve(
        Origin("console", "local", "Local", "general", "u0", "U0", is_admin=True)
    )
    cohort, _ = await engine.setup_cohort(organizer, "Cohort", "America/New_York", 0)
    for weeks_ago in (3, 2, 1):
        clock.set(KICKOFF - timedelta(weeks=weeks_ago) + timedelta(days=1))
        for n in range(size):
            inv = await engine.resolve(
                Origin("console", "local", "Local", "general", f"u{n}", f"Writer {n}")
            )
            await engine.record(inv, ActionKind.EMAIL_SENT, count=3)
    return cohort


async def kickoff_reads(runtime: Runtime, clock: ManualClock, size: int) -> tuple[int, str]:
    cohort = await cohort_with_steady_writers(runtime, clock, size)
    clock.set(KICKOFF)
    store = CountingStore(runtime.store)
    reply = await kickoff(store, cohort, KICKOFF.date(), KICKOFF)  # type: ignore[arg-type]
    return sum(store.calls.values()), reply.plain_text()


@pytest.mark.parametrize("size", [5, 50])
async def test_a_kickoff_reads_the_cohort_in_four_queries_whatever_its_size(
    runtime: Runtime, clock: ManualClock, size: int
) -> None:
    reads, text = await kickoff_reads(runtime, clock, size)
    assert reads == 4  # roster, the week's totals, pauses, emails for the streaks
    assert f"{3 * size} emails from {size} of {size} members; {size} met their email goal" in text
    assert f"Writer {size - 1} (3 weeks)" in text
