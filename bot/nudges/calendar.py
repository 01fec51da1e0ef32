"""When a cohort's nudges are due: weekly local wall times turned into instants.

Pure calendar arithmetic over a cohort's schedule, free of storage. Each nudge belongs to a
period, the cohort week it falls in, and its delivery key names that period; that is what
keeps a nudge to once a week whatever daylight saving does. A wall time in the repeated
autumn hour resolves to its first occurrence, one in the skipped spring hour to the moment
the clocks jump (``bot.periods.local_to_utc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.models import Cohort
from bot.nudges.kinds import DeliveryKind
from bot.periods import local_date, local_to_utc, week_start_date
from bot.timezones import zone


@dataclass(frozen=True)
class Schedule:
    """When a cohort's nudges go out, in its own time zone."""

    kickoff_day: int
    kickoff_time: time
    checkin_day: int | None
    checkin_time: time
    timezone: str
    grace_hours: int

    @classmethod
    def of(cls, cohort: Cohort) -> Schedule:
        return cls(
            cohort.kickoff_day,
            cohort.kickoff_time,
            cohort.checkin_day,
            cohort.checkin_time,
            cohort.timezone,
            cohort.grace_hours,
        )


@dataclass(frozen=True)
class Occurrence:
    """One nudge of one cohort: what, when, and the week it belongs to."""

    kind: DeliveryKind
    due_at: datetime
    period: date


def nudge_key(kind: DeliveryKind, cohort_id: int, period: date) -> str:
    """The ledger key of a cohort's nudge for one week: claimed once, so sent once."""
    return f"{kind.value}:{cohort_id}:{period.isoformat()}"


def weekly_slots(cohort: Cohort) -> list[tuple[DeliveryKind, int, time]]:
    """The cohort's weekly nudges as (kind, weekday, local time)."""
    slots = [(DeliveryKind.KICKOFF, cohort.kickoff_day, cohort.kickoff_time)]
    if cohort.checkin_day is not None:
        slots.append((DeliveryKind.CHECKIN, cohort.checkin_day, cohort.checkin_time))
    return slots


def occurrences(cohort: Cohort, start: datetime, end: datetime) -> list[Occurrence]:
    """Every nudge due in ``[start, end)``, in time order."""
    tz = zone(cohort.timezone)
    found = []
    day = local_date(start, tz) - timedelta(days=1)
    last = local_date(end, tz) + timedelta(days=1)
    slots = weekly_slots(cohort)
    while day <= last:
        for kind, weekday, wall in slots:
            if day.weekday() == weekday:
                due = local_to_utc(day, wall, tz)
                if start <= due < end:
                    found.append(Occurrence(kind, due, week_start_date(day, cohort.week_start)))
        day += timedelta(days=1)
    found.sort(key=lambda o: o.due_at)
    return found


def latest_due(cohort: Cohort, now: datetime) -> list[Occurrence]:
    """The most recent occurrence of each nudge at or before ``now`` (never before the
    cohort's schedule started)."""
    start = max(cohort.schedule_from, now - timedelta(days=8))
    latest: dict[DeliveryKind, Occurrence] = {}
    for occurrence in occurrences(cohort, start, now + timedelta(microseconds=1)):
        latest[occurrence.kind] = occurrence
    return sorted(latest.values(), key=lambda o: o.due_at)


def upcoming(cohort: Cohort, after: datetime, count: int) -> list[Occurrence]:
    """The next ``count`` nudges strictly after ``after``."""
    start = max(after + timedelta(microseconds=1), cohort.schedule_from)
    return occurrences(cohort, start, start + timedelta(days=7 * count + 1))[:count]


def current_period(cohort: Cohort, now: datetime) -> date:
    """The cohort week ``now`` falls in, as its first day."""
    return week_start_date(local_date(now, zone(cohort.timezone)), cohort.week_start)
