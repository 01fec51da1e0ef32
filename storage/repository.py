"""``SqliteStore``: the engine's storage contract (``bot.store.Store``) on SQLite.

Every query of the project lives here. Each writing method runs in one transaction on the
database's single writer; reads see committed data.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache, partial
from itertools import islice, pairwise
from typing import Any, Protocol

from bot.followups import (
    ContactState,
    Stage,
    StateEntry,
    clock_settings_of,
    contact_state,
    organization_key,
)
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
from storage.connection import Database, from_db, to_db

MEMBER_COLUMNS = (
    "id, workspace_id, user_id, display_name, cohort_id, email_goal, interview_goal, timezone, "
    "show_on_leaderboard, allow_mentions, reminders_by_dm, created_at, profile_timezone, "
    "holiday_calendar"
)
COHORT_COLUMNS = (
    "id, workspace_id, channel_id, name, timezone, week_start, email_goal, interview_goal, "
    "kickoff_day, kickoff_time, checkin_day, checkin_time, grace_hours, schedule_from, "
    "holiday_calendar"
)
TARGET_COLUMNS = "id, member_id, employer, advocate, motivation, posting, created_at"
ACTION_COLUMNS = (
    "id, member_id, cohort_id, contact_id, kind, count, note, occurred_at, undone_at, "
    "scheduled_on, scheduled_time"
)
CONTACT_COLUMNS = "id, member_id, name, organization, created_at, referred_by"
STATE_COLUMNS = (
    "stage, anchor_id, due_at, holiday, later_due_at, later_holiday, interview_on, "
    "interview_at, latest_email_at, last_activity"
)
_ONE_DAY = timedelta(days=1)
SIGHTING_PREFIX = "sighting:"
"""``bot_state`` keys of ``first_sighting`` start so; their value is the instant seen."""
MEMBERS_PER_QUERY = 500
"""Members named in one ``IN (...)`` list, well under SQLite's limit on bound values."""


class Row(Protocol):
    """A result row by column name: ``sqlite3.Row``, or a dict of a joined row's columns."""

    def __getitem__(self, key: str) -> Any: ...


@cache
def prefixed(columns: str, alias: str, prefix: str) -> str:
    """``a.x AS p_x, a.y AS p_y``: columns of a joined table, told apart by a prefix (built
    once per query shape: lookups build it on every command)."""
    return ", ".join(f"{alias}.{c} AS {prefix}{c}" for c in columns.split(", "))


def unprefixed(row: sqlite3.Row, prefix: str) -> dict[str, object]:
    """The columns of a joined row that carry ``prefix``, without it."""
    # sqlite3.Row iterates over values, so its column names come from keys().
    return {k[len(prefix) :]: row[k] for k in row.keys() if k.startswith(prefix)}  # noqa: SIM118


@cache
def _names(columns: str) -> tuple[str, ...]:
    return tuple(columns.split(", "))


def columns_at(row: sqlite3.Row, columns: str, start: int) -> dict[str, object]:
    """``columns`` (as a query lists them) of a joined row, by name, read from position
    ``start`` on: a sixth of what finding them by prefix costs, on every command's lookup."""
    names = _names(columns)
    return dict(zip(names, row[start : start + len(names)], strict=True))


