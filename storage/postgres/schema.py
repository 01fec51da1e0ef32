"""PostgreSQL's schema: the numbered migrations in ``storage/postgres/migrations/``.

They are the twins of SQLite's (``storage/migrations/``): the same number does the same
thing, in PostgreSQL's own types. A new SQLite migration gets its twin here as one new file
with the same number; ``tests/storage/test_postgres_schema.py`` fails until it has one.

Applied migrations are recorded in ``reachout_schema``; each runs in one transaction (DDL
included) while the session holds an advisory lock, so instances that start together apply
each one once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from storage.postgres.connection import Conn, PostgresDatabase
from storage.postgres.store import backfill_contact_states
from storage.schema import Migration, SchemaTooNew, available_migrations

PACKAGE = "storage.postgres"
MIGRATION_LOCK = 0x7265_6163_686F_7574  # "reachout"
"""The advisory lock key held while a migration runs."""
BACKFILLS: dict[int, Callable[[Conn], Awaitable[None]]] = {4: backfill_contact_states}
"""Python steps run after a migration's SQL, in its transaction (``storage.schema``'s twin)."""

_CREATE_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS reachout_schema (number integer PRIMARY KEY, "
    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
)


def postgres_migrations() -> list[Migration]:
    """PostgreSQL's migrations, in order."""
    return available_migrations(PACKAGE)


async def _version(conn: Conn) -> int:
    exists = await conn.fetchval("SELECT to_regclass('reachout_schema') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(number), 0) FROM reachout_schema"))


async def schema_version(db: PostgresDatabase) -> int:
    """The number of the latest migration applied; 0 for an empty database."""
    async with db.pool.acquire() as conn:
        return await _version(conn)


async def migrate(db: PostgresDatabase) -> list[Migration]:
    """Apply every migration newer than the database, each in its own transaction.

    The advisory lock is taken for the session before any transaction begins: a transaction
    that began while another instance was migrating could still see the schema as it was
    before that one's commit (its catalog cache is refreshed when a transaction starts).
    """
    migrations = postgres_migrations()
    applied: list[Migration] = []
    async with db.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            while True:
                async with conn.transaction():
                    current = await _version(conn)
                    if current > len(migrations):
                        raise SchemaTooNew(
                            f"the database is at schema version {current}, but this reachout "
                            f"knows only {len(migrations)}; upgrade reachout before using it"
                        )
                    if current == len(migrations):
                        return applied
                    migration = migrations[current]
                    await conn.execute(_CREATE_VERSION_TABLE)
                    await conn.execute(migration.sql)
                    if migration.number in BACKFILLS:
                        await BACKFILLS[migration.number](conn)
                    await conn.execute(
                        "INSERT INTO reachout_schema (number, name) VALUES ($1, $2)",
                        migration.number,
                        migration.name,
                    )
                applied.append(migration)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
