"""Slack ack latency: signed slash commands over HTTP, and envelopes over Socket Mode.

Runs the real ``reachout run`` in a subprocess against the fake Slack from ``tests/fakes``
(Web API, response_url and Socket Mode on 127.0.0.1), then sends a fixed number of slash
commands with a fixed number in flight and reports p50/p99 ack latency and how many went
unacknowledged within Slack's 3 seconds. Everything stays on loopback and stops by itself.
Calls are not held against Slack's Web API description here (``check_spec=False``; the tests
do that), so the fake's own work on the machine the bot shares stays small.

    python -m benchmarks.slack                       # both modes, 1,000 commands, 50 in flight
    python -m benchmarks.slack --mode http --requests 200
    python -m benchmarks.slack --actions 1000000 --rate 200

Before the timed commands, every member runs ``/progress`` once, 50 reading commands follow
and five members log a named email (the warm-up, not counted). ``--actions N`` runs on the
engine benchmark's database of N actions (built once, cached in ``.bench/``, copied for each
mode, history ending yesterday) as one Slack cohort's 100 members, each with their own
history; the run fails if the bot had to create a member. ``--rate R`` is open loop:
commands arrive at R a second whatever the bot does, latency counts from each one's due
time, and the line adds the rate sent.

**Buttons and did-you-mean** (a second phase, in each mode run, on by default;
``--no-presses`` skips it): ``reachout run`` again, on a fresh database seeded by
``benchmarks._reminders`` so that as it starts each of ``--concurrency`` members gets
``--rounds`` *Followed up* reminder DMs with buttons. Each round every member clicks
*Followed up* on one at once (``block_actions``), types ``/followup`` for another contact at
once (the same-run baseline; the order alternates by round), then clicks the same button
again on the message as first posted (the double click). A click's ack is empty, so the
latency judged is from sending the click to the fake receiving the ``chat.update`` that
rewrites the DM with the answer in it (a DM is private); the ack (Slack's 3 s) is reported
too. The database must then hold exactly one follow-up per pressed and per typed contact.
Slack has no autocomplete for these options; its suggestions come in the "did you mean"
reply, so a member with ``--contacts`` contacts types ``/followup`` with near misses of
their names, one at a time, against their ``/contacts``. Targets: the
update p99 <= 100 ms, none lost, none logged twice or not at all; did-you-mean p99 <= 50 ms.
``--actions`` and ``--rate`` change the commands phase only; ``--quick`` is 200 commands,
2 rounds and 80 near misses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import message as slack_message
from benchmarks._dataset import (
    BenchMember,
    cached,
    copy_of,
    live_now,
    load_members,
    platform_scale,
    settle_clocks,
)
from benchmarks._reminders import (
    CpuMeter,
    check_follow_ups,
    collector_name,
    pressed_name,
    process_cpu,
    seed,
    typed_name,
)
from bot.engine import DAILY_CAP
from bot.invocation import Origin
from bot.replies import Button, Reply
from tests.fakes.slack import COHORT_CHANNEL_ID, DEFAULT_TEAM_ID, FakeSlack, SlackSender

ROOT = Path(__file__).resolve().parent.parent

SIGNING_SECRET = "benchmark-signing-secret-0123456789"
ACK_DEADLINE = 3.0
START_TIMEOUT = 30.0
MEMBERS = 50
TARGET_P99_MS = 100.0
SEED = 20251119
WARM_UP = 50
ROUNDS = 5
CONTACTS = 1000
NEAR_MISSES = 400
"""Did-you-mean replies measured (``--quick``: 80), a ``/contacts`` after every tenth."""
TARGET_NEAR_P99_MS = 50.0
PACE_GAP = 1.05
"""Seconds between rounds of presses: the notifier posts at most one message a second in a
channel, and every press is answered in the presser's DM."""


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
    """Everyone once, then a few more reads, and a few named emails: the first follow-up
    date loads the holiday calendar (about 0.1 s, once per process), which is start-up, not
    what a command costs. The database check counts these emails too."""
    reads = itertools.cycle([("/progress", ""), ("/contacts", ""), ("/leaderboard", "")])
    members = itertools.cycle(users)
    first = [(user, "/progress", "") for user in users]
    named = [(user, "/sent", f"Warm-up Contact {n} org:Acme") for n, user in enumerate(users[:5])]
    return first + [(next(members), *next(reads)) for _ in range(WARM_UP)] + named


