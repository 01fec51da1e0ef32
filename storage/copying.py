"""``reachout copy-database FROM TO``: every row of one database into another, empty one.

Either end may be SQLite or PostgreSQL. Both are first migrated to this reachout's schema,
so they have the same tables and columns. The source is read in one snapshot; the target is
written in one transaction, which commits only if every table ends with as many rows as the
source has, and otherwise rolls back whole. Ids are kept, so everything still points where
it pointed.

Values cross between the backends' types by the PostgreSQL column's type: SQLite's text
instants, dates and times of day and its 0/1 flags become ``timestamptz``, ``date``,
``time`` and ``boolean``, and back. ``clock_checks.check_at``'s "look now" is ``'0000'`` on
SQLite and the epoch on PostgreSQL (see the migrations).

Tables that triggers fill from other tables' rows (``DERIVED``) are emptied in the target
and copied last, so they end exactly as in the source, not as the triggers rebuilt them. On
a PostgreSQL target the triggers are switched off for the copy (inside its transaction, so
they are on again whatever happens), which makes it several times faster; everything they
would write is in ``DERIVED``. A migration that adds a trigger writing anywhere else must
add that table to ``DERIVED``.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any, Protocol

import asyncpg

from storage.connection import from_db, open_database, to_db
from storage.postgres.connection import Conn, connect, open_postgres
from storage.postgres.schema import migrate as migrate_postgres
from storage.schema import migrate as migrate_sqlite

BATCH = 5000
DERIVED = ("member_totals", "clock_checks")
"""Tables written by triggers when their sources are inserted: copied last, as they are."""
BOOKKEEPING = {"reachout_schema"}
"""PostgreSQL's record of applied migrations (SQLite keeps it in ``user_version``)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SQLITE_LOOK_NOW = "0000"
_LOOK_NOW_COLUMNS = {("clock_checks", "check_at")}

Row = tuple[Any, ...]


def _ident(name: str) -> str:
    """A table or column name from a database's own catalog, quoted as an identifier. No
    value is ever spliced into a query: rows travel as bound parameters or through COPY."""
    return '"' + name.replace('"', '""') + '"'


def _names(columns: list[str]) -> str:
    return ", ".join(_ident(c) for c in columns)


class CopyRefused(Exception):
    """The copy cannot be made (target not empty, schemas differ); nothing was written."""


class CountsDiffer(Exception):
    """The target did not end with the source's row counts; it was rolled back."""

    def __init__(self, counts: list[TableCount]) -> None:
        super().__init__("row counts differ; the target was rolled back")
        self.counts = counts


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def is_postgres(location: str) -> bool:
    return location.lower().startswith(("postgresql://", "postgres://"))


def sqlite_file(location: str) -> Path:
    return Path(location[len("sqlite:///") :] if location.startswith("sqlite:///") else location)


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, table: str, rows: int) -> None: ...

    def finish(self) -> None: ...


