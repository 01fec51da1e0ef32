"""Read-only looks at the database for ``/healthz``, ``/metrics`` and ``reachout doctor``."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.connection import Database

ANSWER_WITHIN_SECONDS = 2.0


async def database_problem(db: Database) -> str | None:
    """None while the database answers a read and the writer a statement, in time."""
    try:
        async with asyncio.timeout(ANSWER_WITHIN_SECONDS):
            await db.read("SELECT count(*) FROM sqlite_master")
            await db.write("SELECT 1")
    except TimeoutError:
        return f"no answer within {ANSWER_WITHIN_SECONDS:g} s"
    except (sqlite3.Error, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


async def delivery_counts(db: Database) -> list[tuple[str, str, int]]:
    """(kind, status, count) of the deliveries ledger; empty before the ledger exists."""
    try:
        rows = await db.read("SELECT kind, status, count(*) FROM deliveries GROUP BY kind, status")
    except sqlite3.OperationalError:
        return []
    return [(str(kind), str(status), int(count)) for kind, status, count in rows]


@dataclass(frozen=True)
class DatabaseReport:
    """What ``reachout doctor`` says about the database file."""

    integrity: str
    """``ok``, or SQLite's first complaint."""
    schema_version: int
    wal_bytes: int


def inspect_database(path: Path) -> DatabaseReport:
    """Integrity check, schema version and WAL size, through a read-only connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        integrity = str(conn.execute("PRAGMA integrity_check(1)").fetchone()[0])
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    return DatabaseReport(integrity, version, wal.stat().st_size if wal.exists() else 0)