def start_bot(
    fake: FakeSlack, mode: str, folder: Path, port: int, floor: bool = False
) -> subprocess.Popen[bytes]:
    """``reachout run`` as an operator would start it, its settings in the environment
    (with ``floor``, slack-bolt alone: ``benchmarks._floor``, under the same settings)."""
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
    command = ["-m", "benchmarks._floor", f"slack-{mode}"] if floor else ["-m", "bot", "run"]
    return subprocess.Popen([sys.executable, *command], cwd=folder, env=env)  # noqa: S603 (constants)


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
    """The outcomes, the wall time, and with an arrival rate the seconds the sending took;
    ``cpu``, the serving process's CPU seconds over the timed commands."""

    outcomes: list[Outcome]
    wall: float
    sending: float | None = None
    cpu: float | None = None


Work = list[tuple[str, str, str]]


@dataclass(frozen=True)
class Load:
    """What to send and how: the warm-up, the timed work, and closed or open loop."""

    warm: Work
    work: Work
    concurrency: int
    rate: float | None

    async def run(
        self, send: Callable[[str, str, str], Awaitable[float | None]], pid: int
    ) -> Result:
        await run_all(self.warm, self.concurrency, send)
        before = process_cpu(pid)
        if self.rate is None:
            result = await run_all(self.work, self.concurrency, send)
        else:
            result = await run_open(self.work, self.rate, send)
        after = process_cpu(pid)
        if before is None or after is None:
            return result
        return replace(result, cpu=after - before)


async def bench_http(fake: FakeSlack, cohort: Cohort, load: Load, floor: bool = False) -> Result:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        before = (0, 0) if floor else prepare(cohort, Path(folder))
        process = start_bot(fake, "http", Path(folder), port, floor)
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

                result = await load.run(send, process.pid)
        finally:
            stop_bot(process)
        if not floor:
            check_database(Path(folder) / "reachout.db", load.warm + load.work, before)
    return result


async def bench_socket(fake: FakeSlack, cohort: Cohort, load: Load, floor: bool = False) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        before = (0, 0) if floor else prepare(cohort, Path(folder))
        connected = len(fake.socket.connections)
        process = start_bot(fake, "socket", Path(folder), 0, floor)
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

            result = await load.run(send, process.pid)
        finally:
            stop_bot(process)
        if not floor:
            check_database(Path(folder) / "reachout.db", load.warm + load.work, before)
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


def report(mode: str, result: Result, floor: Result | None = None) -> bool:
    """Print the mode's line, one line per command, and the ``floor`` run's line (the same
    load on slack-bolt alone) if there is one; True if it meets the target."""
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
    if result.cpu is not None:
        print(f"  CPU per command {result.cpu / len(outcomes) * 1000:.2f} ms")
    if floor is not None:
        print(floor_line(result, floor))
    return met


def floor_line(result: Result, floor: Result) -> str:
    """The same load on slack-bolt alone (``benchmarks._floor``), and reachout as a ratio."""
    acked = sorted(o.latency for o in floor.outcomes if o.latency is not None)
    mine = sorted(o.latency for o in result.outcomes if o.latency is not None)
    if not acked or not mine:
        return "  floor, slack-bolt alone: nothing acknowledged"
    p99, lost = percentile(acked, 0.99), len(floor.outcomes) - len(acked)
    line = (
        f"  floor, slack-bolt alone: p50 {percentile(acked, 0.5):.1f}, p99 {p99:.1f} ms, "
        f"lost {lost}; reachout p99 = {percentile(mine, 0.99) / p99:.2f}x"
    )
    if floor.cpu is not None and result.cpu is not None:
        per, mine_per = floor.cpu / len(floor.outcomes), result.cpu / len(result.outcomes)
        line += (
            f"; CPU per command {per * 1000:.2f} ms, reachout = {mine_per / per:.2f}x "
            f"({(mine_per - per) * 1000:.2f} ms more)"
        )
    return line


Send = Callable[[str, dict[str, Any]], Awaitable[tuple[float | None, str]]]
"""Deliver one request of a kind (``slash_commands``, ``interactive``): its ack's latency
(None if not acknowledged within the deadline) and the ack's body as text."""


