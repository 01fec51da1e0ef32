"""``SqliteLedger``: the deliveries ledger (``bot.nudges.ledger.Ledger``) on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.models import Action, ActionKind, Cohort, ContactEntry, Workspace
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import (
    Claim,
    ClockCandidate,
    DeliveryStatus,
    LedgerEntry,
    ScheduledCohort,
    Snooze,
)
from storage.connection import Database, from_db, to_db
from storage.repository import (
    ACTION_COLUMNS,
    COHORT_COLUMNS,
    CONTACT_COLUMNS,
    MEMBER_COLUMNS,
    action_from_row,
    cohort_from_row,
    contact_from_row,
    member_from_row,
    prefixed,
    unprefixed,
)

_DELIVERY_COLUMNS = (
    "key, kind, cohort_id, member_id, due_at, status, attempts, claimed_at, next_attempt_at, "
    "finished_at, message_id, detail, ambiguous"
)
_OPEN = (DeliveryStatus.CLAIMED, DeliveryStatus.RETRYING)
"""Deliveries still in flight: claimed and being sent, or waiting for a retry."""
_PROBLEMS = (DeliveryStatus.FAILED, DeliveryStatus.UNCONFIRMED)
"""Outcomes an organizer should hear about."""
_RECLAIMABLE = (DeliveryStatus.SKIPPED, DeliveryStatus.FAILED, DeliveryStatus.UNCONFIRMED)
"""Finished deliveries that ``nudge-now`` may claim again: everything but ``sent``."""
_LOOK_NOW = "0000"
"""The ``check_at`` that the triggers of migration 0002 write when a member's or a cohort's
time zone changes: look at those clocks at once. It sorts before every stored instant."""


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """Id lists cut to stay well under SQLite's limit on bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _literals(statuses: Sequence[DeliveryStatus]) -> str:
    """Statuses as SQL string literals, for a query that must name the same constants as a
    partial index's ``WHERE`` for SQLite to use that index: bound parameters do not match it.
    The values are the enum's own constants, never anything a user typed."""
    return ", ".join(f"'{status.value}'" for status in statuses)


