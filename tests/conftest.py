"""Shared fixtures: a real SQLite file in a temporary folder, a fixed clock, the console."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings

from adapters.console import ConsoleSession
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.runtime import Runtime
from tests import postgres

# Property tests check behaviour, never speed: a busy CI machine must not fail them on time.
settings.register_profile("reachout", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reachout")

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
"""A Thursday afternoon in New York (10:00 EST)."""

TIMEZONE = "America/New_York"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


BACKENDS = ["sqlite", "postgres"]
ON_BOTH_BACKENDS = pytest.mark.parametrize("backend_name", BACKENDS, indirect=True)
"""Put ``pytestmark = ON_BOTH_BACKENDS`` in a module to run its tests that use ``settings``
(``runtime``, ``console``) once on SQLite and once on PostgreSQL."""


@pytest.fixture
def backend_name(request: pytest.FixtureRequest) -> str:
    """The database the ``settings`` point at: SQLite unless a module asks for both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def settings(tmp_path: Path, backend_name: str) -> Settings:
    database = str(tmp_path / "reachout.db")
    if backend_name == "postgres":
        database = postgres.empty_database_sync()
    return load_settings(
        {"REACHOUT_DATABASE": database, "REACHOUT_TIMEZONE": TIMEZONE},
        env_file=None,
    )


@pytest_asyncio.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, clock) as opened:
        yield opened


class Console:
    """The full stack through the console adapter: run a line as a member, read the reply."""

    def __init__(self, session: ConsoleSession, database: Path, url: str | None = None) -> None:
        self.session = session
        self.database = database
        self.url = url

    async def run(self, line: str, as_name: str | None = None) -> str:
        if as_name is not None:
            self.session.name = as_name
        out = await self.session.run_line(line)
        assert out is not None
        return out

    def count(self, table: str) -> int:
        if self.url is not None:
            return postgres.table_counts(self.url, [table])[table]
        conn = sqlite3.connect(self.database)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        finally:
            conn.close()

    def snapshot(self) -> list[str]:
        """Every row of the database, to prove that something changed nothing."""
        if self.url is not None:
            return postgres.dump(self.url)
        conn = sqlite3.connect(self.database)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()


@pytest_asyncio.fixture
async def console(runtime: Runtime, tmp_path: Path) -> Console:
    session = ConsoleSession(runtime.port, "Alex", export_dir=tmp_path)
    await session.start()
    return Console(session, runtime.settings.database, runtime.settings.database_url)
