"""PostgreSQL's migrations are SQLite's twins, and apply once, even from two instances."""

from __future__ import annotations

import asyncio

import pytest

from storage.postgres.connection import open_postgres
from storage.postgres.schema import migrate, postgres_migrations, schema_version
from storage.schema import SchemaTooNew, available_migrations
from tests import postgres


def test_every_sqlite_migration_has_a_postgresql_twin_of_the_same_number_and_name() -> None:
    sqlite = [m.name for m in available_migrations()]
    assert [m.name for m in postgres_migrations()] == sqlite, (
        "a new SQLite migration needs its PostgreSQL twin, with the same file name, in "
        "storage/postgres/migrations/"
    )


async def test_instances_migrating_at_once_apply_each_migration_once() -> None:
    url = await postgres.empty_database()
    async with open_postgres(url, 2) as db:
        await db.execute("DROP TABLE reachout_schema")
        for table in [
            row["tablename"]
            for row in await db.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]:
            await db.execute(f'DROP TABLE "{table}" CASCADE')
        for row in await db.fetch(
            "SELECT p.oid::regprocedure::text AS f FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        ):
            await db.execute(f"DROP FUNCTION {row['f']} CASCADE")
        assert await schema_version(db) == 0
        async with open_postgres(url, 2) as other:
            applied = await asyncio.gather(migrate(db), migrate(other))
        numbers = sorted(m.number for done in applied for m in done)
        assert numbers == [m.number for m in postgres_migrations()]
        assert await schema_version(db) == len(postgres_migrations())
        assert await migrate(db) == []


async def test_a_database_from_a_newer_version_is_refused() -> None:
    url = await postgres.empty_database()
    async with open_postgres(url, 1) as db:
        await db.execute("INSERT INTO reachout_schema (number, name) VALUES (999, 'future')")
        try:
            with pytest.raises(SchemaTooNew, match="upgrade reachout"):
                await migrate(db)
        finally:
            await db.execute("DELETE FROM reachout_schema WHERE number = 999")
