"""``PostgresLedger``: the deliveries ledger (``bot.nudges.ledger.Ledger``) on PostgreSQL.

A claim is ``INSERT … ON CONFLICT (key) DO NOTHING``: of any number of instances claiming
one key at once, exactly one gets the row back. The change counter is the database's
snapshot, which moves with every commit of any connection, so it needs no table or trigger.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import asyncpg

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
from storage.postgres import rows
from storage.postgres.connection import Conn, PostgresDatabase
from storage.postgres.rows import (
    ACTION_COLUMNS,
    COHORT_COLUMNS,
    CONTACT_COLUMNS,
    MEMBER_COLUMNS,
    prefixed,
    unprefixed,
)

_DELIVERY_COLUMNS = (
    "key, kind, cohort_id, member_id, due_at, status, attempts, claimed_at, next_attempt_at, "
    "finished_at, message_id, detail, ambiguous"
)
_OPEN_LITERALS = ", ".join(
    f"'{s.value}'" for s in (DeliveryStatus.CLAIMED, DeliveryStatus.RETRYING)
)
"""The open statuses as SQL literals, from the enum's own constants (never user input), so
the query names what the partial index ``deliveries_open`` names and a generic plan of the
prepared statement can still use it."""
_PROBLEMS = [DeliveryStatus.FAILED.value, DeliveryStatus.UNCONFIRMED.value]
_RECLAIMABLE = [
    DeliveryStatus.SKIPPED.value,
    DeliveryStatus.FAILED.value,
    DeliveryStatus.UNCONFIRMED.value,
]
_WITH_WORKSPACE = (
    f"SELECT {prefixed(COHORT_COLUMNS, 'c', 'c_')}, w.platform, w.external_id, "
    "w.name AS workspace_name FROM cohorts c JOIN workspaces w ON w.id = c.workspace_id "
)


def _delivery(row: asyncpg.Record) -> LedgerEntry:
    return LedgerEntry(
        key=row["key"],
        kind=DeliveryKind(row["kind"]),
        cohort_id=row["cohort_id"],
        member_id=row["member_id"],
        due_at=row["due_at"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        claimed_at=row["claimed_at"],
        next_attempt_at=row["next_attempt_at"],
        finished_at=row["finished_at"],
        message_id=row["message_id"],
        detail=row["detail"],
        ambiguous=row["ambiguous"],
    )


class PostgresLedger:
    """The ledger on the same database as the ``PostgresStore``."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def scheduled_cohorts(self) -> list[ScheduledCohort]:
        found = await self.db.fetch(
            _WITH_WORKSPACE + "WHERE c.channel_id IS NOT NULL ORDER BY c.id"
        )
        return [
            ScheduledCohort(rows.cohort(unprefixed(row, "c_")), rows.workspace_of(row))
            for row in found
        ]

    async def clocks_due(self, now: datetime, limit: int) -> list[ClockCandidate]:
        async with (
            self.db.pool.acquire() as conn,
            conn.transaction(readonly=True, isolation="repeatable_read"),
        ):
            contacts = await conn.fetch(
                f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN (SELECT contact_id "
                "FROM clock_checks WHERE check_at <= $1 ORDER BY check_at LIMIT $2) ORDER BY id",
                now,
                limit,
            )
            if not contacts:
                return []
            contact_ids = [row["id"] for row in contacts]
            member_ids = sorted({row["member_id"] for row in contacts})
            action_rows = await conn.fetch(
                f"SELECT {ACTION_COLUMNS} FROM actions WHERE undone_at IS NULL "
                "AND contact_id = ANY($1::bigint[]) ORDER BY occurred_at, id",
                contact_ids,
            )
            member_rows = await conn.fetch(
                f"SELECT {MEMBER_COLUMNS} FROM members WHERE id = ANY($1::bigint[]) "
                "AND cohort_id IS NOT NULL",
                member_ids,
            )
            members = {row["id"]: rows.member(row) for row in member_rows}
            places = await self._cohorts_with_workspaces(
                conn, sorted({m.cohort_id for m in members.values() if m.cohort_id is not None})
            )
        actions: dict[int, list[Action]] = {}
        for row in action_rows:
            actions.setdefault(row["contact_id"], []).append(rows.action(row))
        candidates = []
        for row in contacts:
            member = members.get(row["member_id"])
            if member is None or member.cohort_id not in places:
                continue
            cohort, workspace = places[member.cohort_id]
            contact = rows.contact(row)
            entry = ContactEntry(contact, tuple(actions.get(contact.id, ())))
            candidates.append(ClockCandidate(member, cohort, workspace, entry))
        return candidates

    async def _cohorts_with_workspaces(
        self, conn: Conn, cohort_ids: list[int]
    ) -> dict[int, tuple[Cohort, Workspace]]:
        found = await conn.fetch(_WITH_WORKSPACE + "WHERE c.id = ANY($1::bigint[])", cohort_ids)
        return {
            row["c_id"]: (rows.cohort(unprefixed(row, "c_")), rows.workspace_of(row))
            for row in found
        }

    async def next_clock_check(self) -> datetime | None:
        value: datetime | None = await self.db.fetchval("SELECT min(check_at) FROM clock_checks")
        return value

    async def set_clock_checks(self, checks: dict[int, datetime | None]) -> None:
        removed = [c for c, at in checks.items() if at is None]
        moved = [(c, at) for c, at in checks.items() if at is not None]
        async with self.db.transaction() as conn:
            if removed:
                await conn.execute(
                    "DELETE FROM clock_checks WHERE contact_id = ANY($1::bigint[])", removed
                )
            if moved:
                await conn.execute(
                    "UPDATE clock_checks k SET check_at = m.at FROM unnest($1::bigint[], "
                    "$2::timestamptz[]) AS m (contact_id, at) WHERE k.contact_id = m.contact_id",
                    [c for c, _ in moved],
                    [at for _, at in moved],
                )

    async def snooze_of(self, contact_id: int) -> Snooze | None:
        row = await self.db.fetchrow(
            "SELECT anchor_id, step, until FROM reminder_snoozes WHERE contact_id = $1",
            contact_id,
        )
        return Snooze(row["anchor_id"], row["step"], row["until"]) if row is not None else None

    async def reminders_stopped(self, contact_id: int, anchor_id: int) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM reminders_stopped WHERE contact_id = $1 AND anchor_id = $2",
            contact_id,
            anchor_id,
        )
        return found is not None

    async def emailed_at_organization(
        self, member_id: int, organization: str, after: datetime, other_than: int
    ) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM actions a JOIN contacts k ON k.id = a.contact_id "
            "WHERE a.member_id = $1 AND a.kind = $2 AND a.undone_at IS NULL "
            "AND a.occurred_at > $3 AND k.id != $4 AND lower(k.organization) = lower($5) LIMIT 1",
            member_id,
            ActionKind.EMAIL_SENT.value,
            after,
            other_than,
            organization,
        )
        return found is not None

    async def existing(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        found = await self.db.fetch("SELECT key FROM deliveries WHERE key = ANY($1::text[])", keys)
        return {row["key"] for row in found}

    async def change_counter(self) -> int:
        """Changes whenever any connection commits a write: the snapshot lists every write
        transaction in flight, so one that ended since the last read always changes it (a
        write that merely began may too; only equality means anything)."""
        snapshot: str = await self.db.fetchval("SELECT pg_current_snapshot()::text")
        return int.from_bytes(hashlib.blake2b(snapshot.encode(), digest_size=8).digest(), "big")

    async def claim(self, claim: Claim, at: datetime) -> bool:
        return await self.record(claim, DeliveryStatus.CLAIMED, "", at)

    async def record(self, claim: Claim, status: DeliveryStatus, detail: str, at: datetime) -> bool:
        claimed = status is DeliveryStatus.CLAIMED
        found = await self.db.fetchval(
            "INSERT INTO deliveries (key, kind, cohort_id, member_id, due_at, status, "
            "attempts, claimed_at, finished_at, detail) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            claim.key,
            claim.kind.value,
            claim.cohort_id,
            claim.member_id,
            claim.due_at,
            status.value,
            1 if claimed else 0,
            at,
            None if claimed else at,
            detail,
        )
        return found is not None

    async def attempt(self, key: str, at: datetime) -> int:
        attempts = await self.db.fetchval(
            "UPDATE deliveries SET attempts = attempts + 1, status = $1, claimed_at = $2 "
            "WHERE key = $3 RETURNING attempts",
            DeliveryStatus.CLAIMED.value,
            at,
            key,
        )
        if attempts is None:
            raise LookupError(f"no delivery {key} to attempt")
        return int(attempts)

    async def reclaim(self, key: str, at: datetime) -> bool:
        found = await self.db.fetchval(
            "UPDATE deliveries SET status = $1, attempts = attempts + 1, claimed_at = $2, "
            "finished_at = NULL, detail = '' WHERE key = $3 AND status = ANY($4::text[]) "
            "RETURNING id",
            DeliveryStatus.CLAIMED.value,
            at,
            key,
            _RECLAIMABLE,
        )
        return found is not None

    async def finish(
        self,
        key: str,
        status: DeliveryStatus,
        at: datetime,
        message_id: str | None = None,
        detail: str = "",
    ) -> None:
        await self.db.execute(
            "UPDATE deliveries SET status = $1, finished_at = $2, message_id = $3, detail = $4, "
            "next_attempt_at = NULL WHERE key = $5",
            status.value,
            at,
            message_id,
            detail,
            key,
        )

    async def retry_later(
        self, key: str, next_attempt_at: datetime, detail: str, *, ambiguous: bool = False
    ) -> None:
        await self.db.execute(
            "UPDATE deliveries SET status = $1, next_attempt_at = $2, detail = $3, "
            "ambiguous = $4 WHERE key = $5",
            DeliveryStatus.RETRYING.value,
            next_attempt_at,
            detail,
            ambiguous,
            key,
        )

    async def open_deliveries(self) -> list[LedgerEntry]:
        found = await self.db.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries "
            f"WHERE status IN ({_OPEN_LITERALS}) ORDER BY due_at"
        )
        return [_delivery(row) for row in found]

    async def get(self, key: str) -> LedgerEntry | None:
        row = await self.db.fetchrow(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE key = $1", key
        )
        return _delivery(row) if row else None

    async def problems(self, cohort_id: int, since: datetime) -> list[LedgerEntry]:
        found = await self.db.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE cohort_id = $1 AND due_at >= $2 "
            "AND status = ANY($3::text[]) ORDER BY due_at DESC",
            cohort_id,
            since,
            _PROBLEMS,
        )
        return [_delivery(row) for row in found]

    async def member_deliveries(self, member_id: int) -> list[LedgerEntry]:
        found = await self.db.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE member_id = $1 ORDER BY due_at",
            member_id,
        )
        return [_delivery(row) for row in found]
