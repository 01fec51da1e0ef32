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
"""

from __future__ import annotations

import argparse
import asyncio
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
from tests.fakes.discord import FakeDiscord, FakeUser

MEMBERS = 200
WARM_UP = 50
SEED = 20251119
BASELINE = 200
TARGET_P99 = 0.100
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


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process, where /proc tells (Linux)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
) -> tuple[Run, Run]:
    """Serve with ``reachout run`` in its own process, as in production, and drive it:
    a warm-up, a baseline one at a time, then the measured batch at ``concurrency`` (or,
    with ``rate``, arriving at that rate)."""
    async with FakeDiscord(validate=False) as fake:
        members = fake_members(fake, built)
        known = None if built is None else member_count(built)
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=folder,
            env=bot_environment(fake),
            stderr=asyncio.subprocess.DEVNULL,
        )
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
    args = parser.parse_args()
    if args.actions is not None and args.actions < 1:
        parser.error("--actions: give a number of actions above 0")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate: give interactions a second above 0")
    count = 200 if args.quick else args.interactions
    with tempfile.TemporaryDirectory() as folder:
        built = None
        if args.actions is not None:
            built = cached_copy(platform_scale(args.actions), SEED, live_now(), Path(folder))
        baseline, loaded = asyncio.run(run(Path(folder), count, args.concurrency, built, args.rate))
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
    for command, latencies in sorted(results.by_command.items()):
        spread = f"p50 {ms(percentile(latencies, 0.5))}, p99 {ms(percentile(latencies, 0.99))}"
        rows.append((f"  /{command} ({len(latencies)})", spread, True))
    width = max(len(r[0]) for r in rows)
    for name, value, ok in rows:
        print(f"{name:<{width}}  {value}  {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
