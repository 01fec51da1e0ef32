"""A real ``reachout run`` killed with SIGKILL while sending nudges, again and again.

Two hundred cohorts have their weekly kickoff due. The bot is started against the fake
Discord, killed at random moments (while connecting, while delivering), and restarted, a few
times over; then it runs to the end. Every cohort must get its kickoff exactly once: never
twice (the claim in the ledger, and Discord's nonce for a send cut short), never lost (the
kickoff is still within its grace window at every restart).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio

from tests.fakes.discord import FakeChannel, FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
COHORTS = 200
KILLS = 6


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    # Whole fleets start, connect and deliver here: each wait is bounded by the test's own
    # asyncio.timeout, not by the fake's default of a few seconds.
    async with FakeDiscord(validate=False, with_default_guild=False, wait_timeout=90) as server:
        yield server


def cohort_channels(fake: FakeDiscord) -> list[FakeChannel]:
    channels = []
    for n in range(COHORTS):
        guild = fake.add_guild(f"Programme {n}")
        channels.append(guild.channels[0])
    return channels


def prepare_database(path: Path, fake: FakeDiscord, channels: list[FakeChannel]) -> None:
    """Cohorts bound to the channels, each with a kickoff that fell due a minute ago."""
    migrate = _run_sync([sys.executable, "-m", "bot", "migrate"], path)
    assert migrate == 0
    due = datetime.now(UTC) - timedelta(minutes=1)
    created = (due - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn = sqlite3.connect(path)
    with conn:
        for n, channel in enumerate(channels, start=1):
            conn.execute(
                "INSERT INTO workspaces (id, platform, external_id, name, created_at) "
                "VALUES (?, 'discord', ?, ?, ?)",
                (n, str(channel.guild_id), f"Programme {n}", created),
            )
            conn.execute(
                "INSERT INTO cohorts (id, workspace_id, channel_id, name, timezone, created_at, "
                "kickoff_day, kickoff_time, schedule_from) VALUES (?, ?, ?, ?, 'UTC', ?, ?, ?, ?)",
                (
                    n,
                    n,
                    str(channel.id),
                    f"Cohort {n}",
                    created,
                    due.weekday(),
                    due.strftime("%H:%M"),
                    created,
                ),
            )
    conn.close()


def _run_sync(command: list[str], database: Path) -> int:
    import subprocess

    return subprocess.run(  # noqa: S603
        command, env=_environment(database, None), capture_output=True, check=False
    ).returncode


def _environment(database: Path, fake: FakeDiscord | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update({"PYTHONPATH": str(ROOT), "REACHOUT_DATABASE": str(database)})
    env.update({"REACHOUT_TIMEZONE": "UTC", "REACHOUT_LOG_LEVEL": "WARNING"})
    if fake is not None:
        env.update(
            {
                "DISCORD_TOKEN": fake.token,
                "DISCORD_API_BASE_URL": fake.api_base,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
            }
        )
    return env


async def start_bot(database: Path, fake: FakeDiscord) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=_environment(database, fake),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def sent_in_ledger(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return int(
            conn.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        )
    finally:
        conn.close()


def kickoffs_posted(fake: FakeDiscord, channels: list[FakeChannel]) -> list[int]:
    return [len(fake.messages_in(channel)) for channel in channels]


async def test_sigkill_at_random_points_never_double_posts_or_loses_a_kickoff(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    channels = cohort_channels(fake)
    fake.answer_delay = 0.05  # widens the moment between "Discord posted it" and "we know"
    database = tmp_path / "reachout.db"
    prepare_database(database, fake, channels)
    rng = random.Random(20261126)
    kills_while_sending = 0
    for _ in range(KILLS):
        bot = await start_bot(database, fake)
        await asyncio.sleep(rng.uniform(1.0, 6.0))
        before = sum(kickoffs_posted(fake, channels))
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        kills_while_sending += 0 < before < COHORTS
    bot = await start_bot(database, fake)
    try:
        async with asyncio.timeout(90):
            await fake.wait_for(lambda: all(kickoffs_posted(fake, channels)))
            await fake.wait_for(lambda: sent_in_ledger(database) == COHORTS)
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()
    assert bot.returncode == 0
    assert kickoffs_posted(fake, channels) == [1] * COHORTS
    posts = len(fake.requests_to("POST", "/channels/{channel_id}/messages"))
    assert posts > COHORTS, "no kill landed between a post and its record: nothing was proven"
    conn = sqlite3.connect(database)
    statuses = conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
    conn.close()
    assert statuses == [("sent", COHORTS)]
    assert kills_while_sending >= 1, "no kill landed while kickoffs were going out"
