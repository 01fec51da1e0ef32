"""``PostgresStore``: the engine's storage contract (``bot.store.Store``) on PostgreSQL.

The queries are those of ``storage.repository`` in PostgreSQL's dialect: ``$n`` parameters,
``= ANY($n)`` for lists (one statement, whatever their length), native types. Each writing
method is one transaction. Writes that read before they write (the daily cap, undo) first
lock the member's row, so two instances logging for the same member take turns, as the one
SQLite writer makes them. A log is one call of the function ``reachout_log_action``
(migration 0001): one round trip instead of five.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime, time, timedelta
from itertools import islice

import asyncpg

from bot.followups import Stage, StateEntry, clock_settings_of, contact_state, organization_key
from bot.models import (
    Action,
    ActionKind,
    Cohort,
    Contact,
    ContactEntry,
    Member,
    Pause,
    Standing,
    Workspace,
)
from bot.store import (
    SIGHTING_MEMORY,
    BoardPage,
    CohortBinding,
    LoggedAction,
    Lookup,
    NewAction,
    PipelinePage,
)
from bot.targets import NewTarget, Target, employer_key
from storage.connection import to_db
from storage.postgres import rows
from storage.postgres.connection import Conn, PostgresDatabase, affected
from storage.postgres.rows import (
    ACTION_COLUMNS,
    COHORT_COLUMNS,
    CONTACT_COLUMNS,
    MEMBER_COLUMNS,
    TARGET_COLUMNS,
    prefixed,
    unprefixed,
)
from storage.repository import (
    SIGHTING_PREFIX,
    STATE_COLUMNS,
    board_page_from_rows,
    board_page_sql,
    contact_key,
    pipeline_page_sql,
    referral_contacts_sql,
    stage_counts_sql,
)

_ONE_DAY = timedelta(days=1)
_LOCK_WORKSPACE = "SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE"
"""Serialises ``first_cohort`` per workspace: the second waits, then sees the first's cohort
(each statement of a READ COMMITTED transaction reads what committed before it)."""
_LOCK_MEMBER = "SELECT 1 FROM members WHERE id = $1 FOR NO KEY UPDATE"
_CONTACT_OF_STATE = ", ".join(f"c.{column}" for column in CONTACT_COLUMNS.split(", "))
_ACTION_OF_PRESS = ", ".join(f"a.{column}" for column in ACTION_COLUMNS.split(", "))


class _AlreadyPressed(Exception):
    """Another log claimed the press first: this one's transaction rolls back."""


"""Serialises a member's read-then-write transactions; plain inserts that only reference
the member (``FOR KEY SHARE``) are not held up."""


async def refresh_contact_state(conn: Conn, contact_id: int) -> None:
    """Recompute one contact's kept 3B7 state from its live actions, inside the caller's
    transaction: every change that can move a clock calls this (or ``_refresh_where``).

    The cohort row is read ``FOR SHARE``: a change to the cohort's zone or calendar waits
    for this transaction, or this one for it, so neither recomputes from what the other is
    about to change. The member's own writes already take turns on the member's row.
    """
    row = await conn.fetchrow(
        "SELECT k.member_id, k.organization, m.timezone, m.profile_timezone, "
        "m.holiday_calendar, m.cohort_id FROM contacts k JOIN members m ON m.id = k.member_id "
        "WHERE k.id = $1",
        contact_id,
    )
    if row is None:
        return
    cohort = None
    if row["cohort_id"] is not None:
        cohort = await conn.fetchrow(
            "SELECT timezone, holiday_calendar FROM cohorts WHERE id = $1 FOR SHARE",
            row["cohort_id"],
        )
    settings = clock_settings_of(
        row["timezone"],
        row["profile_timezone"],
        row["holiday_calendar"],
        cohort["timezone"] if cohort is not None else None,
        cohort["holiday_calendar"] if cohort is not None else None,
    )
    actions = [
        rows.action(a)
        for a in await conn.fetch(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE contact_id = $1 "
            "AND undone_at IS NULL ORDER BY occurred_at, id",
            contact_id,
        )
    ]
    state = contact_state(actions, *settings)
    if state is None:
        await conn.execute("DELETE FROM contact_state WHERE contact_id = $1", contact_id)
        return
    await conn.execute(
        f"INSERT INTO contact_state (contact_id, member_id, org_key, {STATE_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
        "ON CONFLICT (contact_id) DO UPDATE SET org_key = EXCLUDED.org_key, "
        "stage = EXCLUDED.stage, anchor_id = EXCLUDED.anchor_id, due_at = EXCLUDED.due_at, "
        "holiday = EXCLUDED.holiday, later_due_at = EXCLUDED.later_due_at, "
        "later_holiday = EXCLUDED.later_holiday, interview_on = EXCLUDED.interview_on, "
        "interview_at = EXCLUDED.interview_at, latest_email_at = EXCLUDED.latest_email_at, "
        "last_activity = EXCLUDED.last_activity",
        contact_id,
        row["member_id"],
        organization_key(row["organization"]),
        state.stage.value,
        state.anchor_id,
        state.due_at,
        state.holiday,
        state.later_due_at,
        state.later_holiday,
        state.interview_on,
        state.interview_at,
        state.latest_email_at,
        state.last_activity,
    )


