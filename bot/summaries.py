"""Read models shared by commands and scheduled messages: a cohort's week, and streaks.

``/cohort stats``, ``/progress`` and the weekly kickoff all read these. Each is computed in
bulk, a fixed handful of queries whatever the size of the cohort.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.models import EMAIL_KINDS, ActionKind, Cohort, Member
from bot.periods import local_date, week_bounds, week_start_date, week_starts, weeks_ending
from bot.store import Store
from bot.streaks import STREAK_LOOKBACK_WEEKS, Streak, current_streak, earlier_streak
from bot.timezones import member_timezone, zone

STREAK_READS = (8, 24, 56, STREAK_LOOKBACK_WEEKS)
"""How far back each read in turn reaches, in weeks before this one, to find a streak's
start. Most streaks are short; a long one costs a read of each week once, each read only
the weeks older than the one before it reached."""


@dataclass(frozen=True)
class CohortWeek:
    """Cohort totals for one week, for ``/cohort stats`` and the weekly kickoff."""

    first_day: date
    members: int
    active: int
    met_goal: int
    totals: dict[ActionKind, int]


@dataclass(frozen=True)
class WeekActivity:
    """A cohort week with who did what: the summary, the roster, each member's totals.

    ``by_member`` holds only members who logged something that week.
    """

    week: CohortWeek
    roster: list[Member]
    by_member: dict[int, Counter[ActionKind]]


async def week_activity(store: Store, cohort: Cohort, instant: datetime) -> WeekActivity:
    """The cohort week containing ``instant``: two queries, the roster and the totals."""
    tz = zone(cohort.timezone)
    since, until = week_bounds(instant, tz, cohort.week_start)
    roster, rows = await asyncio.gather(
        store.cohort_members(cohort.id), store.cohort_totals(cohort.id, since, until)
    )
    return summarise_week(cohort, local_date(since, tz), roster, rows)


def summarise_week(
    cohort: Cohort, first_day: date, roster: list[Member], rows: list[tuple[int, ActionKind, int]]
) -> WeekActivity:
    """A week's activity from its ``cohort_totals`` rows, for callers that read many weeks."""
    totals: Counter[ActionKind] = Counter()
    by_member: dict[int, Counter[ActionKind]] = {}
    for member_id, kind, total in rows:
        totals[kind] += total
        by_member.setdefault(member_id, Counter())[kind] += total
    met = sum(
        1
        for m in roster
        if sum(by_member.get(m.id, Counter())[k] for k in EMAIL_KINDS)
        >= (m.email_goal or cohort.email_goal)
    )
    week = CohortWeek(first_day, len(roster), len(by_member), met, dict(totals))
    return WeekActivity(week, roster, by_member)


async def cohort_week(store: Store, cohort: Cohort, instant: datetime) -> CohortWeek:
    """Totals and goal attainment for the cohort week containing ``instant``."""
    return (await week_activity(store, cohort, instant)).week


@lru_cache(maxsize=256)
def streak_weeks(
    this_week: date, tz: ZoneInfo, before: int, newest: int
) -> tuple[tuple[date, ...], tuple[datetime, ...]]:
    """The first days of one part of a streak's weeks and the instants that bound them, as
    ``weeks_ending`` and ``week_starts`` give them: the same all week, so computed once."""
    firsts = weeks_ending(this_week, before, newest)
    return tuple(firsts), tuple(week_starts(firsts, tz))


async def streaks(
    store: Store, cohort: Cohort, members: Sequence[Member], now: datetime
) -> dict[int, int]:
    """Each member's weekly streak as of ``now``, weeks counted in the member's own zone.

    A query for everyone's pauses, then one per time zone and goal for a few weeks of
    email totals, each counted only as far as the goal; only members whose streak runs
    past those weeks are read again, further back.
    """
    if not members:
        return {}
    pauses = await store.members_pauses([m.id for m in members])
    found: dict[int, Streak] = {}
    pending = list(members)
    reached = -1
    for lookback in STREAK_READS:
        groups: dict[tuple[ZoneInfo, int], list[Member]] = {}
        for member in pending:
            tz = zone(member_timezone(member, cohort))
            groups.setdefault((tz, member.email_goal or cohort.email_goal), []).append(member)
        unfinished = []
        for (tz, goal), group in groups.items():
            this_week = week_start_date(local_date(now, tz), cohort.week_start)
            older, bounds = streak_weeks(this_week, tz, lookback, reached + 1)
            totals = await store.members_period_totals(
                [m.id for m in group], EMAIL_KINDS, bounds, at_most=goal
            )
            for member in group:
                counted, paused = totals[member.id], pauses[member.id]
                streak = (
                    earlier_streak(found[member.id], counted, older, paused, goal)
                    if member.id in found
                    else current_streak(counted, older, paused, goal)
                )
                found[member.id] = streak
                if not streak.complete:
                    unfinished.append(member)
        pending = unfinished
        reached = lookback
        if not pending:
            break
    return {member_id: streak.weeks for member_id, streak in found.items()}


async def member_streak(store: Store, member: Member, cohort: Cohort, now: datetime) -> int:
    """One member's weekly streak as of ``now``."""
    return (await streaks(store, cohort, [member], now))[member.id]
