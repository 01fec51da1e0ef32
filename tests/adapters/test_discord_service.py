"""Running Discord as ``reachout run`` does: settings, serve(), the token, the install link.

The CLI tests start the real ``reachout`` process; the fake Discord runs in the test's own
event loop, so those processes are started with asyncio, never with a blocking call.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord.http
import pytest
import pytest_asyncio

from adapters.discord import DiscordNotifier, invite_url, serve
from adapters.discord.config import DEFAULT_API_BASE_URL, load_discord_config
from adapters.discord.invite import BOT_PERMISSIONS
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from bot.replies import Reply
from tests.adapters.discord_fixtures import discord_runtime, discord_settings
from tests.conftest import TIMEZONE
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
APPLICATION_ID = "1234567890123456789"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


# -- serve() ----------------------------------------------------------------------------------


async def test_serve_connects_through_the_configured_urls_answers_and_stops_cleanly(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    async with discord_runtime(tmp_path, fake, clock) as runtime:
        task = asyncio.create_task(serve(runtime.port, runtime.settings))
        await fake.wait_for_session()
        await fake.wait_for(lambda: len(fake.global_commands) == len(runtime.registry.commands))
        interaction = await fake.send_interaction("sent", {"contact": "Jane Doe"})
        assert "Logged an outreach email" in str((await interaction.first_response()).content)

        # Registered once connected: discord.py waits 2 s after the last server arrives.
        await fake.wait_for(lambda: "discord" in runtime.courier.notifiers)
        notifier = runtime.courier.notifiers["discord"]
        assert isinstance(notifier, DiscordNotifier)
        posted = await notifier.post_to_channel(
            str(fake.guild.id), str(fake.channel.id), Reply("Hello, cohort!", private=False), "k"
        )
        assert posted.ok

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert discord.http.Route.BASE == DEFAULT_API_BASE_URL
    await fake.wait_for(lambda: not fake.sessions[0].open)


async def test_a_token_discord_refuses_is_a_config_error_without_the_token(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    async with discord_runtime(tmp_path, fake, clock, DISCORD_TOKEN="not.the.token") as runtime:
        with pytest.raises(ConfigError) as raised:
            await serve(runtime.port, runtime.settings)
    assert raised.value.setting == "DISCORD_TOKEN"
    assert "Discord refused this bot token" in str(raised.value)
    assert "not.the.token" not in str(raised.value)
    assert [(r.path, r.status) for r in fake.requests] == [("/users/@me", 401)]


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("DISCORD_APPLICATION_ID", "my-bot", "is not a Discord id"),
        ("DISCORD_GUILD_IDS", "123456789012345678, general", "'general' is not a Discord id"),
        ("DISCORD_API_BASE_URL", "discord.com/api/v10", "is not a http:// or https:// URL"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "is not a ws:// or wss:// URL"),
        ("DISCORD_SHARD_COUNT", "two", "must be a whole number"),
        ("DISCORD_SHARD_IDS", "0,1", "needs DISCORD_SHARD_COUNT"),
    ],
)
async def test_a_bad_discord_setting_is_one_error_naming_it(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock, setting: str, value: str, problem: str
) -> None:
    async with discord_runtime(tmp_path, fake, clock, **{setting: value}) as runtime:
        with pytest.raises(ConfigError) as raised:
            await serve(runtime.port, runtime.settings)
    assert raised.value.setting == setting
    assert problem in str(raised.value)
    assert fake.requests == []


def test_good_discord_settings_are_read(tmp_path: Path, fake: FakeDiscord) -> None:
    settings = discord_settings(
        tmp_path,
        fake,
        DISCORD_APPLICATION_ID=APPLICATION_ID,
        DISCORD_GUILD_IDS="123456789012345678, 223456789012345678 123456789012345678",
        DISCORD_API_BASE_URL="http://127.0.0.1:8080/api/v10/",
    )
    config = load_discord_config(settings)
    assert config.application_id == int(APPLICATION_ID)
    assert config.guild_ids == (123456789012345678, 223456789012345678)
    assert config.api_base_url == "http://127.0.0.1:8080/api/v10"
    assert "fake-bot-token" not in repr(config)
    assert config.shard_count is None
    assert config.syncs_commands


def test_shard_settings_are_read_and_only_shard_0_syncs(tmp_path: Path, fake: FakeDiscord) -> None:
    first = load_discord_config(
        discord_settings(tmp_path, fake, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="0, 1 1")
    )
    second = load_discord_config(
        discord_settings(tmp_path, fake, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="2,3")
    )
    assert (first.shard_count, first.shard_ids) == (4, (0, 1))
    assert first.syncs_commands
    assert not second.syncs_commands
    with pytest.raises(ConfigError, match="not a shard of 0 to 3"):
        load_discord_config(
            discord_settings(tmp_path, fake, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="4")
        )


# -- the install link -------------------------------------------------------------------------


def test_the_permissions_are_the_least_the_bot_needs() -> None:
    assert BOT_PERMISSIONS.value == 1024 + 2048 + 16384 + 32768 == 52224
    assert not BOT_PERMISSIONS.mention_everyone
    assert not BOT_PERMISSIONS.administrator


async def test_invite_url_from_the_configured_application_id(tmp_path: Path) -> None:
    settings = load_settings(
        {"REACHOUT_DATABASE": str(tmp_path / "r.db"), "DISCORD_APPLICATION_ID": APPLICATION_ID},
        env_file=None,
    )
    assert await invite_url(settings) == (
        f"https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}"
        "&scope=bot+applications.commands&permissions=52224"
    )


async def test_invite_url_asks_discord_for_the_application_when_only_the_token_is_set(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    url = await invite_url(discord_settings(tmp_path, fake))
    assert f"client_id={fake.application_id}&" in url
    assert [r.path for r in fake.requests] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.sessions == []  # no gateway connection for a link


async def test_invite_url_without_id_or_token_says_what_to_set(tmp_path: Path) -> None:
    settings = load_settings({"REACHOUT_DATABASE": str(tmp_path / "r.db")}, env_file=None)
    with pytest.raises(ConfigError, match="DISCORD_APPLICATION_ID: not set"):
        await invite_url(settings)


# -- the reachout command ---------------------------------------------------------------------


def cli_env(**values: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
    }
    # The worktree's own code, ahead of any installed copy.
    env.update({"PYTHONPATH": str(ROOT), "REACHOUT_TIMEZONE": TIMEZONE, **values})
    return env


async def reachout(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def fake_env(fake: FakeDiscord, **values: str) -> dict[str, str]:
    """The environment of ``reachout run`` against ``fake``; ``values`` override."""
    pointing = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    return cli_env(**{**pointing, **values})


async def test_reachout_run_with_a_token_connects_and_serves_the_commands(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=fake_env(fake, REACHOUT_LOG_LEVEL="DEBUG"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for_session()
        await fake.wait_for(lambda: len(fake.global_commands) > 0)
        interaction = await fake.send_interaction("sent", {"count": 2})
        reply = await interaction.first_response()
        assert "Logged 2 outreach emails" in str(reply.content)
        assert reply.ephemeral
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert "starting discord" in log
    assert "Traceback" not in log
    assert fake.token not in log  # not even at DEBUG
    assert fake.schema_errors == []


async def test_reachout_run_with_a_refused_token_ends_with_one_clear_line(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    status, _, err = await reachout(
        "run", cwd=tmp_path, env=fake_env(fake, DISCORD_TOKEN="revoked.token.value")
    )
    assert status == 2
    assert "Traceback" not in err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith("reachout: DISCORD_TOKEN: Discord refused this bot token.")
    )
    assert "revoked.token.value" not in err


async def test_reachout_run_with_bad_guild_ids_ends_with_one_clear_line(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    status, _, err = await reachout(
        "run", cwd=tmp_path, env=fake_env(fake, DISCORD_GUILD_IDS="my-test-server")
    )
    assert status == 2
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("reachout: DISCORD_GUILD_IDS: 'my-test-server'")
    assert fake.requests == []


async def test_reachout_discord_invite_url_prints_the_link(tmp_path: Path) -> None:
    status, out, err = await reachout(
        "discord", "invite-url", cwd=tmp_path, env=cli_env(DISCORD_APPLICATION_ID=APPLICATION_ID)
    )
    assert (status, err) == (0, "")
    assert out.strip().endswith("&scope=bot+applications.commands&permissions=52224")
    status, _, err = await reachout("discord", "invite-url", cwd=tmp_path, env=cli_env())
    assert status == 2
    assert err.strip().startswith("reachout: DISCORD_APPLICATION_ID: not set")
    assert len(err.strip().splitlines()) == 1
