"""Slack ack latency: signed slash commands over HTTP, and envelopes over Socket Mode.

Runs the real ``reachout run`` in a subprocess against the fake Slack from ``tests/fakes``
(Web API, response_url and Socket Mode on 127.0.0.1), then sends a fixed number of slash
commands with a fixed number in flight and reports p50/p99 ack latency and how many went
unacknowledged within Slack's 3 seconds. Everything stays on loopback and stops by itself.

    python -m benchmarks.slack                       # both modes, 1,000 commands, 50 in flight
    python -m benchmarks.slack --mode http --requests 200
    python -m benchmarks.slack --actions 1000000 --rate 200

Before the timed commands, every member runs ``/progress`` once and 50 reading commands
follow (the warm-up, not counted). ``--actions N`` runs on the engine benchmark's database of
N actions (built once, cached in ``.bench/``, copied for each mode, history ending yesterday)
as one Slack cohort's 100 members, each with their own history; the run fails if the bot had
to create a member. ``--rate R`` is open loop: commands arrive at R a second whatever the bot
does, latency counts from each one's due time, and the line adds the rate sent.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks._dataset import (
    BenchMember,
    cached,
    copy_of,
    live_now,
    load_members,
    platform_scale,
    settle_clocks,
)
from bot.engine import DAILY_CAP
from tests.fakes.slack import COHORT_CHANNEL_ID, DEFAULT_TEAM_ID, FakeSlack, SlackSender

ROOT = Path(__file__).resolve().parent.parent

SIGNING_SECRET = "benchmark-signing-secret-0123456789"
ACK_DEADLINE = 3.0
START_TIMEOUT = 30.0
MEMBERS = 50
TARGET_P99_MS = 100.0
SEED = 20251119
WARM_UP = 50


@dataclass(frozen=True)
class Outcome:
    """One command: how long its ack took, or None if it never came within the deadline."""

    command: str
    latency: float | None


@dataclass(frozen=True)
class Cohort:
    """Where the commands come from: a team, a channel, its members' user ids."""

    team_id: str
    team_name: str
    channel_id: str
    users: tuple[str, ...]
    database: Path | None
    """A built database to copy for each mode, or None for a fresh one."""


def fresh_cohort() -> Cohort:
    users = tuple(member_id(i) for i in range(MEMBERS))
    return Cohort(DEFAULT_TEAM_ID, "Reachout Test Cohort", COHORT_CHANNEL_ID, users, None)


def built_cohort(actions: int) -> Cohort:
    """The first Slack cohort of the engine benchmark's database of ``actions``."""
    source = cached(platform_scale(actions), SEED, live_now())
    people = load_members(source)
    first: BenchMember = next(p for p in people if p.platform == "slack")
    users = tuple(p.user_id for p in people if p.cohort_id == first.cohort_id)
    return Cohort(first.workspace_id, first.workspace_name, first.channel_id, users, source)


def workload(count: int, users: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(member, command, text): a cohort's mix of logging and looking, members in turn."""
    mix = [
        ("/sent", "Contact {n} org:Acme"),
        ("/progress", ""),
        ("/sent", "count:1"),
        ("/contacts", ""),
        ("/leaderboard", ""),
        ("/sent", 'Contact {n} org:"Globex Labs" note:"met at a conference"'),
        ("/goal", ""),
        ("/help", "sent"),
    ]
    members = itertools.cycle(users)
    steps = itertools.cycle(mix)
    work = []
    for n in range(count):
        command, text = next(steps)
        work.append((next(members), command, text.format(n=n)))
    return work


def member_id(index: int) -> str:
    return f"U0BENCH{index:03d}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def warm_up(users: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Everyone once, then a few more reads: nothing that writes, so the check stays exact."""
    reads = itertools.cycle([("/progress", ""), ("/contacts", ""), ("/leaderboard", "")])
    members = itertools.cycle(users)
    first = [(user, "/progress", "") for user in users]
    return first + [(next(members), *next(reads)) for _ in range(WARM_UP)]


def start_bot(fake: FakeSlack, mode: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``reachout run`` as an operator would start it, its settings in the environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "REACHOUT_DATABASE": str(folder / "reachout.db"),
        "REACHOUT_TIMEZONE": "America/New_York",
        "REACHOUT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_API_BASE_URL": fake.api_base,
    }
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = fake.app_token
    else:
        env.update(
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            REACHOUT_HTTP_HOST="127.0.0.1",
            REACHOUT_HTTP_PORT=str(port),
        )
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=folder, env=env)


