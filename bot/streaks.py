"""Weekly streaks: consecutive weeks in which a member met their email goal.

A week that overlaps a pause neither breaks nor extends the streak. The current week counts
once the goal is met and never breaks the streak while it is still under way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Pause
from bot.periods import local_date, start_of_day, week_start_date

STREAK_LOOKBACK_WEEKS = 104
"""How far back a streak is counted; two years of weeks is plenty to celebrate."""


def weekly_counts(
    emails: Sequence[tuple[datetime, int]], firsts: Sequence[date], tz: ZoneInfo
) -> Counter[date]:
    """Emails per local week, keyed by the week's first day, for the weeks starting on
    ``firsts`` (ascending; the last week runs on). ``emails`` must be in time order.

    Comparing instants against each week's start is much cheaper than converting every
    email's instant to a local date, which matters for members with long histories.
    """
    bounds = [start_of_day(first, tz) for first in firsts]
    counts: Counter[date] = Counter()
    week = 0
    for instant, count in emails:
        if instant < bounds[0]:
            continue
        while week + 1 < len(bounds) and instant >= bounds[week + 1]:
            week += 1
        counts[firsts[week]] += count
    return counts


def week_is_paused(first_day: date, pauses: Sequence[Pause]) -> bool:
    last_day = first_day + timedelta(days=6)
    return any(p.start <= last_day and p.end >= first_day for p in pauses)


@dataclass(frozen=True)
class Streak:
    """A streak in weeks; ``complete`` unless the look-back ran out before it ended."""

    weeks: int
    complete: bool


def current_streak(
    emails: Sequence[tuple[datetime, int]],
    pauses: Sequence[Pause],
    goal: int,
    tz: ZoneInfo,
    week_start: int,
    now: datetime,
    lookback_weeks: int = STREAK_LOOKBACK_WEEKS,
) -> Streak:
    """The member's streak as of ``now``, looking back at most ``lookback_weeks``."""
    this_week = week_start_date(local_date(now, tz), week_start)
    firsts = [this_week - timedelta(weeks=n) for n in range(lookback_weeks, -1, -1)]
    counts = weekly_counts(emails, firsts, tz)
    streak = 1 if counts[this_week] >= goal and not week_is_paused(this_week, pauses) else 0
    week = this_week
    for _ in range(lookback_weeks):
        week -= timedelta(days=7)
        if week_is_paused(week, pauses):
            continue
        if counts[week] < goal:
            return Streak(streak, complete=True)
        streak += 1
    return Streak(streak, complete=False)
