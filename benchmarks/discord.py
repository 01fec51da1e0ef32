"""Discord interaction latency: 1,000 slash commands through the fake Discord at concurrency 50.

    python -m benchmarks.discord [--interactions 1000] [--concurrency 50] [--quick]
                                 [--actions N] [--rate R]

``reachout run`` starts in its own process, as in production, with ``DISCORD_API_BASE_URL``
and ``DISCORD_GATEWAY_URL`` pointing at the fake Discord of ``tests/fakes``, which runs here
on loopback, on a fresh SQLite database. A mix of ``/sent`` (50%), ``/progress`` (30%) and
``/leaderboard`` (20%) from 200 members arrives as INTERACTION_CREATE, with ``--concurrency``
interactions in flight at any time (a new one is sent as soon as one is answered). Latency
runs from the moment the fake has sent INTERACTION_CREATE to the moment it receives the
first response (the interaction callback), which is what Discord's 3-second deadline
measures. Targets: p99 <= 100 ms and no interaction left without a response. Exits non-zero
if a target fails. Request bodies are not checked against Discord's OpenAPI here (the tests
do that), so the fake's own work stays small.

``--actions N`` runs on the engine benchmark's database of N actions instead (1,000,000:
10,000 members; built once, cached in ``.bench/``, copied for the run, history ending
yesterday): the members are one Discord cohort's 100, each with their own history, and the
warm-up touches every one of them first. ``--rate R`` is open loop: interactions arrive at
R a second whatever the bot does, latency counts from each one's due time (so a generator
that falls behind shows as latency, not as a gentler load), and the table adds the rate sent
and the rate answered.

**Buttons and autocomplete** (a second phase, on by default; ``--no-presses`` skips it):
``reachout run`` again, on a fresh database of its own seeded by ``benchmarks._reminders``,
so that as it starts every one of ``--concurrency`` members gets ``--rounds`` reminder DMs
with buttons (the 7-business-day *Followed up* ones) and one more member has ``--contacts``
contacts. Each round, every member presses *Followed up* on one of their reminders at once
(the click, type 3, on the DM) and types ``/followup`` for another contact at once (the
same-run baseline; which goes first alternates by round), then presses the same button
again as a client that had not yet shown the update would (the double click). Latency is
again INTERACTION_CREATE to the first callback (for a press, the type 7 update of the DM,
which carries the "Logged a follow-up" answer: a DM is private). The database must then hold
exactly one follow-up per pressed and per typed contact. Then the member with the contacts
types in ``/followup contact:`` (autocomplete, type 4) with prefixes from none to a full
miss, one at a time, against their ``/contacts`` (the baseline) in between. Targets: a
press p99 <= 100 ms, none without a response, none logged twice or not at all; an
autocomplete p99 <= 50 ms. ``--actions`` and ``--rate`` change the first phase only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._dataset import (
    cached_copy,
    live_now,
    load_members,
    platform_scale,
    settle_clocks,
)
from benchmarks._reminders import (
    TYPINGS,
    CpuMeter,
    check_follow_ups,
    collector_name,
    pressed_name,
    process_cpu,
    seed,
    typed_name,
)
from benchmarks._serve import start_bot
from bot.invocation import Origin
from tests.adapters.discord_fixtures import message_text
from tests.fakes.discord import FakeDiscord, FakeInteraction, FakeUser

MEMBERS = 200
WARM_UP = 50
SEED = 20251119
BASELINE = 200
TARGET_P99 = 0.100
ROUNDS = 5
CONTACTS = 1000
CYCLES = 40
"""Rounds of autocomplete, each every prefix of ``TYPINGS`` and one ``/contacts``."""
TARGET_PRESS_P99 = 0.100
TARGET_SUGGEST_P99 = 0.050
FOLLOWED_UP = "Followed up"
MIX: tuple[tuple[str, dict[str, Any], int], ...] = (
    ("sent", {"count": 1}, 5),
    ("progress", {}, 3),
    ("leaderboard", {"metric": "emails"}, 2),
)


@dataclass
class Results:
    """Latencies of answered interactions, in seconds, and how many went unanswered."""

    latencies: list[float] = field(default_factory=list)
    by_command: dict[str, list[float]] = field(default_factory=dict)
    unanswered: int = 0
    late: int = 0

    def add(self, command: str, latency: float) -> None:
        self.latencies.append(latency)
        self.by_command.setdefault(command, []).append(latency)


def percentile(latencies: list[float], fraction: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def commands(count: int, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    population = [(name, options) for name, options, weight in MIX for _ in range(weight)]
    return [rng.choice(population) for _ in range(count)]


async def one(fake: FakeDiscord, command: str, options: dict[str, Any], user: FakeUser) -> float:
    """Latency of one interaction; raises TimeoutError if it is never answered.

    An overloaded bot can miss its gateway heartbeats and reconnect; an interaction sent
    while no session is connected is lost, as on Discord, and counts as unanswered.
    """
    try:
        async with asyncio.timeout(2 * fake.wait_timeout):
            interaction = await fake.send_interaction(command, options, user=user)
            first = await interaction.first_response()
    except RuntimeError as lost:
        raise TimeoutError("no gateway session to send the interaction on") from lost
    if not first.accepted:
        raise LookupError("answered after Discord's deadline")
    return first.elapsed


async def drive(
    fake: FakeDiscord,
    members: list[FakeUser],
    work: list[tuple[str, dict[str, Any]]],
    concurrency: int,
    results: Results,
) -> None:
    """Keep ``concurrency`` interactions in flight until ``work`` is done."""
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    rng = random.Random(7)

    async def worker() -> None:
        while not queue.empty():
            command, options = queue.get_nowait()
            try:
                results.add(command, await one(fake, command, options, rng.choice(members)))
            except TimeoutError:
                results.unanswered += 1
            except LookupError:
                results.late += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def drive_open(
    fake: FakeDiscord,
    members: list[FakeUser],
    work: list[tuple[str, dict[str, Any]]],
    rate: float,
    results: Results,
) -> float:
    """Send ``work`` at ``rate`` a second, answered or not; the seconds the sending took.

    Each interaction's latency is from its due time to its first response, so time spent
    waiting for the event loop to send it counts against the bot, as a member would feel it.
    """
    rng = random.Random(7)
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent_at: list[float] = []

    async def arrival(index: int, command: str, options: dict[str, Any]) -> None:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        sent_at.append(loop.time())
        try:
            latency = await one(fake, command, options, rng.choice(members))
        except TimeoutError:
            results.unanswered += 1
        except LookupError:
            results.late += 1
        else:
            results.add(command, sent_at[-1] - due + latency)

    await asyncio.gather(*(arrival(i, *item) for i, item in enumerate(work)))
    return max(sent_at) - min(sent_at)


@dataclass
class Run:
    """One measured batch: its results, wall time, and the bot process's CPU time."""

    results: Results
    elapsed: float
    bot_cpu: float | None
    sending: float | None = None


