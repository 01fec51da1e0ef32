"""The best single hand-written SQL query for each read the engine benchmark times.

Each query returns, in one statement on a plain ``sqlite3`` connection, the rows the engine's
answer is made from, already aggregated as far as SQL can take it, reading the same tables
the engine's store reads:

- a leaderboard: its top ten with their ranks, the caller's own placing and the count of
  everyone else, from the week's or month's ``actions`` or the running ``member_totals``;
- ``/contacts``: the first page of the member's ``contact_state`` rows in pipeline order,
  each with its contact, the stage it shows now, whether a step is due and the due instant
  shown, and the referrer's name, with how many contacts there are in all;
- ``/progress``: the week's totals and the month's interviews from ``actions``; the streak,
  walked back from this week through ``actions`` one week at a time only as far as it runs,
  paused weeks skipped; the current pause; and from ``contact_state``, the count of
  contacts at each stage, the first few with a step due and how many are, the scheduled
  ones, and the contacts linked by introductions.

The 3B7 clock's business-day arithmetic is done when an action is written and kept in
``contact_state``, so neither side redoes it: each kept state is placed at the instant by
the columns migration 0008 keeps, only the few not yet settled by the rules of
``bot.followups.step_at``, as the store does. What SQL leaves to the engine is naming each
step, finding the longest chain of introductions, and the objects and the words; that is the
engine's overhead. Timing the queries on the same database, in the same run, right beside
the engine's call gives the floor the engine is measured against: what reading the answer
costs with nothing above SQLite.

Week and month bounds are the parameters a hand-written query would be given; they are
computed once per time zone and week start, outside the timing. ``check`` holds each query
to the engine's answer, so a baseline that reads less than the engine cannot pass for a
fast one.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine import BOARD_SIZE, CONTACTS_SHOWN, DUE_SHOWN, Board, ContactsPage, Progress
from bot.followups import PipelineItem, Stage
from bot.invocation import Invocation
from bot.models import ActionKind
from bot.periods import (
    local_date,
    month_bounds,
    week_bounds,
    week_start_date,
    week_starts,
    weeks_ending,
)
from bot.streaks import STREAK_LOOKBACK_WEEKS
from bot.timezones import zone
from storage.connection import PRAGMAS, to_db

Row = tuple[Any, ...]
"""A row as ``sqlite3`` returns it."""

# Literal SQL, kinds spelled out: Metric.INTERVIEWS counts interview_done, the email goal
# counts email_sent and follow_up_sent (EMAIL_KINDS); ``check`` catches any drift from them.
BOARD_IN_WINDOW = """
SELECT id, total, place, visible, everyone, shown FROM (
    SELECT m.id, t.total, m.show_on_leaderboard AS visible,
        rank() OVER (PARTITION BY m.show_on_leaderboard ORDER BY t.total DESC) AS place,
        row_number() OVER (PARTITION BY m.show_on_leaderboard
                           ORDER BY t.total DESC, m.display_name) AS n,
        count(*) OVER () AS everyone,
        sum(m.show_on_leaderboard) OVER () AS shown
    FROM (
        SELECT member_id, sum(count) AS total FROM actions WHERE cohort_id = ?
        AND occurred_at >= ? AND occurred_at < ? AND undone_at IS NULL
        AND kind = 'interview_done' GROUP BY member_id
    ) t JOIN members m ON m.id = t.member_id WHERE t.total > 0
) WHERE (visible AND n <= 10) OR id = ? OR n = 1
ORDER BY visible DESC, n
"""
"""The top ten visible members of a week or month board with their ranks, the caller's own
row, and how many had activity (all and visible), for "and N others"; the first hidden row
too, so that the counts arrive when everyone active is hidden."""

BOARD_ALL_TIME = """
SELECT id, total, place, visible, everyone, shown FROM (
    SELECT m.id, t.total, m.show_on_leaderboard AS visible,
        rank() OVER (PARTITION BY m.show_on_leaderboard ORDER BY t.total DESC) AS place,
        row_number() OVER (PARTITION BY m.show_on_leaderboard
                           ORDER BY t.total DESC, m.display_name) AS n,
        count(*) OVER () AS everyone,
        sum(m.show_on_leaderboard) OVER () AS shown
    FROM (
        SELECT member_id, sum(total) AS total FROM member_totals WHERE cohort_id = ?
        AND kind = 'interview_done' GROUP BY member_id
    ) t JOIN members m ON m.id = t.member_id WHERE t.total > 0
) WHERE (visible AND n <= 10) OR id = ? OR n = 1
ORDER BY visible DESC, n
"""
"""The same from the running totals."""

SETTLED = "(s.settles_at IS NULL OR s.settles_at <= :now)"
"""A kept state that shows the same from now on (migration 0008): its ``settled_*`` columns
place it."""

UNSETTLED = """unsettled AS (
    SELECT s.contact_id, s.stage, s.due_at, s.later_due_at,
        CASE WHEN s.stage = 'emailed' AND s.due_at <= :now THEN
            CASE WHEN s.org_key = '' THEN 0 ELSE EXISTS (SELECT 1 FROM contact_state o
                WHERE o.member_id = s.member_id AND o.org_key = s.org_key
                AND o.contact_id <> s.contact_id AND o.latest_email_at > s.latest_email_at) END
        END AS second
    FROM contact_state s WHERE s.member_id = :member AND s.settles_at > :now
)"""
"""The member's few states with a milestone still ahead (an email's follow-up, a follow-up's
move-on, an interview's check-back), each showing its own stage. Only an email between its
two milestones can be due, and is unless someone else at the organisation was written to
since (``second``: NULL before the first milestone)."""

PAGE_COLUMNS = (
    "k.id, k.name, k.organization, k.created_at, k.referred_by, "
    "CASE WHEN s.settles_at > :now THEN s.stage ELSE s.settled_stage END, p.bucket, p.sort_key, "
    "s.stage, s.anchor_id, s.due_at, s.holiday, s.later_due_at, s.later_holiday, "
    "s.interview_on, s.interview_at, s.latest_email_at, s.last_activity"
)
"""A listed contact as the engine reads it, placed at the instant: the stage shown, the
bucket of the pipeline order (0 due, 1 due later, 2 no step due) and the due instant shown
(for bucket 2, the latest activity), then the kept state."""
SHOWN, BUCKET, SORT_KEY, LAST_ACTIVITY, AFTER_PAGE = 5, 6, 7, 17, 18
"""Positions in ``PAGE_COLUMNS``, and the first one after them."""

PAGE_ORDER = (
    "p.bucket, CASE WHEN p.bucket < 2 THEN p.sort_key END, "
    "CASE WHEN p.bucket = 2 THEN p.sort_key END DESC, p.contact_id"
)
"""Pipeline order: due first, soonest first; then the others with a due instant, by it; then
the rest, latest activity first; ties in creation order."""

CONTACTS = f"""
WITH {UNSETTLED}
SELECT {PAGE_COLUMNS},
    (SELECT r.name FROM contacts r JOIN contact_state rs ON rs.contact_id = r.id
        WHERE r.id = k.referred_by AND r.member_id = k.member_id),
    (SELECT count(*) FROM contact_state WHERE member_id = :member)
