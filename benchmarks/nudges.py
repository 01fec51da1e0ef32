"""Nudge delivery benchmark: 1,000 cohorts due in the same minute, and CPU while idle.

    python -m benchmarks.nudges [--cohorts 1000] [--quick] [--instances N [--database URL]]

Every cohort's Monday kickoff falls due at the same instant, and one ``run_due()`` of the real
``Courier`` (on the real SQLite store, through ``bot.cli.open_runtime``) must deliver
all of them, each exactly once, within the platform's rate limit. Three runs:

- **Discord**: the real ``ReachoutClient`` (discord.py) and its ``DiscordNotifier``, connected
  to the fake Discord of ``tests/fakes`` with one guild per cohort. Discord allows a bot 50
  requests a second, so 1,000 messages take at least 20 s: the target is <= 1.25x that.
- **Slack**: the real adapter (``adapters.slack.running``, Socket Mode) and its
  ``SlackNotifier``, against the fake Slack with one team and a channel per cohort. Slack's
  limit is about one message a second per channel, plus a workspace-wide one whose size it
  does not publish; with one message per channel there is no bound of the Discord kind, so
  the time is reported, not judged.
- **Paced fake**: a notifier that paces with the same ``Pacer`` at the same 45/s as
  ``DiscordNotifier`` and sleeps 5 ms instead of a request: the difference from the Discord
  run is what discord.py and HTTP add; its first message shows the service's own start-up.

The fakes run in this process, on the bot's event loop, so delivery CPU includes theirs.
Then the CPU that a wake-up costs when nothing is due is measured, with running follow-up
clocks. Prints a Markdown table with PASS/FAIL and exits 1 if a target fails.

With ``--instances N``: the Discord run, then N real ``reachout run`` processes (started as
``tests/test_instances.py`` starts them) on one PostgreSQL database (``--database``, empty,
or the tests' own, emptied first) against the fake Discord, the same cohorts' kickoffs due a
minute before they start: one holds the scheduler lease and sends, the others stand by.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import platform
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import slack_sdk.version

from adapters.discord.client import ReachoutClient
from adapters.discord.config import load_discord_config
from adapters.discord.notifier import GLOBAL_PACE
from adapters.pacing import Pacer
from adapters.slack import running as running_slack
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.nudges.notifier import Receipt
from bot.replies import Reply
from bot.runtime import Runtime
from storage.connection import to_db
from storage.copying import TextProgress, copy_database
from tests import fleet, postgres
from tests.fakes.discord import FakeDiscord, RecordedRequest, running_client
from tests.fakes.slack import FakeSlack

KICKOFF = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, cohorts in UTC
DISCORD_LIMIT = 50
"""Discord's global limit, requests a second per bot: the bound is cohorts / 50."""
TARGET_RATIO = 1.25
MEMBERS_PER_COHORT = 10
FAKE_TIMEOUT = 120.0
"""How long the fakes' helpers wait (a client reading 1,000 guilds needs more than 5 s)."""


@dataclass(frozen=True)
class Target:
    """Where one cohort's kickoff goes: a workspace's external id and a channel id."""

    workspace: str
    channel: str


