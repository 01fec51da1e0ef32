"""HTTP mode: Slack's signed requests at /slack/events, a health check, nothing else."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from adapters.slack import running
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from tests.adapters.conftest import SlackBot, slack_env
from tests.fakes.slack import FakeSlack

pytestmark = pytest.mark.parametrize("mode", ["http"])


@pytest.mark.parametrize("tamper", ["bad_signature", "stale", "unsigned"])
async def test_a_forged_or_stale_request_is_refused_and_changes_nothing(
    slack_bot: SlackBot, tamper: str
) -> None:
    await slack_bot.command("/progress")
    before = slack_bot.snapshot()
    calls = len(slack_bot.fake.calls)
    assert slack_bot.sender is not None

    forgery: dict[str, Any] = {tamper: True}

    command = await slack_bot.sender.slash_command(
        slack_bot.fake.slash_command("/sent", "count:3"), **forgery
    )
    event = await slack_bot.sender.event(slack_bot.fake.app_home_opened(), **forgery)
    await slack_bot.settled()

    assert (command.status, command.json()) == (401, {"error": "invalid request"})
    assert event.status == 401
    assert slack_bot.snapshot() == before
    assert len(slack_bot.fake.calls) == calls
    assert slack_bot.fake.response_posts == []


async def test_healthz_answers_ok_without_a_signature(slack_bot: SlackBot) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{slack_bot.service.url}/healthz") as response:
            health = (response.status, await response.json())
        async with session.get(f"{slack_bot.service.url}/admin") as response:
            elsewhere = response.status

    assert health == (200, {"ok": True})
    assert elsewhere == 404


async def test_the_events_url_is_verified_with_slacks_challenge(slack_bot: SlackBot) -> None:
    assert slack_bot.sender is not None

    delivery = await slack_bot.sender.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmd")

    assert delivery.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmd"}


async def test_a_port_already_in_use_is_one_clear_error(
    slack_bot: SlackBot, fake: FakeSlack, clock: ManualClock
) -> None:
    assert slack_bot.service.url is not None
    taken = slack_bot.service.url.rsplit(":", 1)[1]
    env = slack_env(fake, "http", slack_bot.runtime.settings.database.parent / "second.db")
    settings = load_settings({**env, "REACHOUT_HTTP_PORT": taken}, env_file=None)

    async with open_runtime(settings, clock) as runtime:
        problem = f"REACHOUT_HTTP_PORT: cannot listen on 127.0.0.1:{taken}"
        with pytest.raises(ConfigError, match=problem):
            async with running(runtime.port, runtime.settings):
                pass