FROM (
    SELECT * FROM (
        SELECT contact_id, CASE WHEN second = 0 THEN 0 ELSE 1 END AS bucket,
            CASE WHEN second THEN later_due_at ELSE due_at END AS sort_key FROM unsettled
        UNION ALL SELECT * FROM (SELECT contact_id, 0, settled_key FROM contact_state s
            WHERE member_id = :member AND settled_due = TRUE AND {SETTLED}
            ORDER BY settled_key, contact_id LIMIT {CONTACTS_SHOWN})
        UNION ALL SELECT * FROM (SELECT contact_id, 2, settled_key FROM contact_state s
            WHERE member_id = :member AND settled_due = FALSE AND {SETTLED}
            ORDER BY settled_key DESC, contact_id LIMIT {CONTACTS_SHOWN})
    ) p ORDER BY {PAGE_ORDER} LIMIT {CONTACTS_SHOWN}
) p JOIN contact_state s ON s.contact_id = p.contact_id JOIN contacts k ON k.id = p.contact_id
ORDER BY {PAGE_ORDER}
"""  # noqa: S608
"""The first ``CONTACTS_SHOWN`` of the member's contacts with a kept state, in pipeline
order: the settled ones in that order from their indexes, each kind cut at the page's size,
the few unsettled placed here; each with its referrer's name (if the referrer has a state
too) and the count of all of them. Empty for a member with none."""

INSTANT = len(to_db(datetime(2000, 1, 1, tzinfo=UTC)))
"""The width of every stored instant: ``to_db`` text is fixed-width."""
_PAD = ", ".join(["NULL"] * (AFTER_PAGE - 2))
"""What fills a ``/progress`` row of a few values out to a contact row's width."""

