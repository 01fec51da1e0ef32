"""The renderer: drawn off the loop, once per cohort and week, and never late or fatal."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from bot.charts.renderer import ChartRenderer, draw_with_pillow
from bot.charts.series import HEIGHT, WIDTH, WeeklyChart
from bot.weekly import WeekCount

CHART = WeeklyChart("Cohort", (WeekCount(date(2026, 1, 5), 4, 1),), "kickoff.png")


def reading(chart: WeeklyChart = CHART) -> Callable[[], Awaitable[WeeklyChart]]:
    async def read() -> WeeklyChart:
        return chart

    return read


async def test_an_image_carries_the_png_its_size_and_its_alt_text() -> None:
    image = await ChartRenderer().image("key", reading(), "test")
    assert image is not None
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (image.width, image.height) == (WIDTH, HEIGHT)
    assert image.filename == "kickoff.png"
    assert "Emails by week: 5 Jan 4." in image.alt_text


async def test_the_drawing_runs_on_another_thread_than_the_event_loop() -> None:
    threads: list[threading.Thread] = []

    def draw(chart: WeeklyChart) -> bytes:
        threads.append(threading.current_thread())
        return draw_with_pillow(chart)

    await ChartRenderer(draw).image("key", reading(), "test")
    assert threads
    assert threads[0] is not threading.main_thread()
    assert threads[0].daemon


async def test_the_same_numbers_for_the_same_key_are_drawn_once() -> None:
    renderer = ChartRenderer()
    first = await renderer.image(("kickoff", 1, date(2026, 1, 12)), reading(), "test")
    again = await renderer.image(("kickoff", 1, date(2026, 1, 12)), reading(), "test")
    assert renderer.drawn == 1
    assert first is not None
    assert again is not None
    assert again.content == first.content


async def test_changed_numbers_are_drawn_again() -> None:
    renderer = ChartRenderer()
    changed = WeeklyChart("Cohort", (WeekCount(date(2026, 1, 5), 5, 1),), "kickoff.png")
    await renderer.image("key", reading(), "test")
    await renderer.image("key", reading(changed), "test")
    assert renderer.drawn == 2


async def test_the_cache_forgets_the_oldest_chart_beyond_its_size() -> None:
    renderer = ChartRenderer(cache_size=2)
    for key in ("a", "b", "c", "a"):
        await renderer.image(key, reading(), "test")
    assert renderer.drawn == 4  # "a" was dropped when "c" came in


async def test_a_drawing_that_raises_gives_no_image_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(chart: WeeklyChart) -> bytes:
        raise RuntimeError("no fonts today")

    with caplog.at_level(logging.WARNING, "bot.charts.renderer"):
        image = await ChartRenderer(broken).image("key", reading(), "kickoff:1:2026-01-12")
    assert image is None
    [record] = caplog.records
    assert "chart for kickoff:1:2026-01-12 failed: sent without it" in record.getMessage()
    assert record.exc_info is not None


async def test_a_drawing_that_hangs_is_abandoned_and_the_next_one_still_draws(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()
    calls = 0

    def hangs_once(chart: WeeklyChart) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            release.wait()
        return draw_with_pillow(chart)

    renderer = ChartRenderer(hangs_once, budget=0.2)
    try:
        with caplog.at_level(logging.WARNING, "bot.charts.renderer"):
            late = await renderer.image("first", reading(), "kickoff:1:2026-01-12")
        assert late is None
        assert not release.is_set()  # still stuck when the caller moved on
        assert "took over 0.2 s: sent without it" in caplog.text
        assert await renderer.image("second", reading(), "kickoff:2:2026-01-12") is not None
    finally:
        release.set()


async def test_a_slow_read_counts_against_the_budget_too() -> None:
    async def never() -> WeeklyChart:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    assert await ChartRenderer(budget=0.05).image("key", never, "test") is None
