"""``reachout run`` as an organiser starts it: a real process, the fakes on loopback.

Start-up that explains itself (one line for a platform it cannot reach, the other served),
JSON logs a collector can parse, and no secret in any log line, even at DEBUG.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.adapters.conftest import SIGNING_SECRET
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.processes import base_env, closed_port, discord_env, reachout_run, slack_socket_env


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


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
