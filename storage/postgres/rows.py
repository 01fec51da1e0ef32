"""Records of the core built from PostgreSQL rows (native types: no text to parse)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import asyncpg

from bot.followups import ContactState, Stage
from bot.models import Action, ActionKind, Cohort, Contact, Member, Workspace
from bot.targets import Target
from storage.repository import (
    ACTION_COLUMNS,
    COHORT_COLUMNS,
    CONTACT_COLUMNS,
    MEMBER_COLUMNS,
    TARGET_COLUMNS,
)

__all__ = [
    "ACTION_COLUMNS",
    "COHORT_COLUMNS",
    "CONTACT_COLUMNS",
    "MEMBER_COLUMNS",
    "TARGET_COLUMNS",
    "action",
    "cohort",
    "contact",
    "member",
    "prefixed",
    "state",
    "target",
    "unprefixed",
    "workspace_of",
]

Row = Mapping[str, Any] | asyncpg.Record


@cache
def prefixed(columns: str, alias: str, prefix: str) -> str:
    """``a.x AS p_x, a.y AS p_y``: columns of a joined table, told apart by a prefix (built
    once per query shape: lookups build it on every command)."""
    return ", ".join(f"{alias}.{c} AS {prefix}{c}" for c in columns.split(", "))


def unprefixed(row: Row, prefix: str) -> dict[str, Any]:
    """The columns of a joined row that carry ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}


def member(row: Row) -> Member:
    return Member(
        id=row["id"],
        workspace_id=row["workspace_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        cohort_id=row["cohort_id"],
        email_goal=row["email_goal"],
        interview_goal=row["interview_goal"],
        timezone=row["timezone"],
        show_on_leaderboard=row["show_on_leaderboard"],
        allow_mentions=row["allow_mentions"],
        reminders_by_dm=row["reminders_by_dm"],
        created_at=row["created_at"],
        profile_timezone=row["profile_timezone"],
        holiday_calendar=row["holiday_calendar"],
    )


def cohort(row: Row) -> Cohort:
    return Cohort(
        id=row["id"],
        workspace_id=row["workspace_id"],
        channel_id=row["channel_id"],
        name=row["name"],
        timezone=row["timezone"],
        week_start=row["week_start"],
        email_goal=row["email_goal"],
        interview_goal=row["interview_goal"],
        kickoff_day=row["kickoff_day"],
        kickoff_time=row["kickoff_time"],
        checkin_day=row["checkin_day"],
        checkin_time=row["checkin_time"],
        grace_hours=row["grace_hours"],
        schedule_from=row["schedule_from"],
        holiday_calendar=row["holiday_calendar"],
    )


def action(row: Row) -> Action:
    return Action(
        id=row["id"],
        member_id=row["member_id"],
        cohort_id=row["cohort_id"],
        contact_id=row["contact_id"],
        kind=ActionKind(row["kind"]),
        count=row["count"],
        note=row["note"],
        occurred_at=row["occurred_at"],
        undone_at=row["undone_at"],
        scheduled_on=row["scheduled_on"],
        scheduled_time=row["scheduled_time"],
    )


def contact(row: Row) -> Contact:
    return Contact(
        id=row["id"],
        member_id=row["member_id"],
        name=row["name"],
        organization=row["organization"],
        created_at=row["created_at"],
        referred_by=row["referred_by"],
    )


def target(row: Row) -> Target:
    return Target(
        id=row["id"],
        member_id=row["member_id"],
        employer=row["employer"],
        advocate=row["advocate"],
        motivation=row["motivation"],
        posting=row["posting"],
        created_at=row["created_at"],
    )


def workspace_of(row: Row) -> Workspace:
    """The workspace of a cohort row joined with ``w.platform, w.external_id,
    w.name AS workspace_name`` and its cohort columns prefixed ``c_``."""
    return Workspace(
        row["c_workspace_id"], row["platform"], row["external_id"], row["workspace_name"]
    )


def state(row: Row) -> ContactState:
    """A ``contact_state`` row's clock (its columns unprefixed)."""
    return ContactState(
        stage=Stage(row["stage"]),
        anchor_id=row["anchor_id"],
        due_at=row["due_at"],
        holiday=row["holiday"],
        later_due_at=row["later_due_at"],
        later_holiday=row["later_holiday"],
        interview_on=row["interview_on"],
        interview_at=row["interview_at"],
        latest_email_at=row["latest_email_at"],
        last_activity=row["last_activity"],
    )
