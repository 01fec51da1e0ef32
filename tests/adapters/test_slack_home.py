"""The App Home and its log-an-email modal, and Events API retries, in both modes."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.pacing import KeyedPacer
from adapters.slack import running
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings
from tests.adapters.conftest import SIGNING_SECRET, TEST_POST_INTERVAL, SlackBot, shown
from tests.fakes.slack import MEMBER_ID, FakeSlack, SlackSender


def modal_values(contact: str = "", org: str = "", note: str = "") -> dict[str, Any]:
    """``state.values`` as Slack fills them in on submit (empty inputs are null)."""
    return {
        name: {"value": {"type": "plain_text_input", "value": value or None}}
        for name, value in (("contact", contact), ("org", org), ("note", note))
    }


async def open_home(slack_bot: SlackBot) -> dict[str, Any]:
    await slack_bot.event(slack_bot.fake.app_home_opened(MEMBER_ID))
    await slack_bot.settled()
    return slack_bot.fake.home_views[MEMBER_ID]


async def open_modal(slack_bot: SlackBot, home: dict[str, Any]) -> dict[str, Any]:
    ack = await slack_bot.interactive(
        slack_bot.fake.block_actions("log_email", block_id="home_actions", message=home)
    )
    assert ack.payload is None
    await slack_bot.settled()
    return slack_bot.fake.opened_views[-1]


async def test_the_home_shows_the_members_progress_and_a_button_to_log(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/sent", "Jane Doe org:Acme")

    home = await open_home(slack_bot)

    text = shown(home)
    assert "*Your week from Mon 23 Nov*" in text
    assert "Emails: 1 of 3" in text
    assert "Meet your weekly goal to start a streak." in text
    assert "*Follow-ups due*\nNothing due. 👍" in text
    [button] = next(b for b in home["blocks"] if b["type"] == "actions")["elements"]
    assert (button["action_id"], button["text"]["text"]) == ("log_email", "Log an email sent")
    assert slack_bot.fake.block_errors == []


async def test_the_modal_logs_an_email_and_the_home_refreshes(slack_bot: SlackBot) -> None:
    home = await open_home(slack_bot)
    modal = await open_modal(slack_bot, home)

    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(
            modal, modal_values("Jane Doe", "Acme Labs", "alum, met at a conference")
        )
    )
    await slack_bot.settled()

    assert [b["block_id"] for b in modal["blocks"]] == ["contact", "org", "note"]
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert "Logged an outreach email to Jane Doe (Acme Labs)" in shown(ack.payload["view"])
    assert "Emails: 1 of 3" in shown(slack_bot.fake.home_views[MEMBER_ID])
    assert len(slack_bot.fake.calls.named("views.publish")) == 2
    contacts = await slack_bot.command("/contacts")
    assert "Jane Doe (Acme Labs) [emailed]" in contacts.shown


async def test_an_unnamed_email_can_be_logged_from_the_modal(slack_bot: SlackBot) -> None:
    modal = await open_modal(slack_bot, await open_home(slack_bot))

    ack = await slack_bot.interactive(slack_bot.fake.view_submission(modal, modal_values()))

    assert ack.payload is not None
    assert "Logged 1 outreach email" in shown(ack.payload["view"])


async def test_bad_modal_input_is_shown_under_its_field_and_logs_nothing(
    slack_bot: SlackBot,
) -> None:
    modal = await open_modal(slack_bot, await open_home(slack_bot))
    before = slack_bot.snapshot()

    address = await slack_bot.interactive(
        slack_bot.fake.view_submission(modal, modal_values("jane@acme.org"))
    )
    org_only = await slack_bot.interactive(
        slack_bot.fake.view_submission(modal, modal_values(org="Acme"))
    )
    control = await slack_bot.interactive(
        slack_bot.fake.view_submission(modal, modal_values("Jane", note="bad\x00byte"))
    )

    assert address.payload is not None
    assert address.payload["response_action"] == "errors"
    assert "keep email addresses out of reachout" in address.payload["errors"]["contact"]
    assert org_only.payload is not None
    assert "Add the person's name" in org_only.payload["errors"]["contact"]
    assert control.payload is not None
    assert list(control.payload["errors"]) == ["note"]
    assert slack_bot.snapshot() == before


async def test_a_retried_event_is_processed_once(slack_bot: SlackBot) -> None:
    body = slack_bot.fake.app_home_opened(MEMBER_ID)

    first = await slack_bot.event(body)
    retry = await slack_bot.event(body, retry_num=1)
    await slack_bot.settled()

    assert first.elapsed < 3.0
    assert retry.elapsed < 3.0
    assert len(slack_bot.fake.calls.named("views.publish")) == 1
    await slack_bot.event(slack_bot.fake.app_home_opened(MEMBER_ID))  # a new opening
    await slack_bot.settled()
    assert len(slack_bot.fake.calls.named("views.publish")) == 2


async def test_the_messages_tab_opening_publishes_nothing(slack_bot: SlackBot) -> None:
    await slack_bot.event(slack_bot.fake.app_home_opened(MEMBER_ID, tab="messages"))
    await slack_bot.settled()

    assert slack_bot.fake.calls.named("views.publish") == []


@pytest.mark.parametrize("mode", ["http"])
async def test_a_retry_reaching_another_instance_is_processed_once(
    fake: FakeSlack, slack_settings: Settings, clock: ManualClock
) -> None:
    """Two Slack apps on one database (two runtimes on one SQLite file), as behind a load
    balancer: Slack's retry of an event goes to the other one, which publishes nothing."""
    body = fake.app_home_opened(MEMBER_ID)
    pacer = KeyedPacer(rate=1 / TEST_POST_INTERVAL)
    async with (
        open_runtime(slack_settings, clock) as first_runtime,
        open_runtime(slack_settings, clock) as second_runtime,
        running(first_runtime.port, slack_settings, pacer=pacer) as first,
        running(second_runtime.port, slack_settings, pacer=pacer) as second,
    ):
        assert first.url is not None
        assert second.url is not None
        async with (
            SlackSender(first.url, SIGNING_SECRET) as to_first,
            SlackSender(second.url, SIGNING_SECRET) as to_second,
        ):
            assert (await to_first.event(body)).status == 200
            assert (await to_second.event(body, retry_num=1)).status == 200
            await first.adapter.settled()
            await second.adapter.settled()

    assert len(fake.calls.named("views.publish")) == 1


@pytest.mark.parametrize("mode", ["http"])
async def test_a_retry_after_a_restart_is_processed_once(
    fake: FakeSlack, slack_settings: Settings, clock: ManualClock
) -> None:
    body = fake.app_home_opened(MEMBER_ID)
    for retry_num in (None, 1):
        async with (
            open_runtime(slack_settings, clock) as runtime,
            running(runtime.port, slack_settings) as service,
        ):
            assert service.url is not None
            async with SlackSender(service.url, SIGNING_SECRET) as sender:
                assert (await sender.event(body, retry_num=retry_num)).status == 200
                await service.adapter.settled()

    assert len(fake.calls.named("views.publish")) == 1
