"""Charts benchmark: drawing one kickoff chart, what Pillow adds to memory, 1,000 kickoffs.

    python -m benchmarks.charts [--cohorts 1000] [--draws 400] [--quick]

1. **Drawing.** ``draw_png`` for an 8-week chart, ``--draws`` times with changing numbers,
   interleaved with a baseline of the same length: a blank 800x450 card encoded as a chart
   is (Pillow, 32-colour palette), the least any PNG chart of that size costs. Reports p50
   and p99 in milliseconds and as ratios to the baseline's, and the same through
   ``ChartRenderer`` (the thread hop and the bookkeeping), against the 2-second budget a
   kickoff waits at most.
2. **Memory.** A fresh interpreter opens the whole bot (``open_runtime`` on a new
   database, every adapter module imported) and reports its RSS, idle; then draws one chart
   and reports RSS again: the difference is what Pillow and the first chart add. Idle RSS
   must stay at or under 100 MB, and Pillow must not be loaded until the first chart.
3. **1,000 kickoffs.** The nudge benchmark's Discord run (``benchmarks.nudges``: the real
   discord.py client against the fake Discord, 1,000 cohorts due at once, rate limits
   enforced), with charts and, as the same-run baseline, without. Every kickoff must carry
   its chart, and the time stay within the nudge benchmark's bound (1.25 x cohorts / 50 s).

Prints a Markdown table with PASS/FAIL and exits 1 if a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

from benchmarks.nudges import DISCORD_LIMIT, TARGET_RATIO, Row, discord_run, machine, table
from bot.charts.draw import draw_png, encode_png
from bot.charts.renderer import BUDGET, ChartRenderer
from bot.charts.series import HEIGHT, WIDTH, WeeklyChart
from bot.weekly import WeekCount

IDLE_RSS_LIMIT_MB = 100.0
MEMORY_PROBE = """
import asyncio, importlib, json, sys, tempfile
from datetime import date
from pathlib import Path

def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6

async def main():
    from bot.cli import open_runtime
    from bot.config import load_settings
    for name in ("adapters.console", "adapters.discord.service", "adapters.slack.service"):
        importlib.import_module(name)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"REACHOUT_DATABASE": str(Path(folder) / "r.db")}, env_file=None)
        async with open_runtime(settings):
            idle = rss_mb()
            pillow_at_idle = "PIL" in sys.modules
            from bot.charts.renderer import ChartRenderer
            from bot.charts.series import WeeklyChart
            from bot.weekly import WeekCount
            chart = WeeklyChart("Cohort", (WeekCount(date(2026, 1, 5), 12, 2),) * 8, "c.png")

            async def read():
                return chart

            await ChartRenderer().image("k", read, "probe")
            print(json.dumps({"idle": idle, "drawn": rss_mb(), "pillow_at_idle": pillow_at_idle}))

asyncio.run(main())
"""


def chart(seed: int) -> WeeklyChart:
    rng = random.Random(seed)
    weeks = tuple(
        WeekCount(date(2026, 1, 5) + timedelta(weeks=n), rng.randint(0, 60), rng.randint(0, 6))
        for n in range(8)
    )
    return WeeklyChart(f"Cohort {seed}", weeks, "kickoff.png")


def blank_png() -> bytes:
    """A blank card encoded exactly as a chart is: what any chart costs before drawing."""
    return encode_png(Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def drawing_rows(draws: int) -> list[Row]:
    """Draws interleaved with the baseline, after a warm-up that loads the fonts."""
    for seed in range(10):
        draw_png(chart(seed))
        blank_png()
    drawn, baseline = [], []
    sizes = []
    for seed in range(draws):
        picture = chart(seed)
        drawn.append(timed(lambda picture=picture: sizes.append(len(draw_png(picture)))))
        baseline.append(timed(blank_png))
    p50, p99 = percentile(drawn, 0.5), percentile(drawn, 0.99)
    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    return [
        Row(
            "Drawing",
            "one kickoff chart, p50 / p99",
            f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms = {p50 / b50:.1f}x / {p99 / b99:.1f}x "
            f"a blank PNG ({b50 * 1000:.1f} / {b99 * 1000:.1f} ms)",
        ),
        Row("Drawing", "PNG size, median", f"{statistics.median(sizes) / 1000:.1f} kB"),
    ]


async def renderer_rows(draws: int) -> list[Row]:
    """Through the renderer: a new key each time, so every call draws."""
    renderer = ChartRenderer()
    times = []
    for seed in range(draws):
        picture = chart(seed)

        async def read(picture: WeeklyChart = picture) -> WeeklyChart:
            return picture

        started = time.perf_counter()
        image = await renderer.image(seed, read, "benchmark")
        times.append(time.perf_counter() - started)
        assert image is not None
    p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
    return [
        Row(
            "Drawing",
            "through ChartRenderer (thread), p50 / p99",
            f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms",
            f"p99 < {BUDGET:.0f} s budget",
            p99 < BUDGET,
        )
    ]


def memory_rows() -> list[Row]:
    probe = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEMORY_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    idle, drawn = found["idle"], found["drawn"]
    return [
        Row(
            "Memory",
            "bot idle RSS (runtime open, adapters imported)",
            f"{idle:.1f} MB",
            f"<= {IDLE_RSS_LIMIT_MB:.0f} MB",
            idle <= IDLE_RSS_LIMIT_MB,
        ),
        Row(
            "Memory",
            "Pillow loaded before the first chart",
            "yes" if found["pillow_at_idle"] else "no",
            "no",
            not found["pillow_at_idle"],
        ),
        Row("Memory", "RSS added by Pillow and the first chart", f"{drawn - idle:.1f} MB"),
    ]


async def kickoff_rows(folder: Path, cohorts: int) -> list[Row]:
    bound = cohorts / DISCORD_LIMIT * TARGET_RATIO
    without = await discord_run(folder / "without", cohorts, charts=False)
    with_charts = await discord_run(folder / "with", cohorts)
    return [
        Row(
            "Kickoffs",
            f"{cohorts:,} kickoffs through discord.py, without charts (baseline)",
            f"{without.elapsed:.1f} s, {without.cpu:.1f} s CPU",
        ),
        Row(
            "Kickoffs",
            f"{cohorts:,} kickoffs with charts",
            f"{with_charts.elapsed:.1f} s = {with_charts.elapsed / without.elapsed:.2f}x "
            f"baseline, {with_charts.cpu:.1f} s CPU",
            f"<= {bound:.1f} s",
            with_charts.elapsed <= bound,
        ),
        Row(
            "Kickoffs",
            "kickoffs that carried their chart",
            f"{with_charts.with_chart:,} of {cohorts:,} (each delivered once: "
            f"{with_charts.delivered_once():,})",
            "all",
            with_charts.with_chart == cohorts == with_charts.delivered_once(),
        ),
    ]


async def measure(folder: Path, cohorts: int, draws: int) -> list[Row]:
    rows = drawing_rows(draws)
    rows += await renderer_rows(draws // 4)
    rows += memory_rows()
    rows += await kickoff_rows(folder, cohorts)
    return rows


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="100 cohorts, 100 draws")
    args = parser.parse_args()
    cohorts, draws = (100, 100) if args.quick else (args.cohorts, args.draws)
    print(f"{cohorts:,} cohorts, {draws:,} draws; {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        for sub in ("without", "with"):
            (Path(folder) / sub).mkdir()
        rows = asyncio.run(measure(Path(folder), cohorts, draws))
    print(table(rows))
    print(f"finished at load average {os.getloadavg()[0]:.2f}")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
