"""The 3B7 follow-up clock, computed from a contact's actions (see docs/architecture.md).

After an outreach email to a named contact: at 3 business days with no reply, write to a
second person at the same organisation; at 7, send one follow-up; 7 business days after that
follow-up, move on. A reply stops the clock. This module is the one place those rules live:
``/progress``, ``/contacts`` and the personal reminders all read them from here.

Nothing here is stored: a contact's stage and next step follow from its live actions, the
member's time zone and the current instant, so an undo or a late reply is reflected at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.interviews import CheckBack, check_back
from bot.models import Action, ActionKind, Contact, ContactEntry
from bot.periods import (
    MORNING,
    Holidays,
    add_business_days,
    holidays_between,
    local_date,
    local_to_utc,
)

SECOND_CONTACT_DAYS = 3
FOLLOW_UP_DAYS = 7
MOVE_ON_DAYS = 7


class Stage(StrEnum):
    """Where a contact stands; derived, never stored."""

    EMAILED = "emailed"
    FOLLOWED_UP = "followed_up"
    NO_REPLY = "no_reply"
    REPLIED = "replied"
    SCHEDULED = "scheduled"
    INTERVIEWED = "interviewed"
    THANKED = "thanked"
    REFERRED = "referred"
    CANCELLED = "cancelled"


STAGE_LABELS: dict[Stage, str] = {
    Stage.EMAILED: "emailed",
    Stage.FOLLOWED_UP: "followed up",
    Stage.NO_REPLY: "no reply",
    Stage.REPLIED: "replied",
    Stage.SCHEDULED: "interview scheduled",
    Stage.INTERVIEWED: "interviewed",
    Stage.THANKED: "thanked",
    Stage.REFERRED: "referred",
    Stage.CANCELLED: "interview cancelled",
}


class Step(StrEnum):
    """What the member should do next about a contact."""

    WAIT = "wait"
    SECOND_CONTACT = "second_contact"
    FOLLOW_UP = "follow_up"
    MOVE_ON = "move_on"
    SCHEDULE = "schedule"
    HOLD_INTERVIEW = "hold_interview"
    THANK = "thank"
    CHECK_BACK = "check_back"
    WRITE = "write"
    NONE = "none"


_RANK = {
    ActionKind.REFERRAL_RECEIVED: 0,
    ActionKind.EMAIL_SENT: 1,
    ActionKind.FOLLOW_UP_SENT: 2,
    ActionKind.REPLY_RECEIVED: 3,
    ActionKind.INTERVIEW_SCHEDULED: 4,
    ActionKind.INTERVIEW_CANCELLED: 4,
    ActionKind.INTERVIEW_DONE: 5,
    ActionKind.THANK_YOU_SENT: 6,
}


@dataclass(frozen=True)
class NextStep:
    """A contact's stage and the next step, with when it is (or was) due.

    ``anchor_id`` is the action that started the current clock: together with ``step`` it
    names a reminder uniquely, so each reminder can be sent exactly once. ``holiday`` names
    a public holiday that pushed ``due_at`` later; ``interview`` is the open interview's
    check-back, when one is scheduled.
    """

    stage: Stage
    step: Step
    due_at: datetime | None
    is_due: bool
    anchor_id: int | None
    holiday: str | None = None
    interview: CheckBack | None = None


@dataclass(frozen=True)
class PipelineItem:
    """A contact as ``/contacts`` shows it."""

    contact: Contact
    next: NextStep
    last_activity: datetime


def reminder_instant(
    day_sent: datetime, business_days: int, tz: ZoneInfo, calendar: Holidays | None = None
) -> datetime:
    """The member's morning ``business_days`` business days after ``day_sent``."""
    due_day = add_business_days(local_date(day_sent, tz), business_days, calendar)
    return local_to_utc(due_day, MORNING, tz)


def _milestone(
    step: Step, anchor: Action, business_days: int, tz: ZoneInfo, calendar: Holidays | None
) -> Milestone:
    start = local_date(anchor.occurred_at, tz)
    due_day = add_business_days(start, business_days, calendar)
    names = holidays_between(start, due_day, calendar)
    return Milestone(
        step, local_to_utc(due_day, MORNING, tz), anchor.id, names[0] if names else None
    )


@dataclass(frozen=True)
class Milestone:
    """A point the contact's current clock reaches, where the member has something to do.

    ``anchor_id`` is the action that started the clock (the email, or the follow-up): with
    ``step`` it names the milestone uniquely, so its reminder can be sent exactly once.
    ``holiday`` names a public holiday that pushed it later, if one did.
    """

    step: Step
    due_at: datetime
    anchor_id: int
    holiday: str | None = None


def milestones(
    actions: Sequence[Action], tz: ZoneInfo, calendar: Holidays | None = None
) -> list[Milestone]:
    """The milestones of a contact's current clock, in time order; none once they replied.

    Args:
        actions: the contact's actions that are not undone, in the order they happened.
        tz: the member's time zone, in which business days are counted.
        calendar: the public holidays those business days skip; None for weekends only.
    """
    if max((_RANK[a.kind] for a in actions), default=0) >= _RANK[ActionKind.REPLY_RECEIVED]:
        return []
    emails = [a for a in actions if a.kind is ActionKind.EMAIL_SENT]
    anchor = emails[-1] if emails else None
    follow_ups = [
        a
        for a in actions
        if a.kind is ActionKind.FOLLOW_UP_SENT
        and (anchor is None or a.occurred_at >= anchor.occurred_at)
    ]
    if follow_ups:
        return [_milestone(Step.MOVE_ON, follow_ups[-1], MOVE_ON_DAYS, tz, calendar)]
    if anchor is None:
        return []
    return [
        _milestone(Step.SECOND_CONTACT, anchor, SECOND_CONTACT_DAYS, tz, calendar),
        _milestone(Step.FOLLOW_UP, anchor, FOLLOW_UP_DAYS, tz, calendar),
    ]