@dataclass
class PressRun:
    """The buttons and did-you-mean phase of one mode: latencies in seconds, and faults."""

    acks: list[float] = field(default_factory=list)
    updates: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    typed: list[float] = field(default_factory=list)
    near: list[float] = field(default_factory=list)
    contacts: list[float] = field(default_factory=list)
    unanswered: int = 0
    """Presses, first or second, not acked within 3 s or with no update of the DM in 3 s."""
    refused: int = 0
    """First presses whose answer in the DM is not "Logged a follow-up"."""
    again_wrong: int = 0
    typed_unanswered: int = 0
    near_unanswered: int = 0
    near_wrong: int = 0
    reminders: int = 0
    reminders_after: float = 0.0
    missing: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)
    cpu: CpuMeter = field(default_factory=lambda: CpuMeter(None))


def presser_id(index: int) -> str:
    return f"U0PRESS{index:03d}"


COLLECTOR_ID = "U0COLLECT"


def _pressers(fake: FakeSlack, members: int) -> list[str]:
    """The ``members`` who press, added to the fake; their user ids."""
    users = [presser_id(n) for n in range(members)]
    for n, user in enumerate(users):
        fake.add_user(user, name=f"presser{n}", tz="Europe/Berlin")
    return users


async def presses_phase(mode: str, members: int, rounds: int, contacts: int, near: int) -> PressRun:
    """``reachout run`` in ``mode`` on a seeded database (``benchmarks._reminders``): rounds
    of presses of *Followed up* at ``members`` in flight, then did-you-mean replies for a
    member with ``contacts`` contacts."""
    result = PressRun()
    with tempfile.TemporaryDirectory() as folder:
        async with FakeSlack(check_spec=False) as fake:
            users = _pressers(fake, members)
            fake.add_user(COLLECTOR_ID, name="collector", tz="Europe/Berlin")
            env = {
                "REACHOUT_DATABASE": str(Path(folder) / "reachout.db"),
                "REACHOUT_TIMEZONE": "America/New_York",
            }
            await seed(
                env,
                [_origin(fake, user, f"presser{n}") for n, user in enumerate(users)],
                rounds,
                _origin(fake, COLLECTOR_ID, "collector"),
                contacts,
            )
            port = free_port()
            connected = len(fake.socket.connections)
            started = time.monotonic()
            process = start_bot(fake, mode, Path(folder), port)
            result.cpu = CpuMeter(process.pid)
            try:
                async with _sender(fake, mode, port, process, connected) as send:
                    await _press_work(fake, send, users, rounds, contacts, near, result, started)
            finally:
                stop_bot(process)
        expected = {
            name(r, i): 1
            for r in range(rounds)
            for i in range(members)
            for name in (pressed_name, typed_name)
        }
        result.missing, result.doubled, result.problems = check_follow_ups(
            Path(folder) / "reachout.db", expected
        )
    return result


@contextlib.asynccontextmanager
async def _sender(
    fake: FakeSlack, mode: str, port: int, process: subprocess.Popen[bytes], connected: int
) -> AsyncIterator[Send]:
    """How the presses reach the process just started in ``mode``, once it is listening
    (HTTP) or connected (Socket Mode, one more connection than ``connected``)."""
    if mode == "http":
        url = f"http://127.0.0.1:{port}"
        await wait_for_http(url, process)
        async with SlackSender(url, SIGNING_SECRET) as sender:
            yield _http_send(sender)
    else:
        await fake.socket.wait_connected(count=connected + 1, within=START_TIMEOUT)
        yield _socket_send(fake)


async def floor_presses(mode: str, members: int, rounds: int) -> PressRun:
    """The clicks alone on slack-bolt alone (``benchmarks._floor``): each member's reminders
    posted as reachout words and draws them (five buttons under a paragraph), then rounds of
    *Followed up* clicked at once, each answered by a ``chat.update`` of the DM. The same
    clicks, the same fake and the same measure as ``presses_phase``'s, with nothing of
    reachout in the process that answers them."""
    result = PressRun()
    with tempfile.TemporaryDirectory() as folder:
        async with FakeSlack(check_spec=False) as fake:
            users = _pressers(fake, members)
            reminders = await _posted_reminders(fake, users, rounds)
            port = free_port()
            connected = len(fake.socket.connections)
            process = start_bot(fake, mode, Path(folder), port, floor=True)
            result.cpu = CpuMeter(process.pid)
            try:
                async with _sender(fake, mode, port, process, connected) as send:
                    warm = PressRun()
                    await _press_round(fake, send, users, reminders, rounds, warm, second=False)
                    for r in range(rounds):
                        await asyncio.sleep(PACE_GAP)
                        await result.cpu.measure(
                            "press",
                            _press_round(fake, send, users, reminders, r, result, second=False),
                        )
            finally:
                stop_bot(process)
    return result


