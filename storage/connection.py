"""Opening the SQLite database: pragmas, one writer path, a reader, always closed.

Writes go through aiosqlite: each transaction is one function run whole on its writer
thread, so a write that waits for a lock held by another process never stalls the bot.

Reads run on the event loop's own thread, straight through ``sqlite3``. They are short,
indexed queries on a WAL database, which never wait for a writer; handing each one to a
worker thread and back costs more than the query itself, and under load those hand-offs
queued behind each other: with 50 commands in flight, Discord's p99 answer time fell from
about 200 ms to about 55 ms when reads stopped crossing threads (docs/benchmarks.md).

WAL checkpoints run from a timer on a third connection (storage/checkpoints.py), never
inside a commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from storage.checkpoints import Checkpointer, CheckpointPolicy

BUSY_TIMEOUT_MS = 5000


def to_db(instant: datetime) -> str:
    """A fixed-width UTC text form, so stored instants sort and compare as strings:
    ``2026-01-02T03:04:05.000006Z``. ``isoformat`` writes it in two thirds of the time
    ``strftime`` takes (a command converts a few dozen instants, most already in UTC)."""
    utc = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"


def from_db(text: str) -> datetime:
    """Parse ``to_db`` text; ``fromisoformat`` is many times faster than ``strptime``."""
    return datetime.fromisoformat(text)


PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)


async def _configure_writer(conn: aiosqlite.Connection) -> None:
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        await conn.execute_fetchall(pragma)
    await conn.execute_fetchall("PRAGMA journal_mode = WAL")
    await conn.execute_fetchall("PRAGMA wal_autocheckpoint = 0")


def _open_reader(path: Path) -> sqlite3.Connection:
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.row_factory = sqlite3.Row
        for pragma in (*PRAGMAS, "PRAGMA query_only = ON"):
            reader.execute(pragma).fetchall()
    except BaseException:
        reader.close()
        raise
    return reader


T = TypeVar("T")


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    try:
        result = work(conn)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return result


Outcome = tuple[bool, object]
"""(True, result) or (False, the exception), for one transaction of a batch."""


def _in_transactions(
    conn: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], object]]
) -> list[Outcome]:
    """Each work in its own transaction, one after another, on the writer's thread."""
    outcomes: list[Outcome] = []
    for work in works:
        try:
            outcomes.append((True, _in_transaction(conn, work)))
        except Exception as problem:
            outcomes.append((False, problem))
    return outcomes


@dataclass(frozen=True)
class _Waiting:
    """A transaction queued for the writer's thread, and who waits for it."""

    work: Callable[[sqlite3.Connection], object]
    future: asyncio.Future[object]
    short: bool


def _settle(future: asyncio.Future[object], ok: bool, value: object) -> None:
    """Hand a transaction's outcome to its caller, unless the caller is gone."""
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(cast(BaseException, value))


