"""WAL checkpoints from a timer, so no write pays for one.

SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages,
on the writer's thread: about one commit in a hundred waited 10-17 ms for it (log_action's
p99). The writer turns it off (``wal_autocheckpoint = 0``) and this timer takes over: a
PASSIVE checkpoint about once a second while there were writes, which copies pages back
without blocking readers or the writer. If the WAL still holds more than a few MiB (a burst,
or a reader that kept an old snapshot), a RESTART lets the next write start it from the
top again, and once its file is past a larger size a TRUNCATE gives the disk space back.
Those two wait for the writer's lock, so they fall between transactions, never inside one.

The checkpoints run on their own connection on a worker thread: the event loop keeps
serving, and the writer's thread stays free for writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

log = logging.getLogger(__name__)

MIB = 1024 * 1024


class Mode(StrEnum):
    """SQLite's checkpoint modes, mildest first."""

    PASSIVE = "PASSIVE"
    RESTART = "RESTART"
    TRUNCATE = "TRUNCATE"


@dataclass(frozen=True)
class CheckpointPolicy:
    """How often to checkpoint, and the WAL sizes that call for a firmer one."""

    every_seconds: float = 1.0
    restart_bytes: int = 4 * MIB
    truncate_bytes: int = 16 * MIB

    def __post_init__(self) -> None:
        if self.every_seconds <= 0:
            raise ValueError("every_seconds must be positive")
        if not 0 < self.restart_bytes <= self.truncate_bytes:
            raise ValueError("need 0 < restart_bytes <= truncate_bytes")


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint's result: the WAL's size in frames and how many are back in the file."""

    mode: Mode
    busy: bool
    wal_frames: int
    checkpointed_frames: int


class Checkpointer:
    """The timer: started with the database, stopped (and its connection closed) before it.

    ``commits`` is read each tick; a checkpoint is taken only when it moved, so an idle bot
    does nothing.
    """

    def __init__(
        self, path: Path, commits: Callable[[], int], policy: CheckpointPolicy | None = None
    ) -> None:
        self._path = path
        self._commits = commits
        self.policy = policy or CheckpointPolicy()
        self._conn: sqlite3.Connection | None = None
        self._page_size = 4096
        self._task: asyncio.Task[None] | None = None
        self._seen = 0
        self.taken = 0
        """Checkpoints taken so far, by the timer or by ``checkpoint``."""
        self._took = asyncio.Event()
        self._one_at_a_time = asyncio.Lock()
        self._on_thread: asyncio.Future[tuple[int, int, int]] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, busy_timeout_ms: int) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}").fetchall()
            self._page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._seen = self._commits()
        self._task = asyncio.create_task(self._tick(), name="sqlite-checkpoints")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._on_thread is not None:
            # Cancelling an await does not stop the thread: let it finish before closing.
            with contextlib.suppress(Exception):
                await self._on_thread
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.policy.every_seconds)
            commits = self._commits()
            if commits == self._seen:
                continue
            self._seen = commits
            try:
                await self.checkpoint()
            except sqlite3.Error as problem:
                log.warning("database: WAL checkpoint failed (%s); trying again", problem)

    async def checkpoint(self) -> Checkpoint:
        """A PASSIVE checkpoint, then a TRUNCATE if the WAL's file has grown too big, or a
        RESTART if the log in it is still long."""
        done = await self._run(Mode.PASSIVE)
        if self._wal_file_bytes() >= self.policy.truncate_bytes:
            done = await self._run(Mode.TRUNCATE)
        elif done.wal_frames * self._page_size >= self.policy.restart_bytes:
            done = await self._run(Mode.RESTART)
        self.taken += 1
        self._took.set()
        return done

    async def wait_beyond(self, taken: int) -> None:
        """Return once more than ``taken`` checkpoints have been taken: for whoever needs to
        know the timer has caught up (the tests, a backup)."""
        while self.taken <= taken:
            self._took.clear()
            await self._took.wait()

    def _wal_file_bytes(self) -> int:
        try:
            return self._path.with_name(self._path.name + "-wal").stat().st_size
        except FileNotFoundError:
            return 0

    async def _run(self, mode: Mode) -> Checkpoint:
        async with self._one_at_a_time:
            conn = self._conn
            if conn is None:
                raise RuntimeError("the checkpointer is not running")
            self._on_thread = asyncio.ensure_future(asyncio.to_thread(_checkpoint, conn, mode))
            busy, frames, back = await asyncio.shield(self._on_thread)
        if busy:
            log.debug("database: %s checkpoint was blocked by a reader or writer", mode)
        return Checkpoint(mode, bool(busy), frames, back)


def _checkpoint(conn: sqlite3.Connection, mode: Mode) -> tuple[int, int, int]:
    busy, frames, back = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    return int(busy), int(frames), int(back)