async def measure(
    fake: FakeDiscord,
    members: list[FakeUser],
    work: list[tuple[str, dict[str, Any]]],
    concurrency: int,
    pid: int,
    rate: float | None = None,
) -> Run:
    results = Results()
    cpu_before = process_cpu(pid)
    started = time.monotonic()
    sending = None
    if rate is None:
        await drive(fake, members, work, concurrency, results)
    else:
        sending = await drive_open(fake, members, work, rate, results)
    elapsed = time.monotonic() - started
    cpu_after = process_cpu(pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(results, elapsed, cpu, sending)


def fake_members(fake: FakeDiscord, built: Path | None) -> list[FakeUser]:
    """The members who send commands: new ones, or one cohort of the ``built`` database.

    For a built database, the first Discord cohort's workspace, channel and members are
    renamed to the fake's guild, channel and new users (ids the fake chose), in the copy the
    bot will open, so every command comes from a member with their whole history.
    """
    if built is None:
        members = []
        for n in range(MEMBERS):
            user = fake.add_user(f"member{n}", global_name=f"Member {n}")
            fake.guild.add_member(user)
            members.append(user)
        return members
    path = built
    settle_clocks(path)
    people = load_members(path)
    cohort = next(p.cohort_id for p in people if p.platform == "discord")
    chosen = [p for p in people if p.cohort_id == cohort]
    fake.guild.name = chosen[0].workspace_name
    members = []
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "UPDATE workspaces SET external_id = ? WHERE platform = 'discord' "
                "AND external_id = ?",
                (str(fake.guild.id), chosen[0].workspace_id),
            )
            conn.execute(
                "UPDATE cohorts SET channel_id = ? WHERE id = ?", (str(fake.channel.id), cohort)
            )
            for person in chosen:
                user = fake.add_user(f"member{person.id}", global_name=person.display_name)
                fake.guild.add_member(user)
                members.append(user)
                conn.execute(
                    "UPDATE members SET user_id = ? WHERE id = ?", (str(user.id), person.id)
                )
    finally:
        conn.close()
    return members


