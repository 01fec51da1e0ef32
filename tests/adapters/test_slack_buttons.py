"""The core's buttons and forms on Slack, end to end: a reminder DM with buttons, a click
acked at once and pressed through the real core, the DM rewritten by ``chat.update``, a
form opened on the click's trigger and submitted; both modes, the fake Slack on loopback."""

from __future__ import annotations

import asyncio
import copy
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.adapters.conftest import Ack, SlackBot, shown
from tests.fakes.slack import COHORT_CHANNEL_ID, MEMBER_ID, ORGANIZER_ID
from tests.fakes.slack_blocks import validate_view_response

ACK_DEADLINE = 3.0
MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
"""Monday 30 November 2026, 15:00 in ada's London."""
THIRD_DAY = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
"""Thursday 3 December, three business days on: the "someone else at Acme" reminder."""
SEVENTH_DAY = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
"""Wednesday 9 December, seven business days on: the follow-up reminder."""


def values(**typed: str | None) -> dict[str, dict[str, Any]]:
    """``state.values`` of a form as Slack sends them (an empty input is null)."""
    return {
        name: {"value": {"type": "plain_text_input", "value": text or None}}
        for name, text in typed.items()
    }


def buttons(message: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(label, style) of every button on a message."""
    return [
        (element["text"]["text"], element.get("style"))
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def setup(slack_bot: SlackBot, clock: ManualClock) -> None:
    """A cohort in the channel, and ada's first email to Jane Doe on Monday."""
    await slack_bot.command("/cohort", "setup", user_id=ORGANIZER_ID)
    clock.set(MONDAY)
    await slack_bot.command("/sent", "Jane Doe org:Acme")


async def reminder(slack_bot: SlackBot, clock: ManualClock, at: datetime) -> dict[str, Any]:
    """The reminder due at ``at``, as it sits in ada's DM."""
    clock.set(at)
    await slack_bot.runtime.courier.run_due()
    return slack_bot.fake.messages[dm_of(slack_bot)][-1]


def dm_of(slack_bot: SlackBot, user_id: str = MEMBER_ID) -> str:
    opened = [c for c in slack_bot.fake.calls.named("conversations.open") if c.ok]
    return str(next(c.response["channel"]["id"] for c in opened if c.params["users"] == user_id))


async def follow_up_reminder(slack_bot: SlackBot, clock: ManualClock) -> dict[str, Any]:
    await setup(slack_bot, clock)
    await reminder(slack_bot, clock, THIRD_DAY)
    return await reminder(slack_bot, clock, SEVENTH_DAY)


async def press(slack_bot: SlackBot, payload: dict[str, Any]) -> Ack:
    """Click, and wait for what the adapter does after its ack."""
    ack = await slack_bot.interactive(payload)
    await slack_bot.settled()
    assert ack.elapsed < ACK_DEADLINE
    assert ack.payload is None  # acked empty: the answer follows
    return ack


def answers_in(slack_bot: SlackBot, channel: str, after: int) -> list[str]:
    """What the bot said in ``channel`` after its first ``after`` messages."""
    return [shown(m) for m in slack_bot.fake.messages[channel][after:]]


async def test_a_reminder_dm_carries_its_answers_as_buttons(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await setup(slack_bot, clock)

    third = await reminder(slack_bot, clock, THIRD_DAY)
    seventh = await reminder(slack_bot, clock, SEVENTH_DAY)

    assert buttons(third) == [
        ("Write to someone else at Acme", "primary"),
        ("They replied", None),
        ("Interview booked", None),
        ("Snooze 2 business days", None),
        ("Stop reminding", "danger"),
    ]
    assert buttons(seventh) == [
        ("Followed up", "primary"),
        ("They replied", None),
        ("Interview booked", None),
        ("Snooze 2 business days", None),
        ("Stop reminding", "danger"),
    ]
    assert "Jane Doe" in seventh["text"]
    assert slack_bot.fake.block_errors == []
    assert slack_bot.fake.spec_problems == []


async def test_followed_up_logs_one_follow_up_and_the_dm_shows_it(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    dm = dm_of(slack_bot)
    before = len(slack_bot.fake.messages[dm])

    await press(slack_bot, slack_bot.fake.click(message, "Followed up"))

    update = slack_bot.fake.calls.last("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (dm, message["ts"])
    edited = next(m for m in slack_bot.fake.messages[dm] if m["ts"] == message["ts"])
    done, _, answer = shown(edited).partition("✓ Followed up (logged Wed 9 Dec)")
    assert "Jane Doe" in done
    # The DM is private already: the answer rides in the rewrite, one call instead of two.
    assert answer.strip().startswith("Logged a follow-up to Jane Doe (Acme).")
    assert buttons(edited) == []
    assert "edited" in edited
    assert answers_in(slack_bot, dm, before) == []
    assert len(slack_bot.fake.calls.named("chat.update")) == 1
    assert slack_bot.count("actions") == 2
    assert "Jane Doe (Acme) [followed up]" in (await slack_bot.command("/contacts")).shown
    assert slack_bot.fake.spec_problems == []
    assert slack_bot.fake.block_errors == []


async def test_an_answer_whose_dm_cannot_be_rewritten_comes_as_a_message_of_its_own(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    dm = dm_of(slack_bot)
    before = len(slack_bot.fake.messages[dm])
    slack_bot.fake.fail_next("chat.update", "message_not_found")

    await press(slack_bot, slack_bot.fake.click(message, "Followed up"))

    [answer] = answers_in(slack_bot, dm, before)
    assert answer.startswith("Logged a follow-up to Jane Doe (Acme).")
    assert slack_bot.count("actions") == 2


async def test_a_double_click_or_a_replayed_payload_logs_once(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    dm = dm_of(slack_bot)
    before = len(slack_bot.fake.messages[dm])
    as_first_seen = copy.deepcopy(message)  # a client that has not redrawn it yet
    click = slack_bot.fake.click(message, "Followed up")

    await asyncio.gather(slack_bot.interactive(click), slack_bot.interactive(click))
    await slack_bot.settled()
    await press(slack_bot, click)  # the same payload once more, later
    await press(slack_bot, slack_bot.fake.click(as_first_seen, "They replied"))

    answers = answers_in(slack_bot, dm, before)
    rewrites = [shown(c.params) for c in slack_bot.fake.calls.named("chat.update")]
    assert sum("Logged a follow-up to Jane Doe (Acme)." in r for r in rewrites) == 1
    assert not any("Logged a follow-up" in a for a in answers)
    already = [a for a in answers if a.startswith("Already done")]
    assert len(already) == 3
    assert already[0] == (
        "Already done: you logged a follow-up for Jane Doe (Acme) on Wed 9 Dec. "
        "Nothing new was logged."
    )
    assert slack_bot.count("actions") == 2
    edited = next(m for m in slack_bot.fake.messages[dm] if m["ts"] == message["ts"])
    assert buttons(edited) == []


async def test_a_click_by_someone_else_is_refused_privately_and_changes_nothing(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    dm = dm_of(slack_bot)
    kept = [dict(m) for m in slack_bot.fake.messages[dm]]
    before = slack_bot.snapshot()

    await press(slack_bot, slack_bot.fake.click(message, "Followed up", user_id=ORGANIZER_ID))

    assert slack_bot.snapshot() == before
    assert slack_bot.fake.messages[dm] == kept  # nothing said or edited in ada's DM
    assert slack_bot.fake.calls.named("chat.update") == []
    [refusal] = slack_bot.fake.messages[dm_of(slack_bot, ORGANIZER_ID)]
    assert shown(refusal).startswith("This button is for someone else")


async def test_a_stale_button_says_why_and_logs_nothing(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    await slack_bot.command("/reply", "Jane Doe")
    dm = dm_of(slack_bot)
    before, seen = slack_bot.snapshot(), len(slack_bot.fake.messages[dm])

    await press(slack_bot, slack_bot.fake.click(message, "Followed up"))

    [answer] = answers_in(slack_bot, dm, seen)
    assert answer.startswith("Jane Doe (Acme) has moved on since this message: replied")
    assert slack_bot.snapshot() == before
    assert slack_bot.fake.calls.named("chat.update") == []


async def test_write_to_someone_else_opens_the_form_filled_in_and_logs_the_email(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await setup(slack_bot, clock)
    message = await reminder(slack_bot, clock, THIRD_DAY)

    await press(slack_bot, slack_bot.fake.click(message, "Write to someone else at Acme"))

    [form] = slack_bot.fake.opened_views
    inputs = {b["block_id"]: b["element"] for b in form["blocks"]}
    assert list(inputs) == ["contact", "org", "note"]
    assert inputs["org"]["initial_value"] == "Acme"
    assert form["title"]["text"] == "Log an email"
    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(contact="Raj Patel", org="Acme", note=None))
    )
    assert ack.elapsed < ACK_DEADLINE
    assert validate_view_response(ack.payload, form) == []
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert "Logged an outreach email to Raj Patel (Acme)" in shown(ack.payload["view"])
    assert "Raj Patel (Acme) [emailed]" in (await slack_bot.command("/contacts")).shown
    assert slack_bot.count("actions") == 2
    assert slack_bot.fake.spec_problems == []


async def test_log_an_email_under_progress_opens_the_form_from_an_ephemeral_reply(
    slack_bot: SlackBot,
) -> None:
    progress = await slack_bot.command("/progress")
    assert progress.ephemeral
    assert progress.payload is not None
    assert buttons(progress.payload) == [("Log an email", "primary")]

    await press(
        slack_bot,
        slack_bot.fake.click(progress.payload, "Log an email", channel_id=COHORT_CHANNEL_ID),
    )
    [form] = slack_bot.fake.opened_views
    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(contact="Jane Doe", org="Acme"))
    )

    assert ack.payload is not None
    assert "Logged an outreach email to Jane Doe (Acme)" in shown(ack.payload["view"])
    assert slack_bot.count("actions") == 1


async def test_the_kickoffs_button_opens_the_form_for_anyone_in_the_channel(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await setup(slack_bot, clock)
    clock.set(datetime(2026, 12, 7, 14, 5, tzinfo=UTC))  # Monday 09:05 in New York
    await slack_bot.runtime.courier.run_due()
    with_button = next(
        m
        for m in slack_bot.fake.messages[COHORT_CHANNEL_ID]
        if buttons(m) == [("Log an email", "primary")]
    )

    await press(slack_bot, slack_bot.fake.click(with_button, "Log an email", user_id=ORGANIZER_ID))
    [form] = slack_bot.fake.opened_views
    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(contact="Lin Wu"), user_id=ORGANIZER_ID)
    )

    assert ack.payload is not None
    assert "Logged an outreach email to Lin Wu" in shown(ack.payload["view"])
    assert slack_bot.fake.calls.named("chat.update") == []  # the kickoff stays for everyone


BAD_INPUT = [
    (values(contact=None, org="Acme"), "The form needs this: Who did you write to."),
    (values(contact="x" * 10_000), "80"),
    (values(contact="Jane\x00Doe"), ""),
    (values(contact="Jane", note="n" * 10_000), "500"),
]


@pytest.mark.parametrize(("typed", "words"), BAD_INPUT)
async def test_bad_form_input_is_refused_on_the_form_and_changes_nothing(
    slack_bot: SlackBot, typed: dict[str, dict[str, Any]], words: str
) -> None:
    progress = await slack_bot.command("/progress")
    assert progress.payload is not None
    await press(
        slack_bot,
        slack_bot.fake.click(progress.payload, "Log an email", channel_id=COHORT_CHANNEL_ID),
    )
    [form] = slack_bot.fake.opened_views
    before = slack_bot.snapshot()

    ack = await slack_bot.interactive(slack_bot.fake.view_submission(form, typed))

    assert ack.payload is not None
    assert validate_view_response(ack.payload, form) == []
    assert ack.payload["response_action"] == "errors"
    [error] = ack.payload["errors"].values()
    assert words in error
    assert "Traceback" not in error
    assert "`" not in error
    assert slack_bot.snapshot() == before


async def test_mention_syntax_in_a_form_is_kept_as_text_and_never_notifies(
    slack_bot: SlackBot,
) -> None:
    """The core takes it as a name, as it does typed; Slack must only ever show it."""
    progress = await slack_bot.command("/progress")
    assert progress.payload is not None
    await press(
        slack_bot,
        slack_bot.fake.click(progress.payload, "Log an email", channel_id=COHORT_CHANNEL_ID),
    )
    [form] = slack_bot.fake.opened_views

    ack = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(contact="<!everyone>", org="<!channel>"))
    )

    assert ack.payload is not None
    said = shown(ack.payload["view"])
    assert "Logged an outreach email to &lt;!everyone&gt; (&lt;!channel&gt;)" in said
    assert "<!" not in said


@pytest.mark.parametrize("mode", ["http"])
async def test_a_click_with_a_bad_signature_is_refused_and_changes_nothing(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    before = slack_bot.snapshot()
    assert slack_bot.sender is not None

    forged = await slack_bot.sender.interactive(
        slack_bot.fake.click(message, "Followed up"), bad_signature=True
    )
    stale = await slack_bot.sender.interactive(
        slack_bot.fake.click(message, "Followed up"), stale=True
    )
    await slack_bot.settled()

    assert (forged.status, stale.status) == (401, 401)
    assert slack_bot.snapshot() == before
    assert slack_bot.fake.calls.named("chat.update") == []


async def test_the_app_homes_own_button_still_opens_its_modal(slack_bot: SlackBot) -> None:
    await slack_bot.event(slack_bot.fake.app_home_opened(MEMBER_ID))
    await slack_bot.settled()
    home = slack_bot.fake.home_views[MEMBER_ID]

    await press(slack_bot, slack_bot.fake.block_actions("log_email", message=home))

    [modal] = slack_bot.fake.opened_views
    assert modal["callback_id"] == "log_email"


async def test_a_form_slack_will_not_open_is_explained_privately(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await setup(slack_bot, clock)
    message = await reminder(slack_bot, clock, THIRD_DAY)
    dm = dm_of(slack_bot)
    seen = len(slack_bot.fake.messages[dm])
    click = slack_bot.fake.click(message, "Write to someone else at Acme")
    slack_bot.fake.advance(3.5)  # the click's trigger_id lives three seconds

    await press(slack_bot, click)

    assert slack_bot.fake.calls.last("views.open").error == "expired_trigger_id"
    [answer] = answers_in(slack_bot, dm, seen)
    assert answer.startswith("I couldn't open the form (Slack said `expired_trigger_id`).")
    assert slack_bot.count("actions") == 1


async def test_a_check_back_moved_by_its_form_then_says_so_on_its_other_buttons(
    slack_bot: SlackBot, clock: ManualClock
) -> None:
    await setup(slack_bot, clock)
    await slack_bot.command("/interview", "Jane Doe status:scheduled on:2026-12-01")
    question = await reminder(slack_bot, clock, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert [label for label, _ in buttons(question)] == [
        "It happened",
        "It moved",
        "It was cancelled",
    ]
    dm = dm_of(slack_bot)

    stale_click = slack_bot.fake.click(question, "It happened")  # a second device, not yet redrawn
    await press(slack_bot, slack_bot.fake.click(question, "It moved"))
    [form] = slack_bot.fake.opened_views
    refused = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(on="next tuesday", at=None))
    )
    assert buttons(question) != []
    moved = await slack_bot.interactive(
        slack_bot.fake.view_submission(form, values(on="2026-12-08", at="14:00"))
    )
    await slack_bot.settled()
    seen = len(slack_bot.fake.messages[dm])
    await press(slack_bot, stale_click)

    assert [b["block_id"] for b in form["blocks"]] == ["on", "at"]
    assert refused.payload is not None
    assert validate_view_response(refused.payload, form) == []
    assert list(refused.payload["errors"]) == ["on"]
    assert moved.payload is not None
    assert "Tue 8 Dec" in shown(moved.payload["view"])
    assert buttons(question) == []
    assert shown(question).endswith("✓ Moved to Tue 8 Dec")
    [stale] = answers_in(slack_bot, dm, seen)
    assert stale == (
        "Your conversation with Jane Doe was moved to Tue 8 Dec since this message; "
        "I'll ask about it after the new date."
    )
    assert "Tue 8 Dec" in (await slack_bot.command("/contacts")).shown


async def test_a_button_the_bot_never_made_is_refused_privately_in_the_channel(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/sent", "Jane Doe")
    before = slack_bot.snapshot()

    await press(slack_bot, slack_bot.fake.block_actions("ro:rem:f:1:1:1:nonsense"))

    [post] = slack_bot.fake.response_posts
    assert post.accepted
    assert post.body["response_type"] == "ephemeral"
    assert not post.body["replace_original"]
    assert shown(post.body).startswith("That button no longer works here.")
    assert slack_bot.snapshot() == before


@pytest.mark.parametrize("ack_budget", [0.0])
async def test_a_form_that_outlasts_the_ack_says_so_and_answers_by_dm(
    slack_bot: SlackBot,
) -> None:
    working = await slack_bot.command("/progress")  # with no budget, through response_url
    assert working.text == "Working on it…"
    progress = await slack_bot.fake.wait_for_response_post()
    await press(
        slack_bot,
        slack_bot.fake.click(progress.body, "Log an email", channel_id=COHORT_CHANNEL_ID),
    )
    [form] = slack_bot.fake.opened_views

    # Another process holds the database's write lock: the submission has to wait for it.
    holder = sqlite3.connect(slack_bot.runtime.settings.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ack = await slack_bot.interactive(
            slack_bot.fake.view_submission(form, values(contact="Jane Doe", org="Acme"))
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await slack_bot.settled()

    assert ack.payload is not None
    assert validate_view_response(ack.payload, form) == []
    assert shown(ack.payload["view"]).startswith("Saving…")
    [answer] = slack_bot.fake.messages[dm_of(slack_bot)]
    assert shown(answer).startswith("Logged an outreach email to Jane Doe (Acme)")


def logged(slack_bot: SlackBot) -> list[str]:
    """Every row but the refused command the core keeps for its "did you mean" buttons."""
    return [row for row in slack_bot.snapshot() if "pending-name:" not in row]


async def test_did_you_mean_comes_with_buttons_and_yes_logs_once(slack_bot: SlackBot) -> None:
    await slack_bot.command("/sent", "Mary O'Brien org:Acme")
    before = logged(slack_bot)

    asked = await slack_bot.command("/followup", "mary")

    assert asked.payload is not None
    assert asked.ephemeral
    assert asked.shown.startswith("Did you mean Mary O'Brien (Acme)?")
    assert buttons(asked.payload) == [
        ("Yes, Mary O'Brien (Acme)", "primary"),
        ("No, someone new", None),
    ]
    assert logged(slack_bot) == before
    yes = slack_bot.fake.click(
        asked.payload, "Yes, Mary O'Brien (Acme)", channel_id=COHORT_CHANNEL_ID
    )
    await press(slack_bot, yes)
    await press(slack_bot, yes)  # a double click, or Slack delivering it twice
    await press(
        slack_bot,
        slack_bot.fake.click(asked.payload, "No, someone new", channel_id=COHORT_CHANNEL_ID),
    )

    replaced, *again = slack_bot.fake.response_posts
    assert replaced.body["replace_original"]  # the ephemeral question says what was done
    done, _, answer = shown(replaced.body).partition("✓ Logged for Mary O'Brien (Acme)")
    assert done.startswith("Did you mean Mary O'Brien (Acme)?")
    # Only the presser sees an ephemeral message: the answer rides in its rewrite.
    assert answer.strip().startswith("Logged a follow-up to Mary O'Brien (Acme).")
    assert buttons(replaced.body) == []
    assert [shown(p.body).startswith("Already done") for p in again] == [True, True]
    assert all(p.accepted for p in slack_bot.fake.response_posts)
    assert slack_bot.count("actions") == 2
    assert slack_bot.count("contacts") == 1


async def test_did_you_mean_in_the_form_closes_it_on_where_its_buttons_went(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("/sent", "Mary O'Brien org:Acme")
    progress = await slack_bot.command("/progress")
    assert progress.payload is not None
    await press(
        slack_bot,
        slack_bot.fake.click(progress.payload, "Log an email", channel_id=COHORT_CHANNEL_ID),
    )
    [form] = slack_bot.fake.opened_views
    before = logged(slack_bot)

    ack = await slack_bot.interactive(slack_bot.fake.view_submission(form, values(contact="mary")))
    await slack_bot.settled()

    assert ack.payload is not None
    assert validate_view_response(ack.payload, form) == []
    assert ack.payload["response_action"] == "update"
    closing = shown(ack.payload["view"])
    assert closing.startswith("Did you mean Mary O'Brien (Acme)? Choose “Yes, …” to log it")
    assert "new:yes" not in closing
    assert closing.endswith("The choices are in the conversation you opened this form from.")
    assert logged(slack_bot) == before
    [offer] = slack_bot.fake.ephemerals
    assert "new:yes" not in shown(offer)
    assert (offer["channel"], offer["user"]) == (COHORT_CHANNEL_ID, MEMBER_ID)
    await press(
        slack_bot,
        slack_bot.fake.click(offer, "Yes, Mary O'Brien (Acme)", channel_id=COHORT_CHANNEL_ID),
    )
    [replaced] = slack_bot.fake.response_posts
    _, done, answer = shown(replaced.body).partition("✓ Logged for Mary O'Brien (Acme)")
    assert done
    assert answer.strip().startswith("Logged an outreach email to Mary O'Brien (Acme)")
    assert slack_bot.count("actions") == 2


@pytest.mark.parametrize(
    ("label", "said", "stage"),
    [
        ("Followed up", "Logged a follow-up to Jane Doe (Acme).", "followed up"),
        ("They replied", "Jane Doe replied!", "replied"),
        ("Interview booked", "Interview with Jane Doe (Acme) scheduled", "interview scheduled"),
    ],
)
async def test_each_reminder_button_does_what_its_command_does_once(
    slack_bot: SlackBot, clock: ManualClock, label: str, said: str, stage: str
) -> None:
    message = await follow_up_reminder(slack_bot, clock)
    dm = dm_of(slack_bot)
    seen = len(slack_bot.fake.messages[dm])

    await press(slack_bot, slack_bot.fake.click(message, label))

    assert answers_in(slack_bot, dm, seen) == []
    rewrite = shown(slack_bot.fake.calls.last("chat.update").params)
    _, done, answer = rewrite.partition(f"✓ {label} (logged Wed 9 Dec)")
    assert done
    assert answer.strip().startswith(said)
    assert slack_bot.count("actions") == 2
    assert f"Jane Doe (Acme) [{stage}]" in (await slack_bot.command("/contacts")).shown