async def _refresh_where(conn: Conn, contacts: str, *params: object) -> None:
    """Recompute the state of every contact ``SELECT id FROM contacts WHERE <contacts>`` finds."""
    found = await conn.fetch(f"SELECT id FROM contacts WHERE {contacts} ORDER BY id", *params)
    for row in found:
        await refresh_contact_state(conn, row["id"])


async def _refresh_member(conn: Conn, member_id: int) -> None:
    await _refresh_where(conn, "member_id = $1", member_id)


async def _refresh_cohort(conn: Conn, cohort_id: int) -> None:
    await _refresh_where(
        conn, "member_id IN (SELECT id FROM members WHERE cohort_id = $1)", cohort_id
    )


async def backfill_contact_states(conn: Conn) -> None:
    """Migration 0004's Python step: the state of every contact already in the database."""
    await _refresh_where(conn, "true")


_MEMBER_CLOCK = (
    "SELECT timezone, profile_timezone, cohort_id, holiday_calendar FROM members WHERE id = $1"
)
"""The member's columns that move their clocks: a change to any recomputes their contacts."""
_COHORT_CLOCK = "SELECT timezone, holiday_calendar FROM cohorts WHERE id = $1"
"""The cohort's columns that move its members' clocks."""


async def _clock_of(conn: Conn, sql: str, row_id: int) -> tuple[object, ...] | None:
    row = await conn.fetchrow(sql, row_id)
    return tuple(row) if row is not None else None


async def _moved(conn: Conn, row: asyncpg.Record | None) -> Action | None:
    """The action a write changed, its contact's state recomputed in the same transaction."""
    if row is None:
        return None
    action = rows.action(row)
    if action.contact_id is not None:
        await refresh_contact_state(conn, action.contact_id)
    return action


class _OverLimit(Exception):
    """A save of targets that would pass the limit: raised to roll its transaction back."""


def _minute(value: time) -> time:
    """Times of day are kept to the minute, as SQLite's ``HH:MM`` text keeps them."""
    return value.replace(second=0, microsecond=0, tzinfo=None)


async def _end_pauses(conn: Conn, member_id: int, day: date) -> int:
    removed = await conn.execute(
        "DELETE FROM pauses WHERE member_id = $1 AND start_date >= $2", member_id, day
    )
    shortened = await conn.execute(
        "UPDATE pauses SET end_date = $1 WHERE member_id = $2 AND end_date >= $3",
        day - _ONE_DAY,
        member_id,
        day,
    )
    return affected(removed) + affected(shortened)


