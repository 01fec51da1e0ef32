"""Opening the SQLite database: pragmas, one writer path, a separate reader, always closed."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import aiosqlite

BUSY_TIMEOUT_MS = 5000


def to_db(instant: datetime) -> str:
    """A fixed-width UTC text form, so stored instants sort and compare as strings."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> datetime:
    """Parse ``to_db`` text; ``fromisoformat`` is many times faster than ``strptime``."""
    return datetime.fromisoformat(text)


async def _configure(conn: aiosqlite.Connection) -> None:
    conn.row_factory = sqlite3.Row
    await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute_fetchall("PRAGMA foreign_keys = ON")
    await conn.execute_fetchall("PRAGMA synchronous = NORMAL")


T = TypeVar("T")


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    try:
        result = work(conn)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return result


class Database:
    """A writer connection that runs each transaction whole, and a reader that sees commits.

    Every write is one function run on the writer connection's own thread (aiosqlite's): one
    trip from the event loop per transaction, however many statements it has. aiosqlite runs
    the functions one at a time in order, which serialises writes without a lock held across
    awaits, and a caller cancelled mid-way can never leave a transaction half done. WAL mode
    lets the reader run while a write is in progress.
    """

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self.reader = reader
        self._writer = writer

    async def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` as one transaction: committed if it returns, rolled back if it raises."""
        # aiosqlite has no public way to run a function on its thread; _execute is that way,
        # used only here (the version is pinned; tests/storage exercise it).
        run_on_thread: Callable[..., Awaitable[T]] = self._writer._execute
        return await run_on_thread(_in_transaction, self._writer._conn, work)

    async def write(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """One statement as its own transaction; the rows it returns (``RETURNING``)."""

        def work(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            return conn.execute(sql, tuple(params)).fetchall()

        return await self.transaction(work)

    async def close(self) -> None:
        await self.reader.close()
        await self._writer.close()


@asynccontextmanager
async def open_database(path: Path) -> AsyncIterator[Database]:
    """Open (creating if needed) the database at ``path`` in WAL mode; close it on exit."""
    writer = await aiosqlite.connect(path, isolation_level="IMMEDIATE")
    try:
        await _configure(writer)
        await writer.execute_fetchall("PRAGMA journal_mode = WAL")
        reader = await aiosqlite.connect(path, isolation_level=None)
    except BaseException:
        await writer.close()
        raise
    db = Database(path, writer, reader)
    try:
        await _configure(reader)
        await reader.execute_fetchall("PRAGMA query_only = ON")
        yield db
    finally:
        await db.close()