class TextProgress:
    """A progress bar on a terminal; one line per table elsewhere (logs, CI)."""

    WIDTH = 30

    def __init__(self, stream: IO[str] = sys.stderr) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.table = ""
        self.live = stream.isatty()

    def start(self, total: int) -> None:
        self.total = total
        self._draw()

    def advance(self, table: str, rows: int) -> None:
        if table != self.table and self.table and not self.live:
            self.stream.write(f"copied {self.table}\n")
        self.table = table
        self.done += rows
        self._draw()

    def _draw(self) -> None:
        if not self.live:
            return
        share = self.done / self.total if self.total else 1.0
        filled = round(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(
            f"\r[{bar}] {share:4.0%} {self.done:,}/{self.total:,} rows {self.table:<16}"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\n")
        elif self.table:
            self.stream.write(f"copied {self.table}\n")
        self.stream.flush()


def _order(dependencies: dict[str, set[str]]) -> list[str]:
    """Tables so that each comes after the tables it references; derived ones last."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen:
            return
        seen.add(table)
        for needed in sorted(dependencies[table]):
            if needed in dependencies and needed != table:
                visit(needed)
        ordered.append(table)

    for table in sorted(t for t in dependencies if t not in DERIVED):
        visit(table)
    return ordered + [t for t in DERIVED if t in dependencies and t not in ordered]


# -- the two ends -------------------------------------------------------------------------


class Source(Protocol):
    kind: str

    async def tables(self) -> dict[str, list[str]]: ...

    async def dependencies(self) -> dict[str, set[str]]: ...

    async def count(self, table: str) -> int: ...

    def batches(self, table: str, columns: list[str]) -> AsyncIterator[list[Row]]: ...


class Target(Source, Protocol):
    async def pg_types(self) -> dict[tuple[str, str], str]: ...

    async def clear(self, table: str) -> None: ...

    async def insert(self, table: str, columns: list[str], rows: list[Row]) -> None: ...

    async def finish_ids(self, tables: list[str]) -> None: ...

    async def triggers(self, tables: list[str], *, on: bool) -> None: ...


class SqliteEnd:
    kind = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def tables(self) -> dict[str, list[str]]:
        names = [
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: [c[1] for c in self.conn.execute(f"PRAGMA table_info({_ident(name)})")]
            for name in names
        }

    async def dependencies(self) -> dict[str, set[str]]:
        return {
            name: {fk[2] for fk in self.conn.execute(f"PRAGMA foreign_key_list({_ident(name)})")}
            for name in await self.tables()
        }

    async def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {_ident(table)}").fetchone()[0])

    async def batches(self, table: str, columns: list[str]) -> AsyncIterator[list[Row]]:
        cursor = self.conn.execute(f"SELECT {_names(columns)} FROM {_ident(table)}")
        while rows := cursor.fetchmany(BATCH):
            yield [tuple(row) for row in rows]

    async def pg_types(self) -> dict[tuple[str, str], str]:
        return {}

    async def clear(self, table: str) -> None:
        self.conn.execute(f"DELETE FROM {_ident(table)}")

    async def insert(self, table: str, columns: list[str], rows: list[Row]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(
            f"INSERT INTO {_ident(table)} ({_names(columns)}) VALUES ({marks})", rows
        )

    async def finish_ids(self, tables: list[str]) -> None:
        """SQLite's next id is always past the largest: nothing to do."""

    async def triggers(self, tables: list[str], *, on: bool) -> None:
        """SQLite cannot switch triggers off; they are quick, and DERIVED is redone anyway."""


class PostgresEnd:
    kind = "postgres"

    async def triggers(self, tables: list[str], *, on: bool) -> None:
        """Switch the tables' own triggers (not the foreign-key checks) off or on again; if
        this role may not (it does not own the tables), they stay on: slower, same result."""
        if (not on and not await self._owns(tables)) or (on and not self._switched):
            return
        for table in tables:
            await self.conn.execute(
                f"ALTER TABLE {_ident(table)} {'ENABLE' if on else 'DISABLE'} TRIGGER USER"
            )

    async def _owns(self, tables: list[str]) -> bool:
        owned = await self.conn.fetchval(
            "SELECT bool_and(pg_has_role(tableowner, 'USAGE')) FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = ANY($1::text[])",
            tables,
        )
        self._switched = bool(owned)
        return self._switched

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._switched = False

    async def tables(self) -> dict[str, list[str]]:
        """Each table's written columns; generated ones (migration 0008) follow from them,
        as SQLite's ``table_info`` leaves them out too."""
        found = await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_generated = 'NEVER' "
            "ORDER BY table_name, ordinal_position"
        )
        tables: dict[str, list[str]] = {}
        for row in found:
            if row["table_name"] not in BOOKKEEPING:
                tables.setdefault(row["table_name"], []).append(row["column_name"])
        return tables

    async def pg_types(self) -> dict[tuple[str, str], str]:
        found = await self.conn.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        return {(r["table_name"], r["column_name"]): r["data_type"] for r in found}

    async def dependencies(self) -> dict[str, set[str]]:
        found = await self.conn.fetch(
            "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema()"
        )
        dependencies: dict[str, set[str]] = {t: set() for t in await self.tables()}
        for row in found:
            dependencies.setdefault(row["child"], set()).add(row["parent"])
        return dependencies

    async def count(self, table: str) -> int:
        return int(await self.conn.fetchval(f"SELECT count(*) FROM {_ident(table)}"))

    async def batches(self, table: str, columns: list[str]) -> AsyncIterator[list[Row]]:
        cursor = await self.conn.cursor(f"SELECT {_names(columns)} FROM {_ident(table)}")
        while rows := await cursor.fetch(BATCH):
            yield [tuple(row.values()) for row in rows]

    async def clear(self, table: str) -> None:
        await self.conn.execute(f"DELETE FROM {_ident(table)}")

    async def insert(self, table: str, columns: list[str], rows: list[Row]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=columns)

    async def finish_ids(self, tables: list[str]) -> None:
        """Move each table's id identity past the largest id copied, so new rows get fresh
        ids (``tables``: those with an ``id`` column)."""
        for table in tables:
            sequence = await self.conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
            if sequence is None:
                continue
            await self.conn.execute(
                f"SELECT setval($1, coalesce((SELECT max(id) FROM {_ident(table)}), 0) + 1, false)",
                sequence,
            )


# -- converting values --------------------------------------------------------------------


def _to_postgres(table: str, column: str, pg_type: str) -> Callable[[Any], Any]:
    look_now = (table, column) in _LOOK_NOW_COLUMNS

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if pg_type == "timestamp with time zone":
            if look_now and value == _SQLITE_LOOK_NOW:
                return _EPOCH
            return from_db(value)
        if pg_type == "date":
            return date.fromisoformat(value)
        if pg_type.startswith("time"):
            return time.fromisoformat(value)
        if pg_type == "boolean":
            return bool(value)
        return value

    return convert


def _to_sqlite(table: str, column: str) -> Callable[[Any], Any]:
    look_now = (table, column) in _LOOK_NOW_COLUMNS

    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return _SQLITE_LOOK_NOW if look_now and value == _EPOCH else to_db(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return value.strftime("%H:%M")
        if isinstance(value, bool):
            return int(value)
        return value

    return convert


def _converters(
    source: Source, target: Target, table: str, columns: list[str], types: dict[Any, str]
) -> list[Callable[[Any], Any]] | None:
    if source.kind == target.kind:
        return None
    if target.kind == "postgres":
        return [_to_postgres(table, c, types[(table, c)]) for c in columns]
    return [_to_sqlite(table, c) for c in columns]


# -- the copy -----------------------------------------------------------------------------


async def copy_rows(source: Source, target: Target, progress: Progress) -> list[TableCount]:
    """Copy every table; call inside the target's transaction and the source's snapshot."""
    source_tables, target_tables = await source.tables(), await target.tables()
    if source_tables.keys() != target_tables.keys() or any(
        sorted(source_tables[t]) != sorted(target_tables[t]) for t in source_tables
    ):
        raise CopyRefused(
            "the two databases have different tables or columns; are both this version of "
            "reachout's schema?"
        )
    filled = {t: n for t in target_tables if (n := await target.count(t))}
    if filled:
        listed = ", ".join(f"{n:,} in {t}" for t, n in sorted(filled.items()))
        raise CopyRefused(f"the target is not empty ({listed}); copy only into an empty one")
    order = _order(await source.dependencies())
    counts = {t: await source.count(t) for t in order}
    types = await target.pg_types() if target.kind == "postgres" else {}
    progress.start(sum(counts.values()))
    await target.triggers(order, on=False)
    for table in order:
        columns = source_tables[table]
        if table in DERIVED:
            await target.clear(table)
        convert = _converters(source, target, table, columns, types)
        async for batch in source.batches(table, columns):
            rows = batch
            if convert is not None:
                rows = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in batch]
            await target.insert(table, columns, rows)
            progress.advance(table, len(rows))
    progress.finish()
    await target.triggers(order, on=True)
    await target.finish_ids([t for t in order if "id" in source_tables[t]])
    result = [TableCount(t, counts[t], await target.count(t)) for t in order]
    if any(c.source != c.target for c in result):
        raise CountsDiffer(result)
    return result


@asynccontextmanager
async def _sqlite_source(path: Path) -> AsyncIterator[Source]:
    if not path.is_file():
        raise CopyRefused(f"{path} does not exist")
    async with open_database(path) as db:
        await migrate_sqlite(db)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")  # one read snapshot for the whole copy (WAL)
        yield SqliteEnd(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


@asynccontextmanager
async def _sqlite_target(path: Path) -> AsyncIterator[Target]:
    created = not path.exists()
    try:
        async with open_database(path) as db:
            await migrate_sqlite(db)
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteEnd(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
    except BaseException:
        if created:  # leave no empty database behind a copy that did not happen
            for leftover in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)
        raise


@asynccontextmanager
async def _postgres_end(url: str, *, readonly: bool) -> AsyncIterator[PostgresEnd]:
    async with open_postgres(url, 1) as db:
        await migrate_postgres(db)
    conn = await connect(url)
    try:
        if readonly:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                yield PostgresEnd(conn)
        else:
            async with conn.transaction():
                yield PostgresEnd(conn)
            # Fresh statistics and visibility map for the planner, as after any bulk load,
            # rather than waiting for autovacuum to notice a million new rows.
            await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


def open_source(location: str) -> AbstractAsyncContextManager[Source]:
    if is_postgres(location):
        return _postgres_end(location, readonly=True)
    return _sqlite_source(sqlite_file(location))


def open_target(location: str) -> AbstractAsyncContextManager[Target]:
    if is_postgres(location):
        return _postgres_end(location, readonly=False)
    return _sqlite_target(sqlite_file(location))


async def copy_database(source: str, target: str, progress: Progress) -> list[TableCount]:
    """Copy everything from ``source`` to the empty ``target``, in one target transaction.

    Raises:
        CopyRefused: before writing anything (target not empty, schemas differ, no source).
        CountsDiffer: after copying, if any table's count differs; the target is unchanged.
    """
    if _same(source, target):
        raise CopyRefused("FROM and TO are the same database")
    async with open_source(source) as reading, open_target(target) as writing:
        return await copy_rows(reading, writing, progress)


def _same(source: str, target: str) -> bool:
    if is_postgres(source) or is_postgres(target):
        return source == target
    return sqlite_file(source).resolve() == sqlite_file(target).resolve()


def render_counts(counts: list[TableCount]) -> Iterator[str]:
    """The row-count comparison, one line per table."""
    width = max([len("table"), *(len(c.table) for c in counts)])
    yield f"{'table':<{width}}  {'FROM':>10}  {'TO':>10}"
    for c in counts:
        mark = "ok" if c.source == c.target else "DIFFERENT"
        yield f"{c.table:<{width}}  {c.source:>10,}  {c.target:>10,}  {mark}"


PROBLEMS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.DatabaseError)
"""What a database that cannot be reached or used raises, for the CLI to report."""
