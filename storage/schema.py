"""The database schema: the numbered SQL migrations in ``storage/migrations/``, applied in
order and tracked with ``PRAGMA user_version``.

A migration is frozen once shipped, so its CHECK constraints, partial indexes and triggers
keep naming statuses, kinds and sentinels as literals. The queries in ``storage`` take the
same values from ``ActionKind``, ``DeliveryKind`` and ``DeliveryStatus``; those enum values
are stored data and never change.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources

from storage.connection import Database
from storage.repository import backfill_contact_states

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BACKFILLS: dict[int, Callable[[sqlite3.Connection], None]] = {4: backfill_contact_states}
"""Python steps run after a migration's SQL, in its transaction, for what SQL cannot compute
(0004: each contact's 3B7 state, from ``bot.followups``)."""


@dataclass(frozen=True)
class Migration:
    """One schema step; ``number`` becomes ``user_version`` once it is applied."""

    number: int
    name: str
    sql: str


class SchemaTooNew(Exception):
    """The database was written by a newer reachout than this one."""


def available_migrations(package: str = "storage") -> list[Migration]:
    """The migrations shipped in ``package``'s ``migrations`` folder, in order (SQLite's by
    default; ``storage.postgres`` has PostgreSQL's twins, numbered alike)."""
    found = []
    for entry in resources.files(package).joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return found


async def schema_version(db: Database) -> int:
    rows = await db.read("PRAGMA user_version")
    return int(next(iter(rows))[0])


async def migrate(db: Database) -> list[Migration]:
    """Apply every migration newer than the database, each in its own transaction."""
    migrations = available_migrations()
    rows = await db.write("PRAGMA user_version")
    current = int(rows[0][0])
    if current > len(migrations):
        raise SchemaTooNew(
            f"the database is at schema version {current}, but this reachout knows only "
            f"{len(migrations)}; upgrade reachout before using this database"
        )
    applied = []
    for migration in migrations[current:]:
        await db.transaction(partial(_apply, migration))
        applied.append(migration)
    return applied


def _apply(migration: Migration, conn: sqlite3.Connection) -> None:
    """One migration and its version number, in one transaction (DDL included)."""
    conn.execute("BEGIN IMMEDIATE")
    for statement in _statements(migration.sql):
        conn.execute(statement)
    if migration.number in BACKFILLS:
        BACKFILLS[migration.number](conn)
    conn.execute(f"PRAGMA user_version = {migration.number}")


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if buffer.strip().endswith(";") and sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