class PostgresStore:
    """The storage contract on one PostgreSQL database."""

    reads_overlap = True

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def ensure_workspace(
        self, platform: str, external_id: str, name: str, at: datetime
    ) -> Workspace:
        row = await self.db.fetchrow(
            "SELECT id, name FROM workspaces WHERE platform = $1 AND external_id = $2",
            platform,
            external_id,
        )
        if row is not None and (row["name"] == name or not name):
            return Workspace(row["id"], platform, external_id, row["name"])
        workspace_id = await self.db.fetchval(
            "INSERT INTO workspaces (platform, external_id, name, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (platform, external_id) "
            "DO UPDATE SET name = EXCLUDED.name RETURNING id",
            platform,
            external_id,
            name,
            at,
        )
        return Workspace(workspace_id, platform, external_id, name)

    async def lookup(
        self, platform: str, external_id: str, user_id: str, channel_id: str | None
    ) -> Lookup:
        row = await self.db.fetchrow(
            f"SELECT w.id AS w_id, w.name AS w_name, {prefixed(MEMBER_COLUMNS, 'm', 'm_')}, "
            f"{prefixed(COHORT_COLUMNS, 'c', 'c_')} FROM workspaces w "
            "LEFT JOIN members m ON m.workspace_id = w.id AND m.user_id = $1 "
            "LEFT JOIN cohorts c ON c.id = coalesce((SELECT id FROM cohorts "
            "WHERE workspace_id = w.id AND channel_id = $2::text), m.cohort_id) "
            "WHERE w.platform = $3 AND w.external_id = $4",
            user_id,
            channel_id,
            platform,
            external_id,
        )
        if row is None:
            return Lookup(None, None, None)
        workspace = Workspace(row["w_id"], platform, external_id, row["w_name"])
        member = rows.member(unprefixed(row, "m_")) if row["m_id"] is not None else None
        cohort = rows.cohort(unprefixed(row, "c_")) if row["c_id"] is not None else None
        return Lookup(workspace, member, cohort)

    async def find_member(self, workspace_id: int, user_id: str) -> Member | None:
        row = await self.db.fetchrow(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE workspace_id = $1 AND user_id = $2",
            workspace_id,
            user_id,
        )
        return rows.member(row) if row else None

    async def add_member(
        self,
        workspace_id: int,
        user_id: str,
        display_name: str,
        cohort_id: int | None,
        at: datetime,
    ) -> Member:
        async with self.db.transaction() as conn:
            before = await conn.fetchval(
                "SELECT cohort_id FROM members WHERE workspace_id = $1 AND user_id = $2",
                workspace_id,
                user_id,
            )
            row = await conn.fetchrow(
                "INSERT INTO members (workspace_id, user_id, display_name, cohort_id, created_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, user_id) "
                "DO UPDATE SET display_name = EXCLUDED.display_name, "
                "cohort_id = coalesce(EXCLUDED.cohort_id, members.cohort_id) "
                f"RETURNING {MEMBER_COLUMNS}",
                workspace_id,
                user_id,
                display_name,
                cohort_id,
                at,
            )
            assert row is not None
            member = rows.member(row)
            if before is not None and before != member.cohort_id:
                await _refresh_member(conn, member.id)
        return member

    async def save_member(self, member: Member) -> Member:
        async with self.db.transaction() as conn:
            before = await _clock_of(conn, _MEMBER_CLOCK, member.id)
            row = await conn.fetchrow(
                "UPDATE members SET display_name = $1, cohort_id = $2, email_goal = $3, "
                "interview_goal = $4, timezone = $5, show_on_leaderboard = $6, "
                "allow_mentions = $7, reminders_by_dm = $8, profile_timezone = $9, "
                "holiday_calendar = $10 "
                f"WHERE id = $11 RETURNING {MEMBER_COLUMNS}",
                member.display_name,
                member.cohort_id,
                member.email_goal,
                member.interview_goal,
                member.timezone,
                member.show_on_leaderboard,
                member.allow_mentions,
                member.reminders_by_dm,
                member.profile_timezone,
                member.holiday_calendar,
                member.id,
            )
            if row is None:
                raise LookupError(f"no member {member.id} to save")
            if await _clock_of(conn, _MEMBER_CLOCK, member.id) != before:
                await _refresh_member(conn, member.id)
        return rows.member(row)

    async def forget_member(self, member_id: int) -> None:
        await self.db.execute("DELETE FROM members WHERE id = $1", member_id)

    async def get_cohort(self, cohort_id: int) -> Cohort | None:
        row = await self.db.fetchrow(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = $1", cohort_id
        )
        return rows.cohort(row) if row else None

    async def cohort_for_channel(self, workspace_id: int, channel_id: str) -> Cohort | None:
        row = await self.db.fetchrow(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = $1 AND channel_id = $2",
            workspace_id,
            channel_id,
        )
        return rows.cohort(row) if row else None

    async def workspace_cohorts(self, workspace_id: int) -> list[Cohort]:
        found = await self.db.fetch(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = $1 ORDER BY id",
            workspace_id,
        )
        return [rows.cohort(row) for row in found]

    async def create_cohort(
        self,
        workspace_id: int,
        channel_id: str | None,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort:
        row = await self.db.fetchrow(
            "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
            "email_goal, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            f"RETURNING {COHORT_COLUMNS}",
            workspace_id,
            channel_id,
            name,
            timezone,
            week_start,
            email_goal,
            at,
        )
        assert row is not None
        return rows.cohort(row)

    async def first_cohort(
        self,
        workspace_id: int,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort:
        async with self.db.transaction() as conn:
            await conn.execute(_LOCK_WORKSPACE, workspace_id)
            row = await conn.fetchrow(
                f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = $1 ORDER BY id LIMIT 1",
                workspace_id,
            )
            if row is None:
                row = await conn.fetchrow(
                    "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
                    "email_goal, created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6) "
                    f"RETURNING {COHORT_COLUMNS}",
                    workspace_id,
                    name,
                    timezone,
                    week_start,
                    email_goal,
                    at,
                )
        assert row is not None
        return rows.cohort(row)

    async def bind_cohort(self, binding: CohortBinding) -> Cohort:
        async with self.db.transaction() as conn:
            zone_before = None
            if binding.cohort_id is not None:
                zone_before = await _clock_of(conn, _COHORT_CLOCK, binding.cohort_id)
            organizer_before = await _clock_of(conn, _MEMBER_CLOCK, binding.organizer_id)
            if binding.cohort_id is None:
                row = await conn.fetchrow(
                    "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
                    "email_goal, created_at, schedule_from) "
                    f"VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COHORT_COLUMNS}",
                    binding.workspace_id,
                    binding.channel_id,
                    binding.name,
                    binding.timezone,
                    binding.week_start,
                    binding.email_goal,
                    binding.at,
                )
            else:
                row = await conn.fetchrow(
                    "UPDATE cohorts SET channel_id = $1, name = $2, timezone = $3, "
                    "week_start = $4, schedule_from = CASE WHEN channel_id IS NOT DISTINCT "
                    "FROM $1 THEN schedule_from ELSE $5 END "
                    f"WHERE id = $6 RETURNING {COHORT_COLUMNS}",
                    binding.channel_id,
                    binding.name,
                    binding.timezone,
                    binding.week_start,
                    binding.at,
                    binding.cohort_id,
                )
            if row is None:
                raise LookupError(f"no cohort {binding.cohort_id} to bind")
            cohort = rows.cohort(row)
            await conn.execute(
                "INSERT INTO organizers (cohort_id, member_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                cohort.id,
                binding.organizer_id,
            )
            await conn.execute(
                "UPDATE members SET cohort_id = $1 WHERE id = $2", cohort.id, binding.organizer_id
            )
            if (
                zone_before is not None
                and await _clock_of(conn, _COHORT_CLOCK, cohort.id) != zone_before
            ):
                await _refresh_cohort(conn, cohort.id)
            elif await _clock_of(conn, _MEMBER_CLOCK, binding.organizer_id) != organizer_before:
                await _refresh_member(conn, binding.organizer_id)
            return cohort

    async def save_cohort(self, cohort: Cohort) -> Cohort:
        async with self.db.transaction() as conn:
            before = await _clock_of(conn, _COHORT_CLOCK, cohort.id)
            row = await conn.fetchrow(
                "UPDATE cohorts SET channel_id = $1, name = $2, timezone = $3, week_start = $4, "
                "email_goal = $5, interview_goal = $6, kickoff_day = $7, kickoff_time = $8, "
                "checkin_day = $9, checkin_time = $10, grace_hours = $11, schedule_from = $12, "
                f"holiday_calendar = $13 WHERE id = $14 RETURNING {COHORT_COLUMNS}",
                cohort.channel_id,
                cohort.name,
                cohort.timezone,
                cohort.week_start,
                cohort.email_goal,
                cohort.interview_goal,
                cohort.kickoff_day,
                _minute(cohort.kickoff_time),
                cohort.checkin_day,
                _minute(cohort.checkin_time),
                cohort.grace_hours,
                cohort.schedule_from,
                cohort.holiday_calendar,
                cohort.id,
            )
            if row is None:
                raise LookupError(f"no cohort {cohort.id} to save")
            if await _clock_of(conn, _COHORT_CLOCK, cohort.id) != before:
                await _refresh_cohort(conn, cohort.id)
        return rows.cohort(row)

    async def cohort_members(self, cohort_id: int) -> list[Member]:
        found = await self.db.fetch(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE cohort_id = $1 ORDER BY id", cohort_id
        )
        return [rows.member(row) for row in found]

    async def set_organizer(self, cohort_id: int, member_id: int, organizer: bool) -> bool:
        if organizer:
            sql = (
                "INSERT INTO organizers (cohort_id, member_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING RETURNING 1"
            )
        else:
            sql = "DELETE FROM organizers WHERE cohort_id = $1 AND member_id = $2 RETURNING 1"
        return bool(await self.db.fetch(sql, cohort_id, member_id))

    async def organizers(self, cohort_id: int) -> list[Member]:
        found = await self.db.fetch(
            f"SELECT {', '.join('m.' + c for c in MEMBER_COLUMNS.split(', '))} "
            "FROM organizers o JOIN members m ON m.id = o.member_id "
            "WHERE o.cohort_id = $1 ORDER BY m.display_name",
            cohort_id,
        )
        return [rows.member(row) for row in found]

    async def is_organizer(self, cohort_id: int, member_id: int) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM organizers WHERE cohort_id = $1 AND member_id = $2",
            cohort_id,
            member_id,
        )
        return found is not None

    async def log_action(self, new: NewAction) -> LoggedAction | None:
        if new.once_key is not None:
            earlier = await self._repeated(new.once_key)
            if earlier is not None:
                return earlier
        try:
            async with self.db.transaction() as conn:
                row = await conn.fetchrow(
                    f"SELECT {ACTION_COLUMNS}, k_name, k_organization, k_created_at, "
                    "k_referred_by, k_created FROM reachout_log_action($1, $2, $3, $4, $5, $6, "
                    "$7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    new.member_id,
                    new.cohort_id,
                    new.kind.value,
                    new.count,
                    new.note,
                    new.occurred_at,
                    new.contact_name,
                    contact_key(new.contact_name) if new.contact_name is not None else None,
                    new.organization or "",
                    new.day_start,
                    new.day_end,
                    new.daily_cap,
                    new.scheduled_on,
                    _minute(new.scheduled_time) if new.scheduled_time is not None else None,
                    new.referred_by,
                )
                if row is not None and row["contact_id"] is not None:
                    await refresh_contact_state(conn, row["contact_id"])
                if row is not None and new.once_key is not None:
                    await self._claim(conn, new, row["id"])
        except _AlreadyPressed:
            return await self._repeated(new.once_key or "")
        if row is None:
            return None
        action = rows.action(row)
        contact = None
        if action.contact_id is not None:
            contact = Contact(
                action.contact_id,
                action.member_id,
                row["k_name"],
                row["k_organization"],
                row["k_created_at"],
                row["k_referred_by"],
            )
        return LoggedAction(action, contact, bool(row["k_created"]))

    @staticmethod
    async def _claim(conn: Conn, new: NewAction, action_id: int) -> None:
        """Log the press in the action's transaction; a key another transaction claimed
        first (this insert waits for it to commit) rolls this one back whole."""
        claimed = await conn.fetchval(
            "INSERT INTO presses (key, member_id, action_id, pressed_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (key) DO NOTHING RETURNING key",
            new.once_key,
            new.member_id,
            action_id,
            new.occurred_at,
        )
        if claimed is None:
            raise _AlreadyPressed

    async def _repeated(self, key: str) -> LoggedAction | None:
        action = await self.pressed(key)
        if action is None:
            return None
        contact = await self.get_contact(action.contact_id) if action.contact_id else None
        return LoggedAction(action, contact, contact_created=False, repeated=True)

    async def snooze_reminder(
        self, contact_id: int, anchor_id: int, step: str, until: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reminder_snoozes (contact_id, anchor_id, step, until) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (contact_id) DO UPDATE SET "
                "anchor_id = excluded.anchor_id, step = excluded.step, until = excluded.until",
                contact_id,
                anchor_id,
                step,
                until,
            )
            await conn.execute(
                "INSERT INTO clock_checks (contact_id, member_id, check_at) "
                "SELECT id, member_id, $1 FROM contacts WHERE id = $2 ON CONFLICT (contact_id) "
                "DO UPDATE SET check_at = least(clock_checks.check_at, excluded.check_at)",
                until,
                contact_id,
            )

    async def stop_reminders(self, contact_id: int, anchor_id: int, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO reminders_stopped (contact_id, anchor_id, stopped_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (contact_id) DO UPDATE SET "
            "anchor_id = excluded.anchor_id, stopped_at = excluded.stopped_at",
            contact_id,
            anchor_id,
            at,
        )

    async def pressed(self, key: str) -> Action | None:
        row = await self.db.fetchrow(
            f"SELECT {_ACTION_OF_PRESS} FROM presses p JOIN actions a ON a.id = p.action_id "
            "WHERE p.key = $1",
            key,
        )
        return rows.action(row) if row is not None else None

    async def undo_last_action(self, member_id: int, at: datetime) -> Action | None:
        async with self.db.transaction() as conn:
            await conn.execute(_LOCK_MEMBER, member_id)
            row = await conn.fetchrow(
                "UPDATE actions SET undone_at = $1 WHERE id = (SELECT id FROM actions "
                "WHERE member_id = $2 AND undone_at IS NULL ORDER BY id DESC LIMIT 1) "
                f"RETURNING {ACTION_COLUMNS}",
                at,
                member_id,
            )
            return await _moved(conn, row)

    async def get_contact(self, contact_id: int) -> Contact | None:
        row = await self.db.fetchrow(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1", contact_id
        )
        return rows.contact(row) if row else None

    async def contact_named(self, member_id: int, name: str) -> Contact | None:
        row = await self.db.fetchrow(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = $1 AND name_key = $2",
            member_id,
            contact_key(name),
        )
        return rows.contact(row) if row else None

    async def move_interview(self, action_id: int, on: date, at: time | None) -> Action | None:
        async with self.db.transaction() as conn:
            row = await conn.fetchrow(
                "UPDATE actions SET scheduled_on = $1, scheduled_time = $2 WHERE id = $3 "
                f"AND kind = $4 AND undone_at IS NULL RETURNING {ACTION_COLUMNS}",
                on,
                _minute(at) if at is not None else None,
                action_id,
                ActionKind.INTERVIEW_SCHEDULED.value,
            )
            return await _moved(conn, row)

    async def member_targets(self, member_id: int) -> list[Target]:
        found = await self.db.fetch(
            f"SELECT {TARGET_COLUMNS} FROM targets WHERE member_id = $1 ORDER BY id", member_id
        )
        return [rows.target(row) for row in found]

    async def save_targets(
        self, member_id: int, targets: Collection[NewTarget], limit: int, at: datetime
    ) -> int | None:
        try:
            async with self.db.transaction() as conn:
                # Two saves for one member take turns, so neither can pass the limit unseen.
                await conn.execute(_LOCK_MEMBER, member_id)
                await conn.executemany(
                    "INSERT INTO targets (member_id, employer, employer_key, advocate, motivation, "
                    "posting, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "ON CONFLICT (member_id, employer_key) DO UPDATE SET "
                    "advocate = EXCLUDED.advocate, motivation = EXCLUDED.motivation, "
                    "posting = EXCLUDED.posting",
                    [
                        (
                            member_id,
                            t.employer,
                            employer_key(t.employer),
                            t.advocate,
                            t.motivation,
                            t.posting,
                            at,
                        )
                        for t in targets
                    ],
                )
                total = int(
                    await conn.fetchval(
                        "SELECT count(*) FROM targets WHERE member_id = $1", member_id
                    )
                )
                if total > limit:
                    raise _OverLimit  # rolls the whole batch back
        except _OverLimit:
            return None
        return total

    async def remove_target(self, member_id: int, employer: str) -> bool:
        found = await self.db.fetch(
            "DELETE FROM targets WHERE member_id = $1 AND employer_key = $2 RETURNING id",
            member_id,
            employer_key(employer),
        )
        return bool(found)

    async def member_totals(
        self, member_id: int, since: datetime, until: datetime
    ) -> dict[ActionKind, int]:
        found = await self.db.fetch(
            "SELECT kind, sum(count) AS total FROM actions WHERE member_id = $1 "
            "AND occurred_at >= $2 AND occurred_at < $3 AND undone_at IS NULL GROUP BY kind",
            member_id,
            since,
            until,
        )
        return {ActionKind(row["kind"]): int(row["total"]) for row in found}

    async def member_contacts(self, member_id: int) -> list[ContactEntry]:
        # Two reads, not one transaction (two more round trips): an action about a contact
        # made in between is left out, as it would be had it come a moment later.
        contacts, actions = await asyncio.gather(
            self.db.fetch(
                f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = $1 ORDER BY id",
                member_id,
            ),
            self.db.fetch(
                f"SELECT {ACTION_COLUMNS} FROM actions WHERE member_id = $1 "
                "AND contact_id IS NOT NULL AND undone_at IS NULL ORDER BY occurred_at, id",
                member_id,
            ),
        )
        by_contact: dict[int, list[Action]] = {}
        for row in actions:
            by_contact.setdefault(row["contact_id"], []).append(rows.action(row))
        return [
            ContactEntry(rows.contact(row), tuple(by_contact.get(row["id"], ())))
            for row in contacts
        ]

    async def member_states(
        self, member_id: int, contact_id: int | None = None
    ) -> list[StateEntry]:
        found = await self.db.fetch(
            f"SELECT {prefixed(CONTACT_COLUMNS, 'k', 'k_')}, {STATE_COLUMNS}, EXISTS (SELECT 1 "
            "FROM contact_state o WHERE o.member_id = s.member_id AND o.org_key = s.org_key "
            "AND o.contact_id <> s.contact_id AND o.latest_email_at > s.latest_email_at) "
            "AND s.org_key <> '' AS second FROM contact_state s "
            "JOIN contacts k ON k.id = s.contact_id WHERE s.member_id = $1 "
            "AND ($2::bigint IS NULL OR s.contact_id = $2) ORDER BY s.contact_id",
            member_id,
            contact_id,
        )
        return [
            StateEntry(rows.contact(unprefixed(row, "k_")), rows.state(row), bool(row["second"]))
            for row in found
        ]

    async def pipeline_page(
        self,
        member_id: int,
        now: datetime,
        stages: Collection[Stage] | None = None,
        *,
        due: bool = False,
        limit: int | None = None,
    ) -> PipelinePage:
        found = await self.db.fetch(pipeline_page_sql("$", stages, due, limit), member_id, now)
        entries = [
            StateEntry(rows.contact(unprefixed(row, "k_")), rows.state(row), bool(row["second"]))
            for row in found
        ]
        referrers = {row["k_id"]: row["via"] for row in found if row["via"] is not None}
        return PipelinePage(entries, found[0]["chosen"] if found else 0, referrers)

    async def stage_counts(self, member_id: int, now: datetime) -> dict[Stage, int]:
        counts: Counter[Stage] = Counter()
        for row in await self.db.fetch(stage_counts_sql("$"), member_id, now):
            counts[Stage(row["shown"])] += row["n"]
        return dict(counts)

    async def referral_contacts(self, member_id: int) -> list[Contact]:
        found = await self.db.fetch(referral_contacts_sql("$"), member_id)
        return [rows.contact(row) for row in found]

    async def member_history(self, member_id: int) -> list[Action]:
        found = await self.db.fetch(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE member_id = $1 ORDER BY id", member_id
        )
        return [rows.action(row) for row in found]

    async def all_member_contacts(self, member_id: int) -> list[Contact]:
        found = await self.db.fetch(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = $1 ORDER BY id",
            member_id,
        )
        return [rows.contact(row) for row in found]

    async def recent_contacts(
        self,
        member_id: int,
        keep: Callable[[str], bool] | None = None,
        limit: int | None = None,
    ) -> list[Contact]:
        found = await self.db.fetch(
            f"SELECT {_CONTACT_OF_STATE} FROM contacts c "
            "LEFT JOIN contact_state s ON s.contact_id = c.id WHERE c.member_id = $1 "
            "ORDER BY coalesce(s.last_activity, c.created_at) DESC, c.id DESC",
            member_id,
        )
        kept = (row for row in found if keep is None or keep(row["name"]))
        return [rows.contact(row) for row in islice(kept, limit)]

    async def standings(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
    ) -> list[Standing]:
        kind_values = [k.value for k in kinds]
        if since is None or until is None:
            found = await self.db.fetch(
                "SELECT m.id, m.user_id, m.display_name, m.show_on_leaderboard, t.total "
                "FROM (SELECT member_id, sum(total) AS total FROM member_totals "
                "WHERE cohort_id = $1 AND kind = ANY($2::text[]) GROUP BY member_id) t "
                "JOIN members m ON m.id = t.member_id WHERE t.total > 0 "
                "ORDER BY t.total DESC, m.display_name, m.id",
                cohort_id,
                kind_values,
            )
        else:
            found = await self.db.fetch(
                "SELECT m.id, m.user_id, m.display_name, m.show_on_leaderboard, t.total "
                "FROM (SELECT member_id, sum(count) AS total FROM actions WHERE cohort_id = $1 "
                "AND occurred_at >= $2 AND occurred_at < $3 AND undone_at IS NULL "
                "AND kind = ANY($4::text[]) GROUP BY member_id) t "
                "JOIN members m ON m.id = t.member_id WHERE t.total > 0 "
                "ORDER BY t.total DESC, m.display_name, m.id",
                cohort_id,
                since,
                until,
                kind_values,
            )
        return [Standing(row[0], row[1], row[2], row[3], int(row[4])) for row in found]

    async def board_page(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
        member_id: int,
        size: int,
    ) -> BoardPage:
        kind_values = [k.value for k in kinds]
        if since is None or until is None:
            totals = (
                "SELECT member_id, sum(total) AS total FROM member_totals "
                "WHERE cohort_id = $1 AND kind = ANY($2::text[]) GROUP BY member_id"
            )
            params: list[object] = [cohort_id, kind_values]
        else:
            totals = (
                "SELECT member_id, sum(count) AS total FROM actions WHERE cohort_id = $1 "
                "AND occurred_at >= $2 AND occurred_at < $3 AND undone_at IS NULL "
                "AND kind = ANY($4::text[]) GROUP BY member_id"
            )
            params = [cohort_id, since, until, kind_values]
        n = len(params)
        found = await self.db.fetch(
            board_page_sql(totals, f"${n + 1}", f"${n + 2}"), *params, size, member_id
        )
        return board_page_from_rows(found, member_id)

    async def cohort_totals(
        self, cohort_id: int, since: datetime, until: datetime
    ) -> list[tuple[int, ActionKind, int]]:
        found = await self.db.fetch(
            "SELECT member_id, kind, sum(count) AS total FROM actions WHERE cohort_id = $1 "
            "AND occurred_at >= $2 AND occurred_at < $3 AND undone_at IS NULL "
            "GROUP BY member_id, kind",
            cohort_id,
            since,
            until,
        )
        return [(row["member_id"], ActionKind(row["kind"]), int(row["total"])) for row in found]

    async def cohort_history(self, cohort_id: int) -> list[Action]:
        found = await self.db.fetch(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE cohort_id = $1 AND undone_at IS NULL "
            "ORDER BY occurred_at",
            cohort_id,
        )
        return [rows.action(row) for row in found]

    async def add_pause(self, member_id: int, start: date, end: date) -> Pause:
        async with self.db.transaction() as conn:
            await _end_pauses(conn, member_id, start)
            pause_id = await conn.fetchval(
                "INSERT INTO pauses (member_id, start_date, end_date) VALUES ($1, $2, $3) "
                "RETURNING id",
                member_id,
                start,
                end,
            )
        return Pause(pause_id, member_id, start, end)

    async def end_pauses(self, member_id: int, today: date) -> int:
        async with self.db.transaction() as conn:
            return await _end_pauses(conn, member_id, today)

    async def pauses(self, member_id: int) -> list[Pause]:
        found = await self.db.fetch(
            "SELECT id, start_date, end_date FROM pauses WHERE member_id = $1 ORDER BY start_date",
            member_id,
        )
        return [Pause(row["id"], member_id, row["start_date"], row["end_date"]) for row in found]

    async def get_state(self, key: str) -> str | None:
        value = await self.db.fetchval("SELECT value FROM bot_state WHERE key = $1", key)
        return str(value) if value is not None else None

    async def set_state(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO bot_state (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            key,
            value,
        )

    async def first_sighting(self, key: str, at: datetime) -> bool:
        async with self.db.transaction() as conn:
            # SKIP LOCKED: concurrent calls prune what the others are not already pruning,
            # so they never wait on (or deadlock over) each other's old rows. Instants are
            # kept as SQLite's fixed-width text and compared bytewise ("C").
            await conn.execute(
                "DELETE FROM bot_state WHERE key IN (SELECT key FROM bot_state "
                'WHERE starts_with(key, $1) AND value COLLATE "C" < $2 FOR UPDATE SKIP LOCKED)',
                SIGHTING_PREFIX,
                to_db(at - SIGHTING_MEMORY),
            )
            inserted = await conn.fetchval(
                "INSERT INTO bot_state (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO NOTHING RETURNING key",
                SIGHTING_PREFIX + key,
                to_db(at),
            )
        return inserted is not None

    async def members_period_totals(
        self,
        member_ids: Collection[int],
        kinds: Collection[ActionKind],
        bounds: Sequence[datetime],
        at_most: int | None = None,
    ) -> dict[int, list[int]]:
        periods = len(bounds) - 1
        found = {m: [0] * max(periods, 0) for m in member_ids}
        if not found or periods < 1 or not kinds:
            return found
        windows = "unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS p(lo, hi, i)"
        if at_most is None:
            sql = (
                f"SELECT a.member_id, p.i, sum(a.count) AS total FROM {windows} "
                "JOIN actions a ON a.member_id = ANY($1::bigint[]) AND a.occurred_at >= p.lo "
                "AND a.occurred_at < p.hi WHERE a.undone_at IS NULL AND a.kind = ANY($4::text[]) "
                "GROUP BY a.member_id, p.i"
            )
            extra: tuple[object, ...] = ()
        else:
            # No more than at_most entries per member and period: all a goal check needs.
            sql = (
                f"SELECT m.id AS member_id, p.i, t.total FROM unnest($1::bigint[]) AS m(id) "
                f"CROSS JOIN {windows} CROSS JOIN LATERAL (SELECT sum(n) AS total FROM "
                "(SELECT a.count AS n FROM actions a WHERE a.member_id = m.id "
                "AND a.occurred_at >= p.lo AND a.occurred_at < p.hi AND a.undone_at IS NULL "
                "AND a.kind = ANY($4::text[]) LIMIT $5) AS capped) AS t"
            )
            extra = (at_most,)
        starts, ends, kind_values = list(bounds[:-1]), list(bounds[1:]), [k.value for k in kinds]
        rows = await self.db.fetch(sql, sorted(found), starts, ends, kind_values, *extra)
        for row in rows:
            if row["total"] is not None:
                found[row["member_id"]][row["i"] - 1] = row["total"]
        return found

    async def members_pauses(self, member_ids: Collection[int]) -> dict[int, list[Pause]]:
        found: dict[int, list[Pause]] = {m: [] for m in member_ids}
        if not found:
            return found
        for row in await self.db.fetch(
            "SELECT id, member_id, start_date, end_date FROM pauses "
            "WHERE member_id = ANY($1::bigint[]) ORDER BY member_id, start_date",
            sorted(found),
        ):
            found[row["member_id"]].append(
                Pause(row["id"], row["member_id"], row["start_date"], row["end_date"])
            )
        return found