async def _posted_reminders(
    fake: FakeSlack, users: list[str], rounds: int
) -> dict[tuple[int, int], tuple[str, dict[str, Any]]]:
    """``rounds`` + 1 reminder-like DMs for each member (the last one to warm up with), by
    (round, member): their DM channel and the message as posted."""
    labels = ("Followed up", "They replied", "Interview booked", "Snooze 2 days", "Stop")
    found: dict[tuple[int, int], tuple[str, dict[str, Any]]] = {}
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_base, session=session)
        for i, user in enumerate(users):
            channel = str((await client.conversations_open(users=user))["channel"]["id"])
            for r in range(rounds + 1):
                buttons = tuple(
                    Button(label, f"ro:{r:02d}{i:03d}{k}{'x' * 20}")
                    for k, label in enumerate(labels)
                )
                reply = Reply(
                    f"{pressed_name(r, i)} (Acme Labs): 7 business days since you wrote to "
                    f"{pressed_name(r, i)}. Time for one short follow-up: a line to say you "
                    "are still interested, and a question they can answer in a minute.",
                    buttons=buttons,
                )
                posted = await client.chat_postMessage(channel=channel, **slack_message(reply))
                found[r, i] = (channel, json.loads(json.dumps(posted["message"])))
    return found


def _origin(fake: FakeSlack, user_id: str, name: str) -> Origin:
    """The member as the adapter names them in the cohort's channel."""
    return Origin(
        "slack",
        fake.team.id,
        fake.team.name,
        COHORT_CHANNEL_ID,
        user_id,
        name,
        user_timezone="Europe/Berlin",
    )


def _http_send(sender: SlackSender) -> Send:
    async def send(kind: str, payload: dict[str, Any]) -> tuple[float | None, str]:
        try:
            if kind == "slash_commands":
                delivery = await asyncio.wait_for(sender.slash_command(payload), ACK_DEADLINE)
            else:
                delivery = await asyncio.wait_for(sender.interactive(payload), ACK_DEADLINE)
        except (TimeoutError, aiohttp.ClientError):
            return None, ""
        ok = delivery.status == 200 and delivery.elapsed <= ACK_DEADLINE
        return (delivery.elapsed if ok else None), delivery.text

    return send


def _socket_send(fake: FakeSlack) -> Send:
    async def send(kind: str, payload: dict[str, Any]) -> tuple[float | None, str]:
        sent = await fake.socket_send(kind, payload)
        try:
            ack = await sent.ack(within=ACK_DEADLINE)
        except AssertionError:
            return None, ""
        return ack.elapsed, json.dumps(ack.payload or {})

    return send


async def _press_work(
    fake: FakeSlack,
    send: Send,
    users: list[str],
    rounds: int,
    contacts: int,
    near: int,
    result: PressRun,
    started: float,
) -> None:
    reminders = await _reminders(fake, users, rounds)
    result.reminders, result.reminders_after = len(reminders), time.monotonic() - started
    await asyncio.gather(*(send("slash_commands", _command(fake, u, "/progress")) for u in users))
    await _near_misses(fake, send, contacts, 10, PressRun())  # warm-up
    await asyncio.sleep(PACE_GAP)
    for r in range(rounds):
        pressing = _press_round(fake, send, users, reminders, r, result, second=False)
        typing = _typed_round(fake, send, users, r, result)
        order = [("press", pressing), ("typed", typing)]
        for kind, work in order if r % 2 == 0 else order[::-1]:
            await result.cpu.measure(kind, work)
        await result.cpu.measure(
            "again", _press_round(fake, send, users, reminders, r, result, second=True)
        )
        await asyncio.sleep(PACE_GAP)
    await _near_misses(fake, send, contacts, near, result)


