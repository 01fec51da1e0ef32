"""The 3B7 clock computed from a contact's actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.followups import Stage, Step, build_pipeline, next_step
from bot.models import Action, ActionKind, Contact, ContactEntry

NY = ZoneInfo("America/New_York")
# Monday 23 Nov 2026, 10:00 in New York.
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def action(kind: ActionKind, at: datetime, ident: int = 1, contact_id: int = 1) -> Action:
    return Action(ident, 1, 1, contact_id, kind, 1, "", at, None)


def morning(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=NY).astimezone(UTC)


def test_an_email_waits_three_business_days_then_suggests_a_second_contact() -> None:
    sent = [action(ActionKind.EMAIL_SENT, MONDAY)]
    waiting = next_step(sent, NY, MONDAY + timedelta(days=1), second_contact_written=False)
    assert (waiting.stage, waiting.step, waiting.is_due) == (Stage.EMAILED, Step.WAIT, False)
    assert waiting.due_at == morning(2026, 11, 26)  # Thursday 09:00, 3 business days later

    due = next_step(sent, NY, morning(2026, 11, 26), second_contact_written=False)
    assert (due.step, due.is_due) == (Step.SECOND_CONTACT, True)


def test_seven_business_days_without_reply_suggests_one_follow_up() -> None:
    sent = [action(ActionKind.EMAIL_SENT, MONDAY)]
    just_before = next_step(
        sent, NY, morning(2026, 12, 2) - timedelta(minutes=1), second_contact_written=False
    )
    assert just_before.step is Step.SECOND_CONTACT
    due = next_step(sent, NY, morning(2026, 12, 2), second_contact_written=False)
    assert (due.step, due.due_at, due.is_due) == (Step.FOLLOW_UP, morning(2026, 12, 2), True)


def test_after_a_follow_up_seven_more_business_days_mean_moving_on() -> None:
    followed = MONDAY + timedelta(days=9)  # Wednesday 2 Dec
    actions = [
        action(ActionKind.EMAIL_SENT, MONDAY),
        action(ActionKind.FOLLOW_UP_SENT, followed, 2),
    ]
    waiting = next_step(actions, NY, followed + timedelta(days=1), second_contact_written=False)
    assert (waiting.stage, waiting.step) == (Stage.FOLLOWED_UP, Step.WAIT)
    assert waiting.due_at == morning(2026, 12, 11)
    done = next_step(actions, NY, morning(2026, 12, 11), second_contact_written=False)
    assert (done.stage, done.step, done.is_due, done.anchor_id) == (
        Stage.NO_REPLY,
        Step.MOVE_ON,
        True,
        2,
    )


def test_a_reply_stops_the_clock() -> None:
    actions = [
        action(ActionKind.EMAIL_SENT, MONDAY),
        action(ActionKind.REPLY_RECEIVED, MONDAY + timedelta(days=1), 2),
    ]
    later = next_step(actions, NY, MONDAY + timedelta(days=30), second_contact_written=False)
    assert (later.stage, later.step, later.is_due, later.due_at) == (
        Stage.REPLIED,
        Step.SCHEDULE,
        False,
        None,
    )


def test_an_interview_done_asks_for_thanks_and_thanks_close_it() -> None:
    actions = [
        action(ActionKind.EMAIL_SENT, MONDAY),
        action(ActionKind.INTERVIEW_DONE, MONDAY + timedelta(days=5), 2),
    ]
    assert next_step(
        actions, NY, MONDAY + timedelta(days=6), second_contact_written=False
    ).step is (Step.THANK)
    thanked = [*actions, action(ActionKind.THANK_YOU_SENT, MONDAY + timedelta(days=6), 3)]
    closed = next_step(thanked, NY, MONDAY + timedelta(days=7), second_contact_written=False)
    assert (closed.stage, closed.step, closed.is_due) == (Stage.THANKED, Step.NONE, False)


def test_an_email_on_friday_evening_counts_from_the_next_business_day() -> None:
    friday_evening = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 18:30 in New York
    step = next_step(
        [action(ActionKind.EMAIL_SENT, friday_evening)],
        NY,
        friday_evening,
        second_contact_written=False,
    )
    assert step.due_at == morning(2026, 12, 2)  # Mon, Tue, Wed


def test_business_days_are_counted_in_the_members_zone() -> None:
    # Thursday 23:30 UTC is Thursday evening in New York but Friday morning in Sydney.
    sent_at = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    sydney = ZoneInfo("Australia/Sydney")
    ny = next_step(
        [action(ActionKind.EMAIL_SENT, sent_at)], NY, sent_at, second_contact_written=False
    )
    syd = next_step(
        [action(ActionKind.EMAIL_SENT, sent_at)], sydney, sent_at, second_contact_written=False
    )
    assert ny.due_at is not None
    assert syd.due_at is not None
    assert ny.due_at.astimezone(NY).date().isoformat() == "2026-12-01"  # Fri, Mon, Tue
    assert syd.due_at.astimezone(sydney).date().isoformat() == "2026-12-02"  # Mon, Tue, Wed
    assert syd.due_at.astimezone(sydney).hour == 9


def test_reminders_stay_at_nine_in_the_morning_across_a_dst_change() -> None:
    # Sent Thursday 29 Oct 2026 in New York; 7 business days later is after DST ends (1 Nov).
    sent_at = datetime(2026, 10, 29, 14, tzinfo=UTC)
    step = next_step(
        [action(ActionKind.EMAIL_SENT, sent_at)],
        NY,
        sent_at + timedelta(days=20),
        second_contact_written=False,
    )
    assert step.due_at == datetime(2026, 11, 9, 14, tzinfo=UTC)  # 09:00 EST
    assert step.due_at is not None
    assert step.due_at.astimezone(NY).hour == 9


def test_writing_to_someone_else_at_the_same_organisation_answers_the_3b_nudge() -> None:
    jane = Contact(1, 1, "Jane", "Acme", MONDAY)
    raj = Contact(2, 1, "Raj", "acme", MONDAY)
    entries = [
        ContactEntry(jane, (action(ActionKind.EMAIL_SENT, MONDAY, 1, 1),)),
        ContactEntry(raj, (action(ActionKind.EMAIL_SENT, MONDAY + timedelta(days=3), 2, 2),)),
    ]
    items = build_pipeline(entries, NY, morning(2026, 11, 27))
    by_name = {i.contact.name: i.next for i in items}
    assert by_name["Jane"].step is Step.WAIT
    assert by_name["Jane"].due_at == morning(2026, 12, 2)
    assert by_name["Raj"].step is Step.WAIT


def test_the_pipeline_lists_due_contacts_first() -> None:
    old = Contact(1, 1, "Old", "", MONDAY)
    new = Contact(2, 1, "New", "", MONDAY)
    done = Contact(3, 1, "Done", "", MONDAY)
    empty = Contact(4, 1, "Undone", "", MONDAY)
    entries = [
        ContactEntry(new, (action(ActionKind.EMAIL_SENT, MONDAY + timedelta(days=8), 2, 2),)),
        ContactEntry(done, (action(ActionKind.THANK_YOU_SENT, MONDAY, 3, 3),)),
        ContactEntry(old, (action(ActionKind.EMAIL_SENT, MONDAY, 1, 1),)),
        ContactEntry(empty, ()),
    ]
    items = build_pipeline(entries, NY, MONDAY + timedelta(days=9))
    assert [i.contact.name for i in items] == ["Old", "New", "Done"]
