"""The backends held to the storage contracts, and the fixtures every contract test uses.

A backend is one entry of ``BACKENDS``: a name and a function that opens a fresh, empty
storage (schema in place) and closes it on exit. Every test in this folder runs once per
entry, through the ``Store`` and ``Ledger`` protocols only; adding a backend is adding an
entry here and nothing else. This is the only file of the suite that imports ``storage``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.models import Cohort, Member, Workspace
from bot.nudges.ledger import Ledger
from bot.store import Store
from storage.connection import open_database
from storage.ledger import SqliteLedger
from storage.postgres.connection import IntegrityError as PostgresIntegrityError
from storage.postgres.connection import open_postgres
from storage.postgres.ledger import PostgresLedger
from storage.postgres.store import PostgresStore
from storage.repository import SqliteStore
from storage.schema import migrate
from tests import postgres
from tests.storage.contract.builders import NOW


@dataclass(frozen=True)
class Backend:
    """One storage as the core sees it, and the error it raises on a broken constraint."""

    store: Store
    ledger: Ledger
    integrity_error: type[Exception]


Opener = Callable[[Path], AbstractAsyncContextManager[Backend]]
"""Opens a fresh backend; it may keep files in the given empty folder."""


@asynccontextmanager
async def sqlite_backend(folder: Path) -> AsyncIterator[Backend]:
    async with open_database(folder / "contract.sqlite") as db:
        await migrate(db)
        yield Backend(SqliteStore(db), SqliteLedger(db), sqlite3.IntegrityError)


@asynccontextmanager
async def postgres_backend(folder: Path) -> AsyncIterator[Backend]:
    """The test server's database, emptied (see ``tests/postgres.py``; skipped without one)."""
    async with open_postgres(await postgres.empty_database(), pool_size=4) as db:
        yield Backend(PostgresStore(db), PostgresLedger(db), PostgresIntegrityError)


BACKENDS: dict[str, Opener] = {"sqlite": sqlite_backend, "postgres": postgres_backend}


@pytest_asyncio.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store


@pytest.fixture
def ledger(backend: Backend) -> Ledger:
    return backend.ledger


@pytest.fixture
def integrity_error(backend: Backend) -> type[Exception]:
    return backend.integrity_error


@pytest_asyncio.fixture
async def workspace(store: Store) -> Workspace:
    return await store.ensure_workspace("console", "ws-1", "Lab", NOW)


@pytest_asyncio.fixture
async def cohort(store: Store, workspace: Workspace) -> Cohort:
    """The workspace's first cohort, not yet bound to a channel."""
    return await store.create_cohort(workspace.id, None, "Fall", "UTC", 0, 3, NOW)


@pytest_asyncio.fixture
async def member(store: Store, workspace: Workspace, cohort: Cohort) -> Member:
    return await store.add_member(workspace.id, "u-ana", "Ana", cohort.id, NOW)
