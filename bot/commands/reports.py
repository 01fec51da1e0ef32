"""``/cohort report``: a term's numbers for an organiser, privately, with a CSV and a chart."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.commands.registry import Args
from bot.engine import Engine
from bot.funnel import funnel_lines
from bot.invocation import Invocation
from bot.models import EMAIL_KINDS, ActionKind
from bot.privacy import SMALL_COUNT, member_count
from bot.replies import Attachment, Field, Reply
from bot.reports.table import report_csv
from bot.reports.term import TermReport
from bot.summaries import WeekActivity
from bot.texts import plural


def long_date(day: date) -> str:
    """``Mon 1 Sep 2025``: a report is read long after it was made."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def _week_line(activity: WeekActivity, current: date | None) -> str:
    week = activity.week
    emails = sum(week.totals.get(k, 0) for k in EMAIL_KINDS)
    replies = week.totals.get(ActionKind.REPLY_RECEIVED, 0)
    interviews = week.totals.get(ActionKind.INTERVIEW_DONE, 0)
    running = " (so far)" if week.first_day == current else ""
    return (
        f"{week.first_day.day} {week.first_day:%b}{running}: "
        f"{member_count(week.active)} active, {member_count(week.met_goal)} at goal; "
        f"{plural(emails, 'email')}, {plural(replies, 'reply', 'replies')}, "
        f"{plural(interviews, 'interview')}"
    )


def _totals(report: TermReport) -> str:
    follow_ups = report.totals.get(ActionKind.FOLLOW_UP_SENT, 0)
    return "\n".join(
        (
            f"Members: {member_count(report.members)}, "
            f"{member_count(report.active)} active at least once",
            funnel_lines(report.funnel),
            f"Follow-ups: {follow_ups:,}",
            f"Weeks at the email goal (summed over members): {member_count(report.goal_weeks)}",
        )
    )


def _csv_note(report: TermReport) -> str:
    if report.withheld:
        return (
            f"Cohort rows only: fewer than {SMALL_COUNT} members are hidden from the "
            "leaderboard, and named rows would let their numbers be worked out from the totals."
        )
    if not report.named:
        return "Cohort rows only: nobody in the cohort shows on the leaderboard."
    named = len(report.named)
    who = "1 member who shows" if named == 1 else f"{named} members who show"
    return (
        f"Cohort rows, then rows by name for the {who} on the leaderboard and logged "
        "something. Members hidden from it are in the cohort rows only."
    )


def render_report(report: TermReport) -> Reply:
    """The report's words; the engine's picture and the CSV are added by the handler."""
    weeks = len(report.weeks)
    return Reply(
        text=(
            f"{plural(weeks, 'whole week')} ({report.cohort.timezone}). Counts of fewer than "
            f"{SMALL_COUNT} members read “fewer than {SMALL_COUNT}”; members hidden from the "
            "leaderboard count in the totals only; contact names are never included."
        ),
        title=(
            f"📋 {report.cohort.name}: {long_date(report.first_day)} to "
            f"{long_date(report.last_day)}"
        ),
        fields=(
            Field("Totals", _totals(report)),
            Field(
                "Week by week",
                "\n".join(_week_line(w, report.current_week) for w in report.weeks),
            ),
            Field("The CSV", _csv_note(report)),
        ),
    )


async def report(engine: Engine, inv: Invocation, args: Args) -> Reply:
    found, image = await engine.cohort_report(inv, args.day("from"), args.day("to"))
    name = f"reachout-report-{inv.cohort.id}-{found.first_day}-{found.last_day}.csv"
    return replace(
        render_report(found),
        attachment=Attachment(name, report_csv(found).encode("utf-8")),
        image=image,
    )
