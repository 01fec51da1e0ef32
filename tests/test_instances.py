"""Several ``reachout run`` processes on one database, one SIGKILLed while kickoffs go out.

Two hundred cohorts have their weekly kickoff due at once. Two or three real processes
start against the fake Discord and one database: PostgreSQL, or one SQLite file (a user who
started the bot twice). One of them holds the scheduler lease and sends; it is SIGKILLed
mid-fan-out; another takes the lease over and recovers the sends it left, as a restart
would. Every cohort must get exactly one kickoff, and the ledger must say sent for each.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.cli import open_storage
from bot.config import load_settings
from storage.lease import lock_path
from tests import postgres
from tests.fakes.discord import FakeChannel, FakeDiscord, FakeGuild
from tests.fleet import environment, pid_in, postgres_holder, postgres_statuses, start_bot

COHORTS = 200


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    # Whole fleets start, connect and deliver here: each wait is bounded by the test's own
    # asyncio.timeout, not by the fake's default of a few seconds.
    async with FakeDiscord(validate=False, with_default_guild=False, wait_timeout=90) as server:
        yield server


def cohort_channels(fake: FakeDiscord) -> list[FakeChannel]:
    return [fake.add_guild(f"Programme {n}").channels[0] for n in range(COHORTS)]


async def prepare(database: str, channels: list[FakeChannel]) -> None:
    """Cohorts bound to the channels, each with a kickoff that fell due a minute ago."""
    settings = load_settings({"REACHOUT_DATABASE": database}, env_file=None)
    due = datetime.now(UTC) - timedelta(minutes=1)
    created = due - timedelta(days=1)
    async with open_storage(settings) as (store, _):
        for n, channel in enumerate(channels):
            workspace = await store.ensure_workspace(
                "discord", str(channel.guild_id), f"Programme {n}", created
            )
            cohort = await store.create_cohort(
                workspace.id, str(channel.id), f"Cohort {n}", "UTC", 0, 3, created
            )
            await store.save_cohort(
                replace(
                    cohort,
                    kickoff_day=due.weekday(),
                    kickoff_time=due.time().replace(second=0, microsecond=0),
                    schedule_from=created,
                )
            )


def kickoffs_posted(fake: FakeDiscord, channels: list[FakeChannel]) -> list[int]:
    return [len(fake.messages_in(channel)) for channel in channels]


async def sqlite_holder(path: Path) -> int | None:
    try:
        return pid_in(lock_path(path).read_text(encoding="utf-8"))
    except OSError:
        return None


async def sqlite_statuses(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
    finally:
        conn.close()
    return dict(rows)


async def run_fleet(
    fake: FakeDiscord,
    database: str,
    processes: int,
    holder: Callable[[], Awaitable[int | None]],
    statuses: Callable[[], Awaitable[dict[str, int]]],
    logs: Path,
) -> None:
    channels = cohort_channels(fake)
    fake.answer_delay = 0.05  # slows the fan-out, so the kill lands in the middle of it
    await prepare(database, channels)
    bots = [await start_bot(database, fake, logs / f"bot-{n}.log") for n in range(processes)]
    by_pid = {bot.pid: bot for bot in bots}
    try:
        async with asyncio.timeout(60):
            await fake.wait_for(lambda: sum(kickoffs_posted(fake, channels)) >= COHORTS // 10)
        victim = by_pid[await holder()]
        posted_at_kill = sum(kickoffs_posted(fake, channels))
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        assert posted_at_kill < COHORTS, "the fan-out ended before the kill: nothing was proven"
        async with asyncio.timeout(90):
            await fake.wait_for(lambda: all(kickoffs_posted(fake, channels)))
            while (await statuses()).get("sent", 0) < COHORTS:  # noqa: ASYNC110 - a database
                await asyncio.sleep(0.1)
        new_holder = await holder()
        assert new_holder in by_pid
        assert new_holder != victim.pid
    finally:
        for bot in bots:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
        await asyncio.gather(*(bot.wait() for bot in bots))
    survivors = [bot for bot in bots if bot is not victim]
    assert [bot.returncode for bot in survivors] == [0] * len(survivors), [
        (logs / f"bot-{n}.log").read_text() for n in range(processes)
    ]
    assert kickoffs_posted(fake, channels) == [1] * COHORTS
    assert await statuses() == {"sent": COHORTS}
    standby_said = "".join((logs / f"bot-{n}.log").read_text() for n in range(processes))
    assert "another reachout process runs the scheduler" in standby_said


@pytest.mark.parametrize("processes", [2, 3])
async def test_instances_on_one_postgresql_database_send_each_kickoff_once(
    fake: FakeDiscord, tmp_path: Path, processes: int
) -> None:
    url = await postgres.empty_database()
    await run_fleet(
        fake,
        url,
        processes,
        lambda: postgres_holder(url),
        lambda: postgres_statuses(url),
        tmp_path,
    )


async def test_two_processes_on_one_sqlite_file_send_each_kickoff_once(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    path = tmp_path / "reachout.db"
    await run_fleet(
        fake,
        str(path),
        2,
        lambda: sqlite_holder(path),
        lambda: sqlite_statuses(path),
        tmp_path,
    )


SHARDS = 4


async def guilds_on_every_shard(fake: FakeDiscord, per_shard: int) -> dict[int, list[FakeGuild]]:
    """Guilds whose ids fall on each shard; ids are time-based, so a few ms apart."""
    by_shard: dict[int, list[FakeGuild]] = {n: [] for n in range(SHARDS)}
    while min(len(found) for found in by_shard.values()) < per_shard:
        guild = fake.add_guild(f"Lab {sum(len(f) for f in by_shard.values())}")
        by_shard[(guild.id >> 22) % SHARDS].append(guild)
        await asyncio.sleep(0.003)
    return {n: found[:per_shard] for n, found in by_shard.items()}


def session_of(fake: FakeDiscord, interaction_id: int) -> list[int]:
    """The shards of the sessions that were sent this interaction."""
    return [
        session.identify["shard"][0]
        for session in fake.sessions
        if session.identify
        and any(
            frame.direction == "sent"
            and frame.payload.get("t") == "INTERACTION_CREATE"
            and frame.payload["d"]["id"] == str(interaction_id)
            for frame in session.frames
        )
    ]


async def test_four_shards_over_two_instances_answer_each_command_once(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    url = await postgres.empty_database()
    by_shard = await guilds_on_every_shard(fake, per_shard=2)
    ana = fake.add_user("ana")
    for found in by_shard.values():
        for guild in found:
            guild.add_member(ana)
    bots = []
    for n, shards in enumerate(("0,1", "2,3")):
        env = environment(url, fake)
        env.update({"DISCORD_SHARD_COUNT": str(SHARDS), "DISCORD_SHARD_IDS": shards})
        with (tmp_path / f"bot-{n}.log").open("ab") as out:
            bots.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=out,
                )
            )
    try:
        async with asyncio.timeout(60):
            await fake.wait_for(
                lambda: (
                    len(
                        {
                            s.identify["shard"][0]
                            for s in fake.sessions
                            if s.ready and s.open and s.identify
                        }
                    )
                    == SHARDS
                    and bool(fake.global_commands)
                )
            )
        sent = []
        for shard, found in by_shard.items():
            for guild in found:
                interaction = await fake.send_interaction(
                    "sent", {"contact": f"Contact on shard {shard}"}, guild=guild, user=ana
                )
                await interaction.first_response()
                sent.append((shard, interaction))
        for shard, interaction in sent:
            assert session_of(fake, interaction.id) == [shard]
            assert len(interaction.callbacks) == 1
        rows = await postgres.query(url, "SELECT count(*) FROM actions")
        assert rows[0][0] == len(sent)
    finally:
        for bot in bots:
            bot.send_signal(signal.SIGTERM)
        await asyncio.gather(*(bot.wait() for bot in bots))
    assert [bot.returncode for bot in bots] == [0, 0], [
        (tmp_path / f"bot-{n}.log").read_text() for n in range(2)
    ]
    identified = sorted(tuple(s.identify["shard"]) for s in fake.sessions if s.identify)
    assert identified == [(n, SHARDS) for n in range(SHARDS)]
    assert len(fake.requests_to("PUT", "/applications/{app}/commands")) == 1
