"""The 3B7 follow-up clock, computed from a contact's actions (see docs/architecture.md).

After an outreach email to a named contact: at 3 business days with no reply, write to a
second person at the same organisation; at 7, send one follow-up; 7 business days after that
follow-up, move on. A reply stops the clock. This module is the one place those rules live:
``/progress``, ``/contacts`` and the personal reminders all read them from here.

A contact's clock has two halves. ``contact_state`` reads its live actions, the member's
time zone and holiday calendar into a ``ContactState`` that no longer depends on the time:
the storage keeps one per contact, recomputed in the transaction of every change that moves
it. ``step_at`` then places that state at the current instant, which is all a read does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.holidays import setting_or_zone_calendar, stored_calendar
from bot.interviews import CheckBack, check_back
from bot.models import Action, ActionKind, Cohort, Contact, ContactEntry, Member
from bot.periods import (
    MORNING,
    Holidays,
    add_business_days,
    holidays_between,
    local_date,
    local_to_utc,
)
from bot.timezones import zone

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


def _due_day(start: date, business_days: int, calendar: Holidays | None) -> tuple[date, str | None]:
    """The day ``business_days`` after ``start`` and the first holiday that pushed it (both
    counts are remembered in ``bot.periods``)."""
    due_day = add_business_days(start, business_days, calendar)
    names = holidays_between(start, due_day, calendar)
    return due_day, names[0] if names else None


def _milestone(
    step: Step, anchor: Action, business_days: int, tz: ZoneInfo, calendar: Holidays | None
) -> Milestone:
    due_day, holiday = _due_day(local_date(anchor.occurred_at, tz), business_days, calendar)
    return Milestone(step, local_to_utc(due_day, MORNING, tz), anchor.id, holiday)


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
    snoozed: bool = False
    """Asked again later by the member: ``due_at`` is the snooze's end."""


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


@dataclass(frozen=True)
class ContactState:
    """A contact's clock as far as it follows from its actions: what ``step_at`` needs.

    ``stage`` is the stage before the clock runs (an emailed contact may read "no reply"
    once its move-on milestone passes). ``due_at``/``holiday`` are the first milestone (the
    second-contact one after an email, the move-on one after a follow-up), the check-back of
    a scheduled interview, or the instant an interview was done; ``later_due_at`` and
    ``later_holiday`` the follow-up milestone after an email. ``latest_email_at`` answers,
    for the member's other contacts at the same organisation, whether a second person there
    was written to since.
    """

    stage: Stage
    anchor_id: int | None
    due_at: datetime | None
    holiday: str | None
    later_due_at: datetime | None
    later_holiday: str | None
    interview_on: date | None
    interview_at: time | None
    latest_email_at: datetime | None
    last_activity: datetime


def clock_settings(member: Member, cohort: Cohort | None) -> tuple[ZoneInfo, Holidays | None]:
    """The zone and holidays a member's clocks count business days in, as an ``Invocation``
    of theirs has them; a member in no cohort counts in their own zone, else UTC."""
    return clock_settings_of(
        member.timezone,
        member.profile_timezone,
        member.holiday_calendar,
        cohort.timezone if cohort is not None else None,
        cohort.holiday_calendar if cohort is not None else None,
    )


@lru_cache(maxsize=1024)
def clock_settings_of(
    timezone: str | None,
    profile_timezone: str | None,
    holiday_calendar: str | None,
    cohort_timezone: str | None,
    cohort_holiday_calendar: str | None,
) -> tuple[ZoneInfo, Holidays | None]:
    """``clock_settings`` from just the columns it reads, remembered: the store recomputes a
    state on every log and need not build a member and a cohort for it."""
    zone_name = timezone or profile_timezone or cohort_timezone or "UTC"
    if holiday_calendar is not None:
        return zone(zone_name), stored_calendar(holiday_calendar)
    if cohort_timezone is None:
        return zone(zone_name), None
    return zone(zone_name), setting_or_zone_calendar(cohort_holiday_calendar, cohort_timezone)


def contact_state(
    actions: Sequence[Action], tz: ZoneInfo, calendar: Holidays | None = None
) -> ContactState | None:
    """The time-independent state of a contact's clock; None for a contact with no live action.

    Args:
        actions: the contact's actions that are not undone, in the order they happened.
        tz: the member's time zone, in which business days are counted.
        calendar: the public holidays business days skip; None for weekends only.
    """
    if not actions:
        return None
    latest, email = actions[-1], _latest_email(actions)
    rank = max(_RANK[a.kind] for a in actions)

    def state(
        stage: Stage,
        anchor: int | None,
        first: Milestone | None = None,
        later: Milestone | None = None,
    ) -> ContactState:
        return ContactState(
            stage,
            anchor,
            first.due_at if first else None,
            first.holiday if first else None,
            later.due_at if later else None,
            later.holiday if later else None,
            None,
            None,
            email,
            latest.occurred_at,
        )

    if rank == _RANK[ActionKind.REPLY_RECEIVED]:
        return state(Stage.REPLIED, latest.id)
    if rank == _RANK[ActionKind.INTERVIEW_SCHEDULED]:
        back = check_back(actions, tz, calendar)
        if back is None:
            return state(Stage.CANCELLED, latest.id)
        return ContactState(
            Stage.SCHEDULED,
            back.anchor_id,
            back.due_at,
            back.holiday,
            None,
            None,
            back.on,
            back.at,
            email,
            latest.occurred_at,
        )
    if rank == _RANK[ActionKind.INTERVIEW_DONE]:
        done = [a for a in actions if a.kind is ActionKind.INTERVIEW_DONE][-1]
        return state(Stage.INTERVIEWED, done.id, Milestone(Step.THANK, done.occurred_at, done.id))
    if rank > _RANK[ActionKind.INTERVIEW_DONE]:
        return state(Stage.THANKED, latest.id)
    steps = milestones(actions, tz, calendar)
    if not steps:
        referral = next((a for a in actions if a.kind is ActionKind.REFERRAL_RECEIVED), None)
        if referral is not None:
            return state(Stage.REFERRED, referral.id)
        return state(Stage.EMAILED, None)
    if steps[0].step is Step.MOVE_ON:
        return state(Stage.FOLLOWED_UP, steps[0].anchor_id, steps[0])
    return state(Stage.EMAILED, steps[0].anchor_id, steps[0], steps[1])