def stop_bot(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as an operator would; kill only if it does not stop within ten seconds."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def wait_for_http(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"reachout run exited with status {process.returncode}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("reachout did not start listening in time")


async def run_all(
    work: list[tuple[str, str, str]],
    concurrency: int,
    send: Callable[[str, str, str], Awaitable[float | None]],
) -> Result:
    """Every command, ``concurrency`` in flight at a time; the wall time they took."""
    gate = asyncio.Semaphore(concurrency)

    async def one(user_id: str, command: str, text: str) -> Outcome:
        async with gate:
            return Outcome(command, await send(user_id, command, text))

    started = time.monotonic()
    outcomes = await asyncio.gather(*(one(*item) for item in work))
    return Result(list(outcomes), time.monotonic() - started)


async def run_open(
    work: list[tuple[str, str, str]],
    rate: float,
    send: Callable[[str, str, str], Awaitable[float | None]],
) -> Result:
    """Every command arriving at ``rate`` a second, answered or not.

    Latency counts from each command's due time, so a generator that falls behind (the bot
    and this process share the machine) shows as latency rather than as a gentler load.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent_at: list[float] = []

    async def one(index: int, user_id: str, command: str, text: str) -> Outcome:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        sent_at.append(loop.time())
        latency = await send(user_id, command, text)
        return Outcome(command, None if latency is None else sent_at[-1] - due + latency)

    outcomes = await asyncio.gather(*(one(i, *item) for i, item in enumerate(work)))
    return Result(list(outcomes), loop.time() - start, max(sent_at) - min(sent_at))


@dataclass(frozen=True)
class Result:
    """The outcomes, the wall time, and with an arrival rate the seconds the sending took."""

    outcomes: list[Outcome]
    wall: float
    sending: float | None = None


Work = list[tuple[str, str, str]]


@dataclass(frozen=True)
class Load:
    """What to send and how: the warm-up, the timed work, and closed or open loop."""

    warm: Work
    work: Work
    concurrency: int
    rate: float | None

    async def run(self, send: Callable[[str, str, str], Awaitable[float | None]]) -> Result:
        await run_all(self.warm, self.concurrency, send)
        if self.rate is None:
            return await run_all(self.work, self.concurrency, send)
        return await run_open(self.work, self.rate, send)


async def bench_http(fake: FakeSlack, cohort: Cohort, load: Load) -> Result:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        before = prepare(cohort, Path(folder))
        process = start_bot(fake, "http", Path(folder), port)
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_for_http(url, process)
            async with SlackSender(url, SIGNING_SECRET) as sender:

                async def send(user_id: str, command: str, text: str) -> float | None:
                    form = fake.slash_command(
                        command, text, user_id=user_id, channel_id=cohort.channel_id
                    )
                    try:
                        delivery = await asyncio.wait_for(sender.slash_command(form), ACK_DEADLINE)
                    except (TimeoutError, aiohttp.ClientError):
                        return None
                    ok = delivery.status == 200 and bool(delivery.body)
                    return delivery.elapsed if ok and delivery.elapsed <= ACK_DEADLINE else None

                result = await load.run(send)
        finally:
            stop_bot(process)
        check_database(Path(folder) / "reachout.db", load.work, before)
    return result


async def bench_socket(fake: FakeSlack, cohort: Cohort, load: Load) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        before = prepare(cohort, Path(folder))
        connected = len(fake.socket.connections)
        process = start_bot(fake, "socket", Path(folder), 0)
        try:
            await fake.socket.wait_connected(count=connected + 1, within=START_TIMEOUT)

            async def send(user_id: str, command: str, text: str) -> float | None:
                form = fake.slash_command(
                    command, text, user_id=user_id, channel_id=cohort.channel_id
                )
                sent = await fake.socket_send("slash_commands", form)
                try:
                    ack = await sent.ack(within=ACK_DEADLINE)
                except AssertionError:
                    return None
                return ack.elapsed if ack.payload else None

            result = await load.run(send)
        finally:
            stop_bot(process)
        check_database(Path(folder) / "reachout.db", load.work, before)
    return result


def prepare(cohort: Cohort, folder: Path) -> tuple[int, int]:
    """Copy the cohort's database into ``folder`` if it has one; its (actions, members)."""
    if cohort.database is None:
        return (0, 0)
    copy = copy_of(cohort.database, folder)
    settle_clocks(copy)
    return counts(copy)


def counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        actions = conn.execute("SELECT count(*) FROM actions").fetchone()[0]
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    finally:
        conn.close()
    return int(actions), int(members)


def check_database(path: Path, work: list[tuple[str, str, str]], before: tuple[int, int]) -> None:
    """Every email logged is in the database once: none lost, none doubled.

    Each /sent here logs one email, so a member has min(their /sent, the daily cap) new rows
    (a built database's history ends yesterday, so nobody starts the day with any). With a
    built database, no member may be new: every command came from one with a history.
    """
    sent: Counter[str] = Counter(user for user, command, _ in work if command == "/sent")
    expected = sum(min(count, DAILY_CAP) for count in sent.values())
    actions, members = counts(path)
    if actions - before[0] != expected:
        raise SystemExit(f"{path}: {actions - before[0]} actions logged, expected {expected}")
    if before[1] and members != before[1]:
        raise SystemExit(f"{path}: the bot created {members - before[1]} members")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values``, in milliseconds."""
    return values[max(0, math.ceil(share * len(values)) - 1)] * 1000


def report(mode: str, result: Result) -> bool:
    """Print the mode's line and one line per command; True if it meets the target."""
    outcomes, wall = result.outcomes, result.wall
    acked = sorted(o.latency for o in outcomes if o.latency is not None)
    lost = len(outcomes) - len(acked)
    if not acked:
        print(f"{mode:<7} {len(outcomes):>6} nothing acknowledged")
        return False
    p99 = percentile(acked, 0.99)
    met = p99 <= TARGET_P99_MS and lost == 0
    print(
        f"{mode:<7} {len(outcomes):>6} {percentile(acked, 0.5):>8.1f} {p99:>8.1f} "
        f"{acked[-1] * 1000:>8.1f} {lost:>5} {len(acked) / wall:>8.0f}  "
        f"{'meets' if met else 'MISSES'} the target (p99 <= {TARGET_P99_MS:.0f} ms, none lost)"
    )
    if result.sending is not None:
        print(f"  sent at {(len(outcomes) - 1) / result.sending:.0f}/s")
    by_command: dict[str, list[float]] = {}
    for outcome in outcomes:
        if outcome.latency is not None:
            by_command.setdefault(outcome.command, []).append(outcome.latency)
    for command, latencies in sorted(by_command.items()):
        latencies.sort()
        print(
            f"  {command:<13} {len(latencies):>4} {percentile(latencies, 0.5):>8.1f} "
            f"{percentile(latencies, 0.99):>8.1f}"
        )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("http", "socket", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--actions",
        type=int,
        metavar="N",
        help="run on the engine benchmark's database of N actions (built once, cached)",
    )
    parser.add_argument(
        "--rate", type=float, metavar="R", help="open loop: R commands a second, arriving"
    )
    args = parser.parse_args()
    if args.actions is not None and args.actions < 1:
        parser.error("--actions: give a number of actions above 0")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate: give commands a second above 0")
    cohort = fresh_cohort() if args.actions is None else built_cohort(args.actions)
    load = Load(
        warm_up(cohort.users), workload(args.requests, cohort.users), args.concurrency, args.rate
    )
    how = f"{args.concurrency} in flight" if args.rate is None else f"arriving at {args.rate:g}/s"
    where = (
        "a fresh database" if args.actions is None else f"a database of {args.actions:,} actions"
    )
    print(
        f"{args.requests} slash commands, {how}, {len(cohort.users)} members, {where}; "
        f"latency in ms from {'sending' if args.rate is None else 'the due time'} to the ack"
    )
    print(f"{'mode':<7} {'sent':>6} {'p50':>8} {'p99':>8} {'max':>8} {'lost':>5} {'acked/s':>8}")
    print("  (then per command: count, p50, p99)")
    return asyncio.run(run(args.mode, cohort, load))


async def run(mode: str, cohort: Cohort, load: Load) -> int:
    results = []
    async with FakeSlack(team_id=cohort.team_id, team_name=cohort.team_name) as fake:
        if cohort.database is not None:
            fake.add_channel(cohort.channel_id, "cohort")
        for index, user in enumerate(cohort.users):
            fake.add_user(user, name=f"member{index}", tz="Europe/Berlin")
        if mode in ("http", "both"):
            results.append(report("http", await bench_http(fake, cohort, load)))
        if mode in ("socket", "both"):
            results.append(report("socket", await bench_socket(fake, cohort, load)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