def _command(fake: FakeSlack, user_id: str, command: str, text: str = "") -> dict[str, Any]:
    return dict(fake.slash_command(command, text, user_id=user_id, channel_id=COHORT_CHANNEL_ID))


async def _reminders(
    fake: FakeSlack, users: list[str], rounds: int
) -> dict[tuple[int, int], tuple[str, dict[str, Any]]]:
    """Each member's *Followed up* reminder, by (round, member): its DM and the message as
    first posted. The notifier posts one message a second in a DM, so they take ``rounds``
    seconds or so."""
    wanted = len(users) * rounds
    deadline = time.monotonic() + 30 + 2 * rounds
    found: dict[tuple[int, int], tuple[str, dict[str, Any]]] = {}
    while len(found) < wanted:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(found)} of {wanted} reminders with buttons arrived")
        await asyncio.sleep(0.1)
        for channel, messages in fake.messages.items():
            if not channel.startswith("D"):
                continue
            for message in messages:
                text = json.dumps(message)
                if "Followed up" not in text:
                    continue
                for r in range(rounds):
                    for i in range(len(users)):
                        if (r, i) not in found and f"wrote to {pressed_name(r, i)}." in text:
                            found[r, i] = (channel, json.loads(text))
    return found


async def _press_round(
    fake: FakeSlack,
    send: Send,
    users: list[str],
    reminders: dict[tuple[int, int], tuple[str, dict[str, Any]]],
    r: int,
    result: PressRun,
    *,
    second: bool,
) -> None:
    """Every member clicks *Followed up* on their round-``r`` reminder at once (``second``:
    again, on the message as it was before the update, as a double click would). The ack is
    empty; the member sees the DM rewritten (``chat.update``) with the answer in it; the
    second click's "already done" comes as a DM of its own."""
    first_call = len(fake.calls)

    async def click(i: int) -> tuple[float, float | None]:
        channel, message = reminders[r, i]
        payload = fake.click(message, "Followed up", user_id=users[i], channel_id=channel)
        clicked = time.time()
        latency, _ = await send("interactive", payload)
        return clicked, latency

    clicks = await asyncio.gather(*(click(i) for i in range(len(users))))
    wanted = {
        reminders[r, i][0]: (reminders[r, i][1]["ts"], clicks[i][0]) for i in range(len(users))
    }
    updated: dict[str, tuple[float, str]] = {}
    answered: dict[str, str] = {}
    deadline = max(c for c, _ in clicks) + ACK_DEADLINE + 1.0
    seen = first_call
    while (
        len(updated) < len(wanted) or (second and len(answered) < len(wanted))
    ) and time.time() < deadline:
        await asyncio.sleep(0.01)
        for call in fake.calls[seen:]:
            channel = str(call.params.get("channel", ""))
            if channel not in wanted or call.at < wanted[channel][1]:
                continue
            if call.method == "chat.update" and call.params.get("ts") == wanted[channel][0]:
                updated.setdefault(channel, (call.at, json.dumps(call.params)))
            elif call.method == "chat.postMessage":
                answered.setdefault(channel, json.dumps(call.params))
        seen = len(fake.calls)
    for i in range(len(users)):
        channel = reminders[r, i][0]
        clicked, ack = clicks[i]
        if ack is None or channel not in updated or updated[channel][0] - clicked > ACK_DEADLINE:
            result.unanswered += 1
            continue
        update, shown = updated[channel]
        if second:
            result.again.append(update - clicked)
            result.again_wrong += "Already done" not in answered.get(channel, "")
            continue
        result.acks.append(ack)
        result.updates.append(update - clicked)
        result.refused += "Logged a follow-up" not in shown


async def _typed_round(
    fake: FakeSlack, send: Send, users: list[str], r: int, result: PressRun
) -> None:
    """The baseline: every member types ``/followup`` for their round-``r`` typed contact at
    once, in the cohort's channel; the ack carries the reply."""
    acks = await asyncio.gather(
        *(
            send("slash_commands", _command(fake, u, "/followup", typed_name(r, i)))
            for i, u in enumerate(users)
        )
    )
    for latency, text in acks:
        if latency is None or "Logged a follow-up" not in text:
            result.typed_unanswered += 1
        else:
            result.typed.append(latency)