PROGRESS = f"""
WITH RECURSIVE walk(i, since, week) AS (
    SELECT -1, :week_until, NULL
    UNION ALL
    SELECT i + 1, substr(:weeks, {INSTANT} * (i + 1) + 1, {INSTANT}), CASE
        WHEN EXISTS (SELECT 1 FROM pauses WHERE member_id = :member
            AND end_date >= date(:this_week, printf('%+d days', -7 * (i + 1)))
            AND start_date <= date(:this_week, printf('%+d days', -1 - 7 * i))) THEN 'paused'
        WHEN (SELECT sum(n) FROM (SELECT count AS n FROM actions WHERE member_id = :member
            AND occurred_at >= substr(:weeks, {INSTANT} * (i + 1) + 1, {INSTANT})
            AND occurred_at < since AND undone_at IS NULL
            AND kind IN ('email_sent', 'follow_up_sent') LIMIT :goal)) >= :goal THEN 'met'
        WHEN i = -1 THEN 'under way' ELSE 'missed' END
    FROM walk WHERE week IS NOT 'missed' AND i < {STREAK_LOOKBACK_WEEKS}
),
{UNSETTLED}
SELECT 'week', kind, sum(count), {_PAD}, NULL
    FROM actions WHERE member_id = :member AND occurred_at >= :week_since
    AND occurred_at < :week_until AND undone_at IS NULL GROUP BY kind
UNION ALL
SELECT 'month', kind, sum(count), {_PAD}, NULL
    FROM actions WHERE member_id = :member AND occurred_at >= :month_since
    AND occurred_at < :month_until AND undone_at IS NULL AND kind = 'interview_done'
    GROUP BY kind
UNION ALL
SELECT 'streak', (SELECT count(*) FROM walk WHERE week = 'met'), NULL, {_PAD}, NULL
UNION ALL
SELECT * FROM (SELECT 'pause', id, start_date, end_date, {_PAD}
    FROM pauses WHERE member_id = :member AND end_date >= :today AND start_date <= :today
    ORDER BY start_date LIMIT 1)
UNION ALL
SELECT 'stage', settled_stage, count(*), {_PAD}, NULL
    FROM contact_state s WHERE member_id = :member AND {SETTLED} GROUP BY settled_stage
UNION ALL
SELECT 'stage', stage, count(*), {_PAD}, NULL FROM unsettled GROUP BY stage
UNION ALL
SELECT 'due', {PAGE_COLUMNS},
    (SELECT count(*) FROM contact_state s WHERE member_id = :member AND settled_due = TRUE
        AND {SETTLED}) + (SELECT count(*) FILTER (WHERE second = 0) FROM unsettled)
FROM (
    SELECT * FROM (
        SELECT contact_id, 0 AS bucket, due_at AS sort_key FROM unsettled WHERE second = 0
        UNION ALL SELECT * FROM (SELECT contact_id, 0, settled_key FROM contact_state s
            WHERE member_id = :member AND settled_due = TRUE AND {SETTLED}
            ORDER BY settled_key, contact_id LIMIT {DUE_SHOWN})
    ) p ORDER BY {PAGE_ORDER} LIMIT {DUE_SHOWN}
) p JOIN contact_state s ON s.contact_id = p.contact_id JOIN contacts k ON k.id = p.contact_id
UNION ALL
SELECT 'scheduled', {PAGE_COLUMNS}, NULL
FROM (
    SELECT contact_id, 1 AS bucket, due_at AS sort_key FROM unsettled WHERE stage = 'scheduled'
    UNION ALL SELECT contact_id, 0, settled_key FROM contact_state s
        WHERE member_id = :member AND settled_stage = 'scheduled' AND {SETTLED}
) p JOIN contact_state s ON s.contact_id = p.contact_id JOIN contacts k ON k.id = p.contact_id
UNION ALL
SELECT 'referral', k.id, k.name, k.referred_by, {_PAD} FROM contacts k
    WHERE k.member_id = :member AND k.id IN (
        SELECT id FROM contacts WHERE member_id = :member AND referred_by IS NOT NULL
        UNION SELECT referred_by FROM contacts WHERE member_id = :member
            AND referred_by IS NOT NULL)
    AND EXISTS (SELECT 1 FROM contact_state s WHERE s.contact_id = k.id)
ORDER BY 1, 8, 9, 2
"""  # noqa: S608
"""Each part of ``/progress`` in rows tagged by part: the week's totals; the month's
interviews; the streak, the weeks met walked back from this one (which counts once met and
never breaks it while under way) to the first missed, paused weeks skipped, as far as the
engine looks; the current pause; the count of kept states at each stage shown now (settled
and unsettled apart, so a stage may come twice); the first ``DUE_SHOWN`` due in pipeline
order, each row with how many are due; the scheduled ones in pipeline order; and the
contacts with a state that name a referrer or are named by one. A contact row is the tag,
then ``PAGE_COLUMNS``, then the count."""