async def run(
    folder: Path,
    interactions: int,
    concurrency: int,
    built: Path | None = None,
    rate: float | None = None,
    *,
    floor: bool = False,
) -> tuple[Run, Run]:
    """Serve with ``reachout run`` in its own process, as in production (with ``floor``,
    discord.py alone: ``benchmarks._floor``), and drive it: a warm-up, a baseline one at a
    time, then the measured batch at ``concurrency`` (or, with ``rate``, arriving at that
    rate)."""
    async with FakeDiscord(validate=False) as fake:
        members = fake_members(fake, built)
        known = None if built is None else member_count(built)
        bot = await start_bot(folder, bot_environment(fake), "discord" if floor else None)
        try:
            await fake.wait_for_session()
            await fake.wait_for(lambda: bool(fake.global_commands))
            rng = random.Random(1)
            if built is not None:
                # Everyone once, so first sightings and a cold page cache stay out of the timing.
                for user in members:
                    await one(fake, "progress", {}, user)
            await drive(fake, members, commands(WARM_UP, rng), concurrency, Results())
            baseline = await measure(fake, members, commands(BASELINE, rng), 1, bot.pid)
            work = commands(interactions, rng)
            loaded = await measure(fake, members, work, concurrency, bot.pid, rate)
        finally:
            bot.send_signal(signal.SIGINT)
            await bot.wait()
    if built is not None and member_count(built) != known:
        raise SystemExit("the bot created members: commands did not all come from the database's")
    return baseline, loaded


@dataclass
class PressRun:
    """The buttons-and-autocomplete phase: latencies in seconds, and what went wrong."""

    presses: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    typed: list[float] = field(default_factory=list)
    suggest: list[float] = field(default_factory=list)
    contacts: list[float] = field(default_factory=list)
    unanswered: int = 0
    """Presses, first or second, with no accepted first response."""
    refused: int = 0
    """First presses not answered by the DM's update and "Logged a follow-up"."""
    again_wrong: int = 0
    """Second presses not answered "Already done"."""
    typed_unanswered: int = 0
    suggest_unanswered: int = 0
    suggest_wrong: int = 0
    """Autocomplete answers with other choices than the member's matching contacts."""
    reminders: int = 0
    reminders_after: float = 0.0
    missing: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)
    cpu: CpuMeter = field(default_factory=lambda: CpuMeter(None))


def _origin(fake: FakeDiscord, user: FakeUser) -> Origin:
    """The member as the adapter names them in the fake's server channel."""
    return Origin(
        "discord",
        str(fake.guild.id),
        fake.guild.name,
        str(fake.channel.id),
        str(user.id),
        user.global_name or user.username,
    )


async def presses_phase(
    folder: Path, members: int, rounds: int, contacts: int, cycles: int
) -> PressRun:
    """``reachout run`` on a seeded database: presses at ``members`` in flight, rounds of
    them, then autocomplete for a member with ``contacts`` contacts (``folder`` exists)."""
    result = PressRun()
    async with FakeDiscord(validate=False, wait_timeout=10.0) as fake:
        users = []
        for n in range(members):
            user = fake.add_user(f"presser{n}", global_name=f"Presser {n}")
            fake.guild.add_member(user)
            users.append(user)
        collector = fake.add_user("collector", global_name="Collector")
        fake.guild.add_member(collector)
        env = bot_environment(fake)
        env["REACHOUT_DATABASE"] = str(folder / "reachout.db")
        origins = [_origin(fake, user) for user in users]
        await seed(env, origins, rounds, _origin(fake, collector), contacts)
        started = time.monotonic()
        bot = await start_bot(folder, env)
        result.cpu = CpuMeter(bot.pid)
        try:
            await fake.wait_for_session()
            await fake.wait_for(lambda: bool(fake.global_commands))
            reminders = await _reminders(fake, users, rounds)
            result.reminders = len(reminders)
            result.reminders_after = time.monotonic() - started
            await asyncio.gather(*(one(fake, "progress", {}, user) for user in users))
            await _suggest_cycle(fake, collector, contacts, PressRun())  # warm-up
            for r in range(rounds):
                pressing = _press_round(fake, users, reminders, r, result, second=False)
                typing = _typed_round(fake, users, r, result)
                order = [("press", pressing), ("typed", typing)]
                for kind, work in order if r % 2 == 0 else order[::-1]:
                    await result.cpu.measure(kind, work)
                await result.cpu.measure(
                    "again", _press_round(fake, users, reminders, r, result, second=True)
                )
            for _ in range(cycles):
                await _suggest_cycle(fake, collector, contacts, result)
        finally:
            bot.send_signal(signal.SIGINT)
            await bot.wait()
    expected = {
        name(r, i): 1
        for r in range(rounds)
        for i in range(members)
        for name in (pressed_name, typed_name)
    }
    result.missing, result.doubled, result.problems = check_follow_ups(
        folder / "reachout.db", expected
    )
    return result


