"""Slack settings: each mistake is one clear line and a non-zero exit, before connecting."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import serve
from adapters.slack.app import Identity, SlackAdapter
from adapters.slack.config import Mode, load_config
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import ConfigError, Settings, load_settings
from bot.errors import PlatformUnreachable
from bot.runtime import Runtime
from tests.adapters.conftest import SIGNING_SECRET, slack_env
from tests.fakes.slack import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, FakeSlack


def settings_with(values: Mapping[str, str], tmp_path: Path) -> Settings:
    return load_settings({"REACHOUT_DATABASE": str(tmp_path / "r.db"), **values}, env_file=None)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"SLACK_APP_TOKEN": DEFAULT_APP_TOKEN}, "SLACK_BOT_TOKEN: not set"),
        ({"SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN: not set"),
        ({"SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN}, "SLACK_APP_TOKEN: not set. Set it (xapp-…)"),
        (
            {"SLACK_BOT_TOKEN": DEFAULT_APP_TOKEN, "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN},
            "SLACK_BOT_TOKEN: should start with xoxb-",
        ),
        (
            {"SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN, "SLACK_APP_TOKEN": DEFAULT_BOT_TOKEN},
            "SLACK_APP_TOKEN: should start with xapp-",
        ),
        (
            {
                "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
                "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
                "SLACK_API_BASE_URL": "slack.example.gov/api",
            },
            "SLACK_API_BASE_URL: 'slack.example.gov/api' is not an http(s) URL",
        ),
        (
            {
                "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "REACHOUT_HTTP_PORT": "http",
            },
            "REACHOUT_HTTP_PORT: 'http' is not a port number",
        ),
        (
            {
                "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "REACHOUT_HTTP_PORT": "70000",
            },
            "REACHOUT_HTTP_PORT: '70000' is not a port number",
        ),
    ],
)
def test_a_bad_or_missing_setting_is_named(
    values: dict[str, str], problem: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(settings_with(values, tmp_path))

    assert str(raised.value).startswith(problem)
    assert DEFAULT_BOT_TOKEN not in str(raised.value)
    assert DEFAULT_APP_TOKEN not in str(raised.value)


def test_socket_mode_is_chosen_when_the_app_token_is_set(tmp_path: Path) -> None:
    both = settings_with(
        {
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        },
        tmp_path,
    )
    http = settings_with(
        {
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": "https://slack-gov.com/api",
        },
        tmp_path,
    )

    assert load_config(both).mode is Mode.SOCKET
    config = load_config(http)
    assert (config.mode, config.http_host, config.http_port) == (Mode.HTTP, "127.0.0.1", 3000)
    assert config.api_base_url == "https://slack-gov.com/api/"


Cli = Callable[[list[str]], int]


def last_line(err: str) -> str:
    """The error line (an INFO line about starting may come before it)."""
    assert "Traceback" not in err
    return err.splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SLACK_APP_TOKEN": DEFAULT_APP_TOKEN}, "reachout: SLACK_BOT_TOKEN: not set."),
        ({"SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN}, "reachout: SLACK_APP_TOKEN: not set."),
    ],
)
def test_reachout_run_with_half_a_pair_prints_one_line_and_fails(
    env: dict[str, str],
    line: str,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    status = cli(["run"])

    assert status == 2
    assert last_line(capsys.readouterr().err).startswith(line)


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_reachout_run_with_a_token_slack_refuses_prints_one_line(
    mode: str,
    fake: FakeSlack,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in slack_env(fake, mode, tmp_path / "reachout.db").items():
        monkeypatch.setenv(name, value)
    refused = "SLACK_BOT_TOKEN"
    if mode == "socket":
        fake.revoke_token(fake.app_token)
        refused = "SLACK_APP_TOKEN"
    else:
        fake.revoke_token(fake.bot_token)

    status = await asyncio.to_thread(cli, ["run"])  # its own event loop, as in production

    assert status == 2
    error = last_line(capsys.readouterr().err)
    assert error.startswith(f"reachout: {refused}: Slack refused it (invalid_auth);")
    assert fake.socket.connections == []


@pytest.mark.parametrize(
    ("base", "error", "problem"),
    [
        (
            "/nowhere/",
            ConfigError,
            "SLACK_API_BASE_URL: the Web API at .* answered auth.test with http_404",
        ),
        ("closed port", PlatformUnreachable, "cannot reach Slack's Web API at .* check this"),
    ],
)
async def test_a_wrong_api_base_url_is_one_clear_error(
    base: str,
    error: type[Exception],
    problem: str,
    fake: FakeSlack,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    env = slack_env(fake, "socket", tmp_path / "reachout.db")
    if base == "closed port":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            env["SLACK_API_BASE_URL"] = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    else:
        env["SLACK_API_BASE_URL"] = fake.base_url + base
    settings = load_settings(env, env_file=None)

    async with open_runtime(settings, clock) as runtime:
        with pytest.raises(error, match=problem):
            await serve(runtime.port, runtime.settings)


async def test_serve_runs_until_cancelled_and_closes_its_connection(
    fake: FakeSlack, clock: ManualClock, tmp_path: Path
) -> None:
    settings = load_settings(slack_env(fake, "socket", tmp_path / "reachout.db"), env_file=None)
    async with open_runtime(settings, clock) as runtime:
        serving = asyncio.create_task(serve(runtime.port, runtime.settings))
        connection = await fake.socket.wait_connected()
        ack = await (await fake.socket_send("slash_commands", fake.slash_command("/progress")))
        serving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await serving
        await fake.socket.wait_closed(connection)

    assert ack.payload is not None
    assert "Your week from" in str(ack.payload["blocks"])


def test_the_adapter_builds_quietly_without_connecting(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", DEFAULT_BOT_TOKEN)  # bolt reads it by itself
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url="http://127.0.0.1:9/api/")
    identity = Identity("T0REACHOUT", "Test", "U0BOT", "B0BOT", "reachout")

    with caplog.at_level(logging.DEBUG):
        adapter = SlackAdapter(runtime.port, client, identity, signing_secret=SIGNING_SECRET)

    assert adapter.app.client.token is None  # bolt gets the token per request, from authorize
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