@dataclass
class Run:
    """What one platform run observed, from the platform's side and from the ledger."""

    name: str
    targets: list[Target]
    elapsed: float = 0.0
    cpu: float = 0.0
    messages: Counter[str] = field(default_factory=Counter)
    """Messages each channel holds at the end (what members see)."""
    posts: Counter[str] = field(default_factory=Counter)
    """Message-posting requests each channel received (a retry shows here)."""
    stamps: list[float] = field(default_factory=list)
    """When each request the bot made during delivery reached the platform."""
    per_channel_stamps: dict[str, list[float]] = field(default_factory=dict)
    """When each message-posting request reached the platform, by channel."""
    started_at: float = 0.0
    """When delivery began, on the clock of the stamps."""
    ledger: Counter[str] = field(default_factory=Counter)
    second_pass: int | None = 0
    """Deliveries a second ``run_due()`` attempted: anything but 0 means work was left (None
    when the bot ran in processes of its own, where the ledger is the check)."""
    problems: list[str] = field(default_factory=list)
    over_http: bool = True
    """False for the paced fake, which has no requests to refuse or repeat."""
    with_chart: int = 0
    """Kickoffs that arrived with their chart attached."""
    cpu_of: str = "bot and fake"
    """Whose CPU ``cpu`` is."""
    cpu_over: float | None = None
    """The wall time ``cpu`` was spent in, if not ``elapsed``."""

    @property
    def cohorts(self) -> int:
        return len(self.targets)

    def delivered_once(self) -> int:
        return sum(1 for t in self.targets if self.messages[t.channel] == 1)

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.messages.values() if n > 1)

    def reposts(self) -> int:
        return sum(self.posts.values()) - sum(self.messages.values())

    def first_and_last_post(self) -> tuple[float, float]:
        """Seconds from the start of delivery to the first and the last message posted."""
        stamps = [s for per_channel in self.per_channel_stamps.values() for s in per_channel]
        if not stamps:
            return 0.0, 0.0
        return min(stamps) - self.started_at, max(stamps) - self.started_at


@dataclass
class PacedPlatform:
    """Paced like ``DiscordNotifier`` (``Pacer`` at ``GLOBAL_PACE``), without any I/O."""

    platform: str = "discord"
    idempotency_window: timedelta | None = None
    pacer: Pacer = field(default_factory=lambda: Pacer(GLOBAL_PACE, burst=1))
    stamps: list[float] = field(default_factory=list)
    channels: Counter[str] = field(default_factory=Counter)
    by_channel: dict[str, list[float]] = field(default_factory=dict)

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        await self.pacer.wait()
        self.stamps.append(time.monotonic())
        self.channels[channel_id] += 1
        self.by_channel.setdefault(channel_id, []).append(self.stamps[-1])
        await asyncio.sleep(0.005)  # a platform round trip
        return Receipt(message_id=str(len(self.stamps)))

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        return await self.post_to_channel(workspace_id, user_id, reply, key)


def busiest_second(stamps: Sequence[float]) -> int:
    """The most requests that arrived within any one second (a sliding window)."""
    ordered = sorted(stamps)
    best = start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def build(
    path: Path,
    platform_name: str,
    targets: Sequence[Target],
    clocks_per_member: int,
    kickoff: datetime = KICKOFF,
) -> None:
    """Cohorts bound to ``targets`` with a weekly kickoff at ``kickoff`` (by default Monday
    09:00), ten members each, last week's actions (so the kickoff has something to say), and
    named contacts emailed recently (running follow-up clocks)."""
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    created = to_db(kickoff - timedelta(days=60))
    workspaces: dict[str, int] = {}
    member_id = 0
    contact_id = 0
    with conn:
        for c, target in enumerate(targets, start=1):
            if target.workspace not in workspaces:
                workspaces[target.workspace] = len(workspaces) + 1
                conn.execute(
                    "INSERT INTO workspaces (id, platform, external_id, name, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        workspaces[target.workspace],
                        platform_name,
                        target.workspace,
                        f"Workspace {len(workspaces)}",
                        created,
                    ),
                )
            workspace_id = workspaces[target.workspace]
            conn.execute(
                "INSERT INTO cohorts (id, workspace_id, channel_id, name, timezone, created_at, "
                "schedule_from, kickoff_day, kickoff_time) VALUES (?, ?, ?, ?, 'UTC', ?, ?, ?, ?)",
                (
                    c,
                    workspace_id,
                    target.channel,
                    f"Cohort {c}",
                    created,
                    created,
                    kickoff.weekday(),
                    f"{kickoff:%H:%M}",
                ),
            )
            for m in range(MEMBERS_PER_COHORT):
                member_id += 1
                conn.execute(
                    "INSERT INTO members (id, workspace_id, user_id, display_name, cohort_id, "
                    "created_at, allow_mentions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        member_id,
                        workspace_id,
                        user_id(platform_name, member_id),
                        f"Member {m}",
                        c,
                        created,
                        m % 2,
                    ),
                )
                for _ in range(rng.randint(0, 4)):
                    at = kickoff - timedelta(days=rng.uniform(1, 7))
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
                    sent = kickoff + timedelta(hours=rng.uniform(1, 20))
                    conn.execute(
                        "INSERT INTO actions (member_id, cohort_id, contact_id, kind, "
                        "occurred_at) VALUES (?, ?, ?, 'email_sent', ?)",
                        (member_id, c, contact_id, to_db(sent)),
                    )
    conn.close()