async def _reminders(
    fake: FakeDiscord, users: list[FakeUser], rounds: int
) -> dict[tuple[int, int], dict[str, Any]]:
    """Each member's *Followed up* reminder DMs, by (round, member), as first sent."""
    wanted = len(users) * rounds
    deadline = time.monotonic() + 30 + wanted / 20  # two paced requests a DM at 45/s
    found: dict[tuple[int, int], dict[str, Any]] = {}
    while len(found) < wanted:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(found)} of {wanted} reminders with buttons arrived")
        await asyncio.sleep(0.1)
        for i, user in enumerate(users):
            for message in fake.dms_to(user):
                text = message_text(message)
                for r in range(rounds):
                    if f"wrote to {pressed_name(r, i)}." in text and message.get("components"):
                        found.setdefault((r, i), json.loads(json.dumps(message)))
    return found


def _button(message: dict[str, Any], label: str) -> str:
    [found] = [
        b["custom_id"]
        for row in message["components"]
        for b in row["components"]
        if b.get("label") == label
    ]
    return str(found)


async def _answer(fake: FakeDiscord, started: Any) -> tuple[FakeInteraction | None, Any]:
    """The interaction ``started`` dispatches and its first response, or Nones if lost."""
    try:
        async with asyncio.timeout(2 * fake.interaction_deadline):
            interaction = await started
            return interaction, await interaction.first_response()
    except (TimeoutError, RuntimeError):
        return None, None


async def _said(fake: FakeDiscord, interaction: FakeInteraction, first: Any) -> str:
    """What a press told the presser: the words of its first response, or of the private
    follow-up after an update that carried none (a refusal comes apart from the DM)."""
    text = message_text(first.data or {})
    if first.type not in (6, 7) or "Logged a follow-up" in text:
        return text
    try:
        async with asyncio.timeout(2 * fake.interaction_deadline):
            return message_text(await interaction.followup())
    except TimeoutError:
        return ""


async def _press_round(
    fake: FakeDiscord,
    users: list[FakeUser],
    reminders: dict[tuple[int, int], dict[str, Any]],
    r: int,
    result: PressRun,
    *,
    second: bool,
) -> None:
    """Every member presses *Followed up* on their round-``r`` reminder at once (``second``:
    again, as a client still showing the buttons would)."""
    answers = await asyncio.gather(
        *(
            _answer(
                fake,
                fake.click(reminders[r, i], _button(reminders[r, i], FOLLOWED_UP), as_seen=second),
            )
            for i in range(len(users))
        )
    )
    said = await asyncio.gather(
        *(_said(fake, i, first) for i, first in answers if i is not None and first.accepted)
    )
    words = iter(said)
    for interaction, first in answers:
        if interaction is None or not first.accepted:
            result.unanswered += 1
            continue
        text = next(words)
        (result.again if second else result.presses).append(first.elapsed)
        if second:
            result.again_wrong += "Already done" not in text
            continue
        if first.type != 7 or "Logged a follow-up" not in text:
            result.refused += 1


async def _typed_round(fake: FakeDiscord, users: list[FakeUser], r: int, result: PressRun) -> None:
    """The baseline: every member types ``/followup`` for their round-``r`` typed contact."""
    answers = await asyncio.gather(
        *(
            _answer(fake, fake.send_interaction("followup", {"contact": typed_name(r, i)}, user=u))
            for i, u in enumerate(users)
        )
    )
    for interaction, first in answers:
        if interaction is None or not first.accepted:
            result.typed_unanswered += 1
        else:
            result.typed.append(first.elapsed)


