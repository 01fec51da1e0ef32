"""Nudge delivery benchmark: 1,000 cohorts due in the same minute, and CPU while idle.

    python -m benchmarks.nudges [--cohorts 1000] [--quick]

Delivers every cohort's kickoff through a platform that allows 50 messages a second
(Discord's global limit), paced by reachout's own ``Pacer``, and reports the time to deliver
all of them as a ratio of the rate-limit bound (1,000 / 50 = 20 s), plus duplicates and
rate-limit violations. Then measures the process CPU time that waking up costs when nothing
is due, with a realistic amount of running follow-up clocks. Exits non-zero if a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from bot.notify import Delivery
from bot.ratelimit import Pacer
from bot.replies import Reply
from storage.connection import to_db

KICKOFF = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, cohorts in UTC
RATE = 50.0
TARGET_RATIO = 1.25
MEMBERS_PER_COHORT = 10


@dataclass
class PacedPlatform:
    """A platform that takes 50 messages a second; reachout's ``Pacer`` keeps under it."""

    platform: str = "discord"
    idempotency_window: timedelta | None = None
    pacer: Pacer = field(default_factory=lambda: Pacer(RATE, burst=1))
    stamps: list[float] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Delivery:
        await self.pacer.wait()
        self.stamps.append(time.monotonic())
        self.keys[key] += 1
        await asyncio.sleep(0.005)  # a platform round trip
        return Delivery(message_id=str(len(self.stamps)))

    async def send_direct(
        self, workspace_id: str, user_id: str, reply: Reply, key: str
    ) -> Delivery:
        return await self.post_to_channel(workspace_id, user_id, reply, key)

    def violations(self) -> int:
        """One-second windows in which more than the allowed messages started."""
        count = 0
        stamps = sorted(self.stamps)
        start = 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= 1.0:
                start += 1
            if end - start + 1 > RATE + 1:
                count += 1
        return count


def build(path: Path, cohorts: int, clocks_per_member: int) -> None:
    """Cohorts with a channel and a Monday 09:00 kickoff, members, last week's actions, and
    named contacts emailed recently (running follow-up clocks)."""
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    created = to_db(KICKOFF - timedelta(days=60))
    member_id = 0
    contact_id = 0
    with conn:
        for c in range(1, cohorts + 1):
            conn.execute(
                "INSERT INTO workspaces (id, platform, external_id, name, created_at) "
                "VALUES (?, 'discord', ?, ?, ?)",
                (c, f"guild-{c}", f"Guild {c}", created),
            )
            conn.execute(
                "INSERT INTO cohorts (id, workspace_id, channel_id, name, timezone, created_at, "
                "schedule_from) VALUES (?, ?, ?, ?, 'UTC', ?, ?)",
                (c, c, f"channel-{c}", f"Cohort {c}", created, created),
            )
            for m in range(MEMBERS_PER_COHORT):
                member_id += 1
                conn.execute(
                    "INSERT INTO members (id, workspace_id, user_id, display_name, cohort_id, "
                    "created_at, allow_mentions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (member_id, c, f"user-{member_id}", f"Member {m}", c, created, m % 2),
                )
                for _ in range(rng.randint(0, 4)):
                    at = KICKOFF - timedelta(days=rng.uniform(1, 7))
                    kind = rng.choice(["email_sent"] * 5 + ["interview_done", "reply_received"])
                    conn.execute(
                        "INSERT INTO actions (member_id, cohort_id, kind, occurred_at) "
                        "VALUES (?, ?, ?, ?)",
                        (member_id, c, kind, to_db(at)),
                    )
                for _ in range(clocks_per_member):
                    contact_id += 1
                    conn.execute(
                        "INSERT INTO contacts (id, member_id, name, name_key, organization, "
                        "created_at) VALUES (?, ?, ?, ?, 'Org', ?)",
                        (contact_id, member_id, f"C{contact_id}", f"c{contact_id}", created),
                    )
                    sent = KICKOFF + timedelta(hours=rng.uniform(1, 20))
                    conn.execute(
                        "INSERT INTO actions (member_id, cohort_id, contact_id, kind, "
                        "occurred_at) VALUES (?, ?, ?, 'email_sent', ?)",
                        (member_id, c, contact_id, to_db(sent)),
                    )
    conn.close()


