"""The best single hand-written SQL query for each read the engine benchmark times.

Each query returns, in one statement on a plain ``sqlite3`` connection, the rows the engine's
answer is made from, already aggregated as far as SQL can take it: a leaderboard's top ten
with their ranks, the caller's own placing and the count of everyone else; each contact's
state (its latest action, last email, follow-ups so far); a member's week and month totals,
streak, pause and contacts' states. Timing them on the same database, in the same run, right
beside the engine's call gives the floor the engine is measured against: what reading the
answer costs with nothing above SQLite. What SQL does not do here is the business-day
arithmetic of the 3B7 clock, the objects and the words; that is the engine's overhead.

Week and month bounds are the parameters a hand-written query would be given; they are
computed once per time zone and week start, outside the timing. ``check`` holds each query
to the engine's answer, so a baseline that reads less than the engine cannot pass for a
fast one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine import BOARD_SIZE, Board, ContactsPage, Progress
from bot.invocation import Invocation
from bot.models import ActionKind
from bot.periods import month_bounds, week_bounds
from bot.timezones import zone
from storage.connection import PRAGMAS, to_db

Row = tuple[Any, ...]
"""A row as ``sqlite3`` returns it."""

STREAK_WEEKS = 104
"""How far back the engine looks for a streak at most: two years."""

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

CONTACTS = """
SELECT 'contact', c.id, a.kind, max(a.occurred_at), c.name, c.organization, c.referred_by,
    max(CASE WHEN a.kind IN ('email_sent', 'follow_up_sent') THEN a.occurred_at END),
    sum(a.kind = 'follow_up_sent'), a.scheduled_on, a.scheduled_time
FROM contacts c JOIN actions a ON a.contact_id = c.id AND a.undone_at IS NULL
WHERE c.member_id = ? GROUP BY c.id
"""
"""Each contact with live actions: the latest action's kind and time (SQLite gives the bare
columns of the row holding the max), the last email written and the follow-ups so far."""

PROGRESS = """
WITH good(k) AS (
    SELECT CAST((julianday(?) - julianday(occurred_at)) / 7 AS INTEGER) + 1 AS k
    FROM actions WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?
        AND undone_at IS NULL AND kind IN ('email_sent', 'follow_up_sent')
    GROUP BY k HAVING sum(count) >= ?
)
SELECT 'week', kind, sum(count), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM actions WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?
    AND undone_at IS NULL GROUP BY kind
UNION ALL
SELECT 'month', kind, sum(count), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM actions WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?
    AND undone_at IS NULL AND kind = 'interview_done' GROUP BY kind
UNION ALL
SELECT 'streak', CASE WHEN 1 NOT IN (SELECT k FROM good) THEN 0
    ELSE (SELECT min(k) FROM good WHERE k + 1 NOT IN (SELECT k FROM good)) END,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
UNION ALL
SELECT 'pause', id, start_date, end_date, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM pauses WHERE member_id = ? AND end_date >= ?
UNION ALL
SELECT 'contact', c.id, a.kind, max(a.occurred_at), c.name, c.organization, c.referred_by,
    max(CASE WHEN a.kind IN ('email_sent', 'follow_up_sent') THEN a.occurred_at END),
    sum(a.kind = 'follow_up_sent'), a.scheduled_on, a.scheduled_time
FROM contacts c JOIN actions a ON a.contact_id = c.id AND a.undone_at IS NULL
WHERE c.member_id = ? GROUP BY c.id
"""
"""Week totals, the month's interviews, the streak (the first week back below the goal: weeks
counted from the start of this one), a current pause, and every contact's state."""


@dataclass(frozen=True)
class Bounds:
    """The windows one cohort's reads are asked about, as a hand-written query gets them."""

    week_since: str
    week_until: str
    month_since: str
    month_until: str
    streak_since: str
    today: str


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
            found = Bounds(
                to_db(week_since),
                to_db(week_until),
                to_db(month_since),
                to_db(month_until),
                to_db(week_since - timedelta(weeks=STREAK_WEEKS)),
                inv.now.astimezone(tz).date().isoformat(),
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
        return self._conn.execute(CONTACTS, (inv.member.id,)).fetchall()

    def progress(self, inv: Invocation) -> list[Row]:
        b = self.bounds(inv, inv.tz)  # a member's own figures are in their own time
        member = inv.member.id
        return self._conn.execute(
            PROGRESS,
            (
                *(b.week_since, member, b.streak_since, b.week_since, inv.email_goal),
                *(member, b.week_since, b.week_until),
                *(member, b.month_since, b.month_until),
                *(member, b.today),
                member,
            ),
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
        week = {ActionKind(r[1]): r[2] for r in rows if r[0] == "week"}
        contacts = [r for r in rows if r[0] == "contact"]
        _same(name, "week's totals", answer.week_counts, week)
        _same(name, "contacts", sum(answer.stages.values()), len(contacts))
    elif isinstance(answer, ContactsPage):
        latest = {r[1]: r[3] for r in rows}
        _same(name, "contacts", answer.chosen, len(rows))
        _same(
            name,
            "latest activity",
            {i.contact.id: to_db(i.last_activity) for i in answer.items},
            {i.contact.id: latest.get(i.contact.id) for i in answer.items},
        )
    else:
        raise TypeError(f"{name}: no check for {type(answer).__name__}")


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