async def _suggest_cycle(
    fake: FakeDiscord, collector: FakeUser, contacts: int, result: PressRun
) -> None:
    """Each of ``TYPINGS`` in ``/followup contact:``, one at a time, then ``/contacts``."""
    names = [collector_name(n).casefold() for n in range(contacts)]
    for typed in TYPINGS:
        interaction, first = await _answer(
            fake, fake.autocomplete("followup", {"contact": typed}, "contact", user=collector)
        )
        if interaction is None or not first.accepted or first.type != 8:
            result.suggest_unanswered += 1
            continue
        result.suggest.append(first.elapsed)
        expected = min(25, sum(1 for n in names if typed.casefold() in n))
        choices = interaction.choices or []
        result.suggest_wrong += len(choices) != expected or not all(
            typed.casefold() in c["value"].casefold() for c in choices
        )
    try:
        result.contacts.append(await one(fake, "contacts", {}, collector))
    except (TimeoutError, LookupError):
        result.suggest_unanswered += 1


def press_rows(
    run: PressRun, members: int, rounds: int, contacts: int
) -> list[tuple[str, str, bool]]:
    """The phase's lines of the table."""
    if not run.typed or not run.presses or not run.suggest or not run.contacts:
        return [("buttons and autocomplete", "nothing answered", False)]

    def spread(values: list[float]) -> str:
        return f"{percentile(values, 0.5) * 1000:.1f} / {percentile(values, 0.99) * 1000:.1f} ms"

    typed99, press99 = percentile(run.typed, 0.99), percentile(run.presses, 0.99)
    contacts99, suggest99 = percentile(run.contacts, 0.99), percentile(run.suggest, 0.99)
    count = members * rounds
    return [
        (
            f"buttons: {run.reminders} reminder DMs with buttons sent at start-up",
            f"all in {run.reminders_after:.1f} s from spawn",
            True,
        ),
        (
            f"typed /followup, {members} at once (baseline), p50 / p99",
            spread(run.typed),
            run.typed_unanswered == 0,
        ),
        (
            f"*Followed up* on a DM, {members} at once, p50 / p99 -> first response "
            '(the DM updated, "Logged a follow-up" in it)',
            f"{spread(run.presses)} = {press99 / typed99:.2f}x baseline p99 "
            f"(target p99 <= {TARGET_PRESS_P99 * 1000:.0f} ms)",
            press99 <= TARGET_PRESS_P99,
        ),
        ("second press of each (already done), p50 / p99", spread(run.again), True),
        (
            f'presses without a response / refused / second not "already done", of {count}',
            f"{run.unanswered} / {run.refused} / {run.again_wrong}",
            run.unanswered == 0 and run.refused == 0 and run.again_wrong == 0,
        ),
        (
            f"follow-ups in the database: missing / twice, of {2 * count}",
            f"{run.missing} / {run.doubled}",
            run.missing == 0 and run.doubled == 0,
        ),
        (
            "bot CPU per press / second press / typed /followup",
            " / ".join(
                f"{run.cpu.per(kind, count) * 1000:.2f} ms" for kind in ("press", "again", "typed")
            ),
            True,
        ),
        (
            f"/contacts of a member with {contacts:,} contacts (baseline), p50 / p99",
            spread(run.contacts),
            True,
        ),
        (
            f"autocomplete /followup contact: ({len(run.suggest)}), p50 / p99",
            f"{spread(run.suggest)} = {suggest99 / contacts99:.2f}x baseline p99 "
            f"(target p99 <= {TARGET_SUGGEST_P99 * 1000:.0f} ms)",
            suggest99 <= TARGET_SUGGEST_P99,
        ),
        (
            "autocomplete without an answer / with wrong choices",
            f"{run.suggest_unanswered} / {run.suggest_wrong}",
            run.suggest_unanswered == 0 and run.suggest_wrong == 0,
        ),
    ]


def member_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM members").fetchone()[0])
    finally:
        conn.close()


