"""Which chart goes with which message: the kickoff's, a member's own, a report's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.charts.renderer import ChartRenderer
from bot.charts.series import WeeklyChart
from bot.models import Cohort, Member
from bot.replies import Image
from bot.store import Store
from bot.summaries import WeekActivity
from bot.weekly import chart_counts, cohort_weeks, member_weeks, weeks_before


async def kickoff_image(
    store: Store, charts: ChartRenderer, cohort: Cohort, period: date
) -> Image | None:
    """The cohort's emails and interviews in the 8 weeks before the kickoff's week."""

    async def read() -> WeeklyChart:
        weeks = await cohort_weeks(store, cohort, weeks_before(period))
        return WeeklyChart(cohort.name, chart_counts(weeks), f"kickoff-{period.isoformat()}.png")

    return await charts.image(("kickoff", cohort.id, period), read, f"kickoff:{cohort.id}:{period}")


async def member_image(
    store: Store, charts: ChartRenderer, member: Member, cohort: Cohort, now: datetime
) -> Image | None:
    """A member's own last 8 weeks, this one included; titled without their name."""

    async def read() -> WeeklyChart:
        weeks = await member_weeks(store, member, cohort, now)
        return WeeklyChart("Your last 8 weeks", weeks, "your-weeks.png")

    return await charts.image(("member", member.id, now.date()), read, f"member:{member.id}")


async def report_image(
    charts: ChartRenderer, cohort: Cohort, weeks: Sequence[WeekActivity]
) -> Image | None:
    """The weekly chart for a report's weeks, already read."""

    async def read() -> WeeklyChart:
        first = weeks[0].week.first_day.isoformat() if weeks else "none"
        return WeeklyChart(cohort.name, chart_counts(weeks), f"report-{first}.png")

    key = ("report", cohort.id, tuple(w.week.first_day for w in weeks))
    return await charts.image(key, read, f"report:{cohort.id}")
