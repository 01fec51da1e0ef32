"""What a weekly chart shows, and the same in words for anyone who cannot see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.weekly import WeekCount

WIDTH = 800
HEIGHT = 450
"""Pixels; 16:9, legible when Discord or Slack shows it at half size."""

ALT_TEXT_LIMIT = 1000
"""Slack's limit for ``alt_txt``; Discord allows 1,024 for an attachment description."""


@dataclass(frozen=True)
class WeeklyChart:
    """A chart of emails and interviews per week. Never holds a member's name.

    ``title`` is the cohort's name (or "Your weeks" for a member's own chart); ``filename``
    what the PNG is called where it is posted.
    """

    title: str
    weeks: tuple[WeekCount, ...]
    filename: str

    @property
    def first_day(self) -> date | None:
        return self.weeks[0].first_day if self.weeks else None

    @property
    def last_day(self) -> date | None:
        return self.weeks[-1].first_day + timedelta(days=6) if self.weeks else None


def day_label(day: date) -> str:
    """``5 Jan``: short enough to sit under a bar."""
    return f"{day.day} {day:%b}"


def span_label(chart: WeeklyChart, between: str = " – ") -> str:
    """``5 Jan – 1 Mar 2026``, with both years when the span crosses a year end."""
    first, last = chart.first_day, chart.last_day
    if first is None or last is None:
        return "no weeks"
    if first.year == last.year:
        return f"{day_label(first)}{between}{day_label(last)} {last.year}"
    return f"{day_label(first)} {first.year}{between}{day_label(last)} {last.year}"


def alt_text(chart: WeeklyChart) -> str:
    """The chart in words: every week's numbers when they fit, else totals and extremes."""
    weeks = chart.weeks
    count = len(weeks)
    head = (
        f"Bar chart for {chart.title}: emails and informational interviews per week, "
        f"{count} week{'s' if count != 1 else ''} from {span_label(chart, ' to ')}."
    )
    if not weeks:
        return f"Chart for {chart.title}: no weeks to show."
    emails = sum(w.emails for w in weeks)
    interviews = sum(w.interviews for w in weeks)
    totals = (
        f"In all: {emails:,} email{'s' if emails != 1 else ''} and "
        f"{interviews:,} interview{'s' if interviews != 1 else ''}."
    )
    if emails == 0 and interviews == 0:
        return f"{head} Nothing was logged in these weeks."
    detail = (
        " Emails by week: "
        + ", ".join(f"{day_label(w.first_day)} {w.emails:,}" for w in weeks)
        + ". Interviews by week: "
        + ", ".join(f"{day_label(w.first_day)} {w.interviews:,}" for w in weeks)
        + "."
    )
    full = f"{head}{detail} {totals}"
    if len(full) <= ALT_TEXT_LIMIT:
        return full
    busiest = max(weeks, key=lambda w: w.emails)
    quietest = min(weeks, key=lambda w: w.emails)
    summary = (
        f"{head} {totals} Most emails in the week of {day_label(busiest.first_day)} "
        f"({busiest.emails:,}), fewest in the week of {day_label(quietest.first_day)} "
        f"({quietest.emails:,}); {emails / count:,.1f} emails a week on average."
    )
    return summary[: ALT_TEXT_LIMIT - 1] + "…" if len(summary) > ALT_TEXT_LIMIT else summary
