"""Drawing charts without ever holding up a message: a worker thread, a budget, a cache.

Drawing is CPU work, so it runs on a thread of its own, one chart at a time, while the event
loop goes on answering commands. Whoever asks for a chart waits at most ``budget`` seconds
(reading the numbers included): a chart that fails or is late is logged and left out, and
the message goes without it. Threads are daemons, so one stuck in a drawing can never stop
the bot from exiting. Charts are cached per key (a cohort's week, a member's week) with the
numbers they were drawn from: a retried kickoff or a preview reuses the picture, and changed
numbers draw a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from bot.charts.series import HEIGHT, WIDTH, WeeklyChart, alt_text
from bot.replies import Image

log = logging.getLogger(__name__)

BUDGET = 2.0
"""Seconds a message waits for its chart at most."""

CACHE_SIZE = 256
"""Charts kept; a kickoff chart is about 20 kB, so the cache stays near 5 MB at most."""

Draw = Callable[[WeeklyChart], bytes]
T = TypeVar("T")


def draw_with_pillow(chart: WeeklyChart) -> bytes:
    """The real drawing; Pillow is imported here, on the worker thread, the first time."""
    from bot.charts.draw import draw_png

    return draw_png(chart)


class ChartRenderer:
    """Turns ``WeeklyChart``s into reply images, off the event loop, within a time budget."""

    def __init__(
        self, draw: Draw = draw_with_pillow, budget: float = BUDGET, cache_size: int = CACHE_SIZE
    ) -> None:
        self._draw = draw
        self.budget = budget
        self._cache_size = cache_size
        self._cache: OrderedDict[Hashable, tuple[WeeklyChart, bytes]] = OrderedDict()
        self._one_at_a_time = asyncio.Semaphore(1)
        self.drawn = 0

    async def image(
        self, key: Hashable, chart: Callable[[], Awaitable[WeeklyChart]], purpose: str
    ) -> Image | None:
        """The chart ``chart()`` reads, as an image; None, logged, if that fails or is late.

        Args:
            key: what the chart is of (cohort and week, member and week), for the cache.
            chart: reads the numbers to draw.
            purpose: names the chart in the log, e.g. ``kickoff:3:2026-03-02``.
        """
        try:
            return await asyncio.wait_for(self._image(key, chart), self.budget)
        except TimeoutError:
            log.warning("chart for %s took over %.1f s: sent without it", purpose, self.budget)
        except Exception:
            log.exception("chart for %s failed: sent without it", purpose)
        return None

    async def _image(self, key: Hashable, read: Callable[[], Awaitable[WeeklyChart]]) -> Image:
        chart = await read()
        cached = self._cache.get(key)
        if cached is not None and cached[0] == chart:
            self._cache.move_to_end(key)
            png = cached[1]
        else:
            async with self._one_at_a_time:
                png = await _on_thread(self._draw, chart)
            self.drawn += 1
            self._cache[key] = (chart, png)
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return Image(chart.filename, png, alt_text(chart), WIDTH, HEIGHT)


async def _on_thread(work: Callable[[WeeklyChart], T], chart: WeeklyChart) -> T:
    """``work(chart)`` on a new daemon thread; abandoning the wait abandons the thread."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def hand_over(setter: Callable[[Any], None], value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, done, setter, value)

    def run() -> None:
        try:
            result = work(chart)
        except BaseException as problem:  # handed to the waiting coroutine, never lost
            hand_over(done.set_exception, problem)
        else:
            hand_over(done.set_result, result)

    threading.Thread(target=run, name="reachout-chart", daemon=True).start()
    return await done


def _settle(future: asyncio.Future[T], setter: Callable[[Any], None], value: object) -> None:
    """Answer the waiting coroutine, unless it stopped waiting (timed out, cancelled)."""
    if not future.done():
        setter(value)
