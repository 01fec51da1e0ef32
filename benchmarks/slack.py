"""Slack ack latency: signed slash commands over HTTP, and envelopes over Socket Mode.

Runs the real ``reachout run`` in a subprocess against the fake Slack from ``tests/fakes``
(Web API, response_url and Socket Mode on 127.0.0.1), then sends a fixed number of slash
commands with a fixed number in flight and reports p50/p99 ack latency and how many went
unacknowledged within Slack's 3 seconds. Everything stays on loopback and stops by itself.

    python -m benchmarks.slack                       # both modes, 1,000 commands, 50 in flight
    python -m benchmarks.slack --mode http --requests 200
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

from bot.engine import DAILY_CAP
from tests.fakes.slack import FakeSlack, SlackSender

ROOT = Path(__file__).resolve().parent.parent

SIGNING_SECRET = "benchmark-signing-secret-0123456789"
ACK_DEADLINE = 3.0
START_TIMEOUT = 30.0
MEMBERS = 50
TARGET_P99_MS = 100.0


@dataclass(frozen=True)
class Outcome:
    """One command: how long its ack took, or None if it never came within the deadline."""

    command: str
    latency: float | None


def workload(count: int) -> list[tuple[str, str, str]]:
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
    members = itertools.cycle(member_id(i) for i in range(MEMBERS))
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
) -> tuple[list[Outcome], float]:
    """Every command, ``concurrency`` in flight at a time; the wall time they took."""
    gate = asyncio.Semaphore(concurrency)

    async def one(user_id: str, command: str, text: str) -> Outcome:
        async with gate:
            return Outcome(command, await send(user_id, command, text))

    started = time.monotonic()
    outcomes = await asyncio.gather(*(one(*item) for item in work))
    return list(outcomes), time.monotonic() - started


Work = list[tuple[str, str, str]]
Result = tuple[list[Outcome], float]


async def bench_http(fake: FakeSlack, work: Work, concurrency: int) -> Result:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = start_bot(fake, "http", Path(folder), port)
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_for_http(url, process)
            async with SlackSender(url, SIGNING_SECRET) as sender:

                async def send(user_id: str, command: str, text: str) -> float | None:
                    form = fake.slash_command(command, text, user_id=user_id)
                    try:
                        delivery = await asyncio.wait_for(sender.slash_command(form), ACK_DEADLINE)
                    except (TimeoutError, aiohttp.ClientError):
                        return None
                    ok = delivery.status == 200 and bool(delivery.body)
                    return delivery.elapsed if ok and delivery.elapsed <= ACK_DEADLINE else None

                result = await run_all(work, concurrency, send)
        finally:
            stop_bot(process)
        check_database(Path(folder) / "reachout.db", work)
    return result


async def bench_socket(fake: FakeSlack, work: Work, concurrency: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        before = len(fake.socket.connections)
        process = start_bot(fake, "socket", Path(folder), 0)
        try:
            await fake.socket.wait_connected(count=before + 1, within=START_TIMEOUT)

            async def send(user_id: str, command: str, text: str) -> float | None:
                sent = await fake.socket_send(
                    "slash_commands", fake.slash_command(command, text, user_id=user_id)
                )
                try:
                    ack = await sent.ack(within=ACK_DEADLINE)
                except AssertionError:
                    return None
                return ack.elapsed if ack.payload else None

            result = await run_all(work, concurrency, send)
        finally:
            stop_bot(process)
        check_database(Path(folder) / "reachout.db", work)
    return result


def check_database(path: Path, work: list[tuple[str, str, str]]) -> None:
    """Every email logged is in the database once: none lost, none doubled.

    Each /sent here logs one email, so a member has min(their /sent, the daily cap) rows.
    """
    sent: Counter[str] = Counter(user for user, command, _ in work if command == "/sent")
    expected = sum(min(count, DAILY_CAP) for count in sent.values())
    conn = sqlite3.connect(path)
    try:
        logged = conn.execute("SELECT count(*) FROM actions").fetchone()[0]
    finally:
        conn.close()
    if logged != expected:
        raise SystemExit(f"{path}: {logged} actions logged, expected {expected}")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values``, in milliseconds."""
    return values[max(0, math.ceil(share * len(values)) - 1)] * 1000


def report(mode: str, outcomes: list[Outcome], wall: float) -> bool:
    """Print the mode's line and one line per command; True if it meets the target."""
    acked = sorted(o.latency for o in outcomes if o.latency is not None)
    lost = len(outcomes) - len(acked)
    if not acked:
        print(f"{mode:<7} {len(outcomes):>6} nothing acknowledged")
        return False
    p99 = percentile(acked, 0.99)
    met = p99 <= TARGET_P99_MS and lost == 0
    print(
        f"{mode:<7} {len(outcomes):>6} {percentile(acked, 0.5):>8.1f} {p99:>8.1f} "
        f"{acked[-1] * 1000:>8.1f} {lost:>5} {len(outcomes) / wall:>8.0f}  "
        f"{'meets' if met else 'MISSES'} the target (p99 <= {TARGET_P99_MS:.0f} ms, none lost)"
    )
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


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("http", "socket", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    work = workload(args.requests)
    print(
        f"{args.requests} slash commands, {args.concurrency} in flight, {MEMBERS} members; "
        "latency in ms from sending to the ack"
    )
    print(f"{'mode':<7} {'sent':>6} {'p50':>8} {'p99':>8} {'max':>8} {'lost':>5} {'cmd/s':>8}")
    print("  (then per command: count, p50, p99)")
    results = []
    async with FakeSlack() as fake:
        for index in range(MEMBERS):
            fake.add_user(member_id(index), name=f"member{index}", tz="Europe/Berlin")
        if args.mode in ("http", "both"):
            results.append(report("http", *await bench_http(fake, work, args.concurrency)))
        if args.mode in ("socket", "both"):
            results.append(report("socket", *await bench_socket(fake, work, args.concurrency)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
