"""The SQLite layer: pragmas, migrations, transactions and online backup."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.models import ActionKind
from bot.store import NewAction
from storage.connection import from_db, open_database, to_db
from storage.repository import SqliteStore
from storage.schema import SchemaTooNew, available_migrations, migrate, schema_version

NOW = datetime(2026, 11, 26, 15, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 5, tzinfo=UTC)


async def test_the_database_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        pragmas = ("journal_mode", "foreign_keys", "busy_timeout")
        for rows in (
            {p: (await db.read(f"PRAGMA {p}"))[0][0] for p in pragmas},
            {p: (await db.write(f"PRAGMA {p}"))[0][0] for p in pragmas},
        ):
            assert rows == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


async def test_migrations_apply_once_and_record_the_schema_version(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        applied = await migrate(db)
        assert [m.number for m in applied] == [m.number for m in available_migrations()]
        assert await schema_version(db) == len(available_migrations())
        assert await migrate(db) == []


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    async with open_database(path) as db:
        with pytest.raises(SchemaTooNew, match="upgrade reachout"):
            await migrate(db)


async def test_a_failing_migration_leaves_the_schema_untouched(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE workspaces (id INTEGER)")  # clashes with migration 1
    conn.commit()
    conn.close()
    async with open_database(path) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db)
        assert await schema_version(db) == 0
        tables = await db.read("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert [row[0] for row in tables] == ["workspaces"]


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(
                "INSERT INTO members (workspace_id, user_id, display_name, created_at) "
                "VALUES (42, 'u', 'U', 'now')"
            )


async def test_a_failed_write_rolls_back_everything_it_did(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        store = SqliteStore(db)
        workspace = await store.ensure_workspace("console", "w", "W", NOW)

        def half_done(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE workspaces SET name = 'changed' WHERE id = ?", (workspace.id,))
            raise RuntimeError("crash in the middle of a use case")

        with pytest.raises(RuntimeError):
            await db.transaction(half_done)
        rows = await db.read("SELECT name FROM workspaces")
        assert [row[0] for row in rows] == ["W"]


async def test_a_capped_log_does_not_create_its_contact(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        store = SqliteStore(db)
        workspace = await store.ensure_workspace("console", "w", "W", NOW)
        cohort = await store.create_cohort(workspace.id, None, "C", "UTC", 0, 3, NOW)
        member = await store.add_member(workspace.id, "u", "U", cohort.id, NOW)

        def new(count: int, contact: str | None) -> NewAction:
            return NewAction(
                member.id,
                cohort.id,
                ActionKind.EMAIL_SENT,
                count,
                "",
                NOW,
                contact,
                None,
                NOW,
                20,
                LATER,
            )

        assert await store.log_action(new(20, None)) is not None
        assert await store.log_action(new(1, "Brand New")) is None
        assert await store.all_member_contacts(member.id) == []


async def test_concurrent_writes_are_serialised_and_all_kept(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        store = SqliteStore(db)
        workspace = await store.ensure_workspace("console", "w", "W", NOW)
        cohort = await store.create_cohort(workspace.id, None, "C", "UTC", 0, 3, NOW)
        members = [
            await store.add_member(workspace.id, f"u{n}", f"U{n}", cohort.id, NOW)
            for n in range(10)
        ]
        await asyncio.gather(
            *(
                store.log_action(
                    NewAction(
                        m.id,
                        cohort.id,
                        ActionKind.EMAIL_SENT,
                        1,
                        "",
                        NOW,
                        f"c{k}",
                        "O",
                        NOW,
                        20,
                        LATER,
                    )
                )
                for m in members
                for k in range(10)
            )
        )
        standings = await store.standings(cohort.id, [ActionKind.EMAIL_SENT], None, None)
        assert sorted(s.total for s in standings) == [10] * 10


async def test_backup_copies_a_consistent_database_while_it_is_in_use(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite"
    target = tmp_path / "backup.sqlite"
    async with open_database(source) as db:
        await migrate(db)
        store = SqliteStore(db)
        await store.ensure_workspace("console", "w", "Before backup", NOW)
        db.backup_to(target)
        await store.ensure_workspace("console", "w2", "After backup", NOW)
    copy = sqlite3.connect(target)
    names = [row[0] for row in copy.execute("SELECT name FROM workspaces")]
    version = copy.execute("PRAGMA user_version").fetchone()[0]
    copy.close()
    assert names == ["Before backup"]
    assert version == len(available_migrations())


def test_stored_instants_round_trip_and_sort_as_text() -> None:
    early = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    late = datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC)
    assert from_db(to_db(early)) == early
    assert to_db(early) < to_db(late)
    assert len(to_db(early)) == len(to_db(datetime(2030, 12, 31, 23, 59, tzinfo=UTC)))


@example(datetime(2016, 3, 13, 2, 30, tzinfo=ZoneInfo("America/New_York")))  # skipped hour
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
    )
)
def test_stored_instants_are_the_utc_instant_in_one_fixed_form(instant: datetime) -> None:
    text = to_db(instant)
    assert text == instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # A wall time the clocks skip (hypothesis finds them) is read as Python reads it in UTC.
    assert from_db(text) == instant.astimezone(UTC)
    assert len(text) == len("2026-01-02T03:04:05.000006Z")


async def test_a_cancelled_caller_never_leaves_a_transaction_half_done(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        store = SqliteStore(db)
        await store.ensure_workspace("console", "w", "W", NOW)

        def two_statements(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE workspaces SET name = 'first'")
            conn.execute("UPDATE workspaces SET name = name || ' and second'")

        task = asyncio.create_task(db.transaction(two_statements))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await db.write("SELECT 1")  # runs after the cancelled transaction, in order
        rows = await db.read("SELECT name FROM workspaces")
        assert [row[0] for row in rows] in (["W"], ["first and second"])


async def test_concurrent_transactions_stay_separate_when_sent_together(tmp_path: Path) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)

        def add(n: int) -> Callable[[sqlite3.Connection], int]:
            def work(conn: sqlite3.Connection) -> int:
                conn.execute("INSERT INTO bot_state (key, value) VALUES (?, 'x')", (f"key-{n}",))
                if n == 7:
                    raise ValueError("this one fails after writing")
                return n

            return work

        results = await asyncio.gather(
            *(db.transaction(add(n)) for n in range(20)), return_exceptions=True
        )
        assert [r for r in results if isinstance(r, ValueError)] != []
        assert [r for r in results if not isinstance(r, Exception)] == [
            n for n in range(20) if n != 7
        ]
        keys = {row[0] for row in await db.read("SELECT key FROM bot_state")}
        assert keys == {f"key-{n}" for n in range(20) if n != 7}


def _put(key: str, fail: bool = False) -> Callable[[sqlite3.Connection], str]:
    def work(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO bot_state (key, value) VALUES (?, 'x')", (key,))
        if fail:
            raise ValueError("fails after writing")
        return key

    return work


async def test_a_short_transaction_on_an_idle_writer_is_written_without_yielding(
    tmp_path: Path,
) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        others_ran: list[bool] = []
        asyncio.get_running_loop().call_soon(others_ran.append, True)
        assert await db.transaction(_put("now"), short=True) == "now"
        assert others_ran == []  # nothing else ran: no trip to the writer's thread
        assert [row[0] for row in await db.read("SELECT key FROM bot_state")] == ["now"]
        with pytest.raises(ValueError, match="fails after writing"):
            await db.transaction(_put("rolled back", fail=True), short=True)
        assert [row[0] for row in await db.read("SELECT key FROM bot_state")] == ["now"]


async def test_a_short_transaction_waits_for_a_held_lock_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    async with open_database(path) as db:
        await migrate(db)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holding the one write lock
        write = asyncio.create_task(db.transaction(_put("after the lock"), short=True))
        ticks = 0
        while ticks < 20:  # the loop keeps serving while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
        other.execute("ROLLBACK")
        other.close()
        assert await asyncio.wait_for(write, 5) == "after the lock"
        assert [row[0] for row in await db.read("SELECT key FROM bot_state")] == ["after the lock"]


async def test_short_transactions_behind_a_trip_are_all_kept_and_fail_alone(
    tmp_path: Path,
) -> None:
    async with open_database(tmp_path / "db.sqlite") as db:
        await migrate(db)
        long = asyncio.create_task(db.transaction(_put("long")))  # takes the thread
        await asyncio.sleep(0)
        results = await asyncio.gather(
            *(db.transaction(_put(f"short-{n}", fail=n == 3), short=True) for n in range(10)),
            return_exceptions=True,
        )
        assert await long == "long"
        assert [type(r) for r in results].count(ValueError) == 1
        keys = {row[0] for row in await db.read("SELECT key FROM bot_state")}
        assert keys == {"long"} | {f"short-{n}" for n in range(10) if n != 3}