def user_id(platform_name: str, member_id: int) -> str:
    """A user id of the platform's shape, so mentions in shout-outs render as they would."""
    if platform_name == "slack":
        return f"U{member_id:09d}"
    return str(900_000_000_000_000_000 + member_id)


def ledger_statuses(path: Path) -> Counter[str]:
    """Kickoff rows in the deliveries ledger, by status."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT status, count(*) FROM deliveries WHERE kind = 'kickoff' GROUP BY status"
        ).fetchall()
    finally:
        conn.close()
    return Counter({str(status): int(n) for status, n in rows})


async def prepared(
    folder: Path,
    name: str,
    platform_name: str,
    targets: Sequence[Target],
    env: dict[str, str],
    kickoff: datetime = KICKOFF,
) -> Settings:
    """Settings for a fresh database, migrated by the real runtime, then filled."""
    settings = load_settings(
        {"REACHOUT_DATABASE": str(folder / f"{name}.db"), "REACHOUT_TIMEZONE": "UTC", **env},
        env_file=None,
    )
    async with open_runtime(settings, ManualClock(KICKOFF)):
        pass
    build(settings.database, platform_name, targets, clocks_per_member=0, kickoff=kickoff)
    return settings


async def timed_delivery(runtime: Runtime, run: Run, clock: Callable[[], float]) -> None:
    """The measured part: one ``run_due()`` that must deliver every kickoff; ``clock`` is the
    one the platform stamps requests with."""
    run.started_at = clock()
    started, cpu = time.perf_counter(), time.process_time()
    await runtime.courier.run_due()
    run.elapsed = time.perf_counter() - started
    run.cpu = time.process_time() - cpu
    run.second_pass = await runtime.courier.run_due()


def cohort_guilds(fake: FakeDiscord, cohorts: int) -> list[Target]:
    """A guild with one text channel per cohort in the fake Discord."""
    owner = fake.add_user("organiser")
    guilds = [fake.add_guild(f"Cohort {i}", owner=owner) for i in range(1, cohorts + 1)]
    return [Target(str(g.id), str(g.channels[0].id)) for g in guilds]


def record_posts(run: Run, fake: FakeDiscord, during: Sequence[RecordedRequest]) -> None:
    """What the fake Discord saw: every request's time, message posts by channel, the
    messages each cohort's channel holds, and refused requests."""
    run.stamps = [r.received_at for r in during]
    for request in during:
        if request.method == "POST" and request.path.endswith("/messages"):
            channel = request.path.split("/")[2]
            run.posts[channel] += 1
            run.per_channel_stamps.setdefault(channel, []).append(request.received_at)
    for target in run.targets:
        posted = fake.messages_in(int(target.channel))
        run.messages[target.channel] = len(posted)
        run.with_chart += sum(1 for m in posted if m.get("attachments"))
    run.problems += [f"{r.method} {r.path}: {r.status}" for r in during if r.status >= 400]


