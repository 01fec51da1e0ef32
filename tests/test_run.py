"""``reachout run`` as an organiser starts it: a real process, the fakes on loopback.

Start-up that explains itself (one line for a platform it cannot reach, the other served),
JSON logs a collector can parse, and no secret in any log line, even at DEBUG.
"""

from __future__ import annotations

import asyncio
import json
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
import pytest
import pytest_asyncio

from tests.adapters.conftest import SIGNING_SECRET
from tests.conftest import TIMEZONE
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
HEALTH_LINE = re.compile(r"health: serving (http://127\.0\.0\.1:\d+)/healthz")


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


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
async def reachout_run(env: dict[str, str], cwd: Path) -> AsyncIterator[Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
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


async def test_discord_unreachable_at_start_is_one_line_and_slack_keeps_serving(
    tmp_path: Path, slack: FakeSlack
) -> None:
    port = closed_port()
    env = base_env(
        tmp_path / "reachout.db",
        DISCORD_TOKEN="some-discord-token-value",
        DISCORD_API_BASE_URL=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
        **slack_socket_env(slack),
    )
    async with reachout_run(env, tmp_path) as bot:
        await slack.socket.wait_connected(within=20)
        ack = await (await slack.socket_send("slash_commands", slack.slash_command("/sent", "")))
        line = await bot.line_matching(re.compile(r"ERROR reachout: discord: .*"))
        status, health = await bot.health()
        stopped, log = await bot.stop()

    assert "Logged 1 outreach email" in json.dumps(ack.payload)
    assert line.group(0).endswith(
        f"discord: cannot reach Discord at http://127.0.0.1:{port}/api/v10 "
        "(ClientConnectorError); check this machine's network and DNS, any proxy, and "
        "https://discordstatus.com (trying again in 5 s while the others keep serving)"
    )
    assert status == 503
    assert health["platforms"]["slack"] == "connected"
    assert health["platforms"]["discord"].startswith("cannot reach Discord at")
    assert stopped == 0
    assert "Traceback" not in log
    assert "some-discord-token-value" not in log


async def test_a_token_refused_while_the_other_platform_serves_is_retried_not_fatal(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = base_env(
        tmp_path / "reachout.db",
        **{**discord_env(discord), "DISCORD_TOKEN": "revoked.token.value"},
        **slack_socket_env(slack),
    )
    async with reachout_run(env, tmp_path) as bot:
        await slack.socket.wait_connected(within=20)
        line = await bot.line_matching(re.compile(r"discord: DISCORD_TOKEN: .*"))
        status, health = await bot.health()
        stopped, log = await bot.stop()

    assert line.group(0).startswith(
        "discord: DISCORD_TOKEN: Discord refused this bot token. Copy it again from the "
        "Developer Portal"
    )
    assert (status, health["platforms"]["slack"]) == (503, "connected")
    assert stopped == 0
    assert "Traceback" not in log
    assert "revoked.token.value" not in log


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_no_secret_reaches_the_log_at_debug_through_start_up_and_a_failing_request(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord, fmt: str
) -> None:
    env = base_env(
        tmp_path / "reachout.db",
        REACHOUT_LOG_LEVEL="DEBUG",
        REACHOUT_LOG_FORMAT=fmt,
        **discord_env(discord),
        **slack_socket_env(slack),
    )
    async with reachout_run(env, tmp_path) as bot:
        await slack.socket.wait_connected(within=20)
        await discord.wait_for_session()
        await discord.wait_for(lambda: len(discord.global_commands) > 0)
        answered = await discord.send_interaction("sent", {"contact": "Jane Doe"})
        await answered.first_response()
        await (await slack.socket_send("slash_commands", slack.slash_command("/progress")))
        # A request that fails: Discord refuses the answer to an interaction.
        discord.fail_next(
            "POST", "/interactions/{id}/{token}/callback", status=400, code=50035, message="no"
        )
        await discord.send_interaction("sent", {"count": 2})
        await bot.line_matching(re.compile("discord: /sent failed"))
        status, health = await bot.health()
        stopped, log = await bot.stop()

    assert (status, stopped) == (200, 0), health
    for secret in (discord.token, slack.bot_token, slack.app_token, SIGNING_SECRET):
        assert secret not in log
    if fmt == "text":
        return
    lines = [json.loads(line) for line in log.splitlines()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert {line["level"] for line in lines} >= {"DEBUG", "INFO", "ERROR"}
    handled = [line for line in lines if line.get("command") == "sent"]
    assert handled[0]["platform"] == "discord"
    assert handled[0]["workspace"] == str(discord.guild.id)
    assert isinstance(handled[0]["duration"], float)
    assert handled[0]["message"].startswith("/sent ok in ")
    slack_handled = [line for line in lines if line.get("command") == "progress"]
    assert slack_handled[0]["platform"] == "slack"
    failures = [line for line in lines if "discord: /sent failed" in line["message"]]
    assert "exception" in failures[0]  # the traceback travels inside the JSON line
