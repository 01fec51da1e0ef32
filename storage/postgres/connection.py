"""Opening PostgreSQL: a connection pool sized by setting, every session in UTC.

Every query binds its values (``$1``, ``$2``…); asyncpg prepares each statement text on a
connection the first time it is used there and reuses it after, so the same few statements
are planned once per connection, not once per call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

APPLICATION_NAME = "reachout"
COMMAND_TIMEOUT = 60.0
"""Seconds a statement may take before it is cancelled: far beyond any query of the bot."""

Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, whether borrowed from the pool or opened on its own."""

IntegrityError = asyncpg.IntegrityConstraintViolationError
"""What a broken constraint raises on PostgreSQL (the contract's "integrity error")."""


def affected(status: str) -> int:
    """The row count of a command status such as ``DELETE 3`` or ``UPDATE 0``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresDatabase:
    """A pool of connections to one database; reads and transactions borrow one each."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """The rows of one statement, run as its own transaction."""
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: object) -> Any:
        return await self.pool.fetchval(sql, *args)

    async def execute(self, sql: str, *args: object) -> str:
        """Run one statement as its own transaction; its command status (``UPDATE 1``)."""
        return await self.pool.execute(sql, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A connection inside one transaction: committed if the block ends, rolled back if
        it raises (or is cancelled)."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def close(self) -> None:
        await self.pool.close()


async def connect(url: str, **settings: str) -> asyncpg.Connection:
    """One connection outside the pool (the scheduler lease, copies), in UTC."""
    return await asyncpg.connect(
        url,
        command_timeout=COMMAND_TIMEOUT,
        server_settings={"application_name": APPLICATION_NAME, "timezone": "UTC", **settings},
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool runs on a connection handed back (an open transaction is always rolled
    back first). asyncpg's default also resets session settings, listeners, cursors and
    advisory locks: one more round trip per query. The bot's pooled connections change none
    of those (the scheduler lease has a connection of its own), so there is nothing to undo."""


@asynccontextmanager
async def open_postgres(url: str, pool_size: int = 10) -> AsyncIterator[PostgresDatabase]:
    """A pool of at most ``pool_size`` connections to ``url``; closed on exit."""
    pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=pool_size,
        command_timeout=COMMAND_TIMEOUT,
        server_settings={"application_name": APPLICATION_NAME, "timezone": "UTC"},
        reset=_keep_session,
    )
    db = PostgresDatabase(pool, url)
    try:
        yield db
    finally:
        await db.close()
