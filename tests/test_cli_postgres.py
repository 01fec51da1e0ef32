"""``reachout`` on PostgreSQL as a new user runs it: migrate, console, backup, a bad URL."""

from __future__ import annotations

from pathlib import Path

from bot.cli import health_snapshot, open_core
from bot.config import load_settings, redact_url
from storage.postgres.schema import postgres_migrations
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


def _rows(output: str) -> dict[str, list[str]]:
    """``reachout doctor``'s table: each check's rows as ``status detail``."""
    rows: dict[str, list[str]] = {}
    for line in output.splitlines()[1:]:
        name, status, detail = line.split(maxsplit=2)
        rows.setdefault(name, []).append(f"{status} {detail}")
    return rows


async def test_migrate_check_and_doctor_read_the_schema_of_postgresql(tmp_path: Path) -> None:
    url = await postgres.empty_database()
    env = {"REACHOUT_DATABASE": url, "PYTHONPATH": str(Path(__file__).parent.parent)}
    latest = len(postgres_migrations())
    shown = redact_url(url)

    check = reachout("migrate", "--check", cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == f"{shown}: schema {latest}, up to date"

    doctor = reachout("doctor", cwd=tmp_path, env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert _rows(doctor.stdout)["database"] == [
        f"ok {shown}: answers, schema {latest} (up to date)"
    ]


def test_doctor_on_an_unreachable_postgresql_says_fix_without_the_password(
    tmp_path: Path,
) -> None:
    env = {"REACHOUT_DATABASE": "postgresql://reachout:hunter2-secret@127.0.0.1:1/reachout"}
    doctor = reachout("doctor", cwd=tmp_path, env=env)
    assert doctor.returncode == 1
    assert "hunter2-secret" not in doctor.stdout + doctor.stderr
    [row] = _rows(doctor.stdout)["database"]
    assert row.startswith("FIX cannot use postgresql://reachout:********@127.0.0.1:1/reachout")


async def test_the_health_snapshot_on_postgresql_probes_the_server_and_counts_deliveries(
    tmp_path: Path,
) -> None:
    url = await postgres.empty_database()
    settings = load_settings({"REACHOUT_DATABASE": url, "REACHOUT_TIMEZONE": "UTC"}, None)
    await postgres.query(
        url,
        "INSERT INTO deliveries (key, kind, due_at, status, claimed_at) "
        "VALUES ('checkback:1:2026-12-01', 'checkback', now(), 'sent', now())",
    )
    async with open_core(settings) as (runtime, probe):
        snapshot = await health_snapshot(runtime, probe)
    assert snapshot.database_problem is None
    assert snapshot.deliveries == [("checkback", "sent", 1)]
