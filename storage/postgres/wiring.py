"""What the CLI needs to run on PostgreSQL: the storage opened and migrated, the lease, and
clear one-line errors for a server that cannot be reached or used."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.config import Settings, redact_url
from bot.nudges.ledger import Ledger
from bot.store import Store
from storage.postgres.connection import PostgresDatabase, open_postgres
from storage.postgres.lease import AdvisoryLease
from storage.postgres.ledger import PostgresLedger
from storage.postgres.schema import migrate, postgres_migrations, schema_version
from storage.postgres.store import PostgresStore
from storage.schema import SchemaTooNew
from storage.upgrade import Pending


class Unusable(Exception):
    """The PostgreSQL database cannot be reached or used; the message says why."""


PROBLEMS = (OSError, socket.gaierror, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)
"""What a server that is down, refusing or broken raises."""


def _why(url: str, problem: BaseException) -> Unusable:
    detail = str(problem).strip() or type(problem).__name__
    return Unusable(f"cannot use {redact_url(url)} ({detail})")


@asynccontextmanager
async def open_database(
    settings: Settings, *, upgrade: bool = True
) -> AsyncIterator[PostgresDatabase]:
    """The pool, with the schema migrated unless ``upgrade`` is False."""
    assert settings.database_url is not None
    url = settings.database_url
    async with AsyncExitStack() as stack:
        try:
            db = await stack.enter_async_context(open_postgres(url, settings.pool_size))
            if upgrade:
                await migrate(db)
        except SchemaTooNew as problem:
            raise Unusable(str(problem)) from None
        except PROBLEMS as problem:
            raise _why(url, problem) from None
        yield db


@asynccontextmanager
async def open_storage(
    settings: Settings,
) -> AsyncIterator[tuple[Store, Ledger, PostgresDatabase]]:
    """The store and ledger on the migrated database, and the pool for health checks."""
    async with open_database(settings) as db:
        yield PostgresStore(db), PostgresLedger(db), db


async def migrate_database(settings: Settings) -> tuple[int, int]:
    """``reachout migrate``: the schema version before and after."""
    async with open_database(settings, upgrade=False) as db:
        try:
            before = await schema_version(db)
            await migrate(db)
            return before, await schema_version(db)
        except SchemaTooNew as problem:
            raise Unusable(str(problem)) from None
        except PROBLEMS as problem:
            raise _why(db.url, problem) from None


async def pending_migrations(settings: Settings) -> Pending:
    """``reachout migrate --check`` and ``doctor``: the schema and what is not applied yet."""
    async with open_database(settings, upgrade=False) as db:
        try:
            version = await schema_version(db)
        except PROBLEMS as problem:
            raise _why(db.url, problem) from None
    known = postgres_migrations()
    if version > len(known):
        raise Unusable(
            f"the database is at schema version {version}, but this reachout knows only "
            f"{len(known)}; upgrade reachout before using it"
        )
    return Pending(version, known[version:])


def scheduler_lease(settings: Settings) -> AdvisoryLease:
    assert settings.database_url is not None
    return AdvisoryLease(settings.database_url)


def without_password(url: str) -> str:
    """The URL with no password: pg_dump asks for it, or reads PGPASSWORD or ~/.pgpass."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def pg_dump_command(url: str, path: str) -> list[str]:
    """The ``pg_dump`` call that backs the database up to ``path`` (custom format)."""
    return ["pg_dump", "--format=custom", f"--file={path}", f"--dbname={without_password(url)}"]
