"""The ``reachout`` command as a new user runs it: a real process, a real database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bot


def reachout(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_"))
    }
    clean.update({"REACHOUT_TIMEZONE": "UTC", **(env or {})})
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
    )


def test_version_and_help(tmp_path: Path) -> None:
    assert reachout("--version", cwd=tmp_path).stdout.strip() == f"reachout {bot.__version__}"
    help_text = reachout("--help", cwd=tmp_path).stdout
    for command in ("console", "run", "migrate", "backup"):
        assert command in help_text


def test_the_console_scripted_from_a_pipe_keeps_everything_between_runs(tmp_path: Path) -> None:
    first = reachout(
        "console",
        "--as",
        "Alex",
        cwd=tmp_path,
        stdin='/sent Jane Doe org:"Acme Labs"\n/sent count:2\n/interview Jane Doe\n',
    )
    assert first.returncode == 0, first.stderr
    assert "Logged an outreach email to Jane Doe (Acme Labs)" in first.stdout
    assert (tmp_path / "reachout.db").exists()
    second = reachout(
        "console", "--as", "Alex", cwd=tmp_path, stdin="/progress\n/as Sam\n/sent\n/leaderboard\n"
    )
    assert second.returncode == 0, second.stderr
    assert "Emails: 3 of 3" in second.stdout
    assert "1. Alex: 1 interview" in second.stdout
    assert second.stderr == ""


def test_quit_ends_the_console_with_status_zero(tmp_path: Path) -> None:
    result = reachout("console", cwd=tmp_path, stdin="/quit\n/sent\n")
    assert result.returncode == 0
    assert "Logged" not in result.stdout


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        (
            {"REACHOUT_TIMEZONE": "Mars/Olympus"},
            ["console"],
            "REACHOUT_TIMEZONE: I don't know the time zone “Mars/Olympus”",
        ),
        (
            {"REACHOUT_DATABASE": "/no/such/dir/r.db"},
            ["console"],
            "REACHOUT_DATABASE: cannot create",
        ),
        ({"REACHOUT_LOG_LEVEL": "chatty"}, ["migrate"], "REACHOUT_LOG_LEVEL: must be one of"),
        (
            {},
            ["console", "--timezone", "Nowhere"],
            "--timezone: I don't know the time zone “Nowhere”",
        ),
        ({}, ["run"], "reachout console"),
    ],
)
def test_bad_settings_are_one_clear_line_and_status_two(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    result = reachout(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_a_database_is_refused_cleanly(tmp_path: Path) -> None:
    (tmp_path / "reachout.db").write_text("this is a shopping list, not a database\n" * 100)
    result = reachout("console", cwd=tmp_path)
    assert result.returncode == 2
    assert "REACHOUT_DATABASE" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_and_backup(tmp_path: Path) -> None:
    migrated = reachout("migrate", cwd=tmp_path)
    assert migrated.returncode == 0
    assert "schema 0 ->" in migrated.stdout
    assert "up to date" in reachout("migrate", cwd=tmp_path).stdout
    reachout("console", cwd=tmp_path, stdin="/sent Jane\n")
    backed = reachout("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert backed.returncode == 0, backed.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT name FROM contacts").fetchall() == [("Jane",)]
    copy.close()
    again = reachout("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_a_misspelt_setting_is_a_warning_naming_the_closest_one(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISOCRD_TOKEN=abc.def.ghi\nREACHOUT_LOG_LEVEL=INFO\nSLACK_BOT_TOKEN=\n"
    )
    result = reachout(
        "migrate", cwd=tmp_path, env={"REACHOUT_DATABSE": "other.db", "SLACK_WEBHOOK": "x"}
    )
    assert result.returncode == 0, result.stderr
    warnings = [line.split(" WARNING reachout: ", 1)[1] for line in result.stderr.splitlines()]
    assert warnings == [
        "DISOCRD_TOKEN (in .env) is not a reachout setting and is ignored; "
        "did you mean DISCORD_TOKEN?",
        "REACHOUT_DATABSE (in the environment) is not a reachout setting and is ignored; "
        "did you mean REACHOUT_DATABASE?",
        "SLACK_WEBHOOK (in the environment) is not a reachout setting and is ignored; "
        "see .env.example for the settings",
    ]
    assert "abc.def.ghi" not in result.stderr
    assert (tmp_path / "reachout.db").exists()  # the misspelt database setting did nothing


def test_every_setting_in_env_example_is_known(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"))
    result = reachout("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
