"""The report as CSV: a row per week for the whole cohort, a total, then named members.

The ``member`` column holds a display name only for members who show on the leaderboard;
everyone else is in the cohort rows alone, with no label, number or pseudonym of any kind.
Counts of members below five read ``fewer than 5`` here too.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from bot.models import ActionKind
from bot.privacy import member_count
from bot.reports.term import TermReport
from bot.spreadsheets import csv_safe

COLUMNS = (
    "scope",
    "week_start",
    "member",
    "members_active",
    "members_at_goal",
    "weeks_at_goal",
    "outreach_emails",
    "follow_ups",
    "replies",
    "interviews_held",
    "thank_you_notes",
)
_KINDS = (
    ActionKind.EMAIL_SENT,
    ActionKind.FOLLOW_UP_SENT,
    ActionKind.REPLY_RECEIVED,
    ActionKind.INTERVIEW_DONE,
    ActionKind.THANK_YOU_SENT,
)


def _counts(totals: Counter[ActionKind] | dict[ActionKind, int]) -> list[int]:
    return [totals.get(k, 0) for k in _KINDS]


def report_csv(report: TermReport) -> str:
    """The CSV ``/cohort report`` attaches."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for activity in report.weeks:
        week = activity.week
        writer.writerow(
            [
                "cohort",
                week.first_day.isoformat(),
                "",
                member_count(week.active),
                member_count(week.met_goal),
                "",
                *_counts(week.totals),
            ]
        )
    writer.writerow(
        [
            "cohort",
            "total",
            "",
            member_count(report.active),
            "",
            member_count(report.goal_weeks),
            *_counts(report.totals),
        ]
    )
    for member in report.named:
        name = csv_safe(member.display_name)
        for first_day, counts in sorted(member.weeks.items()):
            writer.writerow(["member", first_day.isoformat(), name, "", "", "", *_counts(counts)])
        writer.writerow(
            ["member", "total", name, "", "", member.goal_weeks, *_counts(member.totals)]
        )
    return out.getvalue()
