"""Opening the SQLite database: pragmas, one writer path, a separate reader, always closed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

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


class Database:
    """A writer connection guarded by a lock and a reader connection that sees commits.

    SQLite allows one writer at a time; serialising writes here avoids lock contention, and
    WAL mode lets the reader run while a write is in progress.
    """

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self.reader = reader
        self._writer = writer
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction on the writer: committed on success, rolled back on any error."""
        async with self._write_lock:
            try:
                yield self._writer
            except BaseException:
                await asyncio.shield(self._writer.rollback())
                raise
            await self._writer.commit()

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
