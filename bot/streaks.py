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
from bot.periods import local_date, week_start_date

STREAK_LOOKBACK_WEEKS = 104
"""How far back a streak is counted; two years of weeks is plenty to celebrate."""


def weekly_counts(
    emails: Sequence[tuple[datetime, int]], tz: ZoneInfo, week_start: int
) -> Counter[date]:
    """Emails per local week, keyed by the week's first day."""
    counts: Counter[date] = Counter()
    for instant, count in emails:
        counts[week_start_date(local_date(instant, tz), week_start)] += count
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
    counts = weekly_counts(emails, tz, week_start)
    this_week = week_start_date(local_date(now, tz), week_start)
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
