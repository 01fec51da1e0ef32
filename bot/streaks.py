"""Weekly streaks: consecutive weeks in which a member met their email goal.

A week that overlaps a pause neither breaks nor extends the streak. The current week counts
once the goal is met and never breaks the streak while it is still under way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.models import Pause

STREAK_LOOKBACK_WEEKS = 104
"""How far back a streak is counted; two years of weeks is plenty to celebrate."""


def week_is_paused(first_day: date, pauses: Sequence[Pause]) -> bool:
    last_day = first_day + timedelta(days=6)
    return any(p.start <= last_day and p.end >= first_day for p in pauses)


@dataclass(frozen=True)
class Streak:
    """A streak in weeks; ``complete`` unless the look-back ran out before it ended."""

    weeks: int
    complete: bool


def current_streak(
    totals: Sequence[int], firsts: Sequence[date], pauses: Sequence[Pause], goal: int
) -> Streak:
    """The streak ending with the week that starts on ``firsts[-1]`` (this week), from each
    week's email ``totals`` (one per first day, oldest first)."""
    this_week = firsts[-1]
    met = totals[-1] >= goal and not week_is_paused(this_week, pauses)
    return earlier_streak(Streak(int(met), complete=False), totals[:-1], firsts[:-1], pauses, goal)


def earlier_streak(
    streak: Streak,
    totals: Sequence[int],
    firsts: Sequence[date],
    pauses: Sequence[Pause],
    goal: int,
) -> Streak:
    """``streak``, which ran out of weeks read, carried back through the weeks just before
    them (``firsts``, oldest first, with their ``totals``): a long streak is read in parts."""
    weeks = streak.weeks
    for first, total in zip(reversed(firsts), reversed(totals), strict=True):
        if pauses and week_is_paused(first, pauses):
            continue
        if total < goal:
            return Streak(weeks, complete=True)
        weeks += 1
    return Streak(weeks, complete=False)
