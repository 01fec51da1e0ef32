"""Activity week by week, read in bulk: what the charts draw and the term report counts.

A cohort's weeks are its own local weeks (its zone, its first day of the week), so a week
that crosses a daylight-saving change or a year end is still exactly one week. A member's
weeks are counted in the member's own zone, as their streak and ``/progress`` are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.models import EMAIL_KINDS, ActionKind, Cohort, Member
from bot.periods import local_date, start_of_day, week_start_date, week_starts, weeks_ending
from bot.store import Store
from bot.summaries import WeekActivity, summarise_week
from bot.timezones import member_timezone, zone

CHART_WEEKS = 8
"""How many weeks a kickoff chart and a member's chart show."""


@dataclass(frozen=True)
class WeekCount:
    """One week of a chart: its first day, the emails written and the interviews held."""

    first_day: date
    emails: int
    interviews: int


def weeks_before(first_day: date, count: int = CHART_WEEKS) -> list[date]:
    """The first days of the ``count`` weeks just before the week starting ``first_day``."""
    return [first_day - timedelta(weeks=n) for n in range(count, 0, -1)]


def weeks_between(first: date, last: date, week_start: int) -> list[date]:
    """The first days of the weeks from the one containing ``first`` to the one with ``last``."""
    day = week_start_date(first, week_start)
    end = week_start_date(last, week_start)
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(weeks=1)
    return days


async def cohort_weeks(
    store: Store, cohort: Cohort, first_days: Sequence[date]
) -> list[WeekActivity]:
    """The cohort's activity in each of these local weeks: the roster, then one totals
    query per week (all sent at once), whatever the size of the cohort."""
    tz = zone(cohort.timezone)
    bounds = [
        (start_of_day(day, tz), start_of_day(day + timedelta(weeks=1), tz)) for day in first_days
    ]
    roster = await store.cohort_members(cohort.id)
    rows = await asyncio.gather(
        *(store.cohort_totals(cohort.id, since, until) for since, until in bounds)
    )
    return [
        summarise_week(cohort, day, roster, week_rows)
        for day, week_rows in zip(first_days, rows, strict=True)
    ]


def chart_counts(weeks: Sequence[WeekActivity]) -> tuple[WeekCount, ...]:
    """What a cohort chart draws from each week: emails (towards the goal) and interviews."""
    return tuple(
        WeekCount(
            w.week.first_day,
            sum(w.week.totals.get(k, 0) for k in EMAIL_KINDS),
            w.week.totals.get(ActionKind.INTERVIEW_DONE, 0),
        )
        for w in weeks
    )


async def member_weeks(
    store: Store, member: Member, cohort: Cohort, now: datetime, count: int = CHART_WEEKS
) -> tuple[WeekCount, ...]:
    """The member's last ``count`` weeks up to and including the current one, in their zone."""
    tz = zone(member_timezone(member, cohort))
    this_week = week_start_date(local_date(now, tz), cohort.week_start)
    first_days = weeks_ending(this_week, count - 1)
    bounds = week_starts(first_days, tz)
    emails, interviews = await asyncio.gather(
        store.members_period_totals([member.id], EMAIL_KINDS, bounds),
        store.members_period_totals([member.id], [ActionKind.INTERVIEW_DONE], bounds),
    )
    return tuple(
        WeekCount(day, sent, held)
        for day, sent, held in zip(
            first_days, emails[member.id], interviews[member.id], strict=True
        )
    )
