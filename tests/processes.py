"""Running ``reachout`` as a real process against the fakes, as an organiser would."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.conftest import SIGNING_SECRET
from tests.conftest import TIMEZONE
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
HEALTH_LINE = re.compile(r"health: serving (http://127\.0\.0\.1:\d+)/healthz")


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(database: Path, **values: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "REACHOUT_DATABASE": str(database),
            "REACHOUT_TIMEZONE": TIMEZONE,
            "REACHOUT_HEALTH_PORT": "0",
            **values,
        }
    )
    return env


def slack_socket_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        # Set although Socket Mode wins, so the redaction test can look for it too.
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.api_base,
    }


def discord_env(fake: FakeDiscord) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


class Process:
    """A running ``reachout run``: its standard error read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())
        self._changed = asyncio.Event()

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode().rstrip("\n"))
            self._changed.set()

    async def line_matching(self, pattern: re.Pattern[str], within: float = 20.0) -> re.Match[str]:
        async with asyncio.timeout(within):
            while True:
                for line in self.lines:
                    if found := pattern.search(line):
                        return found
                self._changed.clear()
                if self._reader.done():
                    raise AssertionError("reachout exited:\n" + "\n".join(self.lines))
                await self._changed.wait()

    async def health(self) -> tuple[int, dict[str, Any]]:
        url = (await self.line_matching(HEALTH_LINE)).group(1)
        async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
            return response.status, await response.json()

    async def stop(self) -> tuple[int, str]:
        """SIGINT, as Ctrl-C or ``docker stop`` (SIGTERM is handled the same way)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            status = await self.process.wait()
            await self._reader
        return status, "\n".join(self.lines)


@asynccontextmanager
async def reachout_run(
    env: dict[str, str], cwd: Path, command: tuple[str, ...] = (sys.executable, "-m", "bot", "run")
) -> AsyncIterator[Process]:
    """``reachout run`` (or ``command``) in ``cwd``; killed on exit if still running."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = Process(process)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
