"""The files that ``/mydata export`` and ``/cohort export`` send: JSON and CSV formatting."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

from bot.engine import CohortHistory, MemberData
from bot.invocation import Invocation
from bot.models import EMAIL_KINDS, ActionKind, Cohort, Member
from bot.periods import local_date, week_start_date
from bot.privacy import member_count, names_withheld
from bot.spreadsheets import csv_safe
from bot.timezones import zone

ALL_MEMBERS = "all members"


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
    """Weekly counts as CSV: a row for all members each week, then rows for members who show
    on the leaderboard. No contact names, no notes, and no label of any kind for anyone else;
    named rows are left out when so few are hidden that the totals would give them away."""
    tz = zone(cohort.timezone)
    members = {m.id: m for m in history.members}
    rows: dict[tuple[date, int], Counter[ActionKind]] = {}
    for action in history.actions:
        week = week_start_date(local_date(action.occurred_at, tz), cohort.week_start)
        rows.setdefault((week, action.member_id), Counter())[action.kind] += action.count
    named = {m.id for m in history.members if m.show_on_leaderboard}
    hidden = ({m.id for m in history.members} | {m for _week, m in rows}) - named
    shown = set() if names_withheld(len(hidden)) else named
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = list(ActionKind)
    writer.writerow(["week_start", "member", *[k.value for k in kinds], "email_goal", "met_goal"])
    for week in sorted({w for w, _m in rows}):
        in_week = {m: counts for (w, m), counts in rows.items() if w == week}
        at_goal = sum(1 for m, counts in in_week.items() if _met(counts, _goal(members, m, cohort)))
        totals = sum(in_week.values(), Counter())
        writer.writerow(
            [week.isoformat(), ALL_MEMBERS, *[totals[k] for k in kinds], "", member_count(at_goal)]
        )
        for member_id in sorted(in_week.keys() & shown, key=lambda m: members[m].display_name):
            goal = _goal(members, member_id, cohort)
            writer.writerow(
                [
                    week.isoformat(),
                    csv_safe(members[member_id].display_name),
                    *[in_week[member_id][k] for k in kinds],
                    goal,
                    "yes" if _met(in_week[member_id], goal) else "no",
                ]
            )
    return out.getvalue()


def _goal(members: dict[int, Member], member_id: int, cohort: Cohort) -> int:
    member = members.get(member_id)
    return (member.email_goal if member else None) or cohort.email_goal


def _met(counts: Counter[ActionKind], goal: int) -> bool:
    return sum(counts[k] for k in EMAIL_KINDS) >= goal
