"""The scheduler lease on SQLite: an exclusive lock on ``<database>.lock``.

The operating system drops the lock when the process ends, however it ends (SIGKILL
included), so a stale lock never blocks a restart. The file names the holder, for the
message a second process logs.
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)  # every process locks the same byte, the first
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class FileLease:
    """The lease as a lock file beside the database."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._handle: IO[str] | None = None

    async def acquire(self) -> bool:
        # A lock file is opened and locked without waiting: nothing here blocks the loop.
        return self.acquire_now()

    def acquire_now(self) -> bool:
        if self._handle is not None:
            return True
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while leased
        if not _try_lock(handle):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {started}\n")
        handle.flush()
        self._handle = handle
        return True

    async def held(self) -> bool:
        return self._handle is not None

    async def holder(self) -> str:
        return self.holder_now()

    def holder_now(self) -> str:
        try:
            said = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            said = ""
        return f"{said or 'another process'}; lock file {self.path}"

    async def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None