def _optional_time(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _delivery(row: sqlite3.Row) -> LedgerEntry:
    return LedgerEntry(
        key=row["key"],
        kind=DeliveryKind(row["kind"]),
        cohort_id=row["cohort_id"],
        member_id=row["member_id"],
        due_at=from_db(row["due_at"]),
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        claimed_at=from_db(row["claimed_at"]),
        next_attempt_at=_optional_time(row["next_attempt_at"]),
        finished_at=_optional_time(row["finished_at"]),
        message_id=row["message_id"],
        detail=row["detail"],
        ambiguous=bool(row["ambiguous"]),
    )


class SqliteLedger:
    """The ledger on the same database as the ``SqliteStore``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return await self.db.read(sql, params)

    async def scheduled_cohorts(self) -> list[ScheduledCohort]:
        rows = await self._read(
            f"SELECT {prefixed(COHORT_COLUMNS, 'c', 'c_')}, w.platform, w.external_id, "
            "w.name AS workspace_name FROM cohorts c JOIN workspaces w ON w.id = c.workspace_id "
            "WHERE c.channel_id IS NOT NULL ORDER BY c.id"
        )
        return [
            ScheduledCohort(
                cohort_from_row(unprefixed(row, "c_")),
                Workspace(
                    row["c_workspace_id"],
                    row["platform"],
                    row["external_id"],
                    row["workspace_name"],
                ),
            )
            for row in rows
        ]

    async def clocks_due(self, now: datetime, limit: int) -> list[ClockCandidate]:
        contacts = await self._read(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN (SELECT contact_id "
            "FROM clock_checks WHERE check_at <= ? ORDER BY check_at LIMIT ?) ORDER BY id",
            (to_db(now), limit),
        )
        if not contacts:
            return []
        actions: dict[int, list[Action]] = {}
        for chunk in _chunks([row["id"] for row in contacts]):
            rows = await self._read(
                f"SELECT {ACTION_COLUMNS} FROM actions WHERE undone_at IS NULL "
                f"AND contact_id IN ({_marks(chunk)}) ORDER BY occurred_at, id",
                tuple(chunk),
            )
            for row in rows:
                actions.setdefault(row["contact_id"], []).append(action_from_row(row))
        members = {}
        for chunk in _chunks(sorted({row["member_id"] for row in contacts})):
            rows = await self._read(
                f"SELECT {MEMBER_COLUMNS} FROM members WHERE id IN ({_marks(chunk)}) "
                "AND cohort_id IS NOT NULL",
                tuple(chunk),
            )
            members.update({row["id"]: member_from_row(row) for row in rows})
        places = await self._cohorts_with_workspaces({m.cohort_id for m in members.values()})
        candidates = []
        for row in contacts:
            member = members.get(row["member_id"])
            if member is None or member.cohort_id not in places:
                continue
            cohort, workspace = places[member.cohort_id]
            contact = contact_from_row(row)
            entry = ContactEntry(contact, tuple(actions.get(contact.id, ())))
            candidates.append(ClockCandidate(member, cohort, workspace, entry))
        return candidates

    async def _cohorts_with_workspaces(
        self, cohort_ids: set[int | None]
    ) -> dict[int, tuple[Cohort, Workspace]]:
        found = {}
        for chunk in _chunks(sorted(i for i in cohort_ids if i is not None)):
            rows = await self._read(
                f"SELECT {prefixed(COHORT_COLUMNS, 'c', 'c_')}, w.platform, w.external_id, "
                "w.name AS workspace_name FROM cohorts c JOIN workspaces w "
                f"ON w.id = c.workspace_id WHERE c.id IN ({_marks(chunk)})",
                tuple(chunk),
            )
            for row in rows:
                cohort = cohort_from_row(unprefixed(row, "c_"))
                workspace = Workspace(
                    cohort.workspace_id, row["platform"], row["external_id"], row["workspace_name"]
                )
                found[cohort.id] = (cohort, workspace)
        return found

    async def next_clock_check(self) -> datetime | None:
        rows = await self._read("SELECT min(check_at) FROM clock_checks")
        value = rows[0][0]
        if value is None:
            return None
        return from_db(value) if value != _LOOK_NOW else datetime(1970, 1, 1, tzinfo=UTC)

    async def set_clock_checks(self, checks: dict[int, datetime | None]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "DELETE FROM clock_checks WHERE contact_id = ?",
                [(c,) for c, at in checks.items() if at is None],
            )
            conn.executemany(
                "UPDATE clock_checks SET check_at = ? WHERE contact_id = ?",
                [(to_db(at), c) for c, at in checks.items() if at is not None],
            )

        await self.db.transaction(work)

    async def snooze_of(self, contact_id: int) -> Snooze | None:
        rows = await self._read(
            "SELECT anchor_id, step, until FROM reminder_snoozes WHERE contact_id = ?",
            (contact_id,),
        )
        if not rows:
            return None
        return Snooze(rows[0]["anchor_id"], rows[0]["step"], from_db(rows[0]["until"]))

    async def reminders_stopped(self, contact_id: int, anchor_id: int) -> bool:
        rows = await self._read(
            "SELECT 1 FROM reminders_stopped WHERE contact_id = ? AND anchor_id = ?",
            (contact_id, anchor_id),
        )
        return bool(rows)

    async def emailed_at_organization(
        self, member_id: int, organization: str, after: datetime, other_than: int
    ) -> bool:
        rows = await self._read(
            "SELECT 1 FROM actions a JOIN contacts k ON k.id = a.contact_id "
            "WHERE a.member_id = ? AND a.kind = ? AND a.undone_at IS NULL "
            "AND a.occurred_at > ? AND k.id != ? AND k.organization = ? COLLATE NOCASE LIMIT 1",
            (member_id, ActionKind.EMAIL_SENT.value, to_db(after), other_than, organization),
        )
        return bool(rows)

    async def existing(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = await self._read(
                f"SELECT key FROM deliveries WHERE key IN ({', '.join('?' for _ in chunk)})",
                tuple(chunk),
            )
            found.update(row["key"] for row in rows)
        return found

    async def change_counter(self) -> int:
        """Changes whenever any other connection (our writer, another process) commits."""
        rows = await self._read("PRAGMA data_version")
        return int(rows[0][0])

    async def claim(self, claim: Claim, at: datetime) -> bool:
        return await self.record(claim, DeliveryStatus.CLAIMED, "", at)

    async def record(self, claim: Claim, status: DeliveryStatus, detail: str, at: datetime) -> bool:
        finished = None if status is DeliveryStatus.CLAIMED else to_db(at)
        rows = await self.db.write(
            "INSERT INTO deliveries (key, kind, cohort_id, member_id, due_at, status, "
            "attempts, claimed_at, finished_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            (
                claim.key,
                claim.kind.value,
                claim.cohort_id,
                claim.member_id,
                to_db(claim.due_at),
                status.value,
                1 if status is DeliveryStatus.CLAIMED else 0,
                to_db(at),
                finished,
                detail,
            ),
        )
        return bool(list(rows))

    async def attempt(self, key: str, at: datetime) -> int:
        rows = await self.db.write(
            "UPDATE deliveries SET attempts = attempts + 1, status = ?, claimed_at = ? "
            "WHERE key = ? RETURNING attempts",
            (DeliveryStatus.CLAIMED.value, to_db(at), key),
        )
        return int(next(iter(rows))[0])

    async def reclaim(self, key: str, at: datetime) -> bool:
        """Claim again a delivery that was skipped, failed or unconfirmed (``nudge-now``)."""
        rows = await self.db.write(
            "UPDATE deliveries SET status = ?, attempts = attempts + 1, "
            "claimed_at = ?, finished_at = NULL, detail = '' WHERE key = ? "
            f"AND status IN ({_marks(_RECLAIMABLE)}) RETURNING id",
            (DeliveryStatus.CLAIMED.value, to_db(at), key, *(s.value for s in _RECLAIMABLE)),
        )
        return bool(list(rows))

    async def finish(
        self,
        key: str,
        status: DeliveryStatus,
        at: datetime,
        message_id: str | None = None,
        detail: str = "",
    ) -> None:
        await self.db.write(
            "UPDATE deliveries SET status = ?, finished_at = ?, message_id = ?, detail = ?, "
            "next_attempt_at = NULL WHERE key = ?",
            (status.value, to_db(at), message_id, detail, key),
        )

    async def retry_later(
        self, key: str, next_attempt_at: datetime, detail: str, *, ambiguous: bool = False
    ) -> None:
        await self.db.write(
            "UPDATE deliveries SET status = ?, next_attempt_at = ?, detail = ?, "
            "ambiguous = ? WHERE key = ?",
            (
                DeliveryStatus.RETRYING.value,
                to_db(next_attempt_at),
                detail,
                int(ambiguous),
                key,
            ),
        )

    async def open_deliveries(self) -> list[LedgerEntry]:
        rows = await self._read(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries "
            f"WHERE status IN ({_literals(_OPEN)}) ORDER BY due_at"
        )
        return [_delivery(row) for row in rows]

    async def get(self, key: str) -> LedgerEntry | None:
        rows = await self._read(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE key = ?", (key,))
        return _delivery(rows[0]) if rows else None

    async def problems(self, cohort_id: int, since: datetime) -> list[LedgerEntry]:
        rows = await self._read(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE cohort_id = ? AND due_at >= ? "
            f"AND status IN ({_marks(_PROBLEMS)}) ORDER BY due_at DESC",
            (cohort_id, to_db(since), *(s.value for s in _PROBLEMS)),
        )
        return [_delivery(row) for row in rows]

    async def member_deliveries(self, member_id: int) -> list[LedgerEntry]:
        rows = await self._read(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE member_id = ? ORDER BY due_at",
            (member_id,),
        )
        return [_delivery(row) for row in rows]