def near_miss(index: int, kind: int) -> str:
    """A slip in the collector's contact ``index``: a letter left out, two swapped, one
    wrong (first letter and digits kept, as a typo does)."""
    name = collector_name(index)
    if kind == 0:
        return name.replace("Person", "Persn")
    if kind == 1:
        return name.replace("Person", "Preson")
    return name.replace("Surname", "Surnane")


async def _near_misses(
    fake: FakeSlack, send: Send, contacts: int, count: int, result: PressRun
) -> None:
    """The collector types ``/followup`` with a near miss of one of their names, one at a
    time: the ack is the did-you-mean reply; their ``/contacts`` after every tenth."""
    for n in range(count):
        index = (n * 7919) % contacts
        latency, text = await send(
            "slash_commands", _command(fake, COLLECTOR_ID, "/followup", near_miss(index, n % 3))
        )
        if latency is None:
            result.near_unanswered += 1
        else:
            result.near.append(latency)
            result.near_wrong += not ("Did you mean" in text and collector_name(index) in text)
        if n % 10 == 9:
            latency, _ = await send("slash_commands", _command(fake, COLLECTOR_ID, "/contacts"))
            if latency is None:
                result.near_unanswered += 1
            else:
                result.contacts.append(latency)


def press_report(
    mode: str,
    run: PressRun,
    members: int,
    rounds: int,
    contacts: int,
    floor: PressRun | None = None,
) -> bool:
    """Print the phase's lines, with the same clicks on slack-bolt alone (``floor``) if
    measured; True if every target is met."""
    if not (run.typed and run.updates and run.near and run.contacts):
        print(f"{mode:<7} buttons and did-you-mean: nothing answered")
        return False

    def spread(values: list[float]) -> str:
        values = sorted(values)
        return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} ms"

    def p99(values: list[float]) -> float:
        return percentile(sorted(values), 0.99)

    count = members * rounds
    press_met = p99(run.updates) <= TARGET_P99_MS
    faults = run.unanswered + run.refused + run.again_wrong + run.missing + run.doubled
    near_met = p99(run.near) <= TARGET_NEAR_P99_MS
    lines = [
        (
            f"{run.reminders} reminder DMs with buttons sent at start-up",
            f"all in {run.reminders_after:.1f} s from spawn",
            "",
        ),
        (f"typed /followup, {members} at once (baseline), p50 / p99", spread(run.typed), ""),
        (
            f"Followed up, {members} at once: click -> DM updated, p50 / p99",
            f"{spread(run.updates)} = {p99(run.updates) / p99(run.typed):.2f}x baseline p99",
            f"p99 <= {TARGET_P99_MS:.0f} ms: {'met' if press_met else 'MISSED'}",
        ),
        ("  the click's ack (empty), p50 / p99", spread(run.acks), "< 3 s"),
        *([] if floor is None else floor_press_lines(run, floor, count)),
        ("second click of each (already done) -> DM updated, p50 / p99", spread(run.again), ""),
        (
            f'lost / refused / second not "already done" / typed failed, of {count}',
            f"{run.unanswered} / {run.refused} / {run.again_wrong} / {run.typed_unanswered}",
            "0: "
            + (
                "met"
                if run.unanswered + run.refused + run.again_wrong + run.typed_unanswered == 0
                else "MISSED"
            ),
        ),
        (
            f"follow-ups in the database: missing / twice, of {2 * count}",
            f"{run.missing} / {run.doubled}",
            "0 / 0: " + ("met" if run.missing + run.doubled == 0 else "MISSED"),
        ),
        (
            "bot CPU per click / second click / typed /followup",
            " / ".join(
                f"{run.cpu.per(kind, count) * 1000:.2f} ms" for kind in ("press", "again", "typed")
            ),
            "",
        ),
        (
            f"/contacts of a member with {contacts:,} contacts (baseline), p50 / p99",
            spread(run.contacts),
            "",
        ),
        (
            f"did-you-mean /followup, {contacts:,} contacts ({len(run.near)}), p50 / p99",
            f"{spread(run.near)} = {p99(run.near) / p99(run.contacts):.2f}x baseline p99",
            f"p99 <= {TARGET_NEAR_P99_MS:.0f} ms: {'met' if near_met else 'MISSED'}",
        ),
        (
            "did-you-mean unanswered / without the name",
            f"{run.near_unanswered} / {run.near_wrong}",
            "0 / 0: " + ("met" if run.near_unanswered + run.near_wrong == 0 else "MISSED"),
        ),
    ]
    width = max(len(name) for name, _, _ in lines)
    print(f"{mode}: buttons and did-you-mean")
    for name, value, target in lines:
        print(f"  {name:<{width}}  {value}  {target}")
    for problem in run.problems[:10]:
        print(f"    {problem}")
    return (
        press_met
        and near_met
        and faults == 0
        and run.typed_unanswered == 0
        and run.near_unanswered == 0
        and run.near_wrong == 0
    )


