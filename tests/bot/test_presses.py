"""Buttons and forms through the port: each press runs the typed command's use case, for
the member it was sent to only, once per message, and only while its step stands."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.invocation import Origin
from bot.replies import PRESS_PREFIX, Button, Field, Press, Reply
from bot.runtime import Runtime
from tests.conftest import Console
from tests.notifiers import RecordingNotifier

MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
"""Monday 30 November 2026, 10:00 in New York."""
THIRD_DAY = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
"""Thursday 3 December, 09:00 in New York: three business days after Monday."""
SEVENTH_DAY = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
"""Wednesday 9 December, 09:00 in New York: seven business days after Monday."""


@pytest.fixture
def notifier(runtime: Runtime) -> RecordingNotifier:
    recorder = RecordingNotifier()
    runtime.courier.register(recorder)
    return recorder


async def reminder_at(
    instant: datetime, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> Reply:
    clock.set(instant)
    await runtime.courier.run_due()
    return [s for s in notifier.sent if s.direct][-1].reply


def button(reply: Reply, label: str) -> str:
    [found] = [b.action_id for b in reply.buttons if b.label == label]
    return found


async def follow_up_reminder(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> Reply:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await reminder_at(THIRD_DAY, clock, runtime, notifier)
    return await reminder_at(SEVENTH_DAY, clock, runtime, notifier)


async def test_a_reminder_carries_its_answers_and_followed_up_logs_one_follow_up(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    assert [b.label for b in reminder.buttons] == [
        "Followed up",
        "They replied",
        "Interview booked",
        "Snooze 2 business days",
        "Stop reminding",
    ]
    assert all(b.action_id.startswith(PRESS_PREFIX) for b in reminder.buttons)

    pressed = await runtime.port.press(console.session.origin, button(reminder, "Followed up"))

    assert pressed.reply is not None
    assert not pressed.reply.error
    assert pressed.reply.text.startswith("Logged a follow-up to Jane Doe (Acme).")
    assert pressed.update is not None
    assert pressed.update.buttons == ()
    assert pressed.update.text.startswith(reminder.text)
    assert "✓ Followed up (logged Wed 9 Dec)" in pressed.update.text
    assert console.count("actions") == 2
    assert "followed up" in await console.run("/contacts")


async def test_a_second_press_says_what_the_first_logged_and_logs_nothing(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    await runtime.port.press(console.session.origin, button(reminder, "Followed up"))
    before = console.snapshot()

    again = await runtime.port.press(console.session.origin, button(reminder, "They replied"))

    assert again.reply is not None
    assert again.reply.error
    assert again.reply.text == (
        "Already done: you logged a follow-up for Jane Doe (Acme) on Wed 9 Dec. "
        "Nothing new was logged."
    )
    assert again.update is not None
    assert again.update.buttons == ()
    assert console.snapshot() == before


async def test_presses_racing_on_one_message_log_one_action(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    action_id = button(reminder, "Followed up")

    presses = await asyncio.gather(
        *(runtime.port.press(console.session.origin, action_id) for _ in range(8))
    )

    logged = [p for p in presses if p.reply is not None and not p.reply.error]
    assert len(logged) == 1
    assert all(
        p.reply is not None and "Already done" in p.reply.text for p in presses if p not in logged
    )
    assert console.count("actions") == 2


async def test_someone_elses_button_is_refused_and_changes_nothing(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    await console.run("/progress", as_name="Sam")
    before = console.snapshot()
    sam = console.session.origin
    stranger = replace(sam, user_id="never-seen", user_name="Stranger")

    for origin in (sam, stranger):
        pressed = await runtime.port.press(origin, button(reminder, "Followed up"))
        assert pressed.reply is not None
        assert pressed.reply.error
        assert pressed.reply.text.startswith("This button is for someone else")
        assert pressed.update is None
    assert console.snapshot() == before


async def test_a_button_whose_step_has_passed_says_so(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    await console.run("/reply jane doe")
    before = console.snapshot()

    pressed = await runtime.port.press(console.session.origin, button(reminder, "Followed up"))

    assert pressed.reply is not None
    assert pressed.reply.error
    assert pressed.reply.text.startswith("Jane Doe (Acme) has moved on since this message: replied")
    assert console.snapshot() == before


@pytest.mark.parametrize(
    "action_id",
    [
        "ro:",
        "ro:rem:f:1:1:1:nonsense",
        "ro:rem:zz:1:1:1:follow_up",
        "ro:rem:f:x:1:1:follow_up",
        "ro:" + "9" * 200,
        "somebody-elses",
        "ro:rem:f:1:1:1:follow_up'; DROP TABLE actions; --",
    ],
)
async def test_an_id_the_bot_did_not_make_is_refused_cleanly(
    console: Console, runtime: Runtime, action_id: str
) -> None:
    await console.run("/sent Jane Doe")
    before = console.snapshot()

    pressed = await runtime.port.press(console.session.origin, action_id)

    assert pressed.reply is not None
    assert pressed.reply.error
    assert pressed.update is None
    assert console.snapshot() == before


async def test_write_to_someone_else_opens_the_form_with_the_organisation_filled_in(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    reminder = await reminder_at(THIRD_DAY, clock, runtime, notifier)
    assert [b.label for b in reminder.buttons] == [
        "Write to someone else at Acme",
        "They replied",
        "Interview booked",
        "Snooze 2 business days",
        "Stop reminding",
    ]

    pressed = await runtime.port.press(
        console.session.origin, button(reminder, "Write to someone else at Acme")
    )

    assert pressed.form is not None
    assert {f.name: f.value for f in pressed.form.fields} == {
        "contact": "",
        "org": "Acme",
        "note": "",
    }
    submitted = await runtime.port.submit(
        console.session.origin, pressed.form.form_id, {"contact": "Raj Patel", "org": "Acme"}
    )
    logged = submitted.reply
    assert logged is not None
    assert submitted.update is None
    assert not logged.error
    assert "Raj Patel (Acme)" in logged.text
    assert "Raj Patel" in await console.run("/contacts")


async def test_the_log_an_email_button_is_under_progress_and_anyone_may_use_it(
    console: Console, runtime: Runtime
) -> None:
    progress = await runtime.port.run_text(console.session.origin, "/progress")
    pressed = await runtime.port.press(console.session.origin, button(progress, "Log an email"))
    assert pressed.form is not None
    assert pressed.form == runtime.port.form("sent")
    assert runtime.port.form("progress") is None


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({}, "The form needs this: Who did you write to."),
        ({"contact": "   "}, "The form needs this: Who did you write to."),
        ({"contact": "x" * 10_000}, "80"),
        ({"contact": "Jane\x00Doe"}, ""),
        ({"contact": "Jane", "count": "20"}, "That form has no field `count`."),
        ({"contact": "Jane", "note": "n" * 10_000}, "500"),
    ],
)
async def test_bad_form_input_is_refused_in_one_sentence_and_changes_nothing(
    console: Console, runtime: Runtime, values: dict[str, str], words: str
) -> None:
    await console.run("/progress")
    before = console.snapshot()
    form = runtime.port.form("sent")
    assert form is not None

    reply = (await runtime.port.submit(console.session.origin, form.form_id, values)).reply

    assert reply is not None
    assert reply.error
    assert words in reply.text
    assert "Traceback" not in reply.text
    assert console.snapshot() == before


async def test_mention_syntax_in_a_form_is_kept_as_text_never_a_mention(
    console: Console, runtime: Runtime
) -> None:
    form = runtime.port.form("sent")
    assert form is not None
    reply = (
        await runtime.port.submit(
            console.session.origin, form.form_id, {"contact": "@everyone", "org": "<!channel>"}
        )
    ).reply
    assert reply is not None
    assert reply.mentions == ()


async def test_check_back_buttons_log_the_interview_or_open_the_form_to_move_it(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    await console.run("/interview Jane Doe status:scheduled on:2026-12-01")
    question = await reminder_at(datetime(2026, 12, 2, 14, 0, tzinfo=UTC), clock, runtime, notifier)
    assert [b.label for b in question.buttons] == ["It happened", "It moved", "It was cancelled"]

    moved = await runtime.port.press(console.session.origin, button(question, "It moved"))
    assert moved.form is not None
    refused = await runtime.port.submit(
        console.session.origin, moved.form.form_id, {"on": "next tuesday"}
    )
    assert refused.reply is not None
    assert refused.reply.error
    assert refused.update is None
    done = await runtime.port.submit(
        console.session.origin, moved.form.form_id, {"on": "2026-12-08", "at": "14:00"}
    )
    assert done.reply is not None
    assert not done.reply.error
    assert "Tue 8 Dec" in done.reply.text
    assert done.update is not None
    assert done.update.text == f"{question.text}\n\n✓ Moved to Tue 8 Dec"
    assert done.update.buttons == ()

    stale = await runtime.port.press(console.session.origin, button(question, "It happened"))
    assert stale.reply is not None
    assert stale.reply.error
    assert stale.reply.text == (
        "Your conversation with Jane Doe was moved to Tue 8 Dec since this message; "
        "I'll ask about it after the new date."
    )
    again = await runtime.port.submit(
        console.session.origin, moved.form.form_id, {"on": "2026-12-10"}
    )
    assert again.reply is not None
    assert again.reply.error
    assert again.reply.text == stale.reply.text
    assert again.update is None
    assert "Tue 8 Dec" in await console.run("/contacts")

    question = await reminder_at(datetime(2026, 12, 9, 14, 0, tzinfo=UTC), clock, runtime, notifier)
    happened = await runtime.port.press(console.session.origin, button(question, "It happened"))
    assert happened.reply is not None
    assert happened.reply.text.startswith("Interview with Jane Doe (Acme) logged.")
    assert console.count("presses") == 1


async def test_contact_suggestions_are_the_callers_own_most_recent_first(
    console: Console, clock: ManualClock, runtime: Runtime
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Mary O'Brien org:Acme")
    await console.run("/sent Jane Doe org:Globex")
    await console.run("/sent Marc Dupont", as_name="Sam")
    console.session.name = "Alex"
    alex = console.session.origin

    everyone = await runtime.port.suggest(alex, "followup", "contact", "")
    assert [s.value for s in everyone] == ["Jane Doe", "Mary O'Brien"]
    assert [s.label for s in await runtime.port.suggest(alex, "reply", "contact", "obri")] == [
        "Mary O'Brien (Acme)"
    ]
    assert await runtime.port.suggest(alex, "followup", "contact", "marc") == []
    stranger = replace(alex, user_id="never-seen")
    assert await runtime.port.suggest(stranger, "followup", "contact", "") == []


async def test_time_zones_are_suggested_and_other_options_are_not(runtime: Runtime) -> None:
    origin = Origin("console", "local", "Local", None, "u", "U")
    assert runtime.port.suggests("settings", "timezone")
    assert not runtime.port.suggests("sent", "note")
    assert not runtime.port.suggests("nonsense", "contact")
    zones = await runtime.port.suggest(origin, "settings", "timezone", "berl")
    assert [z.value for z in zones] == ["Europe/Berlin"]
    assert len(await runtime.port.suggest(origin, "settings", "timezone", "")) == 25


async def test_did_you_mean_offers_each_close_name_and_someone_new_once(
    console: Console, runtime: Runtime
) -> None:
    await console.run("/sent Mary O'Brien org:Acme")
    refused = await runtime.port.run_text(console.session.origin, "/followup Mary OBrian")
    assert refused.error
    assert refused.text.startswith("Did you mean Mary O'Brien (Acme)?")
    assert [b.label for b in refused.buttons] == ["Yes, Mary O'Brien (Acme)", "No, someone new"]
    assert console.count("actions") == 1

    pressed = await runtime.port.press(
        console.session.origin, button(refused, "Yes, Mary O'Brien (Acme)")
    )
    assert pressed.reply is not None
    assert pressed.reply.text.startswith("Logged a follow-up to Mary O'Brien (Acme).")
    assert pressed.update is not None
    assert pressed.update.buttons == ()
    again = await runtime.port.press(console.session.origin, button(refused, "No, someone new"))
    assert again.reply is not None
    assert again.reply.text.startswith("Already done: you logged a follow-up for Mary O'Brien")
    assert console.count("actions") == 2
    assert console.count("contacts") == 1


async def test_did_you_mean_from_a_form_offers_its_buttons_without_typed_advice(
    console: Console, runtime: Runtime
) -> None:
    await console.run("/sent Mary O'Brien org:Acme")
    form = runtime.port.form("sent")
    assert form is not None

    submitted = await runtime.port.submit(
        console.session.origin, form.form_id, {"contact": "Mary OBrian"}
    )

    refused = submitted.reply
    assert refused is not None
    assert refused.error
    assert refused.text == (
        "Did you mean Mary O'Brien (Acme)? Choose “Yes, …” to log it for them, or "
        "“No, someone new” if “Mary OBrian” is someone new."
    )
    assert [b.label for b in refused.buttons] == ["Yes, Mary O'Brien (Acme)", "No, someone new"]
    pressed = await runtime.port.press(console.session.origin, button(refused, "No, someone new"))
    assert pressed.update is not None
    assert pressed.update.text.startswith(refused.text)
    assert console.count("contacts") == 2


async def test_someone_new_logs_the_name_as_typed_and_an_older_offer_is_overtaken(
    console: Console, runtime: Runtime
) -> None:
    await console.run("/sent Mary O'Brien org:Acme")
    older = await runtime.port.run_text(console.session.origin, "/sent Mary OBrian")
    newer = await runtime.port.run_text(console.session.origin, "/reply Mary OBrian")

    stale = await runtime.port.press(console.session.origin, button(older, "No, someone new"))
    assert stale.reply is not None
    assert stale.reply.error
    assert stale.reply.text.startswith("That choice was for an earlier command")

    pressed = await runtime.port.press(console.session.origin, button(newer, "No, someone new"))
    assert pressed.reply is not None
    assert not pressed.reply.error
    assert console.count("contacts") == 2
    assert "Mary OBrian" in await console.run("/contacts")


async def test_forget_erases_a_kept_did_you_mean_and_its_presses(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    reminder = await follow_up_reminder(console, clock, runtime, notifier)
    await runtime.port.press(console.session.origin, button(reminder, "Followed up"))
    asked = await console.run('/reply "Jane D" note:"private words"')
    assert "Did you mean Jane Doe (Acme)?" in asked, asked
    assert any("private words" in row for row in console.snapshot())

    await console.run("/mydata forget confirm:yes")

    assert not any("private words" in row for row in console.snapshot())
    assert console.count("presses") == 0


async def test_stop_reminding_silences_this_clock_and_a_follow_up_starts_a_new_one(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    third = await reminder_at(THIRD_DAY, clock, runtime, notifier)

    pressed = await runtime.port.press(console.session.origin, button(third, "Stop reminding"))

    assert pressed.reply is not None
    assert pressed.reply.text.startswith("No more reminders about Jane Doe (Acme) for this email.")
    assert pressed.update is not None
    assert pressed.update.buttons == ()
    clock.set(SEVENTH_DAY)
    await runtime.courier.run_due()
    assert len([s for s in notifier.sent if s.direct]) == 1
    await console.run("/followup Jane Doe")
    clock.set(datetime(2026, 12, 18, 14, 0, tzinfo=UTC))
    await runtime.courier.run_due()
    [*_, move_on] = [s for s in notifier.sent if s.direct]
    assert "hasn't answered your follow-up" in move_on.reply.text


async def test_snooze_asks_again_two_business_days_later_once(
    console: Console, clock: ManualClock, runtime: Runtime, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/sent Jane Doe org:Acme")
    third = await reminder_at(THIRD_DAY, clock, runtime, notifier)

    pressed = await runtime.port.press(
        console.session.origin, button(third, "Snooze 2 business days")
    )

    assert pressed.reply is not None
    assert pressed.reply.text.startswith(
        "Snoozed: I'll remind you about Jane Doe (Acme) again on Mon 7 Dec"
    )
    assert pressed.update is not None
    assert "✓ Snoozed until Mon 7 Dec" in pressed.update.text
    clock.set(datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    await runtime.courier.run_due()
    assert len([s for s in notifier.sent if s.direct]) == 1
    again = await reminder_at(datetime(2026, 12, 7, 14, 0, tzinfo=UTC), clock, runtime, notifier)
    assert again.title == "Snoozed reminder"
    assert "Jane Doe" in again.text
    await runtime.courier.run_due()
    assert len([s for s in notifier.sent if s.direct]) == 2
    followed = await runtime.port.press(console.session.origin, button(again, "They replied"))
    assert followed.reply is not None
    assert not followed.reply.error


# -- an answer in the pressed message ------------------------------------------------------

PRESSED = Reply("Seven business days since you wrote to Jane Doe.\n\n✓ Followed up", buttons=())


def test_an_answer_in_words_and_buttons_rides_in_the_pressed_messages_update() -> None:
    again = Button("Log an email", f"{PRESS_PREFIX}x")
    answer = Reply("Logged a follow-up to Jane Doe.", buttons=(again,))

    folded = Press(reply=answer, update=PRESSED).answered_in_place()

    assert folded.reply is None
    assert folded.update == Reply(f"{PRESSED.text}\n\n{answer.text}", buttons=(again,))


@pytest.mark.parametrize(
    "answer",
    [
        Reply("Already done: nothing new was logged.", error=True),
        Reply("Your week", fields=(Field("Sent", "3"),)),
        Reply("Posted for everyone", private=False),
    ],
    ids=["refusal", "more than words", "public"],
)
def test_a_refusal_or_a_richer_answer_stays_a_message_of_its_own(answer: Reply) -> None:
    press = Press(reply=answer, update=PRESSED)

    assert press.answered_in_place() == press


def test_a_press_with_nothing_to_update_keeps_its_answer() -> None:
    press = Press(reply=Reply("Snoozed."))

    assert press.answered_in_place() == press