class Database:
    """The writer (on aiosqlite's thread; short transactions on the event loop when that
    thread is idle) and the reader (on the event loop).

    The writer's transactions run one at a time, which serialises writes without a lock
    held across awaits; a caller cancelled mid-way can never leave one half done. The
    reader sees every committed write (WAL mode).
    """

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: sqlite3.Connection,
        checkpoints: CheckpointPolicy | None = None,
    ):
        self.path = path
        self._writer = writer
        self._reader = reader
        self.commits = 0
        """Batches of transactions written so far: what tells the checkpointer to look."""
        self.checkpointer = Checkpointer(path, lambda: self.commits, checkpoints)
        self._waiting: list[_Waiting] = []
        self._sending: asyncio.Task[None] | None = None

    async def read(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """The rows of a query, from what is committed."""
        return self._reader.execute(sql, tuple(params)).fetchall()

    async def transaction(
        self, work: Callable[[sqlite3.Connection], T], *, short: bool = False
    ) -> T:
        """Run ``work`` as one transaction: committed if it returns, rolled back if it raises.

        Transactions that arrive while others are being written go to the writer's thread
        together, each still its own transaction: one trip for the lot instead of one each.
        A ``short`` one (a few rows: a logged action, a press) is written at once on the
        event loop instead, as reads are, when the thread is idle and the write lock free:
        a trip to the thread and back costs a busy loop several turns, each as long as all
        else it has to run. When the lock is held (a checkpoint, another process) it waits
        for it on the thread like the others, never on the loop.
        """
        if short and self._idle():
            written, result = self._here(work)
            if written:
                return result
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(work, future, short))
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_waiting())
        return cast(T, await asyncio.shield(future))

    def _idle(self) -> bool:
        """Whether nothing is on its way to the writer's thread, nor queued for it."""
        return not self._waiting and (self._sending is None or self._sending.done())

    def _here(self, work: Callable[[sqlite3.Connection], T]) -> tuple[bool, T]:
        """``work`` on the writer's connection, on the event loop, if the write lock can be
        had at once: (True, its result; or it raises), else (False, None) with nothing done.
        Only while the thread is idle, so the connection is never in use on both."""
        conn: sqlite3.Connection = self._writer._conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False, cast(T, None)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.commits += 1
        return True, _in_transaction(conn, work)

    def _write_here(self, batch: list[_Waiting]) -> list[_Waiting]:
        """Short transactions that queued behind a trip, written on the loop once it is
        back, so that writes under load do not keep the thread busy one trip after
        another; the ones the lock refuses are left for the next trip."""
        left = []
        for waiting in batch:
            try:
                written, value = self._here(waiting.work)
            except Exception as problem:
                _settle(waiting.future, False, problem)
                continue
            if written:
                _settle(waiting.future, True, value)
            else:
                left.append(waiting)
        return left

    async def _send_waiting(self) -> None:
        # aiosqlite has no public way to run a function on its thread; _execute is that way,
        # used only here (the version is pinned; tests/storage exercise it).
        run_on_thread: Callable[..., Awaitable[list[Outcome]]] = self._writer._execute
        while self._waiting:
            batch, self._waiting = self._waiting, []
            if all(w.short for w in batch):
                batch = self._write_here(batch)
                if not batch:
                    continue
            try:
                outcomes = await run_on_thread(
                    _in_transactions, self._writer._conn, [w.work for w in batch]
                )
            except BaseException as problem:
                outcomes = [(False, problem)] * len(batch)
            self.commits += 1
            for waiting, (ok, value) in zip(batch, outcomes, strict=True):
                _settle(waiting.future, ok, value)

    async def write(
        self, sql: str, params: Sequence[object] = (), *, short: bool = False
    ) -> list[sqlite3.Row]:
        """One statement as its own transaction; the rows it returns (``RETURNING``).
        ``short`` as for ``transaction``."""

        def work(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            return conn.execute(sql, tuple(params)).fetchall()

        return await self.transaction(work, short=short)

    def backup_to(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup, while writes may go on."""
        destination = sqlite3.connect(target)
        try:
            self._reader.backup(destination)
        finally:
            destination.close()

    async def close(self) -> None:
        """The checkpoint timer first; the writer last, whose close checkpoints what is left."""
        await self.checkpointer.stop()
        self._reader.close()
        await self._writer.close()


@asynccontextmanager
async def open_database(
    path: Path, *, checkpoints: CheckpointPolicy | None = None
) -> AsyncIterator[Database]:
    """Open (creating if needed) the database at ``path`` in WAL mode; close it on exit.

    ``checkpoints`` tunes the WAL checkpoint timer (tests make it quick and small).
    """
    # Not bound to its thread: short transactions are written on the event loop (``_here``).
    writer = await aiosqlite.connect(path, isolation_level="IMMEDIATE", check_same_thread=False)
    try:
        await _configure_writer(writer)
        reader = _open_reader(path)
    except BaseException:
        await writer.close()
        raise
    db = Database(path, writer, reader, checkpoints)
    try:
        await db.checkpointer.start(BUSY_TIMEOUT_MS)
        yield db
    finally:
        await db.close()
