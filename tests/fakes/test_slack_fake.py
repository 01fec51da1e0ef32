"""The Slack fake, proven against the real slack-sdk and slack-bolt over loopback.

If these pass, an adapter test that points bolt at `FakeSlack` exercises the same
requests, signatures, acks and retries it would meet in production.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jsonschema
import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.say.async_say import AsyncSay
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import (
    COHORT_CHANNEL_ID,
    MEMBER_ID,
    ORGANIZER_ID,
    FakeSlack,
    SlackSender,
)
from tests.fakes.slack_blocks import validate_blocks, validate_view, validate_view_response
from tests.fakes.slack_spec import load_spec

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DONE_BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Jane Doe: time for a follow-up"}},
    {
        "type": "actions",
        "block_id": "answers",
        "elements": [
            {
                "type": "button",
                "action_id": "done",
                "text": {"type": "plain_text", "text": "Followed up"},
                "style": "primary",
            },
            {
                "type": "button",
                "action_id": "later",
                "text": {"type": "plain_text", "text": "Later"},
            },
        ],
    },
]
FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "Log an email"},
    "submit": {"type": "plain_text", "text": "Log it"},
    "blocks": [
        {
            "type": "input",
            "block_id": "contact",
            "label": {"type": "plain_text", "text": "Contact"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}
HOME_VIEW = {
    "type": "home",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Your week"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*2* of *3* emails sent"}},
    ],
}


class Bot:
    """A trivial bolt app, the shape reachout's Slack adapter will have."""

    def __init__(self, fake: FakeSlack, *, retry_rate_limits: bool = False) -> None:
        self.client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_base)
        if retry_rate_limits:
            self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        self.app = AsyncApp(client=self.client, signing_secret=SIGNING_SECRET)
        self.ran: list[str] = []
        self.event_ids: list[str] = []
        self.app.command("/hello")(self.hello)
        self.app.event("app_home_opened")(self.home_opened)
        self.app.event("app_mention")(self.mentioned)
        self.app.action("undo")(self.undo)
        self.app.action("done")(self.done)
        self.app.view("form")(self.submitted)

    async def hello(self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        self.ran.append("/hello")
        await ack("Saying hello…")
        await respond(f"Hello, <@{command['user_id']}>!")

    async def home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        self.ran.append("app_home_opened")
        self.event_ids.append(body["event_id"])
        await self.client.views_publish(user_id=event["user"], view=HOME_VIEW)

    async def mentioned(self, say: AsyncSay) -> None:
        self.ran.append("app_mention")
        await say("Logged it. Nice work!")

    async def undo(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        self.ran.append("undo")
        await ack()
        await respond(text="Undone.", replace_original=True)

    async def done(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A click: open the form on its trigger, then mark the clicked message."""
        self.ran.append("done")
        await ack()
        await self.client.views_open(trigger_id=body["trigger_id"], view=FORM)
        container = body["container"]
        await self.client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text="Followed up ✓"
        )

    async def submitted(self, ack: AsyncAck, view: dict[str, Any]) -> None:
        self.ran.append("submitted")
        typed = view["state"]["values"]["contact"]["value"]["value"]
        await ack(response_action="errors", errors={"contact": f"No {typed} here."})


# --------------------------------------------------------------------------- fixtures


@pytest_asyncio.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Every test must leave the loop clean: no server, client or listener left running."""
    before = asyncio.all_tasks()
    yield
    deadline = time.monotonic() + 1.0
    while True:
        leftover = asyncio.all_tasks() - before - {asyncio.current_task()}
        if not leftover or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    assert not leftover, f"tasks left running: {leftover}"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


@pytest_asyncio.fixture
async def bot(fake: FakeSlack) -> Bot:
    return Bot(fake)


async def serve(app: AsyncApp) -> tuple[web.AppRunner, str]:
    """Bolt's own aiohttp app on 127.0.0.1:0 (app.start() would bind 0.0.0.0 and block)."""
    runner = web.AppRunner(app.web_app(path="/slack/events"), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest_asyncio.fixture
async def slack(bot: Bot) -> AsyncIterator[SlackSender]:
    """Signed requests into the bot's HTTP endpoint."""
    runner, url = await serve(bot.app)
    try:
        async with SlackSender(url, SIGNING_SECRET) as sender:
            yield sender
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def web_client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.api_base)


# --------------------------------------------------------------------------- HTTP mode


@pytest.mark.asyncio
async def test_signed_slash_command_is_acked_at_once_and_its_response_reaches_the_fake(
    fake: FakeSlack, bot: Bot, slack: SlackSender
) -> None:
    delivery = await slack.slash_command(fake.slash_command("/hello"))

    assert delivery.status == 200
    assert delivery.headers["Content-Type"].startswith("text/plain")  # ack(text) is bare text
    assert delivery.text == "Saying hello…"
    assert delivery.elapsed < 3.0
    post = await fake.wait_for_response_post()
    assert post.accepted
    assert post.body["text"] == f"Hello, <@{MEMBER_ID}>!"
    assert bot.ran == ["/hello"]


@pytest.mark.asyncio
@pytest.mark.parametrize("tamper", [{"bad_signature": True}, {"stale": True}, {"unsigned": True}])
async def test_forged_or_stale_request_gets_401_and_runs_nothing(
    fake: FakeSlack, bot: Bot, slack: SlackSender, tamper: dict[str, bool]
) -> None:
    delivery = await slack.slash_command(fake.slash_command("/hello"), **tamper)

    assert delivery.status == 401
    assert delivery.json() == {"error": "invalid request"}
    await asyncio.sleep(0.05)  # give a wrongly started listener the chance to show itself
    assert bot.ran == []
    assert fake.calls == []
    assert fake.response_posts == []


@pytest.mark.asyncio
async def test_unhandled_command_gets_404_over_http(fake: FakeSlack, slack: SlackSender) -> None:
    delivery = await slack.slash_command(fake.slash_command("/nobody-handles-this"))

    assert delivery.status == 404
    assert fake.response_posts == []


@pytest.mark.asyncio
async def test_auth_test_is_called_lazily_and_only_once(
    fake: FakeSlack, bot: Bot, slack: SlackSender
) -> None:
    assert fake.calls.named("auth.test") == []

    await slack.slash_command(fake.slash_command("/hello"))
    await slack.slash_command(fake.slash_command("/hello", user_id=ORGANIZER_ID))
    await fake.wait_for_response_post(count=2)

    [auth] = fake.calls.named("auth.test")
    assert auth.headers["Authorization"] == f"Bearer {fake.bot_token}"
    assert auth.response["user_id"] == fake.team.bot_user_id


@pytest.mark.asyncio
async def test_event_is_acked_and_the_home_tab_is_published(
    fake: FakeSlack, bot: Bot, slack: SlackSender
) -> None:
    body = fake.app_home_opened(MEMBER_ID)

    delivery = await slack.event(body)

    assert delivery.status == 200
    call = await fake.wait_for_call("views.publish")
    assert call.ok
    assert call.token == fake.bot_token
    assert fake.home_views[MEMBER_ID]["blocks"] == HOME_VIEW["blocks"]
    assert fake.block_errors == []


@pytest.mark.asyncio
async def test_a_retried_event_is_delivered_again_so_handlers_must_be_idempotent(
    fake: FakeSlack, bot: Bot, slack: SlackSender
) -> None:
    body = fake.app_home_opened(MEMBER_ID)

    await slack.event(body)
    retry = await slack.event(body, retry_num=1, retry_reason="http_timeout")

    assert retry.status == 200
    await fake.wait_for_call("views.publish", count=2)
    assert bot.event_ids == [body["event_id"], body["event_id"]]


@pytest.mark.asyncio
async def test_url_verification_challenge_is_echoed(slack: SlackSender) -> None:
    delivery = await slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert delivery.status == 200
    assert delivery.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.asyncio
async def test_block_action_is_acked_and_answered_through_its_response_url(
    fake: FakeSlack, bot: Bot, slack: SlackSender
) -> None:
    delivery = await slack.interactive(fake.block_actions("undo", value="last"))

    assert delivery.status == 200
    post = await fake.wait_for_response_post()
    assert post.body == {"text": "Undone.", "replace_original": True}
    assert "/hooks/actions/" in post.url


@pytest.mark.asyncio
async def test_rate_limited_post_is_waited_out_when_a_retry_handler_is_attached(
    fake: FakeSlack,
) -> None:
    bot = Bot(fake, retry_rate_limits=True)
    runner, url = await serve(bot.app)
    try:
        fake.rate_limit_next("chat.postMessage", retry_after=1)
        async with SlackSender(url, SIGNING_SECRET) as slack:
            assert (await slack.event(fake.app_mention("sent 2 emails"))).status == 200
            retried = await fake.wait_for_call("chat.postMessage", count=2, within=4.0)
    finally:
        await runner.cleanup()

    limited = fake.calls.named("chat.postMessage")[0]
    assert (limited.status, limited.error) == (429, "ratelimited")
    assert retried.ok
    assert retried.at - limited.at >= 1.0  # Retry-After was honoured
    assert [m["text"] for m in fake.messages[COHORT_CHANNEL_ID]] == ["Logged it. Nice work!"]


# --------------------------------------------------------------------------- Web API


@pytest.mark.asyncio
async def test_without_a_retry_handler_a_429_surfaces_as_ratelimited(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "7"
    assert (await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="hi"))["ok"]


@pytest.mark.asyncio
async def test_tokens_are_checked_like_slack_does(fake: FakeSlack) -> None:
    async def error_of(token: str | None, method: str = "auth.test") -> str:
        client = AsyncWebClient(token=token, base_url=fake.api_base)
        with pytest.raises(SlackApiError) as raised:
            await client.api_call(method)
        return str(raised.value.response["error"])

    assert await error_of("xoxb-not-a-real-token") == "invalid_auth"
    assert await error_of(None) == "not_authed"
    assert await error_of(fake.app_token, "chat.postMessage") == "not_allowed_token_type"
    assert await error_of(fake.bot_token, "apps.connections.open") == "not_allowed_token_type"
    assert await error_of(fake.bot_token, "admin.teams.create") == "unknown_method"
    fake.revoke_token(fake.bot_token)
    assert await error_of(fake.bot_token) == "invalid_auth"
    assert [c.token for c in fake.calls][:1] == ["xoxb-not-a-real-token"]


@pytest.mark.asyncio
async def test_responses_have_the_shapes_slacks_openapi_spec_defines(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    spec = load_spec()  # with its errata, each of which says why
    responses = {
        "/auth.test": await web_client.auth_test(),
        "/users.info": await web_client.users_info(user=ORGANIZER_ID),
        "/chat.postMessage": await web_client.chat_postMessage(
            channel=COHORT_CHANNEL_ID, text="hi"
        ),
        "/conversations.open": await web_client.conversations_open(users=MEMBER_ID),
        "/views.publish": await web_client.views_publish(user_id=MEMBER_ID, view=HOME_VIEW),
        "/chat.postEphemeral": await web_client.chat_postEphemeral(
            channel=COHORT_CHANNEL_ID, user=MEMBER_ID, text="just you"
        ),
        "/views.open": await web_client.views_open(trigger_id=fake.trigger_id(), view=FORM),
    }
    posted = responses["/chat.postMessage"]
    responses["/chat.update"] = await web_client.chat_update(
        channel=COHORT_CHANNEL_ID, ts=posted["ts"], text="edited", blocks=DONE_BUTTONS
    )
    for path, response in responses.items():
        operation = next(iter(spec["paths"][path].values()))
        schema = {**operation["responses"]["200"]["schema"], "definitions": spec["definitions"]}
        jsonschema.Draft4Validator(schema).validate(response.data)  # Swagger 2 is draft 4


@pytest.mark.asyncio
async def test_users_info_describes_admins_time_zones_and_names_per_team(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    organiser = (await web_client.users_info(user=ORGANIZER_ID))["user"]
    member = (await web_client.users_info(user=MEMBER_ID))["user"]

    assert (organiser["is_admin"], organiser["is_owner"], member["is_admin"]) == (True, True, False)
    assert organiser["tz"] == "America/New_York"
    assert organiser["tz_offset"] in (-18000, -14400)  # EST or EDT, whichever applies now
    assert member["profile"]["display_name"] == "ada"
    assert member["real_name"] == "Ada Lovelace"

    other = fake.add_team("T0OTHERWS1", name="Other", domain="other", bot_token="xoxb-other")
    fake.add_user("U0OTHER001", team_id=other.id, name="lin", tz="Asia/Tokyo")
    other_client = AsyncWebClient(token="xoxb-other", base_url=fake.api_base)
    assert (await other_client.users_info(user="U0OTHER001"))["user"]["tz_offset"] == 32400
    with pytest.raises(SlackApiError, match="user_not_found"):
        await other_client.users_info(user=MEMBER_ID)
    assert (await other_client.auth_test())["team_id"] == "T0OTHERWS1"


@pytest.mark.asyncio
async def test_messages_are_stored_per_channel_and_can_be_updated(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    first = await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="Week 1 kickoff")
    second = await web_client.chat_postMessage(channel="#cohort", text="Midweek check-in")
    await web_client.chat_update(channel=COHORT_CHANNEL_ID, ts=first["ts"], text="Week 1 kickoff!")

    assert first["channel"] == second["channel"] == COHORT_CHANNEL_ID
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == fake.team.bot_id
    assert [m["text"] for m in fake.messages[COHORT_CHANNEL_ID]] == [
        "Week 1 kickoff!",
        "Midweek check-in",
    ]
    with pytest.raises(SlackApiError, match="message_not_found"):
        await web_client.chat_update(channel=COHORT_CHANNEL_ID, ts="1.000000", text="x")
    with pytest.raises(SlackApiError, match="no_text"):
        await web_client.api_call("chat.postMessage", json={"channel": COHORT_CHANNEL_ID})
    fake.add_channel("C0NOTJOIN1", "random", bot_is_member=False)
    with pytest.raises(SlackApiError, match="not_in_channel"):
        await web_client.chat_postMessage(channel="C0NOTJOIN1", text="hi")


@pytest.mark.asyncio
async def test_fail_next_injects_one_error_then_recovers(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake.fail_next("chat.postMessage", error="channel_not_found")

    with pytest.raises(SlackApiError, match="channel_not_found"):
        await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="hi")
    assert (await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="hi"))["ok"]
    assert [c.ok for c in fake.calls.named("chat.postMessage")] == [False, True]


@pytest.mark.asyncio
async def test_dms_open_as_d_channels_and_posting_to_a_user_id_lands_there(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    opened = await web_client.conversations_open(users=MEMBER_ID)
    again = await web_client.conversations_open(users=MEMBER_ID)
    posted = await web_client.chat_postMessage(channel=MEMBER_ID, text="A follow-up is due")

    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    assert (opened["already_open"], again["already_open"]) == (False, True)
    assert again["channel"]["id"] == posted["channel"] == dm
    assert fake.messages[dm][0]["text"] == "A follow-up is due"


@pytest.mark.asyncio
async def test_bad_blocks_are_rejected_and_recorded(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    bad: list[dict[str, Any]] = [
        {"type": "section", "text": "a plain string"},
        {"type": "sparkle"},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
    ]

    with pytest.raises(SlackApiError) as raised:
        await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="t", blocks=bad)
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await web_client.chat_postMessage(channel=COHORT_CHANNEL_ID, text="t", blocks=too_many)

    assert raised.value.response["error"] == "invalid_blocks"
    assert any("blocks[0].text: must be a text object" in e for e in fake.block_errors)
    assert any("unknown block type 'sparkle'" in e for e in fake.block_errors)
    assert any("blocks[2].text.text: 3001 characters" in e for e in fake.block_errors)
    assert any("51 blocks" in e for e in fake.block_errors)
    assert COHORT_CHANNEL_ID not in fake.messages


@pytest.mark.asyncio
async def test_response_url_takes_five_posts_within_thirty_minutes(fake: FakeSlack) -> None:
    url = fake.response_url()
    stale = fake.response_url()
    async with aiohttp.ClientSession() as session:
        statuses = []
        for n in range(6):
            async with session.post(url, json={"text": f"update {n}"}) as response:
                statuses.append((response.status, (await response.json()).get("error")))
        fake.advance(30 * 60 + 1)
        async with session.post(stale, json={"text": "too late"}) as response:
            expired = (response.status, (await response.json())["error"])

    assert statuses == [(200, None)] * 5 + [(404, "used_url")]
    assert expired == (404, "expired_url")
    assert [p.accepted for p in fake.response_posts] == [True] * 5 + [False, False]


@pytest.mark.asyncio
async def test_views_open_needs_a_fresh_unused_trigger_id(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    modal = {
        "type": "modal",
        "callback_id": "log_email",
        "title": {"type": "plain_text", "text": "Log an email"},
        "submit": {"type": "plain_text", "text": "Log"},
        "blocks": [
            {
                "type": "input",
                "block_id": "contact",
                "label": {"type": "plain_text", "text": "Contact"},
                "element": {"type": "plain_text_input", "action_id": "name"},
            }
        ],
    }
    trigger = fake.trigger_id()
    opened = await web_client.views_open(trigger_id=trigger, view=modal)

    assert opened["view"]["callback_id"] == "log_email"
    assert fake.opened_views == [opened["view"]]
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        await web_client.views_open(trigger_id=trigger, view=modal)  # single use
    late = fake.trigger_id()
    fake.advance(3.5)
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        await web_client.views_open(trigger_id=late, view=modal)
    submission = fake.view_submission(opened["view"], {"contact": {"name": {"value": "Jane"}}})
    assert submission["view"]["state"]["values"]["contact"]["name"]["value"] == "Jane"


@pytest.mark.asyncio
async def test_files_upload_v2_runs_its_three_steps_against_the_fake(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    result = await web_client.files_upload_v2(
        channel=COHORT_CHANNEL_ID,
        filename="reachout-export.csv",
        content="member,emails\nada,3\n",
        initial_comment="Your export",
    )

    assert fake.calls.methods() == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    file_id = result["file"]["id"]
    assert fake.files[file_id]["content"] == b"member,emails\nada,3\n"
    assert fake.messages[COHORT_CHANNEL_ID][0]["files"][0]["id"] == file_id


# --------------------------------------------------------------------------- Socket Mode


async def connect(bot: Bot, fake: FakeSlack) -> tuple[AsyncSocketModeHandler, list[dict[str, Any]]]:
    """Bolt's Socket Mode handler, watching the raw frames it receives."""
    handler = AsyncSocketModeHandler(bot.app, app_token=fake.app_token)
    frames: list[dict[str, Any]] = []

    async def watch(_: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        frames.append(message)

    handler.client.message_listeners.append(watch)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
    return handler, frames


@pytest.mark.asyncio
async def test_socket_mode_connects_via_apps_connections_open_and_acks_envelopes(
    fake: FakeSlack, bot: Bot
) -> None:
    handler, frames = await connect(bot, fake)
    try:
        connection = await fake.socket.wait_connected()
        await fake.wait_until(lambda: any(f.get("type") == "hello" for f in frames), what="hello")

        command = await fake.socket_send("slash_commands", fake.slash_command("/hello"))
        command_ack = await command
        event = await fake.socket_send("events_api", fake.app_home_opened(MEMBER_ID))
        event_ack = await event
        await fake.wait_for_call("views.publish")
        post = await fake.wait_for_response_post()
        await fake.wait_until(lambda: bool(connection.pings), what="a client ping")
        await fake.wait_until(
            lambda: handler.client.last_ping_pong_time is not None, what="our pong to be read"
        )
        await fake.socket.ping(b"server-ping")
        await fake.wait_until(lambda: b"server-ping" in connection.pongs, what="the client's pong")
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]

    [opened] = fake.calls.named("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {fake.app_token}"
    assert frames[0]["connection_info"] == {"app_id": fake.app_id}
    assert command_ack.payload == {"text": "Saying hello…"}  # ack(text) rides on the ack
    assert command_ack.in_time
    assert event_ack.in_time
    assert event_ack.payload is None  # events are acked empty
    assert post.body["text"] == f"Hello, <@{MEMBER_ID}>!"
    assert connection.pings[0].startswith(b"sdk-ping-pong:")
    assert bot.ran == ["/hello", "app_home_opened"]


@pytest.mark.asyncio
async def test_socket_mode_client_reconnects_when_asked_to(fake: FakeSlack, bot: Bot) -> None:
    handler, _ = await connect(bot, fake)
    try:
        first = await fake.socket.wait_connected()
        await fake.socket.disconnect("refresh_requested")
        second = await fake.socket.wait_connected(count=2)
        await fake.socket.wait_closed(first)
        ack = await (await fake.socket_send("events_api", fake.app_mention("hi")))
        await fake.wait_for_call("chat.postMessage")
        await fake.socket.drop()  # the server goes away without a goodbye
        third = await fake.socket.wait_connected(count=3)
        after_drop = await (await fake.socket_send("events_api", fake.app_mention("again")))
        await fake.wait_for_call("chat.postMessage", count=2)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]

    assert ack.connection_id == second.id
    assert after_drop.connection_id == third.id
    assert len(fake.calls.named("apps.connections.open")) == 3


@pytest.mark.asyncio
async def test_socket_mode_unhandled_command_is_never_acked(fake: FakeSlack, bot: Bot) -> None:
    handler, _ = await connect(bot, fake)
    try:
        await fake.socket.wait_connected()
        sent = await fake.socket_send("slash_commands", fake.slash_command("/nobody-handles-this"))
        with pytest.raises(AssertionError, match="no ack"):
            await sent.ack(within=0.5)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


@pytest.mark.asyncio
async def test_socket_mode_rejects_a_bot_token_and_unknown_tickets(fake: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake.api_base)
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await client.apps_connections_open(app_token=fake.bot_token)
    url = (await client.apps_connections_open(app_token=fake.app_token))["url"]
    assert url.startswith(f"ws://127.0.0.1:{fake.base_url.rsplit(':', 1)[1]}/socket?")

    forged = url.replace("ticket=", "ticket=forged")
    async with aiohttp.ClientSession() as session, session.get(forged) as response:
        assert response.status == 401


# --------------------------------------------------------------------------- interactivity


async def post_with_buttons(web_client: AsyncWebClient) -> dict[str, Any]:
    posted = await web_client.chat_postMessage(
        channel=COHORT_CHANNEL_ID, text="A follow-up is due", blocks=DONE_BUTTONS
    )
    return dict(posted["message"])


@pytest.mark.asyncio
async def test_a_click_carries_the_button_the_message_really_has(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    message = await post_with_buttons(web_client)

    click = fake.click(message, "Followed up", user_id=ORGANIZER_ID)
    by_id = fake.click(message, "later")
    on_ephemeral = fake.click({"blocks": DONE_BUTTONS}, "Later", channel_id=COHORT_CHANNEL_ID)

    [action] = click["actions"]
    assert (action["action_id"], action["block_id"], action["style"]) == (
        "done",
        "answers",
        "primary",
    )
    assert action["text"]["text"] == "Followed up"
    assert click["user"]["id"] == ORGANIZER_ID
    assert click["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": COHORT_CHANNEL_ID,
        "is_ephemeral": False,
    }
    assert click["message"]["ts"] == message["ts"]
    assert click["trigger_id"] != by_id["trigger_id"]
    assert by_id["actions"][0]["action_id"] == "later"
    assert on_ephemeral["container"]["is_ephemeral"]
    assert "message" not in on_ephemeral  # Slack does not echo an ephemeral message back
    with pytest.raises(AssertionError, match=r"no button 'Snooze'.*\['Followed up', 'Later'\]"):
        fake.click(message, "Snooze")
    with pytest.raises(AssertionError, match="ephemeral"):
        fake.click({"blocks": DONE_BUTTONS}, "Later")


@pytest.mark.asyncio
async def test_clicks_and_submissions_reach_bolt_signed_over_http(
    fake: FakeSlack, bot: Bot, slack: SlackSender, web_client: AsyncWebClient
) -> None:
    message = await post_with_buttons(web_client)

    forged = await slack.interactive(fake.click(message, "Followed up"), bad_signature=True)
    clicked = await slack.interactive(fake.click(message, "Followed up"))
    await fake.wait_for_call("chat.update")
    [form] = fake.opened_views
    submitted = await slack.interactive(
        fake.view_submission(
            form, {"contact": {"value": {"type": "plain_text_input", "value": "Jo"}}}
        )
    )

    assert (forged.status, clicked.status, submitted.status) == (401, 200, 200)
    assert bot.ran == ["done", "submitted"]
    [edited] = fake.messages[COHORT_CHANNEL_ID]
    assert edited["text"] == "Followed up ✓"
    assert edited["edited"]["user"] == fake.team.bot_user_id
    assert submitted.json() == {"response_action": "errors", "errors": {"contact": "No Jo here."}}
    assert validate_view_response(submitted.json(), form) == []
    assert fake.spec_problems == []


@pytest.mark.asyncio
async def test_clicks_and_submissions_reach_bolt_over_socket_mode(
    fake: FakeSlack, bot: Bot, web_client: AsyncWebClient
) -> None:
    message = await post_with_buttons(web_client)
    handler, _ = await connect(bot, fake)
    try:
        await fake.socket.wait_connected()
        clicked = await (await fake.socket_send("interactive", fake.click(message, "done")))
        await fake.wait_for_call("chat.update")
        [form] = fake.opened_views
        values = {"contact": {"value": {"type": "plain_text_input", "value": "Jo"}}}
        sent = await fake.socket_send("interactive", fake.view_submission(form, values))
        submitted = await sent
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]

    assert clicked.in_time
    assert clicked.payload is None
    assert sent.envelope["accepts_response_payload"]
    assert submitted.payload == {"response_action": "errors", "errors": {"contact": "No Jo here."}}
    assert fake.messages[COHORT_CHANNEL_ID][0]["text"] == "Followed up ✓"


@pytest.mark.asyncio
async def test_replace_original_through_a_clicks_response_url_edits_that_message(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    message = await post_with_buttons(web_client)
    click = fake.click(message, "Later")
    on_ephemeral = fake.click({"blocks": DONE_BUTTONS}, "Later", channel_id=COHORT_CHANNEL_ID)

    async with aiohttp.ClientSession() as session:
        for url in (click["response_url"], on_ephemeral["response_url"]):
            body = {"replace_original": True, "text": "Snoozed"}
            async with session.post(url, json=body) as response:
                assert response.status == 200

    [edited] = fake.messages[COHORT_CHANNEL_ID]
    assert edited["text"] == "Snoozed"
    assert "edited" in edited
    assert [p.body["text"] for p in fake.response_posts] == ["Snoozed", "Snoozed"]


def test_buttons_follow_block_kits_rules() -> None:
    def button(**fields: Any) -> dict[str, Any]:
        return {"type": "button", "text": {"type": "plain_text", "text": "Go"}, **fields}

    blocks = [
        {
            "type": "actions",
            "elements": [
                button(action_id="a", style="primary"),
                button(action_id="a"),
                button(action_id="b", style="warning"),
                button(action_id="c" * 256),
                button(action_id="d", value="v" * 2001),
                {
                    "type": "button",
                    "action_id": "e",
                    "text": {"type": "plain_text", "text": "x" * 76},
                },
                {"type": "button", "action_id": "f", "text": {"type": "mrkdwn", "text": "*Go*"}},
            ],
        }
    ]

    problems = validate_blocks(blocks)

    assert any("elements[1].action_id: duplicate action_id 'a'" in p for p in problems)
    assert any("elements[2].style: must be one of ['danger', 'primary']" in p for p in problems)
    assert any("elements[3].action_id: must be a string of 1 to 255" in p for p in problems)
    assert any("elements[4].value" in p for p in problems)
    assert any("elements[5].text.text: 76 characters, more than 75" in p for p in problems)
    assert any("elements[6].text.type: must be one of ['plain_text']" in p for p in problems)
    assert len(problems) == 6
    assert validate_blocks([{"type": "actions", "elements": [button(action_id="a")] * 26}]) != []


def test_a_view_submissions_ack_is_checked_against_the_submitted_view() -> None:
    assert validate_view_response(None, FORM) == []  # an empty ack closes the modal
    assert (
        validate_view_response({"response_action": "errors", "errors": {"contact": "No."}}, FORM)
        == []
    )
    assert validate_view_response({"response_action": "update", "view": FORM}, FORM) == []
    assert validate_view_response({"response_action": "close"}, FORM) != []
    [unknown] = validate_view_response(
        {"response_action": "errors", "errors": {"email": "No."}}, FORM
    )
    assert "no input block 'email'" in unknown
    assert validate_view_response({"response_action": "errors", "errors": {"contact": ""}}, FORM)
    bad_update = {
        "response_action": "update",
        "view": {**FORM, "title": {"type": "plain_text", "text": "x" * 25}},
    }
    assert any("view.title" in p for p in validate_view_response(bad_update, FORM))


@pytest.mark.asyncio
async def test_calls_are_held_against_the_web_api_description(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    message = await post_with_buttons(web_client)
    updated = await web_client.chat_update(
        channel=COHORT_CHANNEL_ID, ts=message["ts"], text="Done", blocks=DONE_BUTTONS[:1]
    )
    opened = await web_client.views_open(trigger_id=fake.trigger_id(), view=FORM)
    assert fake.spec_problems == []

    await web_client.api_call(
        "chat.update",
        json={"channel": COHORT_CHANNEL_ID, "ts": message["ts"], "text": "x", "colour": "red"},
    )
    with pytest.raises(SlackApiError):
        await web_client.api_call(
            "chat.postEphemeral", json={"channel": COHORT_CHANNEL_ID, "text": "x"}
        )

    assert fake.spec_problems == [
        "chat.update: unknown parameter 'colour'",
        "chat.postEphemeral: required parameter 'user' missing",
    ]
    assert updated["message"]["blocks"] == DONE_BUTTONS[:1]
    assert opened["view"]["callback_id"] == "form"


@pytest.mark.asyncio
async def test_an_ephemeral_is_kept_with_who_sees_it_and_can_be_clicked(
    fake: FakeSlack, web_client: AsyncWebClient
) -> None:
    await web_client.chat_postEphemeral(
        channel=COHORT_CHANNEL_ID, user=MEMBER_ID, text="Did you mean?", blocks=DONE_BUTTONS
    )

    [shown_to] = fake.ephemerals
    click = fake.click(shown_to, "Later", channel_id=COHORT_CHANNEL_ID)

    assert (shown_to["user"], shown_to["bot_id"]) == (MEMBER_ID, fake.team.bot_id)
    assert click["container"]["is_ephemeral"]
    assert click["container"]["message_ts"] == shown_to["ts"]


def test_text_inputs_and_views_follow_block_kits_limits() -> None:
    def form(**element: Any) -> dict[str, Any]:
        return {
            **FORM,
            "blocks": [
                {**FORM["blocks"][0], "element": {**FORM["blocks"][0]["element"], **element}}
            ],
        }

    def problems_of(view: dict[str, Any]) -> list[str]:
        return validate_view(view, expected_type="modal")

    assert (
        problems_of(
            form(
                max_length=80,
                initial_value="Acme",
                placeholder={"type": "plain_text", "text": "Jane"},
            )
        )
        == []
    )
    assert any("max_length" in p for p in problems_of(form(max_length=3001)))
    assert any("initial_value" in p for p in problems_of(form(max_length=3, initial_value="Acme")))
    assert any(
        "placeholder" in p
        for p in problems_of(form(placeholder={"type": "plain_text", "text": "x" * 151}))
    )
    assert any("callback_id" in p for p in problems_of({**FORM, "callback_id": "c" * 256}))


@pytest.mark.asyncio
async def test_a_fake_made_for_a_benchmark_leaves_the_spec_check_out() -> None:
    async with FakeSlack(check_spec=False) as unchecked:
        client = AsyncWebClient(token=unchecked.bot_token, base_url=unchecked.api_base)
        await client.api_call(
            "chat.postMessage", json={"channel": COHORT_CHANNEL_ID, "text": "x", "colour": "red"}
        )
        assert unchecked.calls.last("chat.postMessage").params["colour"] == "red"
        assert unchecked.spec_problems == []
