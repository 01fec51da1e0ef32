"""A fixed UTC clock and short ways to write test data through the ``Store`` protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import ActionKind, Cohort, Member
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import Claim
from bot.store import LoggedAction, NewAction, Store

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
"""A Thursday afternoon; every test's "now"."""

DAY = timedelta(days=1)


def day_of(instant: datetime) -> tuple[datetime, datetime]:
    """The UTC day that contains ``instant``, as ``[start, end)``."""
    start = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + DAY


def new_action(
    member: Member,
    kind: ActionKind = ActionKind.EMAIL_SENT,
    *,
    at: datetime = NOW,
    count: int = 1,
    contact: str | None = None,
    organization: str | None = None,
    note: str = "",
    cap: int = 20,
    cohort: Cohort | None = None,
) -> NewAction:
    """An action of ``member`` counted in ``cohort`` (by default their own), capped per UTC day."""
    start, end = day_of(at)
    return NewAction(
        member_id=member.id,
        cohort_id=cohort.id if cohort is not None else member.cohort_id,
        kind=kind,
        count=count,
        note=note,
        occurred_at=at,
        contact_name=contact,
        organization=organization,
        day_start=start,
        daily_cap=cap,
        day_end=end,
    )


async def log(
    store: Store,
    member: Member,
    kind: ActionKind = ActionKind.EMAIL_SENT,
    *,
    at: datetime = NOW,
    count: int = 1,
    contact: str | None = None,
    organization: str | None = None,
    cohort: Cohort | None = None,
) -> LoggedAction:
    """Log an action well within the cap; it must be accepted."""
    logged = await store.log_action(
        new_action(
            member,
            kind,
            at=at,
            count=count,
            contact=contact,
            organization=organization,
            cohort=cohort,
        )
    )
    assert logged is not None
    return logged


def nudge(key: str, cohort: Cohort, due_at: datetime = NOW) -> Claim:
    return Claim(key, DeliveryKind.KICKOFF, cohort.id, None, due_at)


def reminder(key: str, member: Member, due_at: datetime = NOW) -> Claim:
    return Claim(key, DeliveryKind.REMINDER, member.cohort_id, member.id, due_at)
