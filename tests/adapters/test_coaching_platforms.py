"""The check-back after an interview, end to end through the fake Discord and the fake Slack,
with the real discord.py and slack-bolt: scheduled by a slash command, asked by DM the
morning after, answered by a typed command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from adapters.discord.client import ReachoutClient
from bot.clock import ManualClock
from bot.runtime import Runtime
from tests.adapters.conftest import SlackBot, shown
from tests.adapters.discord_fixtures import connected, discord_runtime, message_text
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import MEMBER_ID, ORGANIZER_ID


@pytest_asyncio.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def discord_core(
    tmp_path: Path, discord_fake: FakeDiscord, clock: ManualClock
) -> AsyncIterator[Runtime]:
    async with discord_runtime(tmp_path, discord_fake, clock) as opened:
        yield opened


@pytest_asyncio.fixture
async def client(discord_core: Runtime, discord_fake: FakeDiscord) -> AsyncIterator[ReachoutClient]:
    async with connected(discord_core, discord_fake) as connected_client:
        yield connected_client


async def test_the_check_back_arrives_by_discord_dm_once_and_done_is_typed_back(
    client: ReachoutClient, discord_core: Runtime, discord_fake: FakeDiscord, clock: ManualClock
) -> None:
    runtime, fake = discord_core, discord_fake
    interaction = await fake.send_interaction(
        "interview", {"contact": "Jane Doe", "status": "scheduled", "on": "2026-11-27"}
    )
    scheduled = str((await interaction.first_response()).content)
    assert "I'll check in privately on Mon 30 Nov" in scheduled
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 09:00 in New York
    await runtime.courier.run_due()
    await runtime.courier.run_due()
    [question] = fake.dms_to(fake.member)
    assert "Did your conversation with Jane Doe on Fri 27 Nov happen?" in message_text(question)
    assert fake.schema_errors == []
    answer = await fake.send_interaction("interview", {"contact": "Jane Doe", "status": "done"})
    assert "Send a short thank-you today" in str((await answer.first_response()).content)


async def test_the_check_back_arrives_by_slack_dm_in_the_members_own_zone(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await slack_bot.command("/cohort", "setup", user_id=ORGANIZER_ID)
    ack = await slack_bot.command("/interview", "Jane Doe status:scheduled on:2026-11-27 at:15:00")
    await slack_bot.settled()
    assert ack is not None
    clock.set(datetime(2026, 11, 30, 9, 5, tzinfo=UTC))  # Monday 09:05 in ada's London
    await slack_bot.runtime.courier.run_due()
    dm = slack_bot.fake.calls.last("chat.postMessage").params["channel"]
    [question] = slack_bot.fake.messages[dm]
    assert "Did your conversation with Jane Doe on Fri 27 Nov happen?" in shown(question)
    assert "/interview Jane Doe status:moved on:YYYY-MM-DD" in shown(question)
    await slack_bot.runtime.courier.run_due()
    assert len(slack_bot.fake.messages[dm]) == 1
    assert slack_bot.fake.calls.last("conversations.open").params["users"] == MEMBER_ID
