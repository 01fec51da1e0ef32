"""A PostgreSQL server for the tests: the one named by ``REACHOUT_TEST_POSTGRES_URL``, or a
throwaway cluster started here from the server binaries, or none (the tests are skipped).

The database the tests get is emptied: its tables are dropped once per run, the schema
migrated from nothing, and every table truncated before each test that asks for it. Point
``REACHOUT_TEST_POSTGRES_URL`` only at a database the tests may empty.

In CI (``CI=true``) a test that needs PostgreSQL fails instead of skipping when no server
can be had: CI must prove the PostgreSQL backend, not quietly leave it out.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

URL_SETTING = "REACHOUT_TEST_POSTGRES_URL"
HOW_TO_ENABLE = (
    f"set {URL_SETTING}=postgresql://user:password@host/db (a database the tests may "
    "empty), or install the PostgreSQL server (initdb, pg_ctl)"
)
SERVER_BINARIES = "/usr/lib/postgresql/*/bin"
SOCKET_PORT = 5499

T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end from sync code, even inside a running event loop."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(make()))
        except BaseException as problem:
            failure.append(problem)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


@dataclass
class _Cluster:
    """A cluster this process started in a temporary folder, stopped at exit."""

    bindir: Path
    folder: Path
    user: str | None

    def command(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        return ["runuser", "-u", self.user, "--", *args]

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            self.command(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _server_binaries() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(glob.glob(SERVER_BINARIES), reverse=True)
    return Path(found[0]) if found else None


def _unprivileged_user() -> str | bool | None:
    """None when already unprivileged; the user to run the server as when root; False when
    root with no such user (initdb refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return name
    return False


def _start_cluster() -> str | None:
    """Start a throwaway cluster on a Unix socket; its URL, or None if it cannot be done."""
    bindir = _server_binaries()
    user = _unprivileged_user()
    if bindir is None or user is False:
        return None
    assert user is None or isinstance(user, str)
    folder = Path(tempfile.mkdtemp(prefix="reachout-pg-"))
    if user is not None:
        shutil.chown(folder, user)
    cluster = _Cluster(bindir, folder, user)
    data = folder / "data"
    options = (
        f"-k {folder} -p {SOCKET_PORT} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    try:
        for step in (
            (
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "reachout",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            (
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
        ):
            subprocess.run(cluster.command(*step), capture_output=True, check=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        cluster.stop()
        return None
    atexit.register(cluster.stop)
    return f"postgresql://reachout@/postgres?host={folder}&port={SOCKET_PORT}"


_url: str | None = None
_looked = False
_reset_done = False
_lock = threading.Lock()


def server_url() -> str:
    """A database URL for the tests; skips the test (fails it in CI) if there is none."""
    global _url, _looked
    with _lock:
        if not _looked:
            _looked = True
            _url = os.environ.get(URL_SETTING) or _start_cluster()
    if _url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests, and found no server: {HOW_TO_ENABLE}")
        pytest.skip(f"PostgreSQL tests skipped: {HOW_TO_ENABLE}")
    return _url


async def _tables(conn: asyncpg.Connection) -> list[str]:
    found = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row["tablename"] for row in found]


async def _reset(conn: asyncpg.Connection) -> None:
    """Drop every table and function of the schema, then migrate it from nothing."""
    from storage.postgres.connection import open_postgres
    from storage.postgres.schema import migrate

    for table in await _tables(conn):
        await conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    functions = await conn.fetch(
        "SELECT p.oid::regprocedure::text AS signature FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
    )
    for row in functions:
        await conn.execute(f"DROP FUNCTION IF EXISTS {row['signature']} CASCADE")
    async with open_postgres(server_url(), 1) as db:
        await migrate(db)


async def empty_database() -> str:
    """The test database, migrated and with every table empty; its URL."""
    global _reset_done
    url = server_url()
    conn = await asyncpg.connect(url)
    try:
        if not _reset_done:
            await _reset(conn)
            _reset_done = True
        tables = [t for t in await _tables(conn) if t != "reachout_schema"]
        await conn.execute(
            f"TRUNCATE {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables)} "
            "RESTART IDENTITY CASCADE"
        )
    finally:
        await conn.close()
    return url


def empty_database_sync() -> str:
    """``empty_database`` from sync code (a fixture that is not async)."""
    url = server_url()  # skips or fails here, in the test's own thread
    assert url
    return run_async(empty_database)


async def query(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def table_counts(url: str, tables: list[str]) -> dict[str, int]:
    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(url)
        try:
            sql = 'SELECT count(*) FROM "{}"'  # names from the catalog or the test
            return {t: int(await conn.fetchval(sql.format(t))) for t in tables}
        finally:
            await conn.close()

    return run_async(count)


def dump(url: str) -> list[str]:
    """Every row of every table, as text, in a stable order."""

    async def rows() -> list[str]:
        conn = await asyncpg.connect(url)
        try:
            lines = []
            for table in await _tables(conn):
                if table == "reachout_schema":
                    continue
                for row in await conn.fetch(f'SELECT * FROM "{table}" ORDER BY 1'):  # noqa: S608
                    lines.append(f"{table}: {tuple(row.values())!r}")
            return lines
        finally:
            await conn.close()

    return run_async(rows)
