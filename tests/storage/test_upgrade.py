"""Upgrades: a backup before any migration, every row kept, and a failed one undone whole."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bot
import storage.schema
from bot.cli import main
from storage.connection import open_database
from storage.schema import Migration, available_migrations
from storage.upgrade import BACKUPS_KEPT, UpgradeFailed, upgrade, upgrade_backups

ROWS = [
    "INSERT INTO workspaces (id, platform, external_id, name, created_at) "
    "VALUES (1, 'discord', '123456789012345678', 'Lab', '2026-11-20T15:00:00.000000Z')",
    "INSERT INTO cohorts (id, workspace_id, channel_id, name, timezone, created_at) "
    "VALUES (1, 1, '223456789012345678', 'Fall cohort', 'America/New_York', "
    "'2026-11-20T15:00:00.000000Z')",
    "INSERT INTO members (id, workspace_id, user_id, display_name, cohort_id, created_at) "
    "VALUES (1, 1, '323456789012345678', 'Alex', 1, '2026-11-20T15:00:00.000000Z')",
    "INSERT INTO organizers (cohort_id, member_id) VALUES (1, 1)",
    "INSERT INTO contacts (id, member_id, name, name_key, organization, created_at) "
    "VALUES (1, 1, 'Jane Doe', 'jane doe', 'Acme Labs', '2026-11-20T15:00:00.000000Z')",
    "INSERT INTO actions (member_id, cohort_id, contact_id, kind, occurred_at) "
    "VALUES (1, 1, 1, 'email_sent', '2026-11-20T15:00:00.000000Z')",
    "INSERT INTO actions (member_id, cohort_id, kind, count, occurred_at) "
    "VALUES (1, 1, 'email_sent', 2, '2026-11-20T15:00:00.000000Z')",
]
TABLES = ("workspaces", "cohorts", "members", "organizers", "contacts", "actions", "member_totals")


def previous_release_database(path: Path) -> None:
    """A database as reachout 0.1.0's first schema left it, with a cohort's data in it."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(available_migrations()[0].sql)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in ROWS:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def rows(path: Path, like: Path | None = None) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the old schema's tables, in the old schema's columns (those of ``like``)."""
    conn = sqlite3.connect(path)
    try:
        found = {}
        for table in TABLES:
            names = ", ".join(columns(like or path, table))
            query = f"SELECT {names} FROM {table} ORDER BY 1, 2"  # noqa: S608
            found[table] = conn.execute(query).fetchall()
        return found
    finally:
        conn.close()


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [*conn.iterdump(), f"user_version={conn.execute('PRAGMA user_version').fetchone()}"]
    finally:
        conn.close()


