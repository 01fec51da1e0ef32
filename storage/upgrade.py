"""Upgrades that cannot lose data: a backup before any migration, and the old file back on failure.

Each migration is its own transaction, so a failing one undoes itself; restoring the backup also
undoes the ones that succeeded before it, so a failed upgrade leaves the database exactly as
the previous release left it, and that release can go on serving it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage import schema
from storage.connection import Database
from storage.schema import Migration, SchemaTooNew, schema_version

BACKUPS_KEPT = 3


@dataclass(frozen=True)
class Pending:
    """Where a database stands: its schema version and the migrations it still needs."""

    version: int
    migrations: list[Migration]


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the versions before and after, and the backup it wrote."""

    before: int
    after: int
    backup: Path | None


class UpgradeFailed(Exception):
    """A migration failed; the message says what, and that the database is as it was."""


async def pending(db: Database) -> Pending:
    """The migrations ``db`` still needs; refuses a database from a newer reachout."""
    known = schema.available_migrations()
    version = await schema_version(db)
    if version > len(known):
        raise SchemaTooNew(
            f"the database is at schema version {version}, but this reachout knows only "
            f"{len(known)}; upgrade reachout before using this database"
        )
    return Pending(version, known[version:])


def backup_path(database: Path, release: str) -> Path:
    """``<db>.pre-<release>.bak``, numbered when that release already wrote one."""
    candidate = database.with_name(f"{database.name}.pre-{release}.bak")
    counter = 2
    while candidate.exists():
        candidate = database.with_name(f"{database.name}.pre-{release}-{counter}.bak")
        counter += 1
    return candidate


def upgrade_backups(database: Path) -> list[Path]:
    """The backups written before upgrades of ``database``, oldest first."""
    found = database.parent.glob(f"{database.name}.pre-*.bak")
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def write_backup(db: Database, target: Path) -> None:
    """A self-contained copy (no ``-wal`` file beside it) through the online backup API."""
    db.backup_to(target)
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode = DELETE").fetchall()
    finally:
        copy.close()


def restore(backup: Path, database: Path) -> None:
    """Copy ``backup`` back over ``database`` page by page, while its connections stay open."""
    source = sqlite3.connect(backup)
    destination = sqlite3.connect(database)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


async def upgrade(db: Database, release: str, keep: int = BACKUPS_KEPT) -> Upgrade:
    """Back up a database that has a schema, then migrate it; restore the backup on failure.

    A new, empty database is migrated without a backup: there is nothing to lose. Only the
    ``keep`` newest upgrade backups are kept.
    """
    state = await pending(db)
    if not state.migrations:
        return Upgrade(state.version, state.version, None)
    backup = None
    if state.version > 0:
        backup = backup_path(db.path, release)
        write_backup(db, backup)
        for old in upgrade_backups(db.path)[:-keep]:
            old.unlink()
    try:
        applied = await schema.migrate(db)
    except (sqlite3.Error, OSError) as problem:
        failed = _first_unapplied(state, await schema_version(db))
        if backup is not None:
            restore(backup, db.path)
        kept = f"; a copy from before is at {backup}" if backup is not None else ""
        raise UpgradeFailed(
            f"migration {failed} failed ({problem}); the database is as it was, at schema "
            f"version {state.version}{kept}"
        ) from problem
    return Upgrade(state.version, applied[-1].number, backup)


def _first_unapplied(state: Pending, version_now: int) -> str:
    """The name of the migration that failed: the first one above where the database got to."""
    for migration in state.migrations:
        if migration.number > version_now:
            return migration.name
    return state.migrations[-1].name