def bot_environment(fake: FakeDiscord) -> dict[str, str]:
    """``reachout run`` pointed at the fake, running this checkout's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        {
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            "REACHOUT_DATABASE": "reachout.db",
            "REACHOUT_LOG_LEVEL": "WARNING",
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    return env


def floor_rows(floor: Run, loaded: Run, count: int) -> list[tuple[str, str, bool]]:
    """The same load on discord.py alone (``benchmarks._floor``), and the bot as a ratio."""
    latencies = floor.results.latencies
    lost = floor.results.unanswered + floor.results.late
    p99, bot_p99 = percentile(latencies, 0.99), percentile(loaded.results.latencies, 0.99)
    rows = [
        (
            "floor, discord.py alone: p99 / lost",
            f"{p99 * 1000:.1f} ms / {lost}; reachout = {bot_p99 / p99:.2f}x",
            True,
        )
    ]
    if floor.bot_cpu is not None and loaded.bot_cpu is not None:
        per, bot_per = floor.bot_cpu / count, loaded.bot_cpu / count
        rows.append(
            (
                "floor, discord.py alone: CPU per interaction",
                f"{per * 1000:.2f} ms; reachout = {bot_per / per:.2f}x, "
                f"{(bot_per - per) * 1000:.2f} ms more",
                True,
            )
        )
    return rows


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="200 interactions, for development")
    parser.add_argument(
        "--actions",
        type=int,
        metavar="N",
        help="run on the engine benchmark's database of N actions (built once, cached)",
    )
    parser.add_argument(
        "--rate", type=float, metavar="R", help="open loop: R interactions a second, arriving"
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
        help=f"contacts of the member who asks for autocomplete (default {CONTACTS:,})",
    )
    parser.add_argument(
        "--no-presses", action="store_true", help="skip the buttons and autocomplete phase"
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the same load on discord.py alone"
    )
    args = parser.parse_args()
    if args.actions is not None and args.actions < 1:
        parser.error("--actions: give a number of actions above 0")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate: give interactions a second above 0")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds: between 1 and 20 (a member logs at most 20 emails a day)")
    count = 200 if args.quick else args.interactions
    rounds = 2 if args.quick else args.rounds
    cycles = 8 if args.quick else CYCLES
    pressed = None
    with tempfile.TemporaryDirectory() as folder:
        built = None
        if args.actions is not None:
            built = cached_copy(platform_scale(args.actions), SEED, live_now(), Path(folder))
        floor = None
        if not args.no_floor:
            (Path(folder) / "floor").mkdir()
            _, floor = asyncio.run(
                run(Path(folder) / "floor", count, args.concurrency, None, args.rate, floor=True)
            )
        baseline, loaded = asyncio.run(run(Path(folder), count, args.concurrency, built, args.rate))
        if not args.no_presses:
            (Path(folder) / "presses").mkdir()
            pressed = asyncio.run(
                presses_phase(
                    Path(folder) / "presses", args.concurrency, rounds, args.contacts, cycles
                )
            )
    unit = percentile(baseline.results.latencies, 0.50)
    start = "INTERACTION_CREATE" if args.rate is None else "due time"
    results = loaded.results
    missing = results.unanswered + results.late
    p50, p99 = percentile(results.latencies, 0.50), percentile(results.latencies, 0.99)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f} ms = {seconds / unit:.0f}x"

    rows = [
        (
            f"baseline: {BASELINE} one at a time, p50 (the unit)",
            f"{unit * 1000:.1f} ms, {BASELINE / baseline.elapsed:.0f} interactions/s",
            True,
        ),
        (
            f"{count} at concurrency {args.concurrency}: throughput"
            if args.rate is None
            else f"{count} arriving at {args.rate:.0f}/s: rate answered",
            f"{len(results.latencies) / loaded.elapsed:.0f} interactions/s",
            True,
        ),
        *(
            []
            if loaded.sending is None
            else [("rate sent", f"{(count - 1) / loaded.sending:.0f} interactions/s", True)]
        ),
        (f"p50 {start} -> first response", ms(p50), True),
        (
            f"p99 {start} -> first response",
            f"{ms(p99)} (target <= {TARGET_P99 * 1000:.0f} ms)",
            p99 <= TARGET_P99,
        ),
        ("max", ms(max(results.latencies)), True),
        ("without a response (or too late)", str(missing), missing == 0),
    ]
    if loaded.bot_cpu is not None:
        per = loaded.bot_cpu / count
        rows.append(
            (
                "bot process CPU per interaction",
                f"{per * 1000:.2f} ms (busy {loaded.bot_cpu / loaded.elapsed:.0%} of a core)",
                True,
            )
        )
    if floor is not None:
        rows += floor_rows(floor, loaded, count)
    for command, latencies in sorted(results.by_command.items()):
        spread = f"p50 {ms(percentile(latencies, 0.5))}, p99 {ms(percentile(latencies, 0.99))}"
        rows.append((f"  /{command} ({len(latencies)})", spread, True))
    if pressed is not None:
        rows += press_rows(pressed, args.concurrency, rounds, args.contacts)
    width = max(len(r[0]) for r in rows)
    for name, value, ok in rows:
        print(f"{name:<{width}}  {value}  {'PASS' if ok else 'FAIL'}")
    for problem in [] if pressed is None else pressed.problems[:10]:
        print(f"  {problem}")
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
