"""The kickoff's chart never costs the kickoff: a broken or stuck renderer leaves the words."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from bot.charts.renderer import ChartRenderer, draw_with_pillow
from bot.charts.series import WeeklyChart
from bot.clock import ManualClock
from bot.invocation import Origin
from bot.models import ActionKind
from bot.runtime import Runtime
from tests.notifiers import RecordingNotifier

MONDAY_0900_NY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture
def notifier(runtime: Runtime) -> RecordingNotifier:
    recorder = RecordingNotifier()
    runtime.courier.register(recorder)
    return recorder


async def a_cohort_with_last_weeks_emails(runtime: Runtime, clock: ManualClock) -> None:
    origin = Origin("console", "local", "Local", "general", "alex", "Alex", is_admin=True)
    inv = await runtime.engine.resolve(origin)
    await runtime.engine.setup_cohort(inv, "Night owls", "America/New_York", 0)
    await runtime.engine.record(
        await runtime.engine.resolve(origin), ActionKind.EMAIL_SENT, count=4
    )
    clock.set(MONDAY_0900_NY)


async def test_the_kickoff_carries_the_cohorts_eight_weeks(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await a_cohort_with_last_weeks_emails(runtime, clock)
    await runtime.courier.run_due()
    [post] = notifier.channel_posts()
    image = post.reply.image
    assert image is not None
    assert image.filename == "kickoff-2026-11-30.png"
    assert "8 weeks from 5 Oct to 29 Nov 2026" in image.alt_text
    assert "23 Nov 4" in image.alt_text
    assert "Alex" not in image.alt_text


async def test_a_renderer_that_raises_leaves_the_kickoff_text_and_logs_it(
    runtime: Runtime,
    clock: ManualClock,
    notifier: RecordingNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(chart: WeeklyChart) -> bytes:
        raise OSError("cannot open resource")

    runtime.courier.planner.charts = ChartRenderer(broken)
    await a_cohort_with_last_weeks_emails(runtime, clock)
    with caplog.at_level(logging.WARNING, "bot.charts.renderer"):
        assert await runtime.courier.run_due() == 1
    [post] = notifier.channel_posts()
    assert post.reply.image is None
    assert "Last week: 4 emails from 1 of 1 member" in post.reply.text
    assert "chart for kickoff:1:2026-11-30 failed: sent without it" in caplog.text


async def test_a_renderer_that_hangs_leaves_the_kickoff_on_time_and_logs_it(
    runtime: Runtime,
    clock: ManualClock,
    notifier: RecordingNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stuck = threading.Event()
    release = threading.Event()

    def hangs(chart: WeeklyChart) -> bytes:
        stuck.set()
        release.wait()
        return draw_with_pillow(chart)

    runtime.courier.planner.charts = ChartRenderer(hangs, budget=0.2)
    await a_cohort_with_last_weeks_emails(runtime, clock)
    try:
        with caplog.at_level(logging.WARNING, "bot.charts.renderer"):
            assert await runtime.courier.run_due() == 1
        [post] = notifier.channel_posts()
        assert stuck.is_set()
        assert not release.is_set()  # sent while the drawing was still stuck
        assert post.reply.image is None
        assert "Last week: 4 emails" in post.reply.text
        assert "chart for kickoff:1:2026-11-30 took over 0.2 s: sent without it" in caplog.text
    finally:
        release.set()


async def test_a_preview_shows_the_chart_the_kickoff_will_carry(
    runtime: Runtime, clock: ManualClock
) -> None:
    await a_cohort_with_last_weeks_emails(runtime, clock)
    origin = Origin("console", "local", "Local", "general", "alex", "Alex", is_admin=True)
    found = await runtime.engine.next_nudge(await runtime.engine.resolve(origin))
    assert found is not None
    assert found[1].image is not None
    assert found[1].image.filename == "kickoff-2026-12-07.png"
