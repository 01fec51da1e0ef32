"""The check-back after an interview: when the bot asks "did your conversation happen?".

An interview scheduled for a date gets its check-back the member's morning of the next
business day after it; one scheduled without a date, a week after it was logged (on a
business day). Logging it done or cancelled ends the question; moving it to another date
asks again after the new date. Like the 3B7 clock, nothing here is stored: the check-back
follows from the contact's live actions, and ``anchor_id`` with the date names it uniquely
so it is asked once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Action, ActionKind
from bot.periods import (
    MORNING,
    Holidays,
    add_business_days,
    holidays_between,
    is_business_day,
    local_date,
    local_to_utc,
)

UNDATED_WAIT = timedelta(days=7)
"""How long after an undated interview was scheduled the bot asks how it went."""
_SETTLED = frozenset({ActionKind.INTERVIEW_DONE, ActionKind.INTERVIEW_CANCELLED})


@dataclass(frozen=True)
class CheckBack:
    """The question after one scheduled interview.

    Attributes:
        anchor_id: the ``interview_scheduled`` action it is about.
        on: the interview's local date, None if the member gave none.
        at: its local time, if given.
        due_at: when the check-back is due.
        holiday: a public holiday that pushed it later, if one did.
    """

    anchor_id: int
    on: date | None
    at: time | None
    due_at: datetime
    holiday: str | None = None


def open_interview(actions: Sequence[Action]) -> Action | None:
    """The latest scheduled interview not yet logged done or cancelled, or None.

    Args:
        actions: the contact's live actions, oldest first.
    """
    found: Action | None = None
    for action in actions:
        if action.kind is ActionKind.INTERVIEW_SCHEDULED:
            found = action
        elif action.kind in _SETTLED:
            found = None
    return found


def check_back(
    actions: Sequence[Action], tz: ZoneInfo, calendar: Holidays | None = None
) -> CheckBack | None:
    """The check-back of the contact's open interview, or None if none is open.

    Args:
        actions: the contact's live actions, oldest first.
        tz: the member's time zone.
        calendar: the public holidays the member's business days skip.
    """
    interview = open_interview(actions)
    if interview is None:
        return None
    if interview.scheduled_on is not None:
        start = interview.scheduled_on
        day = add_business_days(start, 1, calendar)
    else:
        start = local_date(interview.occurred_at + UNDATED_WAIT, tz) - timedelta(days=1)
        day = start + timedelta(days=1)
        while not is_business_day(day, calendar):
            day += timedelta(days=1)
    names = holidays_between(start, day, calendar)
    return CheckBack(
        anchor_id=interview.id,
        on=interview.scheduled_on,
        at=interview.scheduled_time,
        due_at=local_to_utc(day, MORNING, tz),
        holiday=names[0] if names else None,
    )