def floor_press_lines(run: PressRun, floor: PressRun, count: int) -> list[tuple[str, str, str]]:
    """The same clicks answered by slack-bolt alone, and reachout as a ratio to them."""
    if not floor.updates:
        return [("  floor, slack-bolt alone", "nothing updated", "")]
    mine, theirs = percentile(sorted(run.updates), 0.99), percentile(sorted(floor.updates), 0.99)
    cpu, floor_cpu = run.cpu.per("press", count), floor.cpu.per("press", count)
    ratio = f", reachout = {cpu / floor_cpu:.2f}x" if floor_cpu else ""
    return [
        (
            "  floor, slack-bolt alone: click -> DM updated, p50 / p99",
            f"{percentile(sorted(floor.updates), 0.5):.1f} / {theirs:.1f} ms; "
            f"reachout p99 = {mine / theirs:.2f}x",
            f"lost {floor.unanswered}",
        ),
        ("  floor, slack-bolt alone: CPU per click", f"{floor_cpu * 1000:.2f} ms{ratio}", ""),
    ]


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
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help=f"rounds of presses, --concurrency at once (default {ROUNDS}; --quick: 2)",
    )
    parser.add_argument(
        "--contacts",
        type=int,
        default=CONTACTS,
        help=f"contacts of the member whose near misses are measured (default {CONTACTS:,})",
    )
    parser.add_argument(
        "--no-presses", action="store_true", help="skip the buttons and did-you-mean phase"
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the same load on slack-bolt alone"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="200 commands, 2 rounds of presses, 80 near misses: for development",
    )
    args = parser.parse_args()
    if args.actions is not None and args.actions < 1:
        parser.error("--actions: give a number of actions above 0")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate: give commands a second above 0")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds: between 1 and 20 (a member logs at most 20 emails a day)")
    if args.quick:
        args.requests, args.rounds = 200, 2
    near = 80 if args.quick else NEAR_MISSES
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
    presses = None if args.no_presses else (args.concurrency, args.rounds, args.contacts, near)
    return asyncio.run(run(args.mode, cohort, load, presses, not args.no_floor))


async def run(
    mode: str,
    cohort: Cohort,
    load: Load,
    presses: tuple[int, int, int, int] | None = None,
    with_floor: bool = True,
) -> int:
    results = []
    async with FakeSlack(
        team_id=cohort.team_id, team_name=cohort.team_name, check_spec=False
    ) as fake:
        if cohort.database is not None:
            fake.add_channel(cohort.channel_id, "cohort")
        for index, user in enumerate(cohort.users):
            fake.add_user(user, name=f"member{index}", tz="Europe/Berlin")
        if mode in ("http", "both"):
            floor = await bench_http(fake, cohort, load, floor=True) if with_floor else None
            results.append(report("http", await bench_http(fake, cohort, load), floor))
        if mode in ("socket", "both"):
            floor = await bench_socket(fake, cohort, load, floor=True) if with_floor else None
            results.append(report("socket", await bench_socket(fake, cohort, load), floor))
    if presses is not None:
        members, rounds, contacts, near = presses
        print(
            f"buttons: {rounds} rounds of {members} presses at once, on a seeded database; "
            "latency from the click (or the command) sent"
        )
        for each in ("http", "socket") if mode == "both" else (mode,):
            clicks = await floor_presses(each, members, rounds) if with_floor else None
            run_ = await presses_phase(each, members, rounds, contacts, near)
            results.append(press_report(each, run_, members, rounds, contacts, clicks))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
