"""Reminders that came due while the bot was down past the grace window arrive together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.invocation import Origin
from bot.models import ActionKind
from bot.nudges.ledger import DeliveryStatus
from bot.runtime import Runtime
from tests.bot.nudges.test_courier import setup_member_with_contact
from tests.notifiers import RecordingNotifier

WED_DEC_9_0900_NY = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)


@pytest.fixture
def notifier(runtime: Runtime) -> RecordingNotifier:
    recorder = RecordingNotifier()
    runtime.courier.register(recorder)
    return recorder


async def reminder_rows(runtime: Runtime) -> dict[str, tuple[DeliveryStatus, str]]:
    """Every reminder the ledger holds for the console member, by key."""
    inv = await runtime.engine.resolve(Origin("console", "local", "Local", "general", "sam", "S"))
    rows = await runtime.ledger.member_deliveries(inv.member.id)
    return {r.key: (r.status, r.detail) for r in rows}


async def test_reminders_missed_while_down_come_as_one_digest_on_the_next_morning(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await setup_member_with_contact(runtime, clock)  # emailed Jane Doe on Thu 26 Nov
    clock.set(WED_DEC_9_0900_NY + timedelta(hours=1))  # back at 10:00, both steps long past
    await runtime.courier.run_due()
    [digest] = notifier.direct_messages()
    text = digest.reply.plain_text()
    assert digest.key.startswith("reminder-digest:")
    assert digest.key.endswith(":2026-12-09")
    assert digest.reply.title == "Follow-ups waiting for you"
    assert text.count("Jane Doe") == 1
    assert "7 business days without a reply: time for one short, friendly follow-up" in text
    rows = await reminder_rows(runtime)
    missed = {k: v for k, v in rows.items() if k.startswith("reminder:")}
    assert {k.split(":")[3] for k in missed} == {"second_contact", "follow_up"}
    for status, detail in missed.values():
        assert status is DeliveryStatus.SKIPPED
        assert detail.endswith(f"summed up in {digest.key}")
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        await runtime.courier.run_due()
    assert len(notifier.direct_messages()) == 1


async def test_a_digest_past_the_mornings_grace_waits_for_the_next_business_morning(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    await setup_member_with_contact(runtime, clock)
    clock.set(datetime(2026, 12, 11, 22, 0, tzinfo=UTC))  # back on Friday 17:00 New York
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []
    monday_0900 = datetime(2026, 12, 14, 14, 0, tzinfo=UTC)
    assert runtime.courier.next_due == monday_0900
    assert not [k for k in await reminder_rows(runtime) if k.startswith("reminder:")]
    clock.set(monday_0900)
    await runtime.courier.run_due()
    [digest] = notifier.direct_messages()
    assert digest.key.endswith(":2026-12-14")
    assert "Jane Doe (Acme)" in digest.reply.plain_text()


async def test_a_reply_logged_before_the_digest_leaves_that_contact_out(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    clock.set(datetime(2026, 12, 11, 22, 0, tzinfo=UTC))
    await runtime.courier.run_due()
    await runtime.engine.record(inv, ActionKind.REPLY_RECEIVED, contact="Jane Doe")
    clock.set(datetime(2026, 12, 14, 14, 0, tzinfo=UTC))
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []


async def test_a_paused_member_gets_no_digest_and_no_reminders(
    runtime: Runtime, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    inv = await setup_member_with_contact(runtime, clock)
    await runtime.engine.pause(inv, datetime(2026, 12, 31).date())
    clock.set(WED_DEC_9_0900_NY + timedelta(hours=1))
    await runtime.courier.run_due()
    assert notifier.direct_messages() == []
    statuses = {k.split(":")[0]: v for k, v in (await reminder_rows(runtime)).items()}
    assert statuses["reminder-digest"] == (DeliveryStatus.SKIPPED, "the member is paused")