def step_at(state: ContactState, now: datetime, *, second_contact_written: bool) -> NextStep:
    """Where a contact's clock stands at ``now``: the 3B7 rules applied to its state.

    Args:
        state: the contact's state (``contact_state``).
        now: the current instant.
        second_contact_written: whether the member has since emailed someone else at the same
            organisation, which answers the 3-business-day suggestion.
    """
    stage, anchor, due_at = state.stage, state.anchor_id, state.due_at
    if stage in (Stage.REPLIED, Stage.CANCELLED, Stage.THANKED, Stage.REFERRED):
        step = {Stage.REPLIED: Step.SCHEDULE, Stage.REFERRED: Step.WRITE}.get(stage, Step.NONE)
        return NextStep(stage, step, None, False, anchor)
    if due_at is None:
        return NextStep(Stage.EMAILED, Step.NONE, None, False, None)
    if stage is Stage.INTERVIEWED:
        return NextStep(Stage.INTERVIEWED, Step.THANK, due_at, True, anchor)
    if stage is Stage.SCHEDULED:
        assert anchor is not None
        back = CheckBack(anchor, state.interview_on, state.interview_at, due_at, state.holiday)
        step = Step.CHECK_BACK if now >= due_at else Step.HOLD_INTERVIEW
        return NextStep(
            Stage.SCHEDULED, step, due_at, step is Step.CHECK_BACK, anchor, state.holiday, back
        )
    if stage is Stage.FOLLOWED_UP:
        if now < due_at:
            return NextStep(Stage.FOLLOWED_UP, Step.WAIT, due_at, False, anchor, state.holiday)
        return NextStep(Stage.NO_REPLY, Step.MOVE_ON, due_at, True, anchor, state.holiday)
    later = state.later_due_at
    assert later is not None
    if now < due_at:
        return NextStep(Stage.EMAILED, Step.WAIT, due_at, False, anchor, state.holiday)
    if now < later:
        if second_contact_written:
            return NextStep(Stage.EMAILED, Step.WAIT, later, False, anchor, state.later_holiday)
        return NextStep(Stage.EMAILED, Step.SECOND_CONTACT, due_at, True, anchor, state.holiday)
    return NextStep(Stage.EMAILED, Step.FOLLOW_UP, later, True, anchor, state.later_holiday)


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
    state = contact_state(actions, tz, calendar)
    if state is None:
        return NextStep(Stage.EMAILED, Step.NONE, None, False, None)
    return step_at(state, now, second_contact_written=second_contact_written)


@dataclass(frozen=True)
class StateEntry:
    """A contact with its kept clock state, as the storage reads it for ``/contacts``.

    ``second_contact_written``: someone else at the contact's organisation (case ignored)
    was emailed later than this contact's latest email.
    """

    contact: Contact
    state: ContactState
    second_contact_written: bool


def organization_key(organization: str) -> str:
    """How organisations are matched for the second-contact suggestion: case ignored."""
    return organization.casefold()


def pipeline_from_states(entries: Sequence[StateEntry], now: datetime) -> list[PipelineItem]:
    """Each contact's next step at ``now``: due first, then soonest, then latest activity.

    Args:
        entries: the contacts with a state, in the order they were created.
        now: the current instant.
    """
    items = [
        PipelineItem(
            e.contact,
            step_at(e.state, now, second_contact_written=e.second_contact_written),
            e.state.last_activity,
        )
        for e in entries
    ]
    items.sort(key=_pipeline_order)
    return items


def build_pipeline(
    entries: Sequence[ContactEntry],
    tz: ZoneInfo,
    now: datetime,
    calendar: Holidays | None = None,
) -> list[PipelineItem]:
    """Every contact with live actions and its next step: due first, then soonest, then latest."""
    latest_by_org = _latest_emails_by_organization(entries)
    states = []
    for entry in entries:
        state = contact_state(entry.actions, tz, calendar)
        if state is None:
            continue
        org = organization_key(entry.contact.organization)
        written_after = state.latest_email_at
        second = False
        if org and written_after is not None:
            others = [
                sent
                for contact_id, sent in latest_by_org.get(org, ())
                if contact_id != entry.contact.id
            ]
            second = bool(others) and others[0] > written_after
        states.append(StateEntry(entry.contact, state, second))
    return pipeline_from_states(states, now)


def _latest_emails_by_organization(
    entries: Sequence[ContactEntry],
) -> dict[str, list[tuple[int, datetime]]]:
    """Per organisation, the two contacts most recently emailed (enough to find, for any
    contact, the latest email to someone else there)."""
    latest: dict[str, list[tuple[int, datetime]]] = {}
    for entry in entries:
        org = organization_key(entry.contact.organization)
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