def contact_key(name: str) -> str:
    """How contact names are matched: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def member_from_row(row: Row) -> Member:
    return Member(
        id=row["id"],
        workspace_id=row["workspace_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        cohort_id=row["cohort_id"],
        email_goal=row["email_goal"],
        interview_goal=row["interview_goal"],
        timezone=row["timezone"],
        show_on_leaderboard=bool(row["show_on_leaderboard"]),
        allow_mentions=bool(row["allow_mentions"]),
        reminders_by_dm=bool(row["reminders_by_dm"]),
        created_at=from_db(row["created_at"]),
        profile_timezone=row["profile_timezone"],
        holiday_calendar=row["holiday_calendar"],
    )


def cohort_from_row(row: Row) -> Cohort:
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
        kickoff_time=time.fromisoformat(row["kickoff_time"]),
        checkin_day=row["checkin_day"],
        checkin_time=time.fromisoformat(row["checkin_time"]),
        grace_hours=row["grace_hours"],
        schedule_from=from_db(row["schedule_from"]),
        holiday_calendar=row["holiday_calendar"],
    )


def action_from_row(row: Row) -> Action:
    undone = row["undone_at"]
    return Action(
        id=row["id"],
        member_id=row["member_id"],
        cohort_id=row["cohort_id"],
        contact_id=row["contact_id"],
        kind=ActionKind(row["kind"]),
        count=row["count"],
        note=row["note"],
        occurred_at=from_db(row["occurred_at"]),
        undone_at=from_db(undone) if undone else None,
        scheduled_on=date.fromisoformat(on) if (on := row["scheduled_on"]) else None,
        scheduled_time=time.fromisoformat(at) if (at := row["scheduled_time"]) else None,
    )


def contact_from_row(row: Row) -> Contact:
    return Contact(
        id=row["id"],
        member_id=row["member_id"],
        name=row["name"],
        organization=row["organization"],
        created_at=from_db(row["created_at"]),
        referred_by=row["referred_by"],
    )


def target_from_row(row: Row) -> Target:
    return Target(
        id=row["id"],
        member_id=row["member_id"],
        employer=row["employer"],
        advocate=bool(row["advocate"]),
        motivation=row["motivation"],
        posting=bool(row["posting"]),
        created_at=from_db(row["created_at"]),
    )


def _save_targets(
    member_id: int,
    targets: Collection[NewTarget],
    limit: int,
    at: datetime,
    conn: sqlite3.Connection,
) -> int | None:
    """Upsert every target, then count; over the limit rolls the whole batch back."""
    conn.executemany(
        "INSERT INTO targets (member_id, employer, employer_key, advocate, motivation, posting, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, employer_key) DO "
        "UPDATE SET advocate = excluded.advocate, motivation = excluded.motivation, "
        "posting = excluded.posting",
        [
            (
                member_id,
                t.employer,
                employer_key(t.employer),
                int(t.advocate),
                t.motivation,
                int(t.posting),
                to_db(at),
            )
            for t in targets
        ],
    )
    total = int(
        conn.execute("SELECT count(*) FROM targets WHERE member_id = ?", (member_id,)).fetchone()[0]
    )
    if total > limit:
        conn.rollback()
        return None
    return total


def prefix_end(prefix: str) -> str:
    """The least string above every string starting with ``prefix`` (a range, not LIKE,
    so the primary key's index is used and ``_``/``%`` mean nothing)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _one(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    return next(iter(rows), None)


def _instant(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _page_entry(row: sqlite3.Row) -> StateEntry:
    """A row of ``pipeline_page_sql`` or ``member_states`` as a ``StateEntry``, read by
    position (its contact's columns, then the state's, as both queries list them): a page
    maps only a few rows, but every reply maps them, and by name costs three times as much."""
    return StateEntry(
        Contact(row[0], row[1], row[2], row[3], from_db(row[4]), row[5]),
        ContactState(
            stage=Stage(row[6]),
            anchor_id=row[7],
            due_at=_instant(row[8]),
            holiday=row[9],
            later_due_at=_instant(row[10]),
            later_holiday=row[11],
            interview_on=date.fromisoformat(on) if (on := row[12]) else None,
            interview_at=time.fromisoformat(at) if (at := row[13]) else None,
            latest_email_at=_instant(row[14]),
            last_activity=from_db(row[15]),
        ),
        bool(row["second"]),
    )


_SAVE_STATE = (
    f"INSERT INTO contact_state (contact_id, member_id, org_key, {STATE_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ("org_key", *STATE_COLUMNS.split(", ")))
)
"""A contact's kept state, written over in place: a contact never changes member, so the
index by member is left alone (``INSERT OR REPLACE`` would delete and rewrite every index
entry of the row, a page more to the WAL on every logged step)."""


def refresh_contact_state(conn: sqlite3.Connection, contact_id: int) -> None:
    """Recompute one contact's kept 3B7 state from its live actions, inside the caller's
    transaction: every change that can move a clock calls this (or ``_refresh_where``)."""
    row = conn.execute(
        "SELECT k.member_id, k.organization, m.timezone, m.profile_timezone, "
        "m.holiday_calendar, c.timezone, c.holiday_calendar FROM contacts k "
        "JOIN members m ON m.id = k.member_id LEFT JOIN cohorts c ON c.id = m.cohort_id "
        "WHERE k.id = ?",
        (contact_id,),
    ).fetchone()
    if row is None:
        return
    member_id, organization, *settings = tuple(row)
    actions = [
        action_from_row(a)
        for a in conn.execute(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE contact_id = ? AND undone_at IS NULL "
            "ORDER BY occurred_at, id",
            (contact_id,),
        )
    ]
    state = contact_state(actions, *clock_settings_of(*settings))
    if state is None:
        conn.execute("DELETE FROM contact_state WHERE contact_id = ?", (contact_id,))
        return
    conn.execute(
        _SAVE_STATE,
        (
            contact_id,
            member_id,
            organization_key(organization),
            state.stage.value,
            state.anchor_id,
            to_db(state.due_at) if state.due_at else None,
            state.holiday,
            to_db(state.later_due_at) if state.later_due_at else None,
            state.later_holiday,
            state.interview_on.isoformat() if state.interview_on else None,
            state.interview_at.strftime("%H:%M") if state.interview_at else None,
            to_db(state.latest_email_at) if state.latest_email_at else None,
            to_db(state.last_activity),
        ),
    )


def _refresh_where(conn: sqlite3.Connection, contacts: str, params: tuple[object, ...]) -> None:
    """Recompute the state of every contact ``SELECT id FROM contacts WHERE <contacts>`` finds."""
    ids = [r[0] for r in conn.execute(f"SELECT id FROM contacts WHERE {contacts}", params)]
    for contact_id in ids:
        refresh_contact_state(conn, contact_id)


def _refresh_member(conn: sqlite3.Connection, member_id: int) -> None:
    _refresh_where(conn, "member_id = ?", (member_id,))


def _refresh_cohort(conn: sqlite3.Connection, cohort_id: int) -> None:
    _refresh_where(conn, "member_id IN (SELECT id FROM members WHERE cohort_id = ?)", (cohort_id,))


def backfill_contact_states(conn: sqlite3.Connection) -> None:
    """Migration 0004's Python step: the state of every contact already in the database."""
    _refresh_where(conn, "1", ())


_SAVE_MEMBER = (
    "UPDATE members SET display_name = ?, cohort_id = ?, email_goal = ?, interview_goal = ?, "
    "timezone = ?, show_on_leaderboard = ?, allow_mentions = ?, reminders_by_dm = ?, "
    f"profile_timezone = ?, holiday_calendar = ? WHERE id = ? RETURNING {MEMBER_COLUMNS}"
)
_SAVE_COHORT = (
    "UPDATE cohorts SET channel_id = ?, name = ?, timezone = ?, week_start = ?, email_goal = ?, "
    "interview_goal = ?, kickoff_day = ?, kickoff_time = ?, checkin_day = ?, checkin_time = ?, "
    "grace_hours = ?, schedule_from = ?, holiday_calendar = ? WHERE id = ? "
    f"RETURNING {COHORT_COLUMNS}"
)
_MEMBER_CLOCK = "SELECT timezone, profile_timezone, cohort_id, holiday_calendar FROM members"
"""The member's columns that move their clocks: a change to any recomputes their contacts."""
_COHORT_CLOCK = "SELECT timezone, holiday_calendar FROM cohorts"
"""The cohort's columns that move its members' clocks."""


def _clock_of(conn: sqlite3.Connection, sql: str, row_id: int) -> tuple[object, ...] | None:
    row = conn.execute(f"{sql} WHERE id = ?", (row_id,)).fetchone()
    return tuple(row) if row is not None else None


def _moved(conn: sqlite3.Connection, row: sqlite3.Row | None) -> Action | None:
    """The action a write changed, its contact's state recomputed in the same transaction."""
    if row is None:
        return None
    action = action_from_row(row)
    if action.contact_id is not None:
        refresh_contact_state(conn, action.contact_id)
    return action


class _CapReached(Exception):
    """Raised inside a write to roll back a log that would pass the daily cap."""


def _log_action(new: NewAction, conn: sqlite3.Connection) -> LoggedAction | None:
    """The whole log as one transaction: contact (found or made), then the capped insert,
    then the press it answers (the writer holds the write lock from BEGIN, so no other
    log can claim the same key in between)."""
    if new.once_key is not None:
        earlier = _pressed(conn, new.once_key)
        if earlier is not None:
            contact = _contact_of(conn, earlier)
            return LoggedAction(earlier, contact, contact_created=False, repeated=True)
    try:
        logged = _log_within_cap(new, conn)
    except _CapReached:
        conn.rollback()
        return None
    if new.once_key is not None:
        conn.execute(
            "INSERT INTO presses (key, member_id, action_id, pressed_at) VALUES (?, ?, ?, ?)",
            (new.once_key, new.member_id, logged.action.id, to_db(new.occurred_at)),
        )
    return logged


_RECENT_CONTACTS = (
    f"SELECT {prefixed(CONTACT_COLUMNS, 'c', '')} FROM contacts c "
    "LEFT JOIN contact_state s ON s.contact_id = c.id WHERE c.member_id = ? "
    "ORDER BY coalesce(s.last_activity, c.created_at) DESC, c.id DESC"
)
_PRESSED = (
    f"SELECT {prefixed(ACTION_COLUMNS, 'a', '')} FROM presses p "
    "JOIN actions a ON a.id = p.action_id WHERE p.key = ?"
)


def _pressed(conn: sqlite3.Connection, key: str) -> Action | None:
    row = conn.execute(_PRESSED, (key,)).fetchone()
    return action_from_row(row) if row is not None else None


def _contact_of(conn: sqlite3.Connection, action: Action) -> Contact | None:
    if action.contact_id is None:
        return None
    row = conn.execute(
        f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (action.contact_id,)
    ).fetchone()
    return contact_from_row(row) if row is not None else None


def _log_within_cap(new: NewAction, conn: sqlite3.Connection) -> LoggedAction:
    contact, created = None, False
    if new.contact_name is not None:
        contact, created = _upsert_contact(conn, new)
    row = conn.execute(
        "INSERT INTO actions (member_id, cohort_id, contact_id, kind, count, note, "
        "occurred_at, scheduled_on, scheduled_time) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "WHERE (SELECT coalesce(sum(count), 0) "
        "FROM actions WHERE member_id = ? AND kind = ? AND occurred_at >= ? "
        f"AND occurred_at < ? AND undone_at IS NULL) + ? <= ? RETURNING {ACTION_COLUMNS}",
        (
            new.member_id,
            new.cohort_id,
            contact.id if contact else None,
            new.kind.value,
            new.count,
            new.note,
            to_db(new.occurred_at),
            new.scheduled_on.isoformat() if new.scheduled_on else None,
            new.scheduled_time.strftime("%H:%M") if new.scheduled_time else None,
            new.member_id,
            new.kind.value,
            to_db(new.day_start),
            to_db(new.day_end),
            new.count,
            new.daily_cap,
        ),
    ).fetchone()
    if row is None:
        raise _CapReached
    if contact is not None:
        refresh_contact_state(conn, contact.id)
    return LoggedAction(action_from_row(row), contact, created)


def _upsert_contact(conn: sqlite3.Connection, new: NewAction) -> tuple[Contact, bool]:
    """Find the member's contact by name (creating it), updating its organisation if given."""
    assert new.contact_name is not None
    key = contact_key(new.contact_name)
    known = conn.execute(
        f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = ? AND name_key = ?",
        (new.member_id, key),
    ).fetchone()
    if known is not None and (
        new.organization in (None, "", known["organization"])
        and new.referred_by in (None, known["referred_by"])
    ):
        # Nothing to change (a follow-up, a reply): no write, so no page to the WAL.
        return contact_from_row(known), False
    row = conn.execute(
        "INSERT INTO contacts (member_id, name, name_key, organization, created_at, "
        "referred_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, name_key) DO UPDATE "
        "SET organization = CASE WHEN excluded.organization = '' THEN organization "
        "ELSE excluded.organization END, "
        "referred_by = coalesce(excluded.referred_by, referred_by) "
        f"RETURNING {CONTACT_COLUMNS}",
        (
            new.member_id,
            new.contact_name,
            key,
            new.organization or "",
            to_db(new.occurred_at),
            new.referred_by,
        ),
    ).fetchone()
    return contact_from_row(row), known is None


def _end_pauses(conn: sqlite3.Connection, member_id: int, day: date) -> int:
    """End the member's pauses before ``day``: later ones go, a running one is cut short."""
    removed = conn.execute(
        "DELETE FROM pauses WHERE member_id = ? AND start_date >= ?", (member_id, day.isoformat())
    ).rowcount
    shortened = conn.execute(
        "UPDATE pauses SET end_date = ? WHERE member_id = ? AND end_date >= ?",
        ((day - _ONE_DAY).isoformat(), member_id, day.isoformat()),
    ).rowcount
    return removed + shortened


def _board_totals(
    cohort_id: int,
    kinds: Collection[ActionKind],
    since: datetime | None,
    until: datetime | None,
) -> tuple[str, list[object]]:
    """Each member's total on a board, as a subquery (``member_id, total``) and its values:
    the running totals for all time, the window of live actions otherwise."""
    kind_values = [k.value for k in kinds]
    if since is None or until is None:
        return (
            "SELECT member_id, sum(total) AS total FROM member_totals WHERE cohort_id = ? "
            f"AND kind IN ({_placeholders(kind_values)}) GROUP BY member_id"
        ), [cohort_id, *kind_values]
    return (
        "SELECT member_id, sum(count) AS total FROM actions WHERE cohort_id = ? "
        "AND occurred_at >= ? AND occurred_at < ? AND undone_at IS NULL "
        f"AND kind IN ({_placeholders(kind_values)}) GROUP BY member_id"
    ), [cohort_id, to_db(since), to_db(until), *kind_values]


def board_page_sql(totals: str, size: str, member: str) -> str:
    """The rows of a board page (both backends): the first ``size`` members who show
    (``in_top``), the asking ``member``, and the member with the highest total, so the
    counts arrive even when neither of the others has a row. Ranks and order are those of
    ``standings`` (members alike in total and name in the order they joined); a rank is one
    more than the members in the same partition (shown or hidden) with a higher total.

    Only the page's few rows are sorted and ranked, not every member on the board: window
    functions over all of them cost as much as summing the week's actions."""
    return (
        f"WITH t AS ({totals}), r AS (SELECT m.id, m.user_id, m.display_name, "
        "m.show_on_leaderboard, t.total FROM t JOIN members m ON m.id = t.member_id "
        "WHERE t.total > 0) "
        "SELECT x.id, x.user_id, x.display_name, x.show_on_leaderboard, x.total, c.counted, "
        "c.shown, (SELECT count(*) FROM r o WHERE o.show_on_leaderboard = x.show_on_leaderboard "
        "AND o.total > x.total) + 1 AS rnk, x.in_top FROM ("
        "SELECT *, 1 AS in_top FROM (SELECT * FROM r WHERE show_on_leaderboard "
        f"ORDER BY total DESC, display_name, id LIMIT {size}) top "
        f"UNION ALL SELECT *, 0 FROM r WHERE id = {member} "
        "UNION ALL SELECT * FROM (SELECT *, 0 FROM r ORDER BY total DESC LIMIT 1) first) x, "
        "(SELECT count(*) AS counted, sum(CASE WHEN show_on_leaderboard THEN 1 ELSE 0 END) "
        "AS shown FROM r) c ORDER BY x.in_top DESC, x.total DESC, x.display_name, x.id"
    )


def board_page_from_rows(rows: Iterable[Row], member_id: int) -> BoardPage:
    """A ``BoardPage`` from the rows of ``board_page_sql``."""
    top: list[tuple[int, Standing]] = []
    own: Standing | None = None
    own_rank = counted = shown = 0
    for row in rows:
        standing = Standing(
            row["id"],
            row["user_id"],
            row["display_name"],
            bool(row["show_on_leaderboard"]),
            int(row["total"]),
        )
        counted, shown = int(row["counted"]), int(row["shown"])
        if row["in_top"]:
            top.append((int(row["rnk"]), standing))
        if standing.member_id == member_id:
            own, own_rank = standing, int(row["rnk"])
    return BoardPage(top, own, own_rank, counted, shown)


_CLOCK_STAGES = (Stage.INTERVIEWED, Stage.SCHEDULED, Stage.FOLLOWED_UP, Stage.EMAILED)
"""The kept stages whose step has a due instant (``step_at``); the others never do."""


def _stage_literals(stages: Collection[Stage]) -> str:
    """Stages as SQL string literals: the enum's own constants, never anything typed."""
    return ", ".join(f"'{stage.value}'" for stage in sorted(stages))


def _placed(mark: str) -> dict[str, str]:
    """``step_at`` in SQL, for the ``contact_state`` row ``s``, with ``{mark}1`` the member
    and ``{mark}2`` the instant: the stage shown then, whether a step is due, and the due
    instant shown. The second-contact check is asked only of a contact between its two
    email milestones, the one case ``step_at`` needs it: CASE, unlike AND and OR, is
    evaluated lazily wherever it stands, so each decision is one."""
    now = f"{mark}2"
    second = (
        "(s.org_key <> '' AND EXISTS (SELECT 1 FROM contact_state o "
        "WHERE o.member_id = s.member_id AND o.org_key = s.org_key "
        "AND o.contact_id <> s.contact_id AND o.latest_email_at > s.latest_email_at))"
    )
    clocked = _stage_literals(_CLOCK_STAGES)
    return {
        "second": second,
        "stage": (
            f"CASE WHEN s.stage NOT IN ({clocked}) THEN s.stage "
            "WHEN s.due_at IS NULL THEN 'emailed' "
            f"WHEN s.stage = 'followed_up' AND {now} >= s.due_at THEN 'no_reply' "
            "ELSE s.stage END"
        ),
        "due": (
            "CASE WHEN s.due_at IS NULL THEN FALSE WHEN s.stage = 'interviewed' THEN TRUE "
            f"WHEN s.stage IN ('scheduled', 'followed_up') THEN {now} >= s.due_at "
            f"WHEN s.stage <> 'emailed' OR {now} < s.due_at THEN FALSE "
            f"WHEN {now} >= s.later_due_at THEN TRUE WHEN {second} THEN FALSE ELSE TRUE END"
        ),
        "shown_due": (
            f"CASE WHEN s.due_at IS NULL OR s.stage NOT IN ({clocked}) THEN NULL "
            f"WHEN s.stage <> 'emailed' OR {now} < s.due_at THEN s.due_at "
            f"WHEN {now} < s.later_due_at THEN CASE WHEN {second} THEN s.later_due_at "
            "ELSE s.due_at END ELSE s.later_due_at END"
        ),
    }


def pipeline_page_sql(
    mark: str, stages: Collection[Stage] | None, due: bool, limit: int | None
) -> str:
    """``_pipeline_page_sql`` for any collection of stages (built once per page kind)."""
    return _pipeline_page_sql(mark, None if stages is None else frozenset(stages), due, limit)


@lru_cache(maxsize=256)
def _pipeline_page_sql(
    mark: str, stages: frozenset[Stage] | None, due: bool, limit: int | None
) -> str:
    """The rows of a pipeline page (both backends; ``mark`` is the parameter sign, ``{mark}1``
    the member, ``{mark}2`` the instant), ordered as ``bot.followups.pipeline_from_states``
    orders them: due first by due instant, then the others with one by it, then the rest
    latest activity first, ties in creation order.

    Settled states (migration 0008) come in that order from their index, each kind cut at
    the page's size; only the few still open are placed by ``step_at``'s rules here. Just
    the rows kept are joined to their contact, second-contact check and referrer;
    ``chosen`` counts every chosen row (from the indexes).
    """
    placed = _placed(mark)
    member, now = f"{mark}1", f"{mark}2"
    still_open = [f"s.member_id = {member}", f"s.settles_at > {now}"]
    chosen_by_settled = [f"s.member_id = {member}"]
    if stages is not None:
        literals = _stage_literals(stages) or "NULL"
        still_open.append(f"({placed['stage']}) IN ({literals})")
        chosen_by_settled.append(f"s.settled_stage IN ({literals})")
    if due:
        still_open.append(placed["due"])
        chosen_by_settled.append("s.settled_due = TRUE")
    settled = [*chosen_by_settled, f"(s.settles_at IS NULL OR s.settles_at <= {now})"]
    cut = f" LIMIT {int(limit)}" if limit is not None else ""
    arms = [
        f"SELECT s.contact_id, CASE WHEN {placed['due']} THEN 0 ELSE 1 END AS bucket, "
        f"{placed['shown_due']} AS sort_key FROM contact_state s "
        f"WHERE {' AND '.join(still_open)}",
        "SELECT * FROM (SELECT s.contact_id, 0 AS bucket, s.settled_key AS sort_key "
        f"FROM contact_state s WHERE {' AND '.join(settled)} AND s.settled_due = TRUE "
        f"ORDER BY s.settled_key, s.contact_id{cut}) due_now",
    ]
    # Every row the settled columns choose, less the open ones among them (counted from the
    # index alone), and the open ones chosen as they stand now.
    counts = (
        f"(SELECT count(*) FROM contact_state s WHERE {' AND '.join(chosen_by_settled)}) - "
        f"(SELECT count(*) FROM contact_state s WHERE {' AND '.join(chosen_by_settled)} "
        f"AND s.settles_at > {now}) + "
        f"(SELECT count(*) FROM contact_state s WHERE {' AND '.join(still_open)})"
    )
    if not due:
        arms.append(
            "SELECT * FROM (SELECT s.contact_id, 2 AS bucket, s.settled_key AS sort_key "
            f"FROM contact_state s WHERE {' AND '.join(settled)} AND s.settled_due = FALSE "
            f"ORDER BY s.settled_key DESC, s.contact_id{cut}) done"
        )
    order = (
        "p.bucket, CASE WHEN p.bucket < 2 THEN p.sort_key END, "
        "CASE WHEN p.bucket = 2 THEN p.sort_key END DESC, p.contact_id"
    )
    return (
        f"SELECT {prefixed(CONTACT_COLUMNS, 'k', 'k_')}, "
        f"{prefixed(STATE_COLUMNS, 's', '')}, {counts} AS chosen, "
        f"{placed['second']} AS second, "
        "(SELECT r.name FROM contacts r JOIN contact_state rs ON rs.contact_id = r.id "
        "WHERE r.id = k.referred_by AND r.member_id = k.member_id) AS via "
        f"FROM (SELECT * FROM ({' UNION ALL '.join(arms)}) p ORDER BY {order}{cut}) p "
        "JOIN contact_state s ON s.contact_id = p.contact_id "
        f"JOIN contacts k ON k.id = s.contact_id ORDER BY {order}"
    )


@lru_cache(maxsize=4)
def stage_counts_sql(mark: str) -> str:
    """Each stage shown at the instant ``{mark}2`` and how many of the member ``{mark}1``'s
    kept states stand there (both backends): the settled ones by their settled stage, the
    few still open by the stage they show now; a stage may come twice, once from each."""
    member, now = f"{mark}1", f"{mark}2"
    return (
        "SELECT s.settled_stage AS shown, count(*) AS n FROM contact_state s "
        f"WHERE s.member_id = {member} AND (s.settles_at IS NULL OR s.settles_at <= {now}) "
        f"GROUP BY s.settled_stage UNION ALL SELECT {_placed(mark)['stage']} AS shown, "
        f"count(*) AS n FROM contact_state s WHERE s.member_id = {member} "
        f"AND s.settles_at > {now} GROUP BY 1"
    )


@lru_cache(maxsize=4)
def referral_contacts_sql(mark: str) -> str:
    """The member ``{mark}1``'s contacts with a kept state that name a referrer or are named
    by one, in creation order (both backends; through the partial index of referred ones)."""
    referred = f"FROM contacts WHERE member_id = {mark}1 AND referred_by IS NOT NULL"
    return (
        f"SELECT {prefixed(CONTACT_COLUMNS, 'k', '')} FROM contacts k "
        f"WHERE k.member_id = {mark}1 AND k.id IN (SELECT id {referred} "
        f"UNION SELECT referred_by {referred}) "
        "AND EXISTS (SELECT 1 FROM contact_state s WHERE s.contact_id = k.id) ORDER BY k.id"
    )


@lru_cache(maxsize=64)
def _period_edges(bounds: tuple[datetime, ...]) -> tuple[str, ...]:
    """Each period's two stored bounds in turn, as ``_period_totals_sql`` takes them: a
    streak asks for the same weeks all week, so they are formatted once."""
    return tuple(edge for pair in pairwise(to_db(b) for b in bounds) for edge in pair)


@lru_cache(maxsize=64)
def _period_totals_sql(periods: int, members: int, kinds: int, capped: bool) -> str:
    """Totals per member and numbered period, for ``periods`` (``lo``, ``hi``) pairs, then
    ``members`` ids, ``kinds`` kinds and, when ``capped``, the most entries to sum.

    The periods are a VALUES list (plain SQL that every SQLite the bot runs on has) and the
    outer loop (CROSS JOIN keeps that order), each one a range read of the partial index on
    (member_id, occurred_at, kind, count); capped, a read of no more than that many entries
    per member and period.
    """
    windows = "p(i, lo, hi) AS (VALUES " + ", ".join(f"({i}, ?, ?)" for i in range(periods)) + ")"
    kind_list = _placeholders(range(kinds))
    if not capped:
        return (
            f"WITH {windows} SELECT a.member_id, p.i, sum(a.count) AS total "
            f"FROM p CROSS JOIN actions a WHERE a.member_id IN ({_placeholders(range(members))}) "
            "AND a.occurred_at >= p.lo AND a.occurred_at < p.hi AND a.undone_at IS NULL "
            f"AND a.kind IN ({kind_list}) GROUP BY a.member_id, p.i"
        )
    return (
        f"WITH {windows}, m(id) AS (VALUES {', '.join(['(?)'] * members)}) "
        "SELECT m.id AS member_id, p.i, (SELECT sum(n) FROM (SELECT a.count AS n "
        "FROM actions a WHERE a.member_id = m.id AND a.occurred_at >= p.lo "
        "AND a.occurred_at < p.hi AND a.undone_at IS NULL "
        f"AND a.kind IN ({kind_list}) LIMIT ?)) AS total FROM m CROSS JOIN p"
    )


def _placeholders(values: Collection[object]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqliteStore:
    """The storage contract on one SQLite database."""

    reads_overlap = False

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _read(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        return await self.db.read(sql, tuple(params))

    async def ensure_workspace(
        self, platform: str, external_id: str, name: str, at: datetime
    ) -> Workspace:
        row = _one(
            await self._read(
                "SELECT id, name FROM workspaces WHERE platform = ? AND external_id = ?",
                (platform, external_id),
            )
        )
        if row is not None and (row["name"] == name or not name):
            return Workspace(row["id"], platform, external_id, row["name"])
        rows = await self.db.write(
            "INSERT INTO workspaces (platform, external_id, name, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (platform, external_id) "
            "DO UPDATE SET name = excluded.name RETURNING id",
            (platform, external_id, name, to_db(at)),
            short=True,
        )
        return Workspace(next(iter(rows))["id"], platform, external_id, name)

    async def lookup(
        self, platform: str, external_id: str, user_id: str, channel_id: str | None
    ) -> Lookup:
        row = _one(
            await self._read(
                f"SELECT w.id AS w_id, w.name AS w_name, {prefixed(MEMBER_COLUMNS, 'm', 'm_')}, "
                f"{prefixed(COHORT_COLUMNS, 'c', 'c_')} FROM workspaces w "
                "LEFT JOIN members m ON m.workspace_id = w.id AND m.user_id = ? "
                "LEFT JOIN cohorts c ON c.id = coalesce((SELECT id FROM cohorts "
                "WHERE workspace_id = w.id AND channel_id = ?), m.cohort_id) "
                "WHERE w.platform = ? AND w.external_id = ?",
                (user_id, channel_id, platform, external_id),
            )
        )
        if row is None:
            return Lookup(None, None, None)
        workspace = Workspace(row["w_id"], platform, external_id, row["w_name"])
        # The columns as selected: the workspace's two, the member's, then the cohort's.
        cohort_at = 2 + len(_names(MEMBER_COLUMNS))
        member = member_from_row(columns_at(row, MEMBER_COLUMNS, 2)) if row[2] is not None else None
        cohort = (
            cohort_from_row(columns_at(row, COHORT_COLUMNS, cohort_at))
            if row[cohort_at] is not None
            else None
        )
        return Lookup(workspace, member, cohort)

    async def find_member(self, workspace_id: int, user_id: str) -> Member | None:
        row = _one(
            await self._read(
                f"SELECT {MEMBER_COLUMNS} FROM members WHERE workspace_id = ? AND user_id = ?",
                (workspace_id, user_id),
            )
        )
        return member_from_row(row) if row else None

    async def add_member(
        self,
        workspace_id: int,
        user_id: str,
        display_name: str,
        cohort_id: int | None,
        at: datetime,
    ) -> Member:
        def work(conn: sqlite3.Connection) -> Member:
            before = conn.execute(
                "SELECT cohort_id FROM members WHERE workspace_id = ? AND user_id = ?",
                (workspace_id, user_id),
            ).fetchone()
            member = member_from_row(
                conn.execute(
                    "INSERT INTO members (workspace_id, user_id, display_name, cohort_id, "
                    "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) "
                    "DO UPDATE SET display_name = excluded.display_name, "
                    "cohort_id = coalesce(excluded.cohort_id, cohort_id) "
                    f"RETURNING {MEMBER_COLUMNS}",
                    (workspace_id, user_id, display_name, cohort_id, to_db(at)),
                ).fetchone()
            )
            if before is not None and before[0] != member.cohort_id:
                _refresh_member(conn, member.id)
            return member

        return await self.db.transaction(work, short=True)

    async def save_member(self, member: Member) -> Member:
        def work(conn: sqlite3.Connection) -> Member:
            before = _clock_of(conn, _MEMBER_CLOCK, member.id)
            saved = member_from_row(conn.execute(_SAVE_MEMBER, params).fetchone())
            if _clock_of(conn, _MEMBER_CLOCK, member.id) != before:
                _refresh_member(conn, member.id)
            return saved

        params = (
            member.display_name,
            member.cohort_id,
            member.email_goal,
            member.interview_goal,
            member.timezone,
            int(member.show_on_leaderboard),
            int(member.allow_mentions),
            int(member.reminders_by_dm),
            member.profile_timezone,
            member.holiday_calendar,
            member.id,
        )
        return await self.db.transaction(work, short=True)

    async def forget_member(self, member_id: int) -> None:
        await self.db.write("DELETE FROM members WHERE id = ?", (member_id,))

    async def get_cohort(self, cohort_id: int) -> Cohort | None:
        row = _one(
            await self._read(f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = ?", (cohort_id,))
        )
        return cohort_from_row(row) if row else None

    async def cohort_for_channel(self, workspace_id: int, channel_id: str) -> Cohort | None:
        row = _one(
            await self._read(
                f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = ? AND channel_id = ?",
                (workspace_id, channel_id),
            )
        )
        return cohort_from_row(row) if row else None

    async def workspace_cohorts(self, workspace_id: int) -> list[Cohort]:
        rows = await self._read(
            f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = ? ORDER BY id",
            (workspace_id,),
        )
        return [cohort_from_row(row) for row in rows]

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
        rows = await self.db.write(
            "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
            f"email_goal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COHORT_COLUMNS}",
            (workspace_id, channel_id, name, timezone, week_start, email_goal, to_db(at)),
        )
        return cohort_from_row(next(iter(rows)))

    async def first_cohort(
        self,
        workspace_id: int,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort:
        def work(conn: sqlite3.Connection) -> Cohort:
            # One statement checks and inserts; as the first write it also begins the
            # IMMEDIATE transaction, which holds the file's one write lock to the end, so no
            # other process can add a cohort between the check and the insert.
            row = conn.execute(
                "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
                "email_goal, created_at) SELECT ?, NULL, ?, ?, ?, ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM cohorts WHERE workspace_id = ?) "
                f"RETURNING {COHORT_COLUMNS}",
                (workspace_id, name, timezone, week_start, email_goal, to_db(at), workspace_id),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    f"SELECT {COHORT_COLUMNS} FROM cohorts WHERE workspace_id = ? "
                    "ORDER BY id LIMIT 1",
                    (workspace_id,),
                ).fetchone()
            return cohort_from_row(row)

        return await self.db.transaction(work, short=True)

    async def bind_cohort(self, binding: CohortBinding) -> Cohort:
        def work(conn: sqlite3.Connection) -> Cohort:
            zone_before = None
            if binding.cohort_id is not None:
                zone_before = _clock_of(conn, _COHORT_CLOCK, binding.cohort_id)
            organizer_before = _clock_of(conn, _MEMBER_CLOCK, binding.organizer_id)
            if binding.cohort_id is None:
                row = conn.execute(
                    "INSERT INTO cohorts (workspace_id, channel_id, name, timezone, week_start, "
                    "email_goal, created_at, schedule_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    f"RETURNING {COHORT_COLUMNS}",
                    (
                        binding.workspace_id,
                        binding.channel_id,
                        binding.name,
                        binding.timezone,
                        binding.week_start,
                        binding.email_goal,
                        to_db(binding.at),
                        to_db(binding.at),
                    ),
                ).fetchone()
            else:
                row = conn.execute(
                    "UPDATE cohorts SET channel_id = ?, name = ?, timezone = ?, week_start = ?, "
                    "schedule_from = CASE WHEN channel_id IS ? THEN schedule_from ELSE ? END "
                    f"WHERE id = ? RETURNING {COHORT_COLUMNS}",
                    (
                        binding.channel_id,
                        binding.name,
                        binding.timezone,
                        binding.week_start,
                        binding.channel_id,
                        to_db(binding.at),
                        binding.cohort_id,
                    ),
                ).fetchone()
            cohort = cohort_from_row(row)
            conn.execute(
                "INSERT OR IGNORE INTO organizers (cohort_id, member_id) VALUES (?, ?)",
                (cohort.id, binding.organizer_id),
            )
            conn.execute(
                "UPDATE members SET cohort_id = ? WHERE id = ?", (cohort.id, binding.organizer_id)
            )
            if zone_before is not None and _clock_of(conn, _COHORT_CLOCK, cohort.id) != zone_before:
                _refresh_cohort(conn, cohort.id)
            elif _clock_of(conn, _MEMBER_CLOCK, binding.organizer_id) != organizer_before:
                _refresh_member(conn, binding.organizer_id)
            return cohort

        return await self.db.transaction(work)

    async def save_cohort(self, cohort: Cohort) -> Cohort:
        def work(conn: sqlite3.Connection) -> Cohort:
            before = _clock_of(conn, _COHORT_CLOCK, cohort.id)
            saved = cohort_from_row(conn.execute(_SAVE_COHORT, params).fetchone())
            if _clock_of(conn, _COHORT_CLOCK, cohort.id) != before:
                _refresh_cohort(conn, cohort.id)
            return saved

        params = (
            cohort.channel_id,
            cohort.name,
            cohort.timezone,
            cohort.week_start,
            cohort.email_goal,
            cohort.interview_goal,
            cohort.kickoff_day,
            cohort.kickoff_time.strftime("%H:%M"),
            cohort.checkin_day,
            cohort.checkin_time.strftime("%H:%M"),
            cohort.grace_hours,
            to_db(cohort.schedule_from),
            cohort.holiday_calendar,
            cohort.id,
        )
        return await self.db.transaction(work)

    async def cohort_members(self, cohort_id: int) -> list[Member]:
        rows = await self._read(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE cohort_id = ? ORDER BY id", (cohort_id,)
        )
        return [member_from_row(row) for row in rows]

    async def set_organizer(self, cohort_id: int, member_id: int, organizer: bool) -> bool:
        if organizer:
            sql = (
                "INSERT OR IGNORE INTO organizers (cohort_id, member_id) VALUES (?, ?) RETURNING 1"
            )
        else:
            sql = "DELETE FROM organizers WHERE cohort_id = ? AND member_id = ? RETURNING 1"
        return bool(await self.db.write(sql, (cohort_id, member_id)))

    async def organizers(self, cohort_id: int) -> list[Member]:
        rows = await self._read(
            f"SELECT {', '.join('m.' + c for c in MEMBER_COLUMNS.split(', '))} "
            "FROM organizers o JOIN members m ON m.id = o.member_id "
            "WHERE o.cohort_id = ? ORDER BY m.display_name",
            (cohort_id,),
        )
        return [member_from_row(row) for row in rows]

    async def is_organizer(self, cohort_id: int, member_id: int) -> bool:
        rows = await self._read(
            "SELECT 1 FROM organizers WHERE cohort_id = ? AND member_id = ?",
            (cohort_id, member_id),
        )
        return bool(rows)

    async def log_action(self, new: NewAction) -> LoggedAction | None:
        return await self.db.transaction(partial(_log_action, new), short=True)

    async def snooze_reminder(
        self, contact_id: int, anchor_id: int, step: str, until: datetime
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO reminder_snoozes (contact_id, anchor_id, step, until) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
                "anchor_id = excluded.anchor_id, step = excluded.step, until = excluded.until",
                (contact_id, anchor_id, step, to_db(until)),
            )
            conn.execute(
                "INSERT INTO clock_checks (contact_id, member_id, check_at) "
                "SELECT id, member_id, ? FROM contacts WHERE id = ? ON CONFLICT (contact_id) "
                "DO UPDATE SET check_at = min(check_at, excluded.check_at)",
                (to_db(until), contact_id),
            )

        await self.db.transaction(work, short=True)

    async def stop_reminders(self, contact_id: int, anchor_id: int, at: datetime) -> None:
        await self.db.write(
            "INSERT INTO reminders_stopped (contact_id, anchor_id, stopped_at) VALUES (?, ?, ?) "
            "ON CONFLICT (contact_id) DO UPDATE SET anchor_id = excluded.anchor_id, "
            "stopped_at = excluded.stopped_at",
            (contact_id, anchor_id, to_db(at)),
            short=True,
        )

    async def pressed(self, key: str) -> Action | None:
        row = _one(await self._read(_PRESSED, (key,)))
        return action_from_row(row) if row is not None else None

    async def undo_last_action(self, member_id: int, at: datetime) -> Action | None:
        def work(conn: sqlite3.Connection) -> Action | None:
            row = conn.execute(
                "UPDATE actions SET undone_at = ? WHERE id = (SELECT id FROM actions "
                "WHERE member_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1) "
                f"RETURNING {ACTION_COLUMNS}",
                (to_db(at), member_id),
            ).fetchone()
            return _moved(conn, row)

        return await self.db.transaction(work, short=True)

    async def get_contact(self, contact_id: int) -> Contact | None:
        row = _one(
            await self._read(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,))
        )
        return contact_from_row(row) if row else None

    async def contact_named(self, member_id: int, name: str) -> Contact | None:
        row = _one(
            await self._read(
                f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = ? AND name_key = ?",
                (member_id, contact_key(name)),
            )
        )
        return contact_from_row(row) if row else None

    async def move_interview(self, action_id: int, on: date, at: time | None) -> Action | None:
        def work(conn: sqlite3.Connection) -> Action | None:
            row = conn.execute(
                "UPDATE actions SET scheduled_on = ?, scheduled_time = ? WHERE id = ? "
                f"AND kind = ? AND undone_at IS NULL RETURNING {ACTION_COLUMNS}",
                (
                    on.isoformat(),
                    at.strftime("%H:%M") if at else None,
                    action_id,
                    ActionKind.INTERVIEW_SCHEDULED.value,
                ),
            ).fetchone()
            return _moved(conn, row)

        return await self.db.transaction(work, short=True)

    async def member_targets(self, member_id: int) -> list[Target]:
        rows = await self._read(
            f"SELECT {TARGET_COLUMNS} FROM targets WHERE member_id = ? ORDER BY id", (member_id,)
        )
        return [target_from_row(row) for row in rows]

    async def save_targets(
        self, member_id: int, targets: Collection[NewTarget], limit: int, at: datetime
    ) -> int | None:
        return await self.db.transaction(partial(_save_targets, member_id, targets, limit, at))

    async def remove_target(self, member_id: int, employer: str) -> bool:
        rows = await self.db.write(
            "DELETE FROM targets WHERE member_id = ? AND employer_key = ? RETURNING id",
            (member_id, employer_key(employer)),
        )
        return bool(list(rows))

    async def member_totals(
        self, member_id: int, since: datetime, until: datetime
    ) -> dict[ActionKind, int]:
        rows = await self._read(
            "SELECT kind, sum(count) AS total FROM actions WHERE member_id = ? "
            "AND occurred_at >= ? AND occurred_at < ? AND undone_at IS NULL GROUP BY kind",
            (member_id, to_db(since), to_db(until)),
        )
        return {ActionKind(row["kind"]): row["total"] for row in rows}

    async def member_contacts(self, member_id: int) -> list[ContactEntry]:
        contacts = await self._read(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = ? ORDER BY id",
            (member_id,),
        )
        actions = await self._read(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE contact_id IN "
            "(SELECT id FROM contacts WHERE member_id = ?) AND undone_at IS NULL "
            "ORDER BY occurred_at, id",
            (member_id,),
        )
        by_contact: dict[int, list[Action]] = {}
        for row in actions:
            by_contact.setdefault(row["contact_id"], []).append(action_from_row(row))
        return [
            ContactEntry(contact_from_row(row), tuple(by_contact.get(row["id"], ())))
            for row in contacts
        ]

    async def member_states(
        self, member_id: int, contact_id: int | None = None
    ) -> list[StateEntry]:
        rows = await self._read(
            f"SELECT {prefixed(CONTACT_COLUMNS, 'k', 'k_')}, {STATE_COLUMNS}, EXISTS (SELECT 1 "
            "FROM contact_state o WHERE o.member_id = s.member_id AND o.org_key = s.org_key "
            "AND o.contact_id <> s.contact_id AND o.latest_email_at > s.latest_email_at) "
            "AND s.org_key <> '' AS second FROM contact_state s "
            "JOIN contacts k ON k.id = s.contact_id WHERE s.member_id = ? "
            "AND (? IS NULL OR s.contact_id = ?) ORDER BY s.contact_id",
            (member_id, contact_id, contact_id),
        )
        return [_page_entry(row) for row in rows]

    async def pipeline_page(
        self,
        member_id: int,
        now: datetime,
        stages: Collection[Stage] | None = None,
        *,
        due: bool = False,
        limit: int | None = None,
    ) -> PipelinePage:
        rows = await self._read(pipeline_page_sql("?", stages, due, limit), (member_id, to_db(now)))
        entries = [_page_entry(row) for row in rows]
        referrers = {row["k_id"]: row["via"] for row in rows if row["via"] is not None}
        return PipelinePage(entries, rows[0]["chosen"] if rows else 0, referrers)

    async def stage_counts(self, member_id: int, now: datetime) -> dict[Stage, int]:
        counts: Counter[Stage] = Counter()
        for row in await self._read(stage_counts_sql("?"), (member_id, to_db(now))):
            counts[Stage(row["shown"])] += row["n"]
        return dict(counts)

    async def referral_contacts(self, member_id: int) -> list[Contact]:
        rows = await self._read(referral_contacts_sql("?"), (member_id,))
        return [contact_from_row(row) for row in rows]

    async def member_history(self, member_id: int) -> list[Action]:
        rows = await self._read(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE member_id = ? ORDER BY id", (member_id,)
        )
        return [action_from_row(row) for row in rows]

    async def all_member_contacts(self, member_id: int) -> list[Contact]:
        rows = await self._read(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE member_id = ? ORDER BY id",
            (member_id,),
        )
        return [contact_from_row(row) for row in rows]

    async def recent_contacts(
        self,
        member_id: int,
        keep: Callable[[str], bool] | None = None,
        limit: int | None = None,
    ) -> list[Contact]:
        rows = await self._read(_RECENT_CONTACTS, (member_id,))
        kept = (row for row in rows if keep is None or keep(row["name"]))
        return [contact_from_row(row) for row in islice(kept, limit)]

    async def standings(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
    ) -> list[Standing]:
        totals, params = _board_totals(cohort_id, kinds, since, until)
        rows = await self._read(
            "SELECT m.id, m.user_id, m.display_name, m.show_on_leaderboard, t.total "
            f"FROM ({totals}) t JOIN members m ON m.id = t.member_id WHERE t.total > 0 "
            "ORDER BY t.total DESC, m.display_name, m.id",
            params,
        )
        return [Standing(row[0], row[1], row[2], bool(row[3]), row[4]) for row in rows]

    async def board_page(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
        member_id: int,
        size: int,
    ) -> BoardPage:
        totals, params = _board_totals(cohort_id, kinds, since, until)
        rows = await self._read(board_page_sql(totals, "?", "?"), [*params, size, member_id])
        return board_page_from_rows(rows, member_id)

    async def cohort_totals(
        self, cohort_id: int, since: datetime, until: datetime
    ) -> list[tuple[int, ActionKind, int]]:
        rows = await self._read(
            "SELECT member_id, kind, sum(count) AS total FROM actions WHERE cohort_id = ? "
            "AND occurred_at >= ? AND occurred_at < ? AND undone_at IS NULL "
            "GROUP BY member_id, kind",
            (cohort_id, to_db(since), to_db(until)),
        )
        return [(row["member_id"], ActionKind(row["kind"]), row["total"]) for row in rows]

    async def cohort_history(self, cohort_id: int) -> list[Action]:
        rows = await self._read(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE cohort_id = ? AND undone_at IS NULL "
            "ORDER BY occurred_at",
            (cohort_id,),
        )
        return [action_from_row(row) for row in rows]

    async def add_pause(self, member_id: int, start: date, end: date) -> Pause:
        def work(conn: sqlite3.Connection) -> int:
            _end_pauses(conn, member_id, start)
            row = conn.execute(
                "INSERT INTO pauses (member_id, start_date, end_date) VALUES (?, ?, ?) "
                "RETURNING id",
                (member_id, start.isoformat(), end.isoformat()),
            ).fetchone()
            return int(row["id"])

        return Pause(await self.db.transaction(work), member_id, start, end)

    async def end_pauses(self, member_id: int, today: date) -> int:
        return await self.db.transaction(lambda conn: _end_pauses(conn, member_id, today))

    async def pauses(self, member_id: int) -> list[Pause]:
        rows = await self._read(
            "SELECT id, start_date, end_date FROM pauses WHERE member_id = ? ORDER BY start_date",
            (member_id,),
        )
        return [
            Pause(
                row["id"],
                member_id,
                date.fromisoformat(row["start_date"]),
                date.fromisoformat(row["end_date"]),
            )
            for row in rows
        ]

    async def get_state(self, key: str) -> str | None:
        row = _one(await self._read("SELECT value FROM bot_state WHERE key = ?", (key,)))
        return str(row["value"]) if row else None

    async def set_state(self, key: str, value: str) -> None:
        await self.db.write(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def first_sighting(self, key: str, at: datetime) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            # The writer's transactions begin IMMEDIATE: the file's write lock is held from
            # the start, so no other process can insert the key between these statements.
            conn.execute(
                "DELETE FROM bot_state WHERE key >= ? AND key < ? AND value < ?",
                (SIGHTING_PREFIX, prefix_end(SIGHTING_PREFIX), to_db(at - SIGHTING_MEMORY)),
            )
            row = conn.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO NOTHING RETURNING key",
                (SIGHTING_PREFIX + key, to_db(at)),
            ).fetchone()
            return row is not None

        return await self.db.transaction(work, short=True)

    async def members_period_totals(
        self,
        member_ids: Collection[int],
        kinds: Collection[ActionKind],
        bounds: Sequence[datetime],
        at_most: int | None = None,
    ) -> dict[int, list[int]]:
        periods = len(bounds) - 1
        found = {m: [0] * max(periods, 0) for m in member_ids}
        if periods < 1 or not kinds:
            return found
        edges = _period_edges(tuple(bounds))
        kind_values = [k.value for k in kinds]
        capped = () if at_most is None else (at_most,)
        for chunk in _chunks(sorted(found), MEMBERS_PER_QUERY):
            sql = _period_totals_sql(periods, len(chunk), len(kind_values), at_most is not None)
            for row in await self._read(sql, (*edges, *chunk, *kind_values, *capped)):
                if row["total"] is not None:
                    found[row["member_id"]][row["i"]] = row["total"]
        return found

    async def members_pauses(self, member_ids: Collection[int]) -> dict[int, list[Pause]]:
        found: dict[int, list[Pause]] = {m: [] for m in member_ids}
        for chunk in _chunks(sorted(found), MEMBERS_PER_QUERY):
            rows = await self._read(
                "SELECT id, member_id, start_date, end_date FROM pauses "
                f"WHERE member_id IN ({_placeholders(chunk)}) ORDER BY member_id, start_date",
                chunk,
            )
            for row in rows:
                found[row["member_id"]].append(
                    Pause(
                        row["id"],
                        row["member_id"],
                        date.fromisoformat(row["start_date"]),
                        date.fromisoformat(row["end_date"]),
                    )
                )
        return found
