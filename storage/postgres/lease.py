"""The scheduler lease on PostgreSQL: a session advisory lock on a connection of its own.

The server drops the lock when that connection ends, so an instance that dies (SIGKILL, a
lost machine) frees it for another as soon as the server sees the connection go.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import asyncpg

from storage.postgres.connection import connect

LEASE_CLASS = 0x7265_6163  # "reac"
LEASE_ID = 1
"""The advisory lock ``(LEASE_CLASS, LEASE_ID)``: the scheduler's."""


class AdvisoryLease:
    """The lease as ``pg_try_advisory_lock`` held on a dedicated connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: asyncpg.Connection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None and await self.held():
            return True
        await self.release()
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        name = f"reachout scheduler pid {os.getpid()} on {socket.gethostname()} since {started}"
        conn = await connect(self.url, application_name=name[:63])
        try:
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LEASE_CLASS, LEASE_ID)
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            return False
        try:
            return bool(
                await self._conn.fetchval(
                    "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND granted",
                    LEASE_CLASS,
                    LEASE_ID,
                    timeout=10,
                )
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False

    async def holder(self) -> str:
        conn = await connect(self.url)
        try:
            row = await conn.fetchrow(
                "SELECT a.application_name, a.client_addr::text AS address FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                "AND l.classid = $1 AND l.objid = $2 AND l.granted",
                LEASE_CLASS,
                LEASE_ID,
            )
        finally:
            await conn.close()
        if row is None:
            return "another instance, which has just stopped"
        where = f" from {row['address']}" if row["address"] else ""
        return f"{row['application_name'] or 'another instance'}{where}"

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            if not conn.is_closed():
                await conn.close()  # ending the session drops the lock