async def discord_run(folder: Path, cohorts: int, *, charts: bool = True) -> Run:
    """Through discord.py and ``DiscordNotifier`` to the fake Discord, a guild per cohort;
    ``charts=False`` sends the kickoffs without their chart (a baseline for the charts)."""
    async with FakeDiscord(
        validate=False,
        with_default_guild=False,
        enforce_rate_limits=True,
        wait_timeout=FAKE_TIMEOUT,
    ) as fake:
        run = Run("Discord", cohort_guilds(fake, cohorts))
        env = {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
        settings = await prepared(folder, "discord", "discord", run.targets, env)
        clock = ManualClock(KICKOFF + timedelta(seconds=10))
        async with open_runtime(settings, clock) as runtime:
            if not charts:
                runtime.courier.planner.charts = None
            client = ReachoutClient(
                runtime.port,
                load_discord_config(settings),
                guild_ready_timeout=0.05,
            )
            async with running_client(client, fake):
                assert client.sync_task is not None
                await client.sync_task
                await fake.wait_for(
                    lambda: runtime.courier.notifiers.get("discord") is client.notifier
                )
                await asyncio.sleep(1.1)  # start-up requests out of the measured windows
                first = len(fake.requests)
                await timed_delivery(runtime, run, time.monotonic)
                during = fake.requests[first:]
        record_posts(run, fake, during)
        run.ledger = ledger_statuses(settings.database)
    return run


async def slack_run(folder: Path, cohorts: int) -> Run:
    """Through the Slack adapter and ``SlackNotifier`` to the fake Slack, a channel per cohort."""
    async with FakeSlack() as fake:
        channels = [fake.add_channel(f"C{i:09d}", f"cohort-{i}") for i in range(1, cohorts + 1)]
        run = Run("Slack", [Target(fake.team.id, c.id) for c in channels])
        env = {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_API_BASE_URL": fake.api_base,
        }
        settings = await prepared(folder, "slack", "slack", run.targets, env)
        clock = ManualClock(KICKOFF + timedelta(seconds=10))
        async with (
            open_runtime(settings, clock) as runtime,
            running_slack(runtime.port, runtime.settings),
        ):
            await fake.socket.wait_connected()
            first = len(fake.calls)
            await timed_delivery(runtime, run, fake.now)
            during = fake.calls[first:]
        run.stamps = [c.at for c in during]
        for call in during:
            # A kickoff with its chart is one file upload; without one, a plain message.
            if call.method in ("chat.postMessage", "files.completeUploadExternal"):
                channel = str(call.params.get("channel") or call.params.get("channel_id"))
                run.posts[channel] += 1
                run.per_channel_stamps.setdefault(channel, []).append(call.at)
        for target in run.targets:
            run.messages[target.channel] = len(fake.messages.get(target.channel, []))
        run.problems += [f"{c.method}: {c.status} {c.error}" for c in during if not c.ok]
        run.problems += fake.block_errors
        run.ledger = ledger_statuses(settings.database)
    return run


async def paced_run(folder: Path, cohorts: int) -> Run:
    """Through a notifier that only paces at 50/s: the delivery service's own overhead."""
    targets = [Target(f"guild-{i}", f"channel-{i}") for i in range(1, cohorts + 1)]
    run = Run("Paced fake", targets, over_http=False)
    settings = await prepared(folder, "paced", "discord", run.targets, {})
    async with open_runtime(settings, ManualClock(KICKOFF + timedelta(seconds=10))) as runtime:
        fake = PacedPlatform()
        runtime.courier.register(fake)
        await timed_delivery(runtime, run, time.monotonic)
    run.stamps = fake.stamps
    run.per_channel_stamps = fake.by_channel
    run.messages = run.posts = fake.channels
    run.ledger = ledger_statuses(settings.database)
    return run


@dataclass
class Fleet:
    """What several ``reachout run`` processes on one PostgreSQL database did."""

    run: Run
    pids: list[int]
    holders: Counter[int | None] = field(default_factory=Counter)
    """Lease holder (a pid) at each look during the fan-out."""
    standby_logged: int = 0
    """Processes that logged that another one runs the scheduler."""
    exit_codes: list[int | None] = field(default_factory=list)
    ledger_all: Counter[str] = field(default_factory=Counter)
    """Every row of the deliveries ledger, any kind, by status."""


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a running process so far, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def instances_run(folder: Path, cohorts: int, instances: int, url: str | None) -> Fleet:
    """``instances`` real ``reachout run`` processes (started as ``tests/test_instances.py``
    does) on one PostgreSQL database against the fake Discord, every kickoff due a minute
    ago: one process holds the scheduler lease and sends, the others stand by."""
    async with FakeDiscord(
        validate=False,
        with_default_guild=False,
        enforce_rate_limits=True,
        wait_timeout=FAKE_TIMEOUT,
    ) as fake:
        run = Run(f"{instances} instances, PostgreSQL", cohort_guilds(fake, cohorts))
        run.second_pass = None
        run.cpu_of = "all processes, start-up included"
        due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
        settings = await prepared(folder, "instances", "discord", run.targets, {}, kickoff=due)
        database = url or await postgres.empty_database()
        await copy_database(str(settings.database), database, TextProgress(io.StringIO()))
        logs = [folder / f"instance-{n}.log" for n in range(instances)]
        first = len(fake.requests)
        spawned = time.monotonic()
        bots = [await fleet.start_bot(database, fake, log) for log in logs]
        result = Fleet(run, [bot.pid for bot in bots])
        channels = [int(t.channel) for t in run.targets]
        try:
            async with asyncio.timeout(FAKE_TIMEOUT):
                while (
                    not all(fake.messages_in(c) for c in channels)
                    or (await fleet.postgres_statuses(database, "kickoff")).get("sent", 0) < cohorts
                ):
                    result.holders[await fleet.postgres_holder(database)] += 1
                    await asyncio.sleep(0.25)
            await asyncio.sleep(2.0)  # room for a late duplicate to show
            run.cpu = sum(cpu_seconds(bot.pid) for bot in bots if bot.returncode is None)
            run.cpu_over = time.monotonic() - spawned
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(30):
                    await asyncio.gather(*(bot.wait() for bot in bots))
            finally:
                for bot in bots:
                    if bot.returncode is None:
                        bot.kill()
                        await bot.wait()
        result.exit_codes = [bot.returncode for bot in bots]
        record_posts(run, fake, fake.requests[first:])
        posts = [s for per_channel in run.per_channel_stamps.values() for s in per_channel]
        run.started_at = spawned
        run.elapsed = max(posts) - min(posts) if posts else 0.0
        run.ledger = Counter(await fleet.postgres_statuses(database, "kickoff"))
        result.ledger_all = Counter(await fleet.postgres_statuses(database))
        result.standby_logged = sum(
            "another reachout process runs the scheduler" in log.read_text() for log in logs
        )
    return result


def fleet_rows(fleet_run: Fleet, bound: float) -> list[Row]:
    """The delivery rows, then who sent: one lease holder all along, the others standing by."""
    rows = delivery_rows(fleet_run.run, bound, DISCORD_LIMIT, GLOBAL_PACE)
    name = fleet_run.run.name
    index = {pid: n for n, pid in enumerate(fleet_run.pids)}
    held = ", ".join(
        f"{'nobody' if pid is None else f'instance {index.get(pid, pid)}'} at {n} looks"
        for pid, n in fleet_run.holders.most_common()
    )
    senders = [pid for pid in fleet_run.holders if pid is not None]
    standbys = len(fleet_run.pids) - 1
    rows += [
        Row(
            name,
            "scheduler lease held by (looked every 0.25 s)",
            held or "no look (done at once)",
            "one instance",
            len(senders) == 1,
        ),
        Row(
            name,
            "instances that logged standing by",
            f"{fleet_run.standby_logged} of {len(fleet_run.pids)}",
            str(standbys),
            fleet_run.standby_logged == standbys,
        ),
        Row(
            name,
            "exit codes after SIGTERM",
            ", ".join(str(code) for code in fleet_run.exit_codes),
            "all 0",
            all(code == 0 for code in fleet_run.exit_codes),
        ),
        Row(
            name,
            "deliveries ledger, every kind",
            ", ".join(f"{n:,} {status}" for status, n in sorted(fleet_run.ledger_all.items())),
        ),
    ]
    return rows


async def idle_cpu(folder: Path, cohorts: int, wakes: int) -> tuple[float, float, int]:
    """CPU per wake with nothing due: steady state, and right after the data changed."""
    settings = load_settings(
        {"REACHOUT_DATABASE": str(folder / "idle.db"), "REACHOUT_TIMEZONE": "UTC"},
        env_file=None,
    )
    clock = ManualClock(KICKOFF + timedelta(days=1))
    async with open_runtime(settings, clock):
        pass
    targets = [Target(f"guild-{i}", f"channel-{i}") for i in range(1, cohorts + 1)]
    build(settings.database, "discord", targets, clocks_per_member=3)
    async with open_runtime(settings, clock) as runtime:
        platform_fake = PacedPlatform()
        runtime.courier.register(platform_fake)
        # Catch up first: long-past kickoffs are recorded as skipped, and every follow-up
        # clock gets its first look, a batch per wake.
        await runtime.courier.run_due()
        while (next_check := await runtime.ledger.next_clock_check()) and next_check <= clock.now():
            await runtime.courier.run_due()
        await runtime.courier.run_due()
        sent_before = len(platform_fake.stamps)
        started = time.process_time()
        for _ in range(wakes):
            await runtime.courier.run_due()
        steady = (time.process_time() - started) / wakes
        started = time.process_time()
        for n in range(wakes):
            await runtime.store.set_state("benchmark", str(n))  # any commit counts as a change
            await runtime.courier.run_due()
        changed = (time.process_time() - started) / wakes
        clocks = running_clocks(settings.database)
        assert len(platform_fake.stamps) == sent_before
    return steady, changed, clocks


def running_clocks(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM clock_checks").fetchone()[0])
    finally:
        conn.close()


@dataclass(frozen=True)
class Row:
    """One line of the table; ``ok`` None for a figure without a target."""

    run: str
    measure: str
    result: str
    target: str = ""
    ok: bool | None = None


def delivery_rows(
    run: Run, bound: float | None, window_limit: int | None, pace: float | None = None
) -> list[Row]:
    """Exactly once (platform and ledger), rate-limit compliance, and time against the bound;
    ``pace`` is the notifier's own rate, whose floor the time is also compared with."""
    n = run.cohorts
    sent = run.ledger["sent"]
    rows = [
        Row(
            run.name,
            "kickoffs delivered exactly once",
            f"{run.delivered_once():,} of {n:,}",
            "all",
            run.delivered_once() == n,
        ),
        Row(run.name, "duplicate messages", str(run.duplicates()), "0", run.duplicates() == 0),
        Row(
            run.name,
            "ledger rows `sent`",
            f"{sent:,} of {n:,}" + _others(run.ledger),
            "all",
            sent == n and sum(run.ledger.values()) == n,
        ),
    ]
    if run.second_pass is not None:
        rows.append(
            Row(
                run.name,
                "left for a second `run_due()`",
                str(run.second_pass),
                "0",
                run.second_pass == 0,
            )
        )
    if run.over_http:
        rows.append(
            Row(
                run.name,
                "requests refused / re-posts",
                f"{len(run.problems)} / {run.reposts()}",
                "0 / 0",
                not run.problems and run.reposts() == 0,
            )
        )
    busiest = busiest_second(run.stamps)
    if window_limit is not None:
        rows.append(
            Row(
                run.name,
                "most requests in any 1 s",
                str(busiest),
                f"<= {window_limit}",
                busiest <= window_limit,
            )
        )
    else:
        per_channel = max((busiest_second(s) for s in run.per_channel_stamps.values()), default=0)
        rows += [
            Row(
                run.name,
                "most posts to one channel in any 1 s",
                str(per_channel),
                "<= 1",
                per_channel <= 1,
            ),
            Row(run.name, "most requests in any 1 s, whole team", str(busiest)),
        ]
    rate = n / run.elapsed if run.elapsed else 0.0
    if bound is not None:
        ratio = run.elapsed / bound
        rows.append(
            Row(
                run.name,
                f"time to deliver all vs bound ({bound:.0f} s)",
                f"{run.elapsed:.1f} s = {ratio:.2f}x ({rate:.1f}/s)"
                + (f"; paced at {pace:.0f}/s, {n / pace / bound:.2f}x at best" if pace else ""),
                f"<= {TARGET_RATIO}x",
                ratio <= TARGET_RATIO,
            )
        )
    else:
        rows.append(
            Row(
                run.name,
                "time to deliver all (no global bound)",
                f"{run.elapsed:.1f} s ({rate:.0f}/s) = {run.elapsed / (n / DISCORD_LIMIT):.2f}x "
                "Discord's bound",
            )
        )
    first, last = run.first_and_last_post()
    rows.append(Row(run.name, "first / last message posted after", f"{first:.2f} s / {last:.1f} s"))
    rows.append(
        Row(
            run.name,
            f"CPU while delivering ({run.cpu_of})",
            f"{run.cpu:.1f} s = {run.cpu / n * 1000:.1f} ms a kickoff, "
            f"{run.cpu / (run.cpu_over or run.elapsed):.0%} of a core",
        )
    )
    return rows


def _others(statuses: Counter[str]) -> str:
    rest = {k: v for k, v in statuses.items() if k != "sent"}
    return "".join(f", {v} {k}" for k, v in sorted(rest.items()))


def idle_rows(steady: float, changed: float, clocks: int) -> list[Row]:
    return [
        Row(
            "Idle",
            "CPU per wake, nothing due, nothing changed",
            f"{steady * 1000:.2f} ms = {steady / 60:.4%} of a core at a wake a minute",
        ),
        Row(
            "Idle",
            f"CPU per wake after a change ({clocks:,} running clocks)",
            f"{changed * 1000:.1f} ms = {changed / 60:.3%} of a core at a wake a minute",
        ),
    ]


def machine() -> str:
    """What the figures were measured on, for the docs."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, load average {load}; Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, discord.py "
        f"{discord.__version__}, slack-sdk {slack_sdk.version.__version__}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned so it also reads in a terminal."""
    cells = [("run", "measure", "result", "target", "")]
    cells += [
        (r.run, r.measure, r.result, r.target, "" if r.ok is None else "PASS" if r.ok else "FAIL")
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    lines = [
        "| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |" for c in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


async def measure(folder: Path, cohorts: int) -> list[Row]:
    bound = cohorts / DISCORD_LIMIT
    rows = delivery_rows(await discord_run(folder, cohorts), bound, DISCORD_LIMIT, GLOBAL_PACE)
    rows += delivery_rows(await slack_run(folder, cohorts), None, None)
    rows += delivery_rows(await paced_run(folder, cohorts), bound, DISCORD_LIMIT, GLOBAL_PACE)
    rows += idle_rows(*await idle_cpu(folder, cohorts, wakes=5))
    return rows


async def measure_instances(
    folder: Path, cohorts: int, instances: int, url: str | None
) -> list[Row]:
    """The single-process Discord run on SQLite, then ``instances`` processes on PostgreSQL."""
    bound = cohorts / DISCORD_LIMIT
    rows = delivery_rows(await discord_run(folder, cohorts), bound, DISCORD_LIMIT, GLOBAL_PACE)
    rows += fleet_rows(await instances_run(folder, cohorts, instances, url), bound)
    return rows


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 cohorts, for development")
    parser.add_argument(
        "--instances",
        type=int,
        metavar="N",
        help="instead: the Discord run on SQLite, then N `reachout run` processes on one "
        "PostgreSQL database",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="with --instances, this empty PostgreSQL database (default: the tests' own, "
        "REACHOUT_TEST_POSTGRES_URL or a throwaway cluster; emptied first)",
    )
    args = parser.parse_args()
    if args.database is not None and args.instances is None:
        parser.error("--database goes with --instances")
    if args.instances is not None and args.instances < 2:
        parser.error("--instances: give 2 or more")
    if args.database is not None and not args.database.startswith(("postgresql:", "postgres:")):
        parser.error("--database: give a postgresql:// URL")
    cohorts = 100 if args.quick else args.cohorts
    print(f"{cohorts:,} cohorts due at once; {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        if args.instances is None:
            rows = asyncio.run(measure(Path(folder), cohorts))
        else:
            rows = asyncio.run(
                measure_instances(Path(folder), cohorts, args.instances, args.database)
            )
    print(table(rows))
    print(f"finished at load average {os.getloadavg()[0]:.2f}")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