@dataclass(frozen=True)
class Bounds:
    """The windows one cohort's reads are asked about, as a hand-written query gets them."""

    week_since: str
    week_until: str
    month_since: str
    month_until: str
    progress: dict[str, str]
    """``PROGRESS``'s parameters but the member's, the goal and the instant: the week, the
    month, today, this week's first day, and ``weeks``, the start instants of this week and
    of each before it that a streak may reach back to, newest first, end to end."""


class Replay:
    """Runs the hand-written queries on a plain connection with the bot's own pragmas."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (*PRAGMAS, "PRAGMA query_only = ON"):
            self._conn.execute(pragma).fetchall()
        self._bounds: dict[tuple[str, int], Bounds] = {}

    def close(self) -> None:
        self._conn.close()

    def bounds(self, inv: Invocation, tz: ZoneInfo) -> Bounds:
        """The windows at ``inv.now`` in ``tz``, computed once per zone and week start."""
        key = (str(tz), inv.cohort.week_start)
        found = self._bounds.get(key)
        if found is None:
            week_since, week_until = week_bounds(inv.now, tz, inv.cohort.week_start)
            month_since, month_until = month_bounds(inv.now, tz)
            today = local_date(inv.now, tz)
            this_week = week_start_date(today, inv.cohort.week_start)
            # The streak's weeks as the engine bounds them, this week first.
            starts = week_starts(weeks_ending(this_week, STREAK_LOOKBACK_WEEKS), tz)[-2::-1]
            windows = {
                "week_since": to_db(week_since),
                "week_until": to_db(week_until),
                "month_since": to_db(month_since),
                "month_until": to_db(month_until),
            }
            found = Bounds(
                **windows,
                progress={
                    **windows,
                    "today": today.isoformat(),
                    "this_week": this_week.isoformat(),
                    "weeks": "".join(to_db(start) for start in starts),
                },
            )
            self._bounds[key] = found
        return found

    def board_window(self, inv: Invocation, week: bool) -> list[Row]:
        b = self.bounds(inv, zone(inv.cohort.timezone))  # boards are in the cohort's time
        since, until = (b.week_since, b.week_until) if week else (b.month_since, b.month_until)
        return self._conn.execute(
            BOARD_IN_WINDOW, (inv.cohort.id, since, until, inv.member.id)
        ).fetchall()

    def board_week(self, inv: Invocation) -> list[Row]:
        return self.board_window(inv, week=True)

    def board_month(self, inv: Invocation) -> list[Row]:
        return self.board_window(inv, week=False)

    def board_all(self, inv: Invocation) -> list[Row]:
        return self._conn.execute(BOARD_ALL_TIME, (inv.cohort.id, inv.member.id)).fetchall()

    def contacts(self, inv: Invocation) -> list[Row]:
        return self._conn.execute(
            CONTACTS, {"member": inv.member.id, "now": to_db(inv.now)}
        ).fetchall()

    def progress(self, inv: Invocation) -> list[Row]:
        b = self.bounds(inv, inv.tz)  # a member's own figures are in their own time
        return self._conn.execute(
            PROGRESS,
            {**b.progress, "member": inv.member.id, "goal": inv.email_goal, "now": to_db(inv.now)},
        ).fetchall()


Query = Callable[[Replay, Invocation], list[Row]]

QUERIES: dict[str, Query] = {
    "leaderboard week": Replay.board_week,
    "leaderboard month": Replay.board_month,
    "leaderboard all": Replay.board_all,
    "progress": Replay.progress,
    "contacts": Replay.contacts,
}
"""The hand-written query for each of the engine benchmark's reads, by the same name."""


