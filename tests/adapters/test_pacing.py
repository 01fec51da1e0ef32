"""Pacing keeps notifiers under platform rate limits (on a virtual clock: no real waiting)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from adapters.pacing import KeyedPacer, Pacer


class VirtualTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Sleepers wake at their own deadline; concurrent ones overlap, as in real time."""
        deadline = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, deadline)


async def test_a_pacer_spaces_calls_to_its_rate_after_the_burst() -> None:
    clock = VirtualTime()
    pacer = Pacer(rate=50, burst=5, monotonic=clock.monotonic, sleep=clock.sleep)
    stamps = []
    for _ in range(105):
        await pacer.wait()
        stamps.append(clock.now)
    assert stamps[:5] == [0.0] * 5
    assert stamps[-1] == pytest.approx(100 / 50)
    gaps = [b - a for a, b in itertools.pairwise(stamps[4:])]
    assert min(gaps) == pytest.approx(1 / 50)


async def test_concurrent_callers_share_one_rate() -> None:
    clock = VirtualTime()
    pacer = Pacer(rate=10, burst=1, monotonic=clock.monotonic, sleep=clock.sleep)
    await asyncio.gather(*(pacer.wait() for _ in range(21)))
    assert clock.now == pytest.approx(2.0)


async def test_keyed_pacers_are_independent_per_key() -> None:
    clock = VirtualTime()
    pacer = KeyedPacer(rate=1, burst=1, monotonic=clock.monotonic, sleep=clock.sleep)
    for n in range(10):
        await pacer.wait(f"channel-{n}")
    assert clock.now == 0.0  # ten channels, one message each: nobody waits
    for _ in range(3):
        await pacer.wait("busy")
    assert clock.now == pytest.approx(2.0)


def test_a_pacer_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        Pacer(rate=0)


async def test_sleeps_that_wake_late_do_not_slow_the_rate_down() -> None:
    clock = VirtualTime()

    async def late_sleep(seconds: float) -> None:
        await clock.sleep(seconds + 0.001)  # asyncio rounds its timeouts up to milliseconds

    pacer = Pacer(rate=45, burst=1, monotonic=clock.monotonic, sleep=late_sleep)
    for _ in range(451):
        await pacer.wait()
    assert clock.now == pytest.approx(450 / 45, abs=0.002)
