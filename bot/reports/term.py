"""A term's numbers for organisers: per week, in total, and per member who opted in.

Members hidden from the leaderboard count in every total and are never listed. When only a
few are hidden (1 to 4), the named rows are withheld too: subtracting them from the totals
would give the hidden members' numbers away.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UserError
from bot.funnel import Funnel
from bot.models import ActionKind, Cohort, Member
from bot.periods import week_start_date
from bot.privacy import names_withheld
from bot.summaries import WeekActivity
from bot.weekly import weeks_between

MAX_WEEKS = 53
"""A report covers a year at most."""

DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class NamedMember:
    """A member who shows on the leaderboard and logged something in the report's weeks,
    with their counts per week (weeks with any). Members who logged nothing are not listed:
    nobody is named for falling behind."""

    display_name: str
    weeks: dict[date, Counter[ActionKind]]
    goal_weeks: int

    @property
    def totals(self) -> Counter[ActionKind]:
        return sum(self.weeks.values(), Counter())


@dataclass(frozen=True)
class TermReport:
    """Everything ``/cohort report`` says and its CSV holds, for whole cohort weeks.

    ``named`` is empty when ``withheld``: see the module's docstring.
    """

    cohort: Cohort
    weeks: tuple[WeekActivity, ...]
    current_week: date | None
    members: int
    active: int
    goal_weeks: int
    totals: Counter[ActionKind]
    named: tuple[NamedMember, ...]
    withheld: bool

    @property
    def first_day(self) -> date:
        return self.weeks[0].week.first_day

    @property
    def last_day(self) -> date:
        return self.weeks[-1].week.first_day + timedelta(days=6)

    @property
    def funnel(self) -> Funnel:
        return Funnel.of(self.totals)


def _goal(member: Member, cohort: Cohort) -> int:
    return member.email_goal or cohort.email_goal


def _met(counts: Counter[ActionKind], goal: int) -> bool:
    return counts[ActionKind.EMAIL_SENT] + counts[ActionKind.FOLLOW_UP_SENT] >= goal


def _named(member: Member, cohort: Cohort, weeks: Sequence[WeekActivity]) -> NamedMember:
    counts = {w.week.first_day: w.by_member[member.id] for w in weeks if member.id in w.by_member}
    goal = _goal(member, cohort)
    goal_weeks = sum(1 for w in weeks if _met(w.by_member.get(member.id, Counter()), goal))
    return NamedMember(member.display_name, counts, goal_weeks)


def term_report(cohort: Cohort, weeks: Sequence[WeekActivity], today: date) -> TermReport:
    """The report for ``weeks`` (oldest first, at least one); the week holding ``today``
    is marked as still running."""
    roster = weeks[-1].roster
    shown = {m.id: m for m in roster if m.show_on_leaderboard}
    totals: Counter[ActionKind] = Counter()
    active: set[int] = set()
    for week in weeks:
        totals.update(week.week.totals)
        active.update(week.by_member)
    hidden = {m.id for m in roster if not m.show_on_leaderboard} | (active - {m.id for m in roster})
    withheld = names_withheld(len(hidden))
    named = (
        ()
        if withheld
        else tuple(
            _named(member, cohort, weeks)
            for member in sorted(shown.values(), key=lambda m: m.display_name.casefold())
            if member.id in active
        )
    )
    last = weeks[-1].week.first_day
    return TermReport(
        cohort=cohort,
        weeks=tuple(weeks),
        current_week=last if last <= today < last + timedelta(weeks=1) else None,
        members=len(roster),
        active=len(active),
        goal_weeks=sum(w.week.met_goal for w in weeks),
        totals=totals,
        named=named,
        withheld=withheld,
    )


def report_weeks(cohort: Cohort, first: date | None, last: date | None, today: date) -> list[date]:
    """The first days of the whole cohort weeks a report from ``first`` to ``last`` covers.

    Without ``last`` the report runs to today; without ``first``, it covers the
    ``DEFAULT_WEEKS`` weeks up to the one holding ``last``.

    Raises:
        UserError: the range runs backwards, into the future, or over ``MAX_WEEKS`` weeks.
    """
    last = last or today
    if first is None:
        first = week_start_date(last, cohort.week_start) - timedelta(weeks=DEFAULT_WEEKS - 1)
    if first > last:
        raise UserError(
            f"`from` ({first.isoformat()}) is after `to` ({last.isoformat()}): "
            "put the earlier date first."
        )
    if last > today:
        raise UserError(
            f"`to` ({last.isoformat()}) is in the future; a report can run up to today "
            f"({today.isoformat()})."
        )
    weeks = weeks_between(first, last, cohort.week_start)
    if len(weeks) > MAX_WEEKS:
        raise UserError(
            f"That is {len(weeks)} weeks; a report covers at most {MAX_WEEKS} (a year). "
            "Ask for one year at a time."
        )
    return weeks
