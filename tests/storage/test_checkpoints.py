"""WAL checkpoints from a timer: the WAL stays bounded, nothing is lost, readers agree.

The policies here are small and quick (the real one: every second, 4 and 16 MiB), so a
few MiB of writes exercise every mode.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.checkpoints import MIB, CheckpointPolicy, Mode
from storage.connection import Database, open_database

QUICK = CheckpointPolicy(every_seconds=0.01, restart_bytes=256 * 1024, truncate_bytes=MIB)
BLOB = 16 * 1024


def wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def insert_blobs(db: Database, count: int, path: Path) -> int:
    """``count`` rows of ``BLOB`` bytes, one transaction each; the largest WAL seen."""
    largest = 0
    for n in range(count):
        await db.write("INSERT INTO blobs (n, body) VALUES (?, randomblob(?))", (n, BLOB))
        largest = max(largest, wal_size(path))
    return largest


async def test_the_writer_leaves_checkpoints_to_the_timer(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        assert (await db.write("PRAGMA wal_autocheckpoint"))[0][0] == 0
        assert db.checkpointer.running


async def test_without_the_timer_the_wal_grows_with_every_write(tmp_path: Path) -> None:
    """The control for the next test: with automatic checkpoints off, nothing bounds it."""
    path = tmp_path / "db.sqlite"
    idle = CheckpointPolicy(every_seconds=3600)
    async with open_database(path, checkpoints=idle) as db:
        await db.write("CREATE TABLE blobs (n INTEGER, body BLOB)")
        largest = await insert_blobs(db, 400, path)
    assert largest > 400 * BLOB


async def test_the_wal_stays_bounded_under_a_stream_of_writes(tmp_path: Path) -> None:
    """Batches of 400 KiB, each followed by the timer's next checkpoint: 24 MiB in all.

    Waiting for the timer (not calling it) keeps the bound exact on a busy machine: at
    most the truncate size plus one batch.
    """
    path = tmp_path / "db.sqlite"
    largest = 0
    async with open_database(path, checkpoints=QUICK) as db:
        await db.write("CREATE TABLE blobs (n INTEGER, body BLOB)")
        for _ in range(60):
            largest = max(largest, await insert_blobs(db, 25, path))
            await next_checkpoint(db)
        count = (await db.read("SELECT count(*) FROM blobs"))[0][0]
    assert count == 60 * 25
    assert largest < QUICK.truncate_bytes + 2 * 25 * BLOB, f"WAL reached {largest / MIB:.1f} MiB"


async def next_checkpoint(db: Database) -> None:
    """Wait until the timer has taken one more checkpoint."""
    async with asyncio.timeout(10):
        await db.checkpointer.wait_beyond(db.checkpointer.taken)


async def test_a_large_wal_is_restarted_then_truncated(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    idle = CheckpointPolicy(every_seconds=3600, restart_bytes=256 * 1024, truncate_bytes=MIB)
    async with open_database(path, checkpoints=idle) as db:
        await db.write("CREATE TABLE blobs (n INTEGER, body BLOB)")
        await insert_blobs(db, 20, path)  # about 320 KiB
        restarted = await db.checkpointer.checkpoint()
        await insert_blobs(db, 100, path)  # about 1.6 MiB more
        truncated = await db.checkpointer.checkpoint()
        assert wal_size(path) == 0
    assert (restarted.mode, restarted.busy) == (Mode.RESTART, False)
    assert (truncated.mode, truncated.busy) == (Mode.TRUNCATE, False)


async def test_the_timer_stops_when_the_database_closes(tmp_path: Path) -> None:
    before = asyncio.all_tasks()
    async with open_database(tmp_path / "db.sqlite", checkpoints=QUICK) as db:
        checkpointer = db.checkpointer
        await db.write("CREATE TABLE t (n INTEGER)")
        assert checkpointer.running
    assert not checkpointer.running
    assert not asyncio.all_tasks() - before
    with pytest.raises(RuntimeError, match="not running"):
        await checkpointer.checkpoint()


async def test_no_write_is_lost_while_checkpoints_run(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with open_database(path, checkpoints=QUICK) as db:
        await db.write("CREATE TABLE blobs (n INTEGER PRIMARY KEY, body BLOB)")
        writers = [
            asyncio.create_task(insert_rows(db, start, 200)) for start in range(0, 1000, 200)
        ]
        await asyncio.gather(*writers)
    conn = sqlite3.connect(path)
    try:
        numbers = [n for (n,) in conn.execute("SELECT n FROM blobs ORDER BY n")]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    assert numbers == list(range(1000))
    assert integrity == "ok"


async def insert_rows(db: Database, start: int, count: int) -> None:
    for n in range(start, start + count):
        await db.write("INSERT INTO blobs (n, body) VALUES (?, randomblob(?))", (n, BLOB))


async def test_a_reader_during_checkpoints_sees_consistent_data(tmp_path: Path) -> None:
    """Transfers keep the total at 1,000; every read, mid-checkpoint or not, must agree."""
    path = tmp_path / "db.sqlite"
    async with open_database(path, checkpoints=QUICK) as db:
        await db.write("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER, pad BLOB)")
        await db.write("INSERT INTO accounts VALUES (1, 1000, NULL), (2, 0, NULL)")

        def transfer(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE accounts SET balance = balance - 1, pad = randomblob(?) WHERE id = 1",
                (BLOB,),
            )
            conn.execute(
                "UPDATE accounts SET balance = balance + 1, pad = randomblob(?) WHERE id = 2",
                (BLOB,),
            )

        totals: set[int] = set()
        reads = 0

        async def read_while_writing(writing: asyncio.Task[None]) -> None:
            nonlocal reads
            while not writing.done():
                rows = await db.read("SELECT sum(balance) FROM accounts")
                totals.add(rows[0][0])
                reads += 1
                await asyncio.sleep(0)

        async def write_transfers() -> None:
            for _ in range(500):
                await db.transaction(transfer)
                await db.checkpointer.checkpoint()

        writing = asyncio.create_task(write_transfers())
        await asyncio.gather(writing, read_while_writing(writing))
        final = await db.read("SELECT balance FROM accounts ORDER BY id")
    assert totals == {1000}
    assert reads > 500
    assert [row[0] for row in final] == [500, 500]


def test_a_policy_with_sizes_the_wrong_way_round_is_refused() -> None:
    with pytest.raises(ValueError, match="restart_bytes <= truncate_bytes"):
        CheckpointPolicy(restart_bytes=2 * MIB, truncate_bytes=MIB)
    with pytest.raises(ValueError, match="every_seconds"):
        CheckpointPolicy(every_seconds=0)
