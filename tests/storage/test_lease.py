"""The scheduler lease: one holder per database, free again once the holder lets go."""

from __future__ import annotations

from pathlib import Path

from bot.nudges.lease import Lease
from storage.lease import FileLease
from storage.postgres.lease import AdvisoryLease
from tests import postgres


async def check_one_holder_at_a_time(first: Lease, second: Lease) -> None:
    assert await first.acquire()
    assert await first.acquire()  # taking it again is keeping it
    assert not await second.acquire()
    assert "pid" in await second.holder()
    assert await first.held()
    assert not await second.held()
    await first.release()
    assert not await first.held()
    assert await second.acquire()
    assert not await first.acquire()
    await second.release()


async def test_the_sqlite_lease_is_a_lock_file_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "reachout.db"
    await check_one_holder_at_a_time(FileLease(database), FileLease(database))
    assert (tmp_path / "reachout.db.lock").exists()


async def test_the_postgresql_lease_is_an_advisory_lock() -> None:
    url = await postgres.empty_database()
    await check_one_holder_at_a_time(AdvisoryLease(url), AdvisoryLease(url))
