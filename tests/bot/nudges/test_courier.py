"""Nudges and reminders: decided by the database, sent once, caught up or skipped after downtime."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.commands.exports import member_document
from bot.invocation import Invocation, Origin
from bot.models import ActionKind, Cohort
from bot.nudges.calendar import Schedule, nudge_key
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import Claim, DeliveryStatus
from bot.runtime import Runtime
from tests.notifiers import RecordingNotifier

MONDAY_0900_NY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def organizer_origin(user: str = "alex", channel: str = "general") -> Origin:
    return Origin("console", "local", "Local", channel, user, user.title(), is_admin=True)


async def cohort_with_schedule(
    runtime: Runtime, timezone: str = "America/New_York", **changes: object
) -> tuple[Invocation, Cohort]:
    inv = await runtime.engine.resolve(organizer_origin())
    await runtime.engine.setup_cohort(inv, "Cohort", timezone, 0)
    inv = await runtime.engine.resolve(organizer_origin())
    schedule = replace(Schedule.of(inv.cohort), **changes)  # type: ignore[arg-type]
    cohort = await runtime.engine.reschedule(inv, schedule) if changes else inv.cohort
    return await runtime.engine.resolve(organizer_origin()), cohort


@pytest.fixture
def notifier(runtime: Runtime) -> RecordingNotifier:
    recorder = RecordingNotifier()
    runtime.courier.register(recorder)
    return recorder


async def test_the_kickoff_goes_out_once_at_its_local_time(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime)
    assert runtime.courier.next_due is None
    assert await runtime.courier.run_due() == 0
    assert runtime.courier.next_due == MONDAY_0900_NY
    clock.set(MONDAY_0900_NY - timedelta(seconds=1))
    assert await runtime.courier.run_due() == 0
    clock.set(MONDAY_0900_NY)
    assert await runtime.courier.run_due() == 1
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        assert await runtime.courier.run_due() == 0
    posts = notifier.channel_posts()
    assert len(posts) == 1
    assert posts[0].target == "general"
    assert posts[0].reply.title == "☀️ New week, Cohort!"
    assert posts[0].key == "kickoff:1:2026-11-30"
    assert runtime.courier.next_due == MONDAY_0900_NY + timedelta(weeks=1)
    record = await runtime.ledger.get(posts[0].key)
    assert record is not None
    assert (record.status, record.message_id) == (DeliveryStatus.SENT, "m-0")


async def test_a_cohort_set_up_midweek_does_not_get_that_weeks_past_kickoff(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime)  # Thursday; Monday's kickoff already passed
    await runtime.courier.run_due()
    assert notifier.sent == []
    assert await runtime.ledger.existing(["kickoff:1:2026-11-23"]) == set()


async def test_a_kickoff_missed_for_three_hours_is_caught_up_once(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime)
    clock.set(MONDAY_0900_NY + timedelta(hours=3))  # the bot was down 09:00-12:00
    assert await runtime.courier.run_due() == 1
    clock.advance(timedelta(minutes=5))
    assert await runtime.courier.run_due() == 0
    assert len(notifier.channel_posts()) == 1


async def test_a_kickoff_missed_for_two_days_is_skipped_and_logged(
    runtime: Runtime,
    clock: ManualClock,
    notifier: RecordingNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await cohort_with_schedule(runtime)
    clock.set(MONDAY_0900_NY + timedelta(days=2))
    with caplog.at_level(logging.WARNING, logger="bot.nudges.courier"):
        assert await runtime.courier.run_due() == 0
    assert notifier.sent == []
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.SKIPPED
    assert "not running" in record.detail
    assert "1 nudge or reminder was due while reachout was not running" in caplog.text


async def test_nudge_now_counts_as_the_weeks_kickoff(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv, cohort = await cohort_with_schedule(runtime, kickoff_day=4, kickoff_time=time(11, 0))
    outcome = await runtime.courier.post_now(cohort, inv.workspace)
    assert outcome.status is DeliveryStatus.SENT
    again = await runtime.courier.post_now(cohort, inv.workspace)
    assert again.status is DeliveryStatus.SENT
    assert again.record is not None
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))  # Friday 11:00, the scheduled time
    await runtime.courier.run_due()
    assert len(notifier.channel_posts()) == 1
    clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))  # next Friday: a new week
    await runtime.courier.run_due()
    assert len(notifier.channel_posts()) == 2


async def test_the_check_in_names_only_members_who_opted_in_and_logged(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime, checkin_day=3, checkin_time=time(15, 0))
    engine = runtime.engine
    for user, opted_in, logs in (("kim", True, True), ("lee", False, True), ("sam", True, False)):
        inv = await engine.resolve(
            Origin("console", "local", "Local", "general", user, user.title())
        )
        if opted_in:
            await engine.update_settings(inv, replace(inv.member, allow_mentions=True))
        if logs:
            await engine.record(inv, ActionKind.EMAIL_SENT)
    clock.set(datetime(2026, 12, 3, 20, 0, tzinfo=UTC))  # Thursday 15:00 New York
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    inv = await engine.resolve(Origin("console", "local", "Local", "general", "kim", "Kim"))
    await engine.record(inv, ActionKind.EMAIL_SENT)
    inv = await engine.resolve(Origin("console", "local", "Local", "general", "lee", "Lee"))
    await engine.record(inv, ActionKind.EMAIL_SENT)
    clock.set(datetime(2026, 12, 3, 20, 0, tzinfo=UTC))
    await runtime.courier.run_due()
    [post] = notifier.channel_posts()
    assert post.key.startswith("checkin:")
    text = post.reply.plain_text()
    assert "2 of 4 members logged so far this week" in text
    assert "@Kim" in text
    assert "Lee" not in text
    assert "Sam" not in text
    assert [m.user_id for m in post.reply.mentions] == ["kim"]


async def test_the_kickoff_reports_last_week_and_names_only_those_who_allow_it(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime)
    engine = runtime.engine
    clock.set(datetime(2026, 11, 27, 15, tzinfo=UTC))
    for user, visible in (("kim", True), ("quiet", False)):
        inv = await engine.resolve(
            Origin("console", "local", "Local", "general", user, user.title())
        )
        if not visible:
            await engine.update_settings(inv, replace(inv.member, show_on_leaderboard=False))
        await engine.record(inv, ActionKind.EMAIL_SENT, count=3)
        await engine.record(inv, ActionKind.INTERVIEW_DONE, contact="Someone Private")
    clock.set(MONDAY_0900_NY)
    await runtime.courier.run_due()
    [post] = notifier.channel_posts()
    text = post.reply.plain_text()
    assert "Last week: 6 emails, 2 informational interviews from 2 of 3 members; 2 met" in text
    assert "Informational interviews done: Kim." in text
    assert "Quiet" not in text
    assert "Someone Private" not in text
    assert "Alex" not in text  # logged nothing; never named for it
    assert "This week: " in text
    assert post.reply.mentions == ()


async def test_a_year_of_kickoffs_across_dst_is_exactly_one_a_week_at_local_time(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    zones = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC"]
    clock.set(datetime(2025, 12, 31, 12, tzinfo=UTC))
    engine = runtime.engine
    cohorts: list[Cohort] = []
    for name in zones:
        for wall in (time(1, 30), time(2, 30)):
            channel = f"{name}-{wall:%H%M}"
            inv = await engine.resolve(organizer_origin(channel=channel))
            cohort, _ = await engine.setup_cohort(inv, channel, name, 0)
            inv = await engine.resolve(organizer_origin(channel=channel))
            schedule = replace(Schedule.of(inv.cohort), kickoff_day=6, kickoff_time=wall)
            cohorts.append(await engine.reschedule(inv, schedule))
    end = datetime(2027, 1, 1, tzinfo=UTC)
    checkpoints = sorted(
        {datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 365 * 24, 5)}
    )
    while clock.now() < end:
        await runtime.courier.run_due()
        upcoming = runtime.courier.next_due
        later = [c for c in checkpoints if c > clock.now()]
        candidates = [t for t in (upcoming, later[0] if later else None) if t is not None]
        if not candidates:
            break
        clock.set(min(candidates))
    by_cohort: dict[int, list[datetime]] = {}
    for post in notifier.channel_posts():
        cohort_id = int(post.key.split(":")[1])
        record = await runtime.ledger.get(post.key)
        assert record is not None
        by_cohort.setdefault(cohort_id, []).append(record.due_at)
    for cohort in cohorts:
        sent = by_cohort[cohort.id]
        tz = ZoneInfo(cohort.timezone)
        sundays = [d.astimezone(tz).date() for d in sent]
        assert len(sundays) == len(set(sundays)), cohort.name
        assert all(d.weekday() == 6 for d in sundays), cohort.name
        assert len(sent) == 52, cohort.name  # Sundays of 2026: 4 Jan ... 27 Dec
        for due in sent:
            local = due.astimezone(tz)
            if local.time() != cohort.kickoff_time:
                # Only a wall time skipped by the spring change may move: to the moment the
                # clocks jump, never earlier than asked and never an hour or more later.
                wanted = datetime.combine(local.date(), cohort.kickoff_time)
                assert local.replace(tzinfo=None) > wanted, cohort.name
                assert local.replace(tzinfo=None) - wanted <= timedelta(hours=1), cohort.name
    due_by_name = {c.name: by_cohort[c.id] for c in cohorts}
    # The skipped spring hour: 02:30 fires once, when the clocks jump to 03:00.
    assert datetime(2026, 3, 8, 7, 0, tzinfo=UTC) in due_by_name["America/New_York-0230"]
    assert datetime(2026, 3, 29, 1, 0, tzinfo=UTC) in due_by_name["Europe/Berlin-0230"]
    assert datetime(2026, 10, 3, 16, 0, tzinfo=UTC) in due_by_name["Australia/Sydney-0230"]
    # The repeated autumn hour: fires once, at the first occurrence.
    assert datetime(2026, 11, 1, 5, 30, tzinfo=UTC) in due_by_name["America/New_York-0130"]
    assert datetime(2026, 10, 25, 0, 30, tzinfo=UTC) in due_by_name["Europe/Berlin-0230"]
    assert datetime(2026, 4, 4, 15, 30, tzinfo=UTC) in due_by_name["Australia/Sydney-0230"]


async def setup_member_with_contact(
    runtime: Runtime, clock: ManualClock, user: str = "sam", org: str = "Acme"
) -> Invocation:
    await cohort_with_schedule(runtime)
    inv = await runtime.engine.resolve(
        Origin("console", "local", "Local", "general", user, user.title())
    )
    await runtime.engine.record(inv, ActionKind.EMAIL_SENT, contact="Jane Doe", organization=org)
    return inv


async def test_each_3b7_stage_reminds_once_by_dm_at_nine_in_the_morning(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await setup_member_with_contact(runtime, clock)  # Thursday 26 Nov
    times = {
        "second_contact": datetime(2026, 12, 1, 14, tzinfo=UTC),  # Tue 09:00
        "follow_up": datetime(2026, 12, 7, 14, tzinfo=UTC),  # Mon 09:00
    }
    clock.set(times["second_contact"] - timedelta(minutes=1))
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []
    assert runtime.courier.next_due == times["second_contact"]
    for _ in range(3):
        clock.set(times["second_contact"])
        await runtime.courier.run_due()
    clock.set(times["follow_up"])
    await runtime.courier.run_due()
    await runtime.courier.run_due()
    dms = notifier.direct_messages()
    assert [d.key.split(":")[3] for d in dms] == ["second_contact", "follow_up"]
    assert all(d.target == "sam" for d in dms)
    assert "Jane Doe (Acme)" in dms[0].reply.text
    assert "someone else at Acme" in dms[0].reply.text
    assert "/followup Jane Doe" in dms[1].reply.text
    inv = await runtime.engine.resolve(Origin("console", "local", "Local", "general", "sam", "Sam"))
    await runtime.engine.record(inv, ActionKind.FOLLOW_UP_SENT, contact="Jane Doe")
    clock.set(datetime(2026, 12, 16, 14, tzinfo=UTC))  # 7 business days after Mon 7 Dec
    await runtime.courier.run_due()
    clock.advance(timedelta(days=3))
    await runtime.courier.run_due()
    dms = notifier.direct_messages()
    assert [d.key.split(":")[3] for d in dms] == ["second_contact", "follow_up", "move_on"]
    assert "Let this one go" in dms[2].reply.text


async def test_a_reply_stops_the_clock(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    clock.advance(timedelta(days=1))
    inv = await runtime.engine.resolve(inv.origin)
    await runtime.engine.record(inv, ActionKind.REPLY_RECEIVED, contact="Jane Doe")
    for day in range(1, 30):
        clock.set(datetime(2026, 11, 27, 14, tzinfo=UTC) + timedelta(days=day))
        await runtime.courier.run_due()
    assert notifier.direct_messages() == []


async def test_reminders_skip_paused_members_and_those_who_turned_them_off(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    await runtime.engine.pause(inv, date(2026, 12, 4))
    other = await runtime.engine.resolve(
        Origin("console", "local", "Local", "general", "kim", "Kim")
    )
    await runtime.engine.record(other, ActionKind.EMAIL_SENT, contact="Raj", organization="Globex")
    await runtime.engine.update_settings(other, replace(other.member, reminders_by_dm=False))
    clock.set(datetime(2026, 12, 1, 14, tzinfo=UTC))
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []
    paused = await runtime.ledger.get(f"reminder:{inv.member.id}:1:second_contact:1")
    assert paused is not None
    assert (paused.status, paused.detail) == (DeliveryStatus.SKIPPED, "the member is paused")
    clock.set(datetime(2026, 12, 7, 14, tzinfo=UTC))  # pause over; the follow-up step is due
    await runtime.courier.run_due()
    assert [d.target for d in notifier.direct_messages()] == ["sam"]


async def test_a_reminder_due_before_its_platform_connects_goes_out_as_it_connects(
    runtime: Runtime, clock: ManualClock
) -> None:
    await setup_member_with_contact(runtime, clock)
    clock.set(datetime(2026, 12, 1, 14, 0, 30, tzinfo=UTC))  # the 3-day morning, at start-up
    await runtime.courier.run_due()  # ``reachout run``'s first wake: no platform connected yet
    notifier = RecordingNotifier()
    clock.advance(timedelta(seconds=2))
    runtime.courier.register(notifier)  # the platform connected
    await runtime.courier.run_due()
    assert [d.key.split(":")[3] for d in notifier.direct_messages()] == ["second_contact"]
    assert runtime.courier.next_due is not None
    assert runtime.courier.next_due > clock.now() + timedelta(days=1)


async def test_writing_to_a_second_person_there_answers_the_3b_reminder(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    clock.advance(timedelta(days=1))
    inv = await runtime.engine.resolve(inv.origin)
    await runtime.engine.record(inv, ActionKind.EMAIL_SENT, contact="Raj", organization="acme")
    clock.set(datetime(2026, 12, 1, 14, tzinfo=UTC))
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []


async def test_closed_dms_are_recorded_shown_to_organizers_and_still_in_progress(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    notifier.closed_dms.add("sam")
    clock.set(datetime(2026, 12, 1, 14, tzinfo=UTC))
    await runtime.courier.run_due()
    await runtime.courier.run_due()
    assert notifier.attempts == 1
    record = await runtime.ledger.get(f"reminder:{inv.member.id}:1:second_contact:1")
    assert record is not None
    assert (record.status, record.detail) == (DeliveryStatus.FAILED, "dms_closed")
    progress = await runtime.dispatcher.run_text(inv.origin, "/progress")
    assert "Jane Doe (Acme): no reply yet" in progress.plain_text()
    stats = await runtime.dispatcher.run_text(organizer_origin(), "/cohort stats")
    assert "reminder due Tue 1 Dec 09:00: dms_closed" in stats.plain_text()


async def test_transient_failures_are_retried_with_backoff_and_delivered_once(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await cohort_with_schedule(runtime)
    notifier.transient_failures = 2
    clock.set(MONDAY_0900_NY)
    await runtime.courier.run_due()
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.RETRYING
    assert runtime.courier.next_due is not None
    clock.advance(timedelta(seconds=10))
    await runtime.courier.run_due()
    assert notifier.attempts == 1  # not yet: the first retry waits 30 s
    clock.advance(timedelta(seconds=25))
    await runtime.courier.run_due()
    clock.advance(timedelta(minutes=3))
    await runtime.courier.run_due()
    await runtime.courier.run_due()
    assert notifier.attempts == 3
    assert len(notifier.channel_posts()) == 1
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert (record.status, record.attempts) == (DeliveryStatus.SENT, 3)


async def test_a_send_interrupted_by_a_crash_is_repeated_only_where_the_platform_dedupes(
    runtime: Runtime, clock: ManualClock
) -> None:
    _, cohort = await cohort_with_schedule(runtime)
    key = nudge_key(DeliveryKind.KICKOFF, cohort.id, date(2026, 11, 30))
    claim = Claim(key, DeliveryKind.KICKOFF, cohort.id, None, MONDAY_0900_NY)
    clock.set(MONDAY_0900_NY)
    assert await runtime.ledger.claim(claim, clock.now())  # then the process died
    clock.advance(timedelta(seconds=40))
    plain = RecordingNotifier()
    runtime.courier.register(plain)
    await runtime.courier.run_due()
    assert plain.sent == []
    record = await runtime.ledger.get(key)
    assert record is not None
    assert record.status is DeliveryStatus.UNCONFIRMED


async def test_an_idempotent_platform_gets_the_interrupted_send_again_with_the_same_key(
    runtime: Runtime, clock: ManualClock
) -> None:
    _, cohort = await cohort_with_schedule(runtime)
    key = nudge_key(DeliveryKind.KICKOFF, cohort.id, date(2026, 11, 30))
    clock.set(MONDAY_0900_NY)
    assert await runtime.ledger.claim(
        Claim(key, DeliveryKind.KICKOFF, cohort.id, None, MONDAY_0900_NY), clock.now()
    )
    clock.advance(timedelta(seconds=40))
    deduping = RecordingNotifier(idempotency_window=timedelta(minutes=2))
    runtime.courier.register(deduping)
    await runtime.courier.run_due()
    await runtime.courier.run_due()
    assert [s.key for s in deduping.sent] == [key]
    record = await runtime.ledger.get(key)
    assert record is not None
    assert (record.status, record.attempts) == (DeliveryStatus.SENT, 2)


async def test_a_new_time_zone_moves_pending_reminders_to_the_new_morning(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    await runtime.courier.run_due()
    new_york_morning = datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert await runtime.ledger.next_clock_check() == new_york_morning
    await runtime.engine.update_settings(inv, replace(inv.member, timezone="Europe/Berlin"))
    await runtime.courier.run_due()
    assert await runtime.ledger.next_clock_check() == datetime(2026, 12, 1, 8, tzinfo=UTC)
    clock.set(datetime(2026, 12, 1, 8, tzinfo=UTC))
    await runtime.courier.run_due()
    assert [d.key.split(":")[3] for d in notifier.direct_messages()] == ["second_contact"]


async def test_a_wake_reads_only_the_clocks_due_for_a_look(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await setup_member_with_contact(runtime, clock)
    await runtime.courier.run_due()
    assert await runtime.ledger.clocks_due(clock.now(), 100) == []
    clock.set(datetime(2026, 12, 1, 14, tzinfo=UTC))
    due = await runtime.ledger.clocks_due(clock.now(), 100)
    assert [c.entry.contact.name for c in due] == ["Jane Doe"]


async def test_nudge_now_can_post_a_kickoff_that_was_skipped_but_never_one_that_was_sent(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv, cohort = await cohort_with_schedule(runtime)
    clock.set(MONDAY_0900_NY + timedelta(days=2))
    await runtime.courier.run_due()
    skipped = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert skipped is not None
    assert skipped.status is DeliveryStatus.SKIPPED
    assert (await runtime.courier.post_now(cohort, inv.workspace)).status is (DeliveryStatus.SENT)
    again = await runtime.courier.post_now(cohort, inv.workspace)
    assert again.record is not None
    assert again.record.status is DeliveryStatus.SENT
    assert len(notifier.channel_posts()) == 1


async def test_a_delivery_cancelled_before_sending_is_left_for_the_next_start(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort_with_schedule(runtime)
    clock.set(MONDAY_0900_NY)
    blocker, rendering = asyncio.Event(), asyncio.Event()
    notifier = RecordingNotifier()
    runtime.courier.register(notifier)
    original = runtime.store.cohort_members

    async def slow_cohort_members(*args: object) -> object:
        rendering.set()
        await blocker.wait()
        return await original(*args)  # type: ignore[arg-type]

    runtime.store.cohort_members = slow_cohort_members  # type: ignore[method-assign,assignment]
    run = asyncio.create_task(runtime.courier.run_due())
    await rendering.wait()  # claimed, and composing the kickoff: nothing sent yet
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.RETRYING
    runtime.store.cohort_members = original  # type: ignore[method-assign]
    clock.advance(timedelta(seconds=1))
    await runtime.courier.run_due()
    assert len(notifier.channel_posts()) == 1


async def test_a_members_export_includes_the_reminders_sent_to_them(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    clock.set(datetime(2026, 12, 1, 14, tzinfo=UTC))
    await runtime.courier.run_due()
    resolved = await runtime.engine.resolve(inv.origin)
    document = member_document(resolved, await runtime.engine.member_data(resolved))
    assert [(r["status"], r["key"].split(":")[3]) for r in document["reminders"]] == [
        ("sent", "second_contact")
    ]


async def test_an_unsure_failure_is_retried_soon_where_the_platform_dedupes(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort_with_schedule(runtime)
    deduping = RecordingNotifier(idempotency_window=timedelta(minutes=2), unsure_failures=1)
    runtime.courier.register(deduping)
    clock.set(MONDAY_0900_NY)
    await runtime.courier.run_due()
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert (record.status, record.ambiguous) == (DeliveryStatus.RETRYING, True)
    assert record.next_attempt_at == MONDAY_0900_NY + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    await runtime.courier.run_due()
    assert len(deduping.sent) == 1
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.SENT


async def test_an_unsure_failure_is_never_retried_after_the_dedupe_window(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort_with_schedule(runtime)
    deduping = RecordingNotifier(idempotency_window=timedelta(minutes=2), unsure_failures=1)
    runtime.courier.register(deduping)
    clock.set(MONDAY_0900_NY)
    await runtime.courier.run_due()
    clock.advance(timedelta(minutes=10))  # the bot was down past the window
    await runtime.courier.run_due()
    assert deduping.attempts == 1
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.UNCONFIRMED


async def test_an_unsure_failure_is_never_retried_where_the_platform_cannot_dedupe(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort_with_schedule(runtime)
    plain = RecordingNotifier(unsure_failures=1)
    runtime.courier.register(plain)
    clock.set(MONDAY_0900_NY)
    await runtime.courier.run_due()
    clock.advance(timedelta(minutes=1))
    await runtime.courier.run_due()
    assert plain.attempts == 1
    record = await runtime.ledger.get("kickoff:1:2026-11-30")
    assert record is not None
    assert record.status is DeliveryStatus.UNCONFIRMED
