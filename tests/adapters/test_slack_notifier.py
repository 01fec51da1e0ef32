"""SlackNotifier: channel posts and DMs for scheduled messages, against the fake Web API."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import KeyedPacer
from adapters.slack.config import Mode, SlackConfig
from adapters.slack.notifier import SlackNotifier
from adapters.slack.service import web_client
from bot.config import Secret
from bot.nudges.notifier import Notifier, TransientDeliveryError
from bot.replies import Attachment, Button, ButtonStyle, Field, Mention, Reply, mention
from tests.adapters.conftest import shown
from tests.fakes.slack import COHORT_CHANNEL_ID, DEFAULT_TEAM_ID, MEMBER_ID, FakeSlack

INTERVAL = 0.2
KICKOFF = Reply(
    "Last week the cohort sent 14 emails. One short email today keeps the streak alive.",
    private=False,
    title="Weekly kickoff",
    fields=(Field("Interviews", "3 done"),),
)


def client_for(fake: FakeSlack, session: aiohttp.ClientSession, base: str = "") -> AsyncWebClient:
    config = SlackConfig(
        bot_token=Secret(fake.bot_token),
        mode=Mode.SOCKET,
        app_token=Secret(fake.app_token),
        signing_secret=None,
        api_base_url=base or fake.api_base,
    )
    return web_client(config, session)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def notifier(fake: FakeSlack, session: aiohttp.ClientSession) -> SlackNotifier:
    return SlackNotifier(client_for(fake, session), KeyedPacer(rate=1 / INTERVAL))


async def test_a_channel_post_has_blocks_and_a_plain_text_fallback(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    speaker: Notifier = notifier

    delivery = await speaker.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "kickoff")

    [message] = fake.messages[COHORT_CHANNEL_ID]
    assert delivery.ok
    assert delivery.message_id == f"{COHORT_CHANNEL_ID}:{message['ts']}"
    assert message["text"].startswith("Weekly kickoff\nLast week the cohort sent 14 emails.")
    assert "*Interviews*\n3 done" in shown(message)
    assert fake.block_errors == []


async def test_a_direct_message_opens_the_dm_first(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    reminder = Reply("Jane Doe (Acme): send one short, friendly follow-up today.")

    delivery = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, reminder, "reminder")

    assert fake.calls.methods() == ["conversations.open", "chat.postMessage"]
    dm = fake.calls.last("chat.postMessage").params["channel"]
    assert dm.startswith("D")
    assert delivery.message_id == f"{dm}:{fake.messages[dm][0]['ts']}"
    assert "friendly follow-up" in fake.messages[dm][0]["text"]


async def test_the_dm_is_opened_once_per_user_and_again_after_it_failed(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    first = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, Reply("One"), "a")
    second = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, Reply("Two"), "b")
    fake.fail_next("chat.postMessage", error="channel_not_found")
    failed = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, Reply("Three"), "c")
    fourth = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, Reply("Four"), "d")

    assert (first.ok, second.ok, failed.ok, fourth.ok) == (True, True, False, True)
    assert fake.calls.methods() == [
        "conversations.open",
        "chat.postMessage",
        "chat.postMessage",
        "chat.postMessage",
        "conversations.open",
        "chat.postMessage",
    ]
    dm = fake.calls.last("chat.postMessage").params["channel"]
    assert [m["text"] for m in fake.messages[dm]] == ["One", "Two", "Four"]


async def test_a_file_goes_to_the_dm_with_the_reply_as_its_comment(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    export = Reply("Here is your data.", attachment=Attachment("data.json", b'{"a": 1}'))

    delivery = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, export, "export")

    [upload] = fake.files.values()
    assert upload["content"] == b'{"a": 1}'
    assert delivery.message_id == f"{upload['channels'][0]}:{upload['id']}"


async def test_only_the_users_a_message_lists_are_mentioned(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    reply = Reply(
        f"Shout-out to {mention('U0MEMBER01')} and {mention('U0SNEAKY01')} <!here>!",
        private=False,
        mentions=(Mention("U0MEMBER01", "ada"),),
    )

    await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, reply, "shout-out")

    [message] = fake.messages[COHORT_CHANNEL_ID]
    assert message["text"] == "Shout-out to <@U0MEMBER01> and U0SNEAKY01 &lt;!here&gt;!"
    assert json.dumps(message).count("<@") == 2  # the fallback and the block, both U0MEMBER01


@pytest.mark.parametrize(
    "error", ["channel_not_found", "is_archived", "account_inactive", "token_revoked"]
)
async def test_errors_that_can_never_succeed_are_permanent_failures(
    fake: FakeSlack, notifier: SlackNotifier, error: str
) -> None:
    fake.fail_next("chat.postMessage", error=error)

    delivery = await notifier.post_to_channel(
        DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "kickoff"
    )

    assert not delivery.ok
    assert delivery.permanent_failure == error


async def test_a_channel_without_the_bot_and_a_revoked_token_fail_for_good(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    fake.add_channel("C0NOBOT001", "quiet", bot_is_member=False)

    not_member = await notifier.post_to_channel(DEFAULT_TEAM_ID, "C0NOBOT001", KICKOFF, "kickoff")
    missing_user = await notifier.send_direct(DEFAULT_TEAM_ID, "U0NOBODY01", KICKOFF, "kickoff")
    fake.revoke_token(fake.bot_token)
    revoked = await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "kickoff")

    assert not_member.permanent_failure == "not_in_channel"
    assert missing_user.permanent_failure == "user_not_found"
    assert revoked.permanent_failure == "invalid_auth"


async def test_a_failure_is_transient_only_when_nothing_can_have_been_posted(
    fake: FakeSlack, notifier: SlackNotifier, session: aiohttp.ClientSession
) -> None:
    fake.fail_next("chat.postMessage", error="service_unavailable")
    with pytest.raises(TransientDeliveryError, match="service_unavailable"):
        await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "k1")

    fake.fail_next("conversations.open", error="internal_error")  # opening a DM posts nothing
    with pytest.raises(TransientDeliveryError, match="internal_error"):
        await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, KICKOFF, "k2")

    with socket.socket() as probe:  # a port nobody listens on: no connection, nothing sent
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = SlackNotifier(client_for(fake, session, f"http://127.0.0.1:{closed_port}/api/"))
    with pytest.raises(TransientDeliveryError):
        await unreachable.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "k3")
    assert fake.messages == {}


async def test_a_post_slack_may_have_half_done_is_never_retried(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    fake.fail_next("chat.postMessage", error="internal_error")

    delivery = await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "k1")

    assert delivery.permanent_failure == "unconfirmed (internal_error)"
    assert len(fake.calls.named("chat.postMessage")) == 1


async def test_a_429_is_waited_out_and_retried(fake: FakeSlack, notifier: SlackNotifier) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=1)

    delivery = await notifier.post_to_channel(
        DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "kickoff"
    )

    limited, retried = fake.calls.named("chat.postMessage")
    assert (limited.status, limited.error) == (429, "ratelimited")
    assert retried.ok
    assert retried.at - limited.at >= 1.0
    assert delivery.ok
    assert len(fake.messages[COHORT_CHANNEL_ID]) == 1


async def test_posts_to_one_channel_are_spaced_and_other_channels_are_not_held_up(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    fake.add_channel("C0SECOND01", "second")

    await asyncio.gather(
        *(
            notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, KICKOFF, "kickoff")
            for _ in range(3)
        ),
        notifier.post_to_channel(DEFAULT_TEAM_ID, "C0SECOND01", KICKOFF, "kickoff"),
    )

    calls = fake.calls.named("chat.postMessage")
    first = [c.at for c in calls if c.params["channel"] == COHORT_CHANNEL_ID]
    [second] = [c.at for c in calls if c.params["channel"] == "C0SECOND01"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(first)]
    assert len(gaps) == 2
    assert min(gaps) >= INTERVAL * 0.95
    assert second - first[0] < INTERVAL


async def test_a_dm_carries_the_replys_buttons(fake: FakeSlack, notifier: SlackNotifier) -> None:
    reminder = Reply(
        "Jane Doe (Acme): time for one follow-up.",
        buttons=(Button("Followed up", "ro:rem:f:1:2:3:follow_up", ButtonStyle.PRIMARY),),
    )

    delivery = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, reminder, "reminder")

    dm = fake.calls.last("chat.postMessage").params["channel"]
    [message] = fake.messages[dm]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["ro:rem:f:1:2:3:follow_up"]
    assert delivery.message_id == f"{dm}:{message['ts']}"
    assert fake.block_errors == []
    assert fake.spec_problems == []


async def test_a_files_buttons_follow_it_and_their_failure_does_not_fail_the_file(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    kickoff = Reply(
        "New week!",
        private=False,
        attachment=Attachment("week.csv", b"a,b\n"),
        buttons=(Button("Log an email", "ro:any:l:0:0:0:", ButtonStyle.PRIMARY),),
    )

    first = await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, kickoff, "k1")
    fake.fail_next("chat.postMessage", error="ratelimited")
    second = await notifier.post_to_channel(DEFAULT_TEAM_ID, COHORT_CHANNEL_ID, kickoff, "k2")

    with_file, buttons, without_buttons = fake.messages[COHORT_CHANNEL_ID]
    assert with_file["files"]
    assert without_buttons["files"]
    assert [b["type"] for b in buttons["blocks"]] == ["actions"]
    assert first.ok
    assert second.ok  # the file is out; posting it again would show it twice
    assert len(fake.files) == 2


async def test_update_rewrites_the_message_in_place(
    fake: FakeSlack, notifier: SlackNotifier
) -> None:
    reminder = Reply("Time for one follow-up.", buttons=(Button("Followed up", "ro:x"),))
    delivery = await notifier.send_direct(DEFAULT_TEAM_ID, MEMBER_ID, reminder, "reminder")
    assert delivery.message_id is not None
    channel, ts = delivery.message_id.split(":")

    await notifier.update(channel, ts, Reply("Time for one follow-up.\n\n✓ Followed up"))

    [message] = fake.messages[channel]
    assert "✓ Followed up" in shown(message)
    assert [b["type"] for b in message["blocks"]] == ["section"]
    assert fake.spec_problems == []


@pytest.mark.parametrize(("level", "lines"), [(logging.INFO, 0), (logging.DEBUG, 2)])
async def test_web_api_calls_build_debug_lines_only_when_debug_logging_is_on(
    fake: FakeSlack,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    level: int,
    lines: int,
) -> None:
    sdk = logging.getLogger("slack_sdk.web.async_base_client")
    monkeypatch.setattr(sdk, "level", logging.NOTSET)  # as a fresh process has it
    caplog.set_level(level)
    built: list[str] = []
    client = client_for(fake, session)
    monkeypatch.setattr(client.logger, "debug", lambda text, *_: built.append(text))

    await client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="Hello")

    # slack-sdk formats a request line and a response line before logging can drop them.
    assert len(built) == lines
    assert all(fake.bot_token not in text for text in built)