def next_step(
    actions: Sequence[Action],
    tz: ZoneInfo,
    now: datetime,
    *,
    second_contact_written: bool,
    calendar: Holidays | None = None,
) -> NextStep:
    """Apply the 3B7 rules to one contact's live actions (oldest first).

    Args:
        actions: the contact's actions that are not undone, in the order they happened.
        tz: the member's time zone, in which business days are counted.
        now: the current instant.
        second_contact_written: whether the member has since emailed someone else at the same
            organisation, which answers the 3-business-day suggestion.
        calendar: the public holidays business days skip; None for weekends only.
    """
    rank = max((_RANK[a.kind] for a in actions), default=0)
    if rank >= _RANK[ActionKind.REPLY_RECEIVED]:
        return _after_reply(rank, actions, now, tz, calendar)
    steps = milestones(actions, tz, calendar)
    if not steps:
        referral = next((a for a in actions if a.kind is ActionKind.REFERRAL_RECEIVED), None)
        if referral is not None:
            return NextStep(Stage.REFERRED, Step.WRITE, None, False, referral.id)
        return NextStep(Stage.EMAILED, Step.NONE, None, False, None)
    if steps[0].step is Step.MOVE_ON:
        move_on = steps[0]
        if now < move_on.due_at:
            return _at(Stage.FOLLOWED_UP, Step.WAIT, move_on, False)
        return _at(Stage.NO_REPLY, Step.MOVE_ON, move_on, True)
    second, follow_up = steps
    if now < second.due_at:
        return _at(Stage.EMAILED, Step.WAIT, second, False)
    if now < follow_up.due_at:
        if second_contact_written:
            return _at(Stage.EMAILED, Step.WAIT, follow_up, False)
        return _at(Stage.EMAILED, Step.SECOND_CONTACT, second, True)
    return _at(Stage.EMAILED, Step.FOLLOW_UP, follow_up, True)


def _at(stage: Stage, step: Step, milestone: Milestone, is_due: bool) -> NextStep:
    return NextStep(stage, step, milestone.due_at, is_due, milestone.anchor_id, milestone.holiday)


def _after_reply(
    rank: int,
    actions: Sequence[Action],
    now: datetime,
    tz: ZoneInfo,
    calendar: Holidays | None,
) -> NextStep:
    """Once they have replied the clock stops; what remains is the conversation and thanks."""
    latest = actions[-1]
    if rank == _RANK[ActionKind.REPLY_RECEIVED]:
        return NextStep(Stage.REPLIED, Step.SCHEDULE, None, False, latest.id)
    if rank == _RANK[ActionKind.INTERVIEW_SCHEDULED]:
        back = check_back(actions, tz, calendar)
        if back is None:
            return NextStep(Stage.CANCELLED, Step.NONE, None, False, latest.id)
        step = Step.CHECK_BACK if now >= back.due_at else Step.HOLD_INTERVIEW
        return NextStep(
            Stage.SCHEDULED,
            step,
            back.due_at,
            step is Step.CHECK_BACK,
            back.anchor_id,
            back.holiday,
            back,
        )
    if rank == _RANK[ActionKind.INTERVIEW_DONE]:
        done = [a for a in actions if a.kind is ActionKind.INTERVIEW_DONE][-1]
        return NextStep(Stage.INTERVIEWED, Step.THANK, done.occurred_at, True, done.id)
    return NextStep(Stage.THANKED, Step.NONE, None, False, latest.id)


def build_pipeline(
    entries: Sequence[ContactEntry],
    tz: ZoneInfo,
    now: datetime,
    calendar: Holidays | None = None,
) -> list[PipelineItem]:
    """Every contact with live actions and its next step: due first, then soonest, then latest."""
    latest_by_org = _latest_emails_by_organization(entries)
    items = []
    for entry in entries:
        if not entry.actions:
            continue
        org = entry.contact.organization.casefold()
        written_after = _latest_email(entry.actions)
        second = False
        if org and written_after is not None:
            others = [
                sent
                for contact_id, sent in latest_by_org.get(org, ())
                if contact_id != entry.contact.id
            ]
            second = bool(others) and others[0] > written_after
        step = next_step(entry.actions, tz, now, second_contact_written=second, calendar=calendar)
        items.append(PipelineItem(entry.contact, step, entry.actions[-1].occurred_at))
    items.sort(key=_pipeline_order)
    return items


def _latest_emails_by_organization(
    entries: Sequence[ContactEntry],
) -> dict[str, list[tuple[int, datetime]]]:
    """Per organisation, the two contacts most recently emailed (enough to find, for any
    contact, the latest email to someone else there)."""
    latest: dict[str, list[tuple[int, datetime]]] = {}
    for entry in entries:
        org = entry.contact.organization.casefold()
        sent = _latest_email(entry.actions)
        if org and sent is not None:
            ranked = sorted(
                [*latest.get(org, []), (entry.contact.id, sent)], key=lambda p: p[1], reverse=True
            )
            latest[org] = ranked[:2]
    return latest


def _latest_email(actions: Sequence[Action]) -> datetime | None:
    emails = [a.occurred_at for a in actions if a.kind is ActionKind.EMAIL_SENT]
    return emails[-1] if emails else None


def _pipeline_order(item: PipelineItem) -> tuple[int, float]:
    if item.next.is_due and item.next.due_at is not None:
        return (0, item.next.due_at.timestamp())
    if item.next.due_at is not None:
        return (1, item.next.due_at.timestamp())
    return (2, -item.last_activity.timestamp())
