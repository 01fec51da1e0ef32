"""After the first email, through the console: holidays in business days, interview dates and
the check-back (once, across restarts, moved, cancelled, paused), and referrals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import DeliveryStatus
from bot.runtime import Runtime
from tests.conftest import Console
from tests.notifiers import RecordingNotifier

MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
"""Monday 30 November 2026, 10:00 in New York."""
WEDNESDAY_0900 = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
"""The morning after a conversation on Tuesday 1 December, in New York."""


@pytest.fixture
def notifier(runtime: Runtime) -> RecordingNotifier:
    recorder = RecordingNotifier()
    runtime.courier.register(recorder)
    return recorder


async def at(clock: ManualClock, runtime: Runtime, instant: datetime) -> int:
    clock.set(instant)
    return await runtime.courier.run_due()


async def test_an_email_before_christmas_in_the_us_is_reminded_after_it(
    console: Console, runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    clock.set(datetime(2026, 12, 22, 15, 0, tzinfo=UTC))  # Tuesday 22 December
    sent = await console.run("/sent Jane Doe org:Acme")
    assert "If there's no reply by Mon 28 Dec" in sent
    contacts = await console.run("/contacts")
    assert "next check-in Mon 28 Dec (a business day later for Christmas Day)" in contacts
    await at(clock, runtime, datetime(2026, 12, 25, 14, 0, tzinfo=UTC))
    assert [s for s in notifier.sent if s.direct] == []
    await at(clock, runtime, datetime(2026, 12, 28, 14, 0, tzinfo=UTC))
    [reminder] = [s for s in notifier.sent if s.direct]
    assert "3 business days since you wrote to Jane Doe" in reminder.reply.text


async def test_holidays_follow_the_cohort_and_a_member_may_choose_their_own(
    console: Console, clock: ManualClock
) -> None:
    assert "US public holidays (from the time zone)" in await console.run("/cohort schedule")
    saved = await console.run("/cohort schedule holidays:CA-ON")
    assert "business days skip CA-ON public holidays" in saved
    assert "CA-ON public holidays (the cohort's)" in await console.run("/settings")
    assert "DE-BE public holidays" in await console.run("/settings holidays:de-be")
    clock.set(datetime(2027, 3, 5, 15, 0, tzinfo=UTC))  # Friday; Monday is Women's Day
    await console.run("/sent Jane Doe")
    assert "for Women's Day" in await console.run("/contacts")
    assert "weekends only" in await console.run("/settings holidays:none")
    assert "(the cohort's)" in await console.run("/settings holidays:default")


async def test_the_check_back_comes_the_morning_after_once_across_restarts(
    console: Console,
    runtime: Runtime,
    settings: Settings,
    clock: ManualClock,
    notifier: RecordingNotifier,
) -> None:
    clock.set(MONDAY)
    scheduled = await console.run("/interview Jane Doe status:scheduled on:2026-12-01 at:14:00")
    assert "scheduled on Tue 1 Dec at 14:00" in scheduled
    assert "I'll check in privately on Wed 2 Dec" in scheduled
    progress = await console.run("/progress")
    assert "Jane Doe on Tue 1 Dec at 14:00 (I'll check in Wed 2 Dec)" in progress
    assert await at(clock, runtime, WEDNESDAY_0900 - timedelta(seconds=1)) == 0
    assert await at(clock, runtime, WEDNESDAY_0900) == 1
    [question] = notifier.sent
    assert question.direct
    assert question.key.startswith("checkback:")
    assert "Did your conversation with Jane Doe on Tue 1 Dec happen?" in question.reply.text
    assert "`/interview Jane Doe status:done`" in question.reply.text
    assert "`/interview Jane Doe status:moved on:YYYY-MM-DD`" in question.reply.text
    assert await at(clock, runtime, WEDNESDAY_0900 + timedelta(minutes=5)) == 0
    async with open_runtime(settings, clock) as restarted:
        again = RecordingNotifier()
        restarted.courier.register(again)
        assert await restarted.courier.run_due() == 0
        assert again.sent == []
    record = await runtime.ledger.get(question.key)
    assert record is not None
    assert (record.kind, record.status) == (DeliveryKind.CHECKBACK, DeliveryStatus.SENT)
    assert "did the conversation on Tue 1 Dec happen?" in await console.run("/contacts due")
    assert "Jane Doe" in await console.run("/progress")


async def test_done_prompts_the_thank_you_and_a_referral_that_starts_its_own_clock(
    console: Console, clock: ManualClock
) -> None:
    clock.set(MONDAY)
    await console.run("/interview Jane Doe status:scheduled on:2026-12-01")
    clock.set(WEDNESDAY_0900)
    done = await console.run("/interview Jane Doe status:done")
    assert "Send a short thank-you today, then `/thanks Jane Doe`" in done
    assert 'Did they suggest anyone else to talk to? `/referral NAME from:"Jane Doe"' in done
    await console.run("/thanks Jane Doe")
    referred = await console.run('/referral Sam Lee from:"Jane Doe" org:Initech')
    assert "Added Sam Lee (Initech), via Jane Doe" in referred
    contacts = await console.run("/contacts")
    assert "• Sam Lee (Initech), via Jane Doe [referred]: write to them" in contacts
    sent = await console.run("/sent Sam Lee")
    assert "If there's no reply by Mon 7 Dec" in sent
    await console.run('/referral Kim Park from:"Sam Lee"')
    progress = await console.run("/progress")
    assert "2 people reached through a referral; longest chain: Jane Doe → Sam Lee → Kim Park" in (
        progress
    )
    assert "Referrals to someone new: 2" in progress
    board = await console.run("/leaderboard metric:actions")
    assert "1. Alex: 6 actions" in board


async def test_a_moved_interview_is_asked_about_after_its_new_date(
    console: Console, runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/interview Jane Doe status:scheduled on:2026-12-01")
    moved = await console.run("/interview jane doe status:moved on:2026-12-08 at:9am")
    assert "is now on Tue 8 Dec at 09:00. I'll check in on Wed 9 Dec" in moved
    assert await at(clock, runtime, WEDNESDAY_0900) == 0
    assert await at(clock, runtime, WEDNESDAY_0900 + timedelta(days=7)) == 1
    assert "on Tue 8 Dec happen?" in notifier.sent[0].reply.text


async def test_a_cancelled_or_done_interview_gets_no_check_back(
    console: Console, runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    await console.run("/interview Jane Doe status:scheduled on:2026-12-01")
    await console.run("/interview Raj status:scheduled on:2026-12-01")
    cancelled = await console.run("/interview Jane Doe status:cancelled")
    assert "is off. That happens, and it's never about you" in cancelled
    await console.run("/interview Raj")
    assert await at(clock, runtime, WEDNESDAY_0900) == 0
    assert notifier.sent == []
    assert "Jane Doe [interview cancelled]" in await console.run("/contacts")


async def test_an_undated_interview_is_asked_about_a_week_later(
    console: Console, runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    clock.set(MONDAY)
    scheduled = await console.run("/interview Jane Doe status:scheduled")
    assert "No date yet, so I'll check in on Mon 7 Dec" in scheduled
    await at(clock, runtime, datetime(2026, 12, 7, 13, 59, tzinfo=UTC))
    assert [s for s in notifier.sent if s.direct] == []
    await at(clock, runtime, datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    [question] = [s for s in notifier.sent if s.direct]
    assert question.key.endswith(":undated")


@pytest.mark.parametrize("rest", ["/pause until:2026-12-04", "/settings reminders:no"])
async def test_paused_members_and_reminders_off_get_no_check_back(
    console: Console,
    runtime: Runtime,
    clock: ManualClock,
    notifier: RecordingNotifier,
    rest: str,
) -> None:
    clock.set(MONDAY)
    await console.run("/interview Jane Doe status:scheduled on:2026-12-01")
    await console.run(rest)
    await at(clock, runtime, WEDNESDAY_0900)
    assert notifier.sent == []
    [record] = await runtime.ledger.member_deliveries(1)
    assert record.status is DeliveryStatus.SKIPPED


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/interview Jane status:scheduled on:2026-11-01", "has already passed"),
        ("/interview Jane status:scheduled on:2099-01-01", "more than a year away"),
        ("/interview Jane status:scheduled on:2026-02-30", "is not a real date"),
        ("/interview Jane status:scheduled at:14:00", "Add the day too"),
        ("/interview Jane status:scheduled on:2026-12-03 at:25:00", "should be a time like"),
        ("/interview Jane on:2026-12-03", "go with `status:scheduled` or `status:moved`"),
        ("/interview Jane status:moved", "Say the new day"),
        ("/interview Nobody status:moved on:2026-12-03", "I don't see a scheduled conversation"),
        ("/interview Nobody status:cancelled", "I don't see a scheduled conversation"),
        ('/referral Sam from:"Nobody Known"', "I can't find Nobody Known among your contacts"),
        ('/referral Jane from:"jane"', "can't refer themselves"),
        ("/referral Sam", "needs the contact who suggested them"),
        ("/settings holidays:XX", "I don't know public holidays for “XX”"),
        ("/cohort schedule holidays:Narnia", "I don't know public holidays"),
        ("/cohort setup holidays:US-ZZ", "I don't know public holidays"),
    ],
)
async def test_bad_coaching_input_gets_one_sentence_and_changes_nothing(
    console: Console, line: str, expected: str
) -> None:
    await console.run("/sent Jane org:Acme")
    before = console.snapshot()
    out = await console.run(line)
    assert expected in out
    assert "Traceback" not in out
    assert console.snapshot() == before


async def test_mention_syntax_in_a_referral_is_stored_as_typed_and_never_a_mention(
    console: Console,
) -> None:
    await console.run("/sent Jane")
    reply = await console.session.port.run_text(
        console.session.origin, '/referral @everyone from:Jane org:"<!here> Inc"'
    )
    assert reply.mentions == ()
    assert "Added @everyone (<!here> Inc), via Jane" in reply.text


async def test_a_referral_never_closes_a_loop(console: Console) -> None:
    await console.run("/sent Jane")
    await console.run("/referral Sam from:Jane")
    await console.run("/referral Kim from:Sam")
    before = console.snapshot()
    out = await console.run("/referral Jane from:Kim")
    assert "Jane is already earlier in that chain" in out
    assert console.snapshot() == before


async def test_interviews_and_referrals_are_in_the_export_and_forget_erases_them(
    console: Console, clock: ManualClock, tmp_path: Path
) -> None:
    clock.set(MONDAY)
    await console.run("/interview Jane status:scheduled on:2026-12-01 at:14:00")
    await console.run("/referral Sam from:Jane")
    out = await console.run("/mydata export")
    document = json.loads(Path(out.rsplit("(saved to ", 1)[1].rstrip(")")).read_text("utf-8"))
    assert document["contacts"][1]["referred_by"] == "Jane"
    assert (document["actions"][0]["scheduled_on"], document["actions"][0]["scheduled_time"]) == (
        "2026-12-01",
        "14:00",
    )
    await console.run("/mydata forget confirm:yes")
    assert console.count("contacts") == 0
    assert console.count("actions") == 0
