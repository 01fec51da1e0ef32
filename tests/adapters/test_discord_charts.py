"""Charts on Discord: the kickoff's in its embed, a member's own on /progress chart:yes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
from PIL import Image

from adapters.discord.client import ReachoutClient
from bot.charts.series import HEIGHT, WIDTH
from bot.clock import ManualClock
from bot.runtime import Runtime
from tests.adapters.discord_fixtures import connected, discord_runtime, run
from tests.fakes.discord import FakeDiscord

EPHEMERAL = 1 << 6
MONDAY_0900_NY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def runtime(tmp_path: Path, fake: FakeDiscord, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with discord_runtime(tmp_path, fake, clock) as opened:
        yield opened


@pytest_asyncio.fixture
async def client(runtime: Runtime, fake: FakeDiscord) -> AsyncIterator[ReachoutClient]:
    async with connected(runtime, fake) as connected_client:
        yield connected_client


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        return picture.size


async def test_the_kickoff_carries_its_chart_in_the_embed_with_alt_text(
    client: ReachoutClient, fake: FakeDiscord, runtime: Runtime, clock: ManualClock
) -> None:
    await run(fake, "cohort setup", {"name": "PhD careers"}, user=fake.owner)
    await run(fake, "sent", {"count": 3})
    clock.set(MONDAY_0900_NY)

    assert await runtime.courier.run_due() == 1

    [kickoff] = [m for m in fake.messages_in(fake.channel) if "interaction_metadata" not in m]
    [attachment] = kickoff["attachments"]
    assert attachment["filename"] == "kickoff-2026-11-30.png"
    assert attachment["content_type"] == "image/png"
    assert (attachment["width"], attachment["height"]) == (WIDTH, HEIGHT)
    assert png_size(fake.attachment_data[attachment["id"]]) == (WIDTH, HEIGHT)
    assert attachment["description"].startswith("Bar chart for PhD careers")
    assert "Emails by week:" in attachment["description"]
    assert "23 Nov 3" in attachment["description"]  # last week's three emails
    [embed] = kickoff["embeds"]
    assert embed["title"] == "☀️ New week, PhD careers!"
    assert embed["image"]["url"] == "attachment://kickoff-2026-11-30.png"
    assert "Alice" not in attachment["description"]
    assert fake.schema_errors == []


async def test_progress_with_a_chart_shows_the_members_own_weeks_privately(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    await run(fake, "sent", {"count": 2})

    _, message = await run(fake, "progress", {"chart": True})

    assert message["flags"] & EPHEMERAL
    [attachment] = message["attachments"]
    assert attachment["filename"] == "your-weeks.png"
    assert attachment["description"].startswith("Bar chart for Your last 8 weeks")
    assert png_size(fake.attachment_data[attachment["id"]]) == (WIDTH, HEIGHT)
    assert message["embeds"][0]["image"]["url"] == "attachment://your-weeks.png"
    assert fake.schema_errors == []