def reachout(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
    }
    env["REACHOUT_TIMEZONE"] = "UTC"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_upgrading_the_previous_releases_database_keeps_every_row_and_leaves_a_backup(
    tmp_path: Path,
) -> None:
    database = tmp_path / "reachout.db"
    previous_release_database(database)
    before = rows(database)

    result = reachout("migrate", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    backup = tmp_path / f"reachout.db.pre-{bot.__version__}.bak"
    assert result.stdout.splitlines() == [
        f"Backed up reachout.db to {backup.name} before migrating",
        f"reachout.db: schema 1 -> {len(available_migrations())}",
    ]
    assert rows(database, like=backup) == before
    assert rows(backup) == before
    assert all(before.values())
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone() == (1,)
    assert not (tmp_path / f"{backup.name}-wal").exists()  # the backup stands alone


def test_migrate_check_says_whether_migrations_are_pending_and_changes_nothing(
    tmp_path: Path,
) -> None:
    missing = reachout("migrate", "--check", cwd=tmp_path)
    assert missing.returncode == 1
    assert "does not exist yet" in missing.stdout
    assert not (tmp_path / "reachout.db").exists()

    previous_release_database(tmp_path / "reachout.db")
    before = dump(tmp_path / "reachout.db")
    behind = reachout("migrate", "--check", cwd=tmp_path)
    assert behind.returncode == 1
    assert behind.stdout.strip() == (
        f"reachout.db: schema 1, {len(PENDING)} pending ({', '.join(PENDING)}); "
        "run reachout migrate"
    )
    assert dump(tmp_path / "reachout.db") == before
    assert upgrade_backups(tmp_path / "reachout.db") == []

    assert reachout("migrate", cwd=tmp_path).returncode == 0
    current = reachout("migrate", "--check", cwd=tmp_path)
    assert (current.returncode, current.stderr) == (0, "")
    assert current.stdout.strip().endswith("up to date")


def failing_migration(number: int) -> Migration:
    """Creates a table and fills it, then fails on its third statement."""
    return Migration(
        number,
        f"{number:04d}_breaks_halfway.sql",
        "CREATE TABLE upgrade_notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n"
        "INSERT INTO upgrade_notes (text) SELECT name FROM contacts;\n"
        "UPDATE no_such_table SET x = 1;\n",
    )


PENDING = [m.name for m in available_migrations()[1:]]
"""What a database of the first release still needs."""
BROKEN = f"{len(available_migrations()) + 1:04d}_breaks_halfway.sql"


@pytest.fixture
def broken_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """This release's migrations followed by one that fails halfway."""
    shipped = available_migrations()
    monkeypatch.setattr(
        storage.schema,
        "available_migrations",
        lambda: [*shipped, failing_migration(len(shipped) + 1)],
    )


@pytest.mark.usefixtures("broken_release")
async def test_a_migration_failing_halfway_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    database = tmp_path / "reachout.db"
    previous_release_database(database)
    before = dump(database)

    async with open_database(database) as db:
        with pytest.raises(UpgradeFailed) as failed:
            await upgrade(db, "9.9.9")
        assert (await db.read("SELECT count(*) FROM contacts"))[0][0] == 1

    assert f"migration {BROKEN} failed (no such table: no_such_table)" in str(failed.value)
    assert "the database is as it was, at schema version 1" in str(failed.value)
    # The shipped migrations had succeeded before the broken one: they are undone too.
    assert dump(database) == before
    assert upgrade_backups(database) == [tmp_path / "reachout.db.pre-9.9.9.bak"]


@pytest.mark.usefixtures("broken_release")
def test_reachout_run_refuses_a_failed_upgrade_in_one_line_and_leaves_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("REACHOUT_", "DISCORD_", "SLACK_")):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    previous_release_database(tmp_path / "reachout.db")
    before = dump(tmp_path / "reachout.db")

    status = main(["console"])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"reachout: REACHOUT_DATABASE: migration {BROKEN} failed")
    assert len(err.strip().splitlines()) == 1
    assert dump(tmp_path / "reachout.db") == before


async def test_a_new_database_needs_no_backup_and_only_the_last_three_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "fresh.db"
    async with open_database(fresh) as db:
        done = await upgrade(db, "1.0.0")
    assert (done.before, done.backup) == (0, None)
    assert upgrade_backups(fresh) == []

    database = tmp_path / "reachout.db"
    previous_release_database(database)
    shipped = available_migrations()
    releases = ("0.2.0", "0.3.0", "0.4.0", "0.5.0")
    for index, release in enumerate(releases):
        # Each later release brings one more small migration.
        extra = [
            Migration(n, f"{n:04d}_release_{n}.sql", f"CREATE TABLE release_{n} (x INTEGER);")
            for n in range(len(shipped) + 1, len(shipped) + 1 + index)
        ]
        monkeypatch.setattr(storage.schema, "available_migrations", lambda e=extra: [*shipped, *e])
        async with open_database(database) as db:
            done = await upgrade(db, release)
        assert done.backup == tmp_path / f"reachout.db.pre-{release}.bak"
    assert [p.name for p in upgrade_backups(database)] == [
        f"reachout.db.pre-{release}.bak" for release in releases[-BACKUPS_KEPT:]
    ]
