"""Weeks, months and business days in a named time zone, correct across DST changes.

All instants handed in and out are aware UTC datetimes; calendar reasoning happens on local
dates, and local wall times are turned back into instants with ``local_to_utc``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

MORNING = time(9, 0)
"""When personal reminders and check-backs become due, in the member's own zone."""


class Holidays(Hashable, Protocol):
    """Public holidays of one place (``bot.holidays.HolidayCalendar``); hashable, so counts
    of business days can be remembered per calendar."""

    def holiday(self, day: date) -> str | None: ...


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date at ``instant`` in ``tz``."""
    return instant.astimezone(tz).date()


@lru_cache(maxsize=65536)
def local_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant a local wall time happens (cached: week starts and mornings repeat).

    A wall time in the repeated autumn hour resolves to its first occurrence; one in the skipped
    spring hour resolves to the first valid instant after it (the moment the clocks jump).
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return first.astimezone(UTC)
    # The wall time does not exist: fold=1 gives an instant before the jump, fold=0 one after.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    if low > high:
        low, high = high, low
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant ``day`` begins in ``tz`` (not always midnight where DST jumps at 00:00)."""
    return local_to_utc(day, time(0, 0), tz)


def week_start_date(day: date, week_start: int) -> date:
    """The first day of the week containing ``day``, weeks starting on ``week_start`` (0=Mon)."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def week_bounds(instant: datetime, tz: ZoneInfo, week_start: int) -> tuple[datetime, datetime]:
    """The UTC half-open interval of the local week containing ``instant``."""
    return _week_of(local_date(instant, tz), tz, week_start)


def month_bounds(instant: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC half-open interval of the local calendar month containing ``instant``."""
    return _month_of(local_date(instant, tz).replace(day=1), tz)


def day_bounds(instant: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC half-open interval of the local day containing ``instant``."""
    return _day_of(local_date(instant, tz), tz)


# Every command asks for the bounds of its member's day, week or month; they change once a
# day per zone, so each is worked out once (about 4x faster than from the cached instants).


@lru_cache(maxsize=4096)
def _week_of(day: date, tz: ZoneInfo, week_start: int) -> tuple[datetime, datetime]:
    first = week_start_date(day, week_start)
    return start_of_day(first, tz), start_of_day(first + timedelta(days=7), tz)


@lru_cache(maxsize=4096)
def _month_of(first: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    following = (first + timedelta(days=32)).replace(day=1)
    return start_of_day(first, tz), start_of_day(following, tz)


@lru_cache(maxsize=4096)
def _day_of(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return start_of_day(day, tz), start_of_day(day + timedelta(days=1), tz)


def is_business_day(day: date, calendar: Holidays | None = None) -> bool:
    """Monday to Friday, except the public holidays of ``calendar`` (if one is given)."""
    return day.weekday() < 5 and (calendar is None or calendar.holiday(day) is None)


@lru_cache(maxsize=8192)
def add_business_days(day: date, count: int, calendar: Holidays | None = None) -> date:
    """The date ``count`` business days after ``day`` (weekends and ``calendar``'s public
    holidays skipped, ``day`` not counted).

    Cached: every open contact's next step asks it again on each look at a pipeline, for
    the same few dates (about 70 us each, against 1 us from the cache).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current, calendar):
            remaining -= 1
    return current


def holidays_between(start: date, end: date, calendar: Holidays | None) -> list[str]:
    """The names of the public holidays on weekdays after ``start`` up to and including
    ``end``: what pushed a count of business days from ``start`` out to ``end``."""
    if calendar is None:
        return []
    return list(_holidays_between(start, end, calendar))


@lru_cache(maxsize=8192)
def _holidays_between(start: date, end: date, calendar: Holidays) -> tuple[str, ...]:
    """Cached like ``add_business_days``, and asked alongside it; a tuple, so no caller can
    change what the cache holds."""
    names: list[str] = []
    current = start
    while current < end:
        current += timedelta(days=1)
        name = calendar.holiday(current) if current.weekday() < 5 else None
        if name and name not in names:
            names.append(name)
    return tuple(names)


def weeks_ending(this_week: date, before: int, newest: int = 0) -> list[date]:
    """The first days of the ``before`` weeks before the one starting ``this_week``, then of
    that week: oldest first, as a streak and a member's chart read them. With ``newest``,
    only the weeks at least that many before it (a long streak's next part)."""
    return [this_week - timedelta(days=7 * n) for n in range(before, newest - 1, -1)]


def week_starts(firsts: Sequence[date], tz: ZoneInfo) -> list[datetime]:
    """The instants the weeks starting on ``firsts`` begin, and the last one's end: the
    bounds to total each week's emails by (a week across a clock change is still a week)."""
    return [start_of_day(first, tz) for first in (*firsts, firsts[-1] + timedelta(weeks=1))]
