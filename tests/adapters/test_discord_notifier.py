"""Receipt to Discord for scheduled messages: channel posts and DMs, and their failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio

from adapters.discord.client import ReachoutClient
from adapters.discord.notifier import DiscordNotifier, nonce_for
from bot.clock import ManualClock
from bot.nudges.notifier import Notifier, Receipt, TransientDeliveryError
from bot.replies import Field, Mention, Reply, mention
from tests.adapters.discord_fixtures import connected, discord_runtime
from tests.fakes.discord import FakeDiscord

CHANNEL_MESSAGES = ("POST", "/channels/{channel_id}/messages")
NUDGE = Reply(
    "A new week! One short email to someone you already know counts.",
    private=False,
    title="Weekly kickoff",
    fields=(Field("Last week", "12 emails, 2 interviews"),),
)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def client(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> AsyncIterator[ReachoutClient]:
    async with discord_runtime(tmp_path, fake, clock) as runtime, connected(runtime, fake) as c:
        yield c


@pytest.fixture
def notifier(client: ReachoutClient) -> DiscordNotifier:
    return DiscordNotifier(client, per_second=1000)


def test_the_notifier_fits_the_core_protocol_and_declares_its_window() -> None:
    notifier = DiscordNotifier(discord.Client(intents=discord.Intents.none()))
    as_protocol: Notifier = notifier
    assert as_protocol.platform == "discord"
    assert notifier.idempotency_window is not None
    assert notifier.idempotency_window.total_seconds() == 120


async def test_a_nudge_is_posted_in_the_cohort_channel_with_a_nonce_discord_enforces(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    delivery = await notifier.post_to_channel(
        str(fake.guild.id), str(fake.channel.id), NUDGE, "nudge:7:kickoff:2026-W48"
    )
    [message] = fake.messages_in(fake.channel)
    assert delivery == Receipt(message_id=message["id"])
    assert message["embeds"][0]["title"] == "Weekly kickoff"
    [request] = fake.requests_to(*CHANNEL_MESSAGES)
    assert request.json["nonce"] == nonce_for("nudge:7:kickoff:2026-W48")
    assert len(request.json["nonce"]) <= 25
    assert request.json["enforce_nonce"] is True
    assert request.json["allowed_mentions"] == {"parse": []}
    assert fake.schema_errors == []


async def test_a_retry_of_the_same_delivery_sends_the_same_nonce(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    for _ in range(2):
        await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, "k:1")
    await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, "k:2")
    nonces = [r.json["nonce"] for r in fake.requests_to(*CHANNEL_MESSAGES)]
    assert nonces[0] == nonces[1] != nonces[2]
    first, second = (m["id"] for m in fake.messages_in(fake.channel))
    assert len(fake.messages_in(fake.channel)) == 2  # Discord dropped the repeat of "k:1"
    assert first != second


async def test_only_the_members_a_message_lists_are_mentioned(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    alice = str(fake.member.id)
    olive = str(fake.owner.id)
    reply = Reply(
        f"Shout-out to {mention(alice)} and {mention(olive)} for their interviews! @everyone",
        private=False,
        mentions=(Mention(alice, "Alice"),),
    )
    await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), reply, "k")
    [message] = fake.messages_in(fake.channel)
    assert message["content"].startswith(f"Shout-out to <@{alice}> and {olive} for")
    assert [u["id"] for u in message["mentions"]] == [alice]
    assert fake.everyone_pings == []
    [request] = fake.requests_to(*CHANNEL_MESSAGES)
    assert request.json["allowed_mentions"] == {"parse": [], "users": [int(alice)]}


async def test_a_reminder_is_sent_by_dm(notifier: DiscordNotifier, fake: FakeDiscord) -> None:
    reminder = Reply("Jane Doe (Acme) hasn't replied: time for one short follow-up.")
    delivery = await notifier.send_direct(
        str(fake.guild.id), str(fake.member.id), reminder, "reminder:1"
    )
    [dm] = fake.dms_to(fake.member)
    assert delivery == Receipt(message_id=dm["id"])
    assert dm["content"] == reminder.text
    assert fake.schema_errors == []


async def test_closed_dms_are_a_permanent_failure_reported_back_and_not_retried(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    fake.member.accepts_dms = False
    delivery = await notifier.send_direct(
        str(fake.guild.id), str(fake.member.id), Reply("hi"), "reminder:2"
    )
    assert delivery == Receipt(permanent_failure="dms_closed")
    assert not delivery.ok
    attempts = fake.requests_to(*CHANNEL_MESSAGES)
    assert [r.status for r in attempts] == [403]


@pytest.mark.parametrize(
    ("status", "code", "failure"),
    [
        (404, 10003, "channel_not_found"),
        (403, 50001, "missing_access"),
        (403, 50013, "missing_permissions"),
    ],
)
async def test_a_channel_that_is_gone_or_closed_to_the_bot_is_a_permanent_failure(
    notifier: DiscordNotifier, fake: FakeDiscord, status: int, code: int, failure: str
) -> None:
    fake.fail_next(*CHANNEL_MESSAGES, status=status, code=code, message="refused")
    delivery = await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, "k")
    assert delivery == Receipt(permanent_failure=failure)


async def test_a_channel_discord_does_not_know_is_not_found(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    delivery = await notifier.post_to_channel(str(fake.guild.id), "123456789012345678", NUDGE, "k")
    assert delivery == Receipt(permanent_failure="channel_not_found")


async def test_a_channel_of_another_server_is_refused(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    delivery = await notifier.post_to_channel(
        "987654321098765432", str(fake.channel.id), NUDGE, "k"
    )
    assert delivery == Receipt(permanent_failure="wrong_workspace")
    assert fake.messages_in(fake.channel) == []


async def test_a_server_error_is_transient_so_the_delivery_can_be_retried(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    fake.fail_next(*CHANNEL_MESSAGES, status=503, message="Service Unavailable")
    with pytest.raises(TransientDeliveryError, match="503"):
        await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, "k")


async def test_a_429_on_channel_messages_is_waited_out_and_succeeds(
    notifier: DiscordNotifier, fake: FakeDiscord
) -> None:
    fake.rate_limit_next(*CHANNEL_MESSAGES, retry_after=0.2)
    delivery = await notifier.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, "k")
    assert delivery.ok
    attempts = fake.requests_to(*CHANNEL_MESSAGES)
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].received_at - attempts[0].received_at >= 0.2


async def test_a_burst_is_paced_under_the_global_rate_limit(
    client: ReachoutClient, fake: FakeDiscord
) -> None:
    paced = DiscordNotifier(client, per_second=20)
    for n in range(6):
        await paced.post_to_channel(str(fake.guild.id), str(fake.channel.id), NUDGE, f"k:{n}")
    times = [r.received_at for r in fake.requests_to(*CHANNEL_MESSAGES)]
    # Five gaps of 50 ms are paced; the first request may reach the fake late on a loaded
    # machine, so one gap is allowed for. Unpaced, six posts take a few milliseconds.
    assert times[-1] - times[0] >= 4 * 0.05


async def test_a_client_that_is_not_logged_in_is_a_transient_failure() -> None:
    idle = DiscordNotifier(discord.Client(intents=discord.Intents.none()))
    with pytest.raises(TransientDeliveryError, match="not connected"):
        await idle.send_direct("1", "123456789012345678", Reply("hi"), "k")
    assert await idle.send_direct("1", "alice", Reply("hi"), "k") == Receipt(
        permanent_failure="invalid_id"
    )
