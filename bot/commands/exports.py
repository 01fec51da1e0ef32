"""The files that ``/mydata export`` and ``/cohort export`` send: JSON and CSV formatting."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

from bot.engine import CohortHistory, MemberData
from bot.invocation import Invocation
from bot.models import EMAIL_KINDS, ActionKind, Cohort
from bot.periods import local_date, week_start_date
from bot.timezones import zone


def member_document(inv: Invocation, data: MemberData) -> dict[str, object]:
    """Everything stored about the member, as one JSON-ready document."""
    member = inv.member
    names = {c.id: c.name for c in data.contacts}
    return {
        "exported_at": inv.now.isoformat(),
        "workspace": {"platform": inv.workspace.platform, "name": inv.workspace.name},
        "cohort": inv.cohort.name,
        "member": {
            "user_id": member.user_id,
            "display_name": member.display_name,
            "joined_at": member.created_at.isoformat(),
            "email_goal_per_week": member.email_goal,
            "interview_goal_per_month": member.interview_goal,
            "timezone": member.timezone,
            "show_on_leaderboard": member.show_on_leaderboard,
            "allow_mentions": member.allow_mentions,
            "reminders_by_dm": member.reminders_by_dm,
            "holiday_calendar": member.holiday_calendar,
            "organizer": data.organizer,
        },
        "contacts": [
            {
                "name": c.name,
                "organization": c.organization,
                "added_at": c.created_at.isoformat(),
                "referred_by": names.get(c.referred_by) if c.referred_by else None,
            }
            for c in data.contacts
        ],
        "actions": [
            {
                "kind": a.kind.value,
                "count": a.count,
                "contact": names.get(a.contact_id) if a.contact_id else None,
                "note": a.note,
                "at": a.occurred_at.isoformat(),
                "undone_at": a.undone_at.isoformat() if a.undone_at else None,
                "scheduled_on": a.scheduled_on.isoformat() if a.scheduled_on else None,
                "scheduled_time": a.scheduled_time.strftime("%H:%M") if a.scheduled_time else None,
            }
            for a in data.history
        ],
        "targets": [
            {
                "employer": t.employer,
                "advocate": t.advocate,
                "motivation": t.motivation,
                "posting": t.posting,
                "added_at": t.created_at.isoformat(),
            }
            for t in data.targets
        ],
        "pauses": [{"from": p.start.isoformat(), "until": p.end.isoformat()} for p in data.pauses],
        "reminders": [
            {
                "key": r.key,
                "due_at": r.due_at.isoformat(),
                "status": r.status.value,
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "detail": r.detail,
            }
            for r in data.deliveries
        ],
    }


def cohort_csv(cohort: Cohort, history: CohortHistory) -> str:
    """Per-member weekly counts as CSV: no contact names, no notes."""
    tz = zone(cohort.timezone)
    members = {m.id: m for m in history.members}
    rows: dict[tuple[date, int], Counter[ActionKind]] = {}
    for action in history.actions:
        week = week_start_date(local_date(action.occurred_at, tz), cohort.week_start)
        rows.setdefault((week, action.member_id), Counter())[action.kind] += action.count
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = list(ActionKind)
    writer.writerow(["week_start", "member", *[k.value for k in kinds], "email_goal", "met_goal"])
    for (week, member_id), counts in sorted(rows.items()):
        member = members.get(member_id)
        goal = (member.email_goal if member else None) or cohort.email_goal
        if member is not None and member.show_on_leaderboard:
            label = member.display_name
        else:
            label = f"member-{member_id}"
        emails = sum(counts[k] for k in EMAIL_KINDS)
        writer.writerow(
            [
                week.isoformat(),
                csv_safe(label),
                *[counts[k] for k in kinds],
                goal,
                "yes" if emails >= goal else "no",
            ]
        )
    return out.getvalue()


def csv_safe(value: str) -> str:
    """Keep spreadsheet apps from running a cell that starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
