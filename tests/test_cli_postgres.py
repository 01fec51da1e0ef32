"""``reachout`` on PostgreSQL as a new user runs it: migrate, console, backup, a bad URL."""

from __future__ import annotations

from pathlib import Path

from tests import postgres
from tests.test_cli import reachout


async def test_migrate_console_and_backup_on_postgresql(tmp_path: Path) -> None:
    url = await postgres.empty_database()
    env = {"REACHOUT_DATABASE": url, "PYTHONPATH": str(Path(__file__).parent.parent)}
    migrated = reachout("migrate", cwd=tmp_path, env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    session = reachout(
        "console", "--as", "Alex", cwd=tmp_path, env=env, stdin="/sent Jane Doe\n/progress\n"
    )
    assert session.returncode == 0, session.stderr
    assert "Logged an outreach email to Jane Doe" in session.stdout
    assert (await postgres.query(url, "SELECT count(*) FROM actions"))[0][0] == 1
    backup = reachout("backup", str(tmp_path / "r.dump"), cwd=tmp_path, env=env)
    assert backup.returncode == 1
    assert "pg_dump" in backup.stderr
    assert backup.stdout.startswith("pg_dump --format=custom --file=")
    assert not (tmp_path / "r.dump").exists()


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    env = {"REACHOUT_DATABASE": "postgresql://reachout:hunter2-secret@127.0.0.1:1/reachout"}
    result = reachout("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("reachout: REACHOUT_DATABASE: cannot use ")
    assert "hunter2-secret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
