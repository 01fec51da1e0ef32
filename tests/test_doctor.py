"""``reachout doctor`` against the fakes: one table of what is fine and what to fix."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from storage.schema import available_migrations
from tests.adapters.conftest import SIGNING_SECRET
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.processes import base_env, discord_env, slack_socket_env


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


async def doctor(env: dict[str, str], cwd: Path) -> tuple[int, dict[str, list[str]], str]:
    """The exit status, each check's rows as ``status detail``, and the whole output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    lines = out.decode().splitlines()
    assert lines[0].split() == ["check", "status", "detail"]
    rows: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, status, detail = line.split(maxsplit=2)
        rows.setdefault(name, []).append(f"{status} {detail}")
    return process.returncode, rows, out.decode() + err.decode()


async def test_doctor_with_good_credentials_says_everything_is_fine(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = base_env(tmp_path / "reachout.db", **discord_env(discord), **slack_socket_env(slack))
    conn = sqlite3.connect(tmp_path / "reachout.db")
    conn.execute("CREATE TABLE t (x)")
    conn.close()

    status, rows, output = await doctor(env, tmp_path)

    assert status == 0, output
    assert rows["settings"][0].startswith("ok database ")
    assert rows["database"] == [
        f"warn {tmp_path / 'reachout.db'}: integrity ok, schema 0 with "
        f"{len(available_migrations())} migration(s) pending "
        "(applied after a backup at the next start, or run reachout migrate), WAL 0 KiB"
    ]
    assert rows["discord"] == [
        f"ok token accepted through {discord.api_base}: logged in as reachout "
        f"(application {discord.application_id})"
    ]
    assert rows["slack"] == [
        "ok bot token accepted: workspace Reachout Test Cohort (T0REACHOUT) as @reachout",
        "ok Socket Mode: app token accepted",
    ]
    for secret in (discord.token, slack.bot_token, slack.app_token, SIGNING_SECRET):
        assert secret not in output
    assert "Traceback" not in output


async def test_doctor_names_each_wrong_token_in_one_line(
    tmp_path: Path, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = base_env(
        tmp_path / "reachout.db",
        **{**discord_env(discord), "DISCORD_TOKEN": "wrong.discord.token"},
        **slack_socket_env(slack),
    )
    slack.revoke_token(slack.app_token)

    status, rows, output = await doctor(env, tmp_path)

    assert status == 1
    assert rows["discord"] == [
        "FIX DISCORD_TOKEN: Discord refused this bot token. Copy it again from the Developer "
        "Portal (your application > Bot > Reset Token) into DISCORD_TOKEN"
    ]
    assert rows["slack"][0].startswith("ok bot token accepted")
    assert rows["slack"][1] == (
        "FIX SLACK_APP_TOKEN: Slack refused it (invalid_auth); create an app-level token with "
        "the connections:write scope under Basic Information"
    )
    assert "wrong.discord.token" not in output
    assert "Traceback" not in output


async def test_doctor_says_which_scopes_the_slack_app_lacks(
    tmp_path: Path, slack: FakeSlack
) -> None:
    slack.team.scopes = "commands,chat:write,im:write"
    env = base_env(tmp_path / "reachout.db", **slack_socket_env(slack))

    status, rows, _ = await doctor(env, tmp_path)

    assert status == 1
    assert rows["discord"] == ["off not configured; set DISCORD_TOKEN to use Discord"]
    assert rows["slack"][1].startswith(
        "FIX SLACK_BOT_TOKEN: the app lacks the scope(s) users:read, files:write, files:read; "
        "add them"
    )


async def test_doctor_with_a_bad_setting_or_a_damaged_database_says_what_to_fix(
    tmp_path: Path,
) -> None:
    status, rows, output = await doctor(
        base_env(tmp_path / "reachout.db", REACHOUT_TIMEZONE="Mars/Olympus", DISOCRD_TOKEN="x"),
        tmp_path,
    )
    assert status == 1
    assert rows["settings"][0].startswith("FIX REACHOUT_TIMEZONE: I don't know the time zone")
    assert rows["settings"][1].startswith("warn DISOCRD_TOKEN (in the environment) is not")
    assert rows["database"] == ["off not checked: fix the settings first"]
    assert "Traceback" not in output

    (tmp_path / "reachout.db").write_bytes(b"SQLite format 3\x00" + b"\x01" * 4096)
    status, rows, output = await doctor(base_env(tmp_path / "reachout.db"), tmp_path)
    assert status == 1
    assert rows["database"][0].startswith("FIX cannot use")
    assert "Traceback" not in output