async def deliver_all(folder: Path, cohorts: int) -> tuple[float, PacedPlatform]:
    settings = load_settings(
        {"REACHOUT_DATABASE": str(folder / "nudges.db"), "REACHOUT_TIMEZONE": "UTC"},
        env_file=None,
    )
    clock = ManualClock(KICKOFF + timedelta(seconds=10))
    async with open_runtime(settings, clock) as runtime:
        pass
    build(settings.database, cohorts, clocks_per_member=0)
    async with open_runtime(settings, clock) as runtime:
        platform = PacedPlatform()
        runtime.deliveries.register(platform)
        started = time.perf_counter()
        await runtime.deliveries.run_due()
        elapsed = time.perf_counter() - started
        assert await runtime.deliveries.run_due() == 0
    return elapsed, platform


async def idle_cpu(folder: Path, cohorts: int, wakes: int) -> tuple[float, float, int]:
    """CPU per wake with nothing due: steady state, and right after the data changed."""
    settings = load_settings(
        {"REACHOUT_DATABASE": str(folder / "idle.db"), "REACHOUT_TIMEZONE": "UTC"},
        env_file=None,
    )
    clock = ManualClock(KICKOFF + timedelta(days=1))
    async with open_runtime(settings, clock) as runtime:
        pass
    build(settings.database, cohorts, clocks_per_member=3)
    async with open_runtime(settings, clock) as runtime:
        platform = PacedPlatform()
        runtime.deliveries.register(platform)
        # Catch up first: long-past kickoffs are recorded as skipped, and every follow-up
        # clock gets its first look, a batch per wake.
        await runtime.deliveries.run_due()
        while (next_check := await runtime.ledger.next_clock_check()) and next_check <= clock.now():
            await runtime.deliveries.run_due()
        await runtime.deliveries.run_due()
        sent_before = len(platform.stamps)
        started = time.process_time()
        for _ in range(wakes):
            await runtime.deliveries.run_due()
        steady = (time.process_time() - started) / wakes
        started = time.process_time()
        for n in range(wakes):
            await runtime.store.set_state("benchmark", str(n))  # any commit counts as a change
            await runtime.deliveries.run_due()
        changed = (time.process_time() - started) / wakes
        clocks = running_clocks(settings.database)
        assert len(platform.stamps) == sent_before
    return steady, changed, clocks


def running_clocks(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM clock_checks").fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 cohorts, for development")
    args = parser.parse_args()
    cohorts = 100 if args.quick else args.cohorts
    with tempfile.TemporaryDirectory() as folder:
        elapsed, platform = asyncio.run(deliver_all(Path(folder), cohorts))
        steady, changed, clocks = asyncio.run(idle_cpu(Path(folder), cohorts, wakes=5))
    bound = cohorts / RATE
    ratio = elapsed / bound
    delivered = len(platform.keys)
    duplicates = sum(n - 1 for n in platform.keys.values())
    rows = [
        ("kickoffs delivered", f"{delivered} of {cohorts}", delivered == cohorts),
        ("duplicates", str(duplicates), duplicates == 0),
        (
            "rate-limit violations (>50 in 1 s)",
            str(platform.violations()),
            not platform.violations(),
        ),
        (
            f"time to deliver all / bound ({bound:.0f} s)",
            f"{elapsed:.1f} s = {ratio:.2f}x (target <= {TARGET_RATIO}x)",
            ratio <= TARGET_RATIO,
        ),
        (
            "CPU per wake, nothing due, nothing changed",
            f"{steady * 1000:.1f} ms = {steady / 60 * 100:.3f}% of a core at one wake a minute",
            True,
        ),
        (
            f"CPU per wake after a change ({clocks} running clocks)",
            f"{changed * 1000:.0f} ms = {changed / 60 * 100:.2f}% of a core at one wake a minute",
            True,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, ok in rows:
        print(f"{name:<{width}}  {value}  {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
