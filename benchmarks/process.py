"""The bot as a process: start-up, memory at rest and after work, and shutdown.

    python -m benchmarks.process [--commands 10000] [--concurrency 50]

``reachout run`` starts in its own process with both adapters on, Discord and Slack (Socket
Mode), against the fakes of ``tests/fakes`` on 127.0.0.1 and a fresh SQLite database. It
measures:

- start-up: from spawning the process to the first answered command on each platform;
- idle RSS once both are connected and a first command has run on each;
- RSS after ``--commands`` commands (half on each platform, ``--concurrency`` in flight),
  and the peak;
- shutdown: from SIGINT to the process's exit.

The baseline, measured in the same run, is a bare interpreter (``python -c``): its start to
exit, and its RSS. Targets (issue 14): idle RSS <= 60 MB, shutdown <= 1 s, no command lost.
Exits non-zero if one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._serve import start_bot
from benchmarks.engine import machine
from tests.fakes.discord import FakeDiscord, FakeUser
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 100
START_TIMEOUT = 60.0
ANSWER_TIMEOUT = 10.0
IDLE_SECONDS = 3.0
TARGET_IDLE_RSS_MB = 60.0
TARGET_SHUTDOWN_S = 1.0
DISCORD_MIX: tuple[tuple[str, dict[str, Any]], ...] = (
    ("sent", {"count": 1}),
    ("progress", {}),
    ("leaderboard", {"metric": "emails"}),
    ("contacts", {}),
)
SLACK_MIX: tuple[tuple[str, str], ...] = (
    ("/sent", "count:1"),
    ("/progress", ""),
    ("/leaderboard", ""),
    ("/contacts", ""),
)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process from /proc (Linux), in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    raise LookupError(f"{field} not in /proc/{pid}/status")


async def bare_interpreter() -> tuple[float, float]:
    """The baseline: seconds from spawn to exit of ``python -c pass``, and the RSS of an
    interpreter that has started and waits."""
    started = time.monotonic()
    quick = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await quick.wait()
    seconds = time.monotonic() - started
    waiting = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; print(flush=True); sys.stdin.read()",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert waiting.stdout is not None
    assert waiting.stdin is not None
    await waiting.stdout.readline()
    rss = rss_mb(waiting.pid)
    waiting.stdin.close()
    await waiting.wait()
    return seconds, rss


def bot_environment(discord: FakeDiscord, slack: FakeSlack, folder: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "REACHOUT_DATABASE": str(folder / "reachout.db"),
            "REACHOUT_TIMEZONE": "America/New_York",
            "REACHOUT_LOG_LEVEL": "WARNING",
            "DISCORD_TOKEN": discord.token,
            "DISCORD_API_BASE_URL": discord.api_base,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_BASE_URL": slack.api_base,
        }
    )
    return env


@dataclass
class Figures:
    baseline_start: float
    baseline_rss: float
    first_discord: float
    first_slack: float
    idle_rss: float
    commands: int
    lost: int
    work_seconds: float
    rss_after: float
    peak_rss: float
    shutdown: float
    exit_status: int


class Driver:
    """Sends commands the way each platform does and waits for their answers."""

    def __init__(self, discord: FakeDiscord, slack: FakeSlack, users: list[FakeUser]) -> None:
        self.discord = discord
        self.slack = slack
        self.users = users

    async def discord_command(self, n: int) -> None:
        command, options = DISCORD_MIX[n % len(DISCORD_MIX)]
        sent = await self.discord.send_interaction(
            command, options, user=self.users[n % len(self.users)]
        )
        await asyncio.wait_for(sent.first_response(), ANSWER_TIMEOUT)

    async def slack_command(self, n: int) -> None:
        command, text = SLACK_MIX[n % len(SLACK_MIX)]
        form = self.slack.slash_command(command, text, user_id=slack_member(n % MEMBERS))
        sent = await self.slack.socket_send("slash_commands", form)
        await sent.ack(within=ANSWER_TIMEOUT)


def slack_member(index: int) -> str:
    return f"U0PROC{index:03d}"


async def run_all(
    count: int, concurrency: int, send: Callable[[int], Awaitable[None]]
) -> tuple[int, float]:
    """``count`` commands, ``concurrency`` in flight; how many went unanswered, and the time."""
    numbers = iter(range(count))
    lost = 0

    async def worker() -> None:
        nonlocal lost
        for n in numbers:
            try:
                await send(n)
            except (TimeoutError, AssertionError):
                lost += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lost, time.monotonic() - started


async def measure(commands: int, concurrency: int) -> Figures:
    baseline_start, baseline_rss = await bare_interpreter()
    async with FakeDiscord(validate=False) as discord, FakeSlack() as slack:
        users = []
        for n in range(MEMBERS):
            user = discord.add_user(f"member{n}", global_name=f"Member {n}")
            discord.guild.add_member(user)
            users.append(user)
            slack.add_user(slack_member(n), name=f"member{n}", tz="Europe/Berlin")
        driver = Driver(discord, slack, users)
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            bot = await start_bot(folder, bot_environment(discord, slack, Path(folder)))
            try:
                async with asyncio.timeout(START_TIMEOUT):
                    first_discord, first_slack = await asyncio.gather(
                        first_answer(started, discord_ready(discord), driver.discord_command),
                        first_answer(
                            started,
                            slack.socket.wait_connected(within=START_TIMEOUT),
                            driver.slack_command,
                        ),
                    )
                await asyncio.sleep(IDLE_SECONDS)
                idle_rss = rss_mb(bot.pid)
                half = commands // 2
                (lost_d, seconds_d), (lost_s, seconds_s) = await asyncio.gather(
                    run_all(half, concurrency // 2, driver.discord_command),
                    run_all(commands - half, concurrency - concurrency // 2, driver.slack_command),
                )
                rss_after = rss_mb(bot.pid)
                peak = rss_mb(bot.pid, "VmHWM")
                stopping = time.monotonic()
                bot.send_signal(signal.SIGINT)
                status = await asyncio.wait_for(bot.wait(), 30)
                shutdown = time.monotonic() - stopping
            finally:
                if bot.returncode is None:
                    bot.kill()
                    await bot.wait()
    return Figures(
        baseline_start,
        baseline_rss,
        first_discord,
        first_slack,
        idle_rss,
        commands,
        lost_d + lost_s,
        max(seconds_d, seconds_s),
        rss_after,
        peak,
        shutdown,
        status,
    )


async def discord_ready(discord: FakeDiscord) -> None:
    await discord.wait_for_session()
    await discord.wait_for(lambda: bool(discord.global_commands))


async def first_answer(
    started: float, ready: Awaitable[object], send: Callable[[int], Awaitable[None]]
) -> float:
    """Seconds from spawning the bot to the answer of its first command on one platform."""
    await ready
    for attempt in itertools.count():
        try:
            await send(attempt)
        except (TimeoutError, AssertionError):
            continue
        return time.monotonic() - started
    raise AssertionError("unreachable")


def report(f: Figures) -> list[tuple[str, str, bool | None]]:
    met_rss = f.idle_rss <= TARGET_IDLE_RSS_MB
    met_shutdown = f.shutdown <= TARGET_SHUTDOWN_S and f.exit_status == 0
    return [
        (
            "baseline: bare interpreter, spawn to exit / RSS",
            f"{f.baseline_start * 1000:.0f} ms / {f.baseline_rss:.1f} MB",
            None,
        ),
        (
            "start-up to first answered command, Discord",
            f"{f.first_discord:.2f} s = {f.first_discord / f.baseline_start:.0f}x",
            None,
        ),
        (
            "start-up to first answered command, Slack (Socket Mode)",
            f"{f.first_slack:.2f} s = {f.first_slack / f.baseline_start:.0f}x",
            None,
        ),
        (
            "idle RSS, both adapters",
            f"{f.idle_rss:.1f} MB = {f.idle_rss / f.baseline_rss:.1f}x "
            f"(target <= {TARGET_IDLE_RSS_MB:.0f} MB)",
            met_rss,
        ),
        (
            f"{f.commands:,} commands (half each platform): time / lost",
            f"{f.work_seconds:.1f} s ({f.commands / f.work_seconds:.0f}/s) / {f.lost}",
            f.lost == 0,
        ),
        (
            f"RSS after {f.commands:,} commands / peak",
            f"{f.rss_after:.1f} MB (+{f.rss_after - f.idle_rss:.1f} MB) / {f.peak_rss:.1f} MB",
            None,
        ),
        (
            "shutdown, SIGINT to exit",
            f"{f.shutdown * 1000:.0f} ms, exit {f.exit_status} "
            f"(target <= {TARGET_SHUTDOWN_S * 1000:.0f} ms)",
            met_shutdown,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    if args.commands < 2 or args.concurrency < 2:
        parser.error("--commands and --concurrency must be at least 2 (one per platform)")
    print(f"machine: {machine()}", flush=True)
    rows = report(asyncio.run(measure(args.commands, args.concurrency)))
    width = max(len(name) for name, _, _ in rows)
    for name, value, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<{width}}  {value}  {verdict}")
    return 0 if all(ok is not False for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