def check(name: str, answer: object, rows: list[Row], inv: Invocation) -> None:
    """Raise if the query's rows do not hold the engine's ``answer`` to read ``name``."""
    if isinstance(answer, Board):
        _check_board(name, answer, rows, inv)
    elif isinstance(answer, Progress):
        _check_progress(name, answer, rows)
    elif isinstance(answer, ContactsPage):
        _same(name, "contacts listed", _shown(answer.items), _listed(rows))
        _same(name, "contacts", answer.chosen, rows[0][AFTER_PAGE + 1] if rows else 0)
        referrers = {r[0]: r[AFTER_PAGE] for r in rows if r[AFTER_PAGE] is not None}
        _same(name, "referrers", answer.referrers, referrers)
    else:
        raise TypeError(f"{name}: no check for {type(answer).__name__}")


def _check_progress(name: str, progress: Progress, rows: list[Row]) -> None:
    parts: dict[str, list[Row]] = {}
    for row in rows:
        parts.setdefault(row[0], []).append(row[1:])
    week = {ActionKind(r[0]): r[1] for r in parts.get("week", [])}
    _same(name, "week's totals", progress.week_counts, week)
    month = sum(r[1] for r in parts.get("month", []))
    _same(name, "month's interviews", progress.interviews_this_month, month)
    _same(name, "streak", progress.streak, parts["streak"][0][0])
    pause = next((r[0] for r in parts.get("pause", [])), None)
    _same(name, "pause", progress.pause.id if progress.pause else None, pause)
    stages: Counter[Stage] = Counter()
    for shown, n, *_ in parts.get("stage", []):
        stages[Stage(shown)] += n
    _same(name, "stages", progress.stages, stages)
    due = parts.get("due", [])
    _same(name, "due", _shown(progress.due), _listed(due))
    _same(name, "due count", progress.due_count, due[0][AFTER_PAGE] if due else 0)
    _same(name, "scheduled", _shown(progress.scheduled), _listed(parts.get("scheduled", [])))
    referred = parts.get("referral", [])
    _same(name, "referrals", progress.referrals, sum(r[2] is not None for r in referred))
    missing = set(progress.longest_chain) - {r[1] for r in referred}
    _same(name, "chain of introductions", set(), missing)


def _shown(items: list[PipelineItem]) -> list[Row]:
    """What a listed contact's line is made of, in the engine's order."""
    return [
        (
            i.contact.id,
            i.next.stage.value,
            i.next.is_due,
            to_db(i.next.due_at) if i.next.due_at else None,
            to_db(i.last_activity),
        )
        for i in items
    ]


def _listed(rows: list[Row]) -> list[Row]:
    """The same from rows that start with ``PAGE_COLUMNS``, in the query's order."""
    return [
        (
            r[0],
            r[SHOWN],
            r[BUCKET] == 0,
            r[SORT_KEY] if r[BUCKET] < 2 else None,
            r[LAST_ACTIVITY],
        )
        for r in rows
    ]


def _check_board(name: str, board: Board, rows: list[Row], inv: Invocation) -> None:
    listed = [(r[0], r[2]) for r in rows if r[3]][:BOARD_SIZE]
    _same(name, "listed", [(p.standing.member_id, p.rank) for p in board.placings], listed)
    own = next((r for r in rows if r[0] == inv.member.id), None)
    _same(name, "own hidden", board.own_hidden, own is not None and not own[3])
    _same(
        name, "own rank", board.own.rank if board.own else None, own[2] if own and own[3] else None
    )
    everyone, shown = (rows[0][4], rows[0][5]) if rows else (0, 0)
    _same(name, "others", board.others, everyone - min(shown, BOARD_SIZE))


def _same(name: str, what: str, engine: object, sql: object) -> None:
    if engine != sql:
        raise RuntimeError(f"{name}: the hand-written SQL disagrees on {what}: {engine} != {sql}")
