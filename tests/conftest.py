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

# Property tests check behaviour, never speed: a busy CI machine must not fail them on time.
settings.register_profile("reachout", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reachout")

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
"""A Thursday afternoon in New York (10:00 EST)."""

TIMEZONE = "America/New_York"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"REACHOUT_DATABASE": str(tmp_path / "reachout.db"), "REACHOUT_TIMEZONE": TIMEZONE},
        env_file=None,
    )


@pytest_asyncio.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with open_runtime(settings, clock) as opened:
        yield opened


class Console:
    """The full stack through the console adapter: run a line as a member, read the reply."""

    def __init__(self, session: ConsoleSession, database: Path) -> None:
        self.session = session
        self.database = database

    async def run(self, line: str, as_name: str | None = None) -> str:
        if as_name is not None:
            self.session.name = as_name
        out = await self.session.run_line(line)
        assert out is not None
        return out

    def count(self, table: str) -> int:
        conn = sqlite3.connect(self.database)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        finally:
            conn.close()

    def snapshot(self) -> list[str]:
        """Every row of the database, to prove that something changed nothing."""
        conn = sqlite3.connect(self.database)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()


@pytest_asyncio.fixture
async def console(runtime: Runtime, tmp_path: Path) -> Console:
    session = ConsoleSession(runtime.port, "Alex", export_dir=tmp_path)
    await session.start()
    return Console(session, runtime.settings.database)
