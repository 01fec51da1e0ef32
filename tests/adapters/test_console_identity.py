"""The console's default member is the person logged in, named as the system knows them."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleSession
from adapters.console.identity import system_user_name
from bot.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]


def account(monkeypatch: pytest.MonkeyPatch, login: str, gecos: str) -> None:
    entry = pwd.struct_passwd((login, "x", 1000, 1000, gecos, f"/home/{login}", "/bin/sh"))
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: entry)


@pytest.mark.parametrize(
    ("login", "gecos", "name"),
    [
        ("ada", "Ada Lovelace,Room 12,555-0100,", "Ada Lovelace"),
        ("ada", "  Ada   King \t", "Ada King"),
        ("ada", "", "Ada"),
        ("root", "root", "Root"),
        ("ada", "\x1b[31m", "Ada"),
        ("ada", "A" * 81, "Ada"),
    ],
)
def test_the_real_name_in_the_account_else_the_login_name(
    monkeypatch: pytest.MonkeyPatch, login: str, gecos: str, name: str
) -> None:
    account(monkeypatch, login, gecos)
    assert system_user_name() == name


def test_an_account_the_system_cannot_find_falls_back_to_the_login_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", missing)
    monkeypatch.setenv("LOGNAME", "grace")
    assert system_user_name() == "Grace"


@pytest.mark.parametrize("given", ["", "  ", "You"])
async def test_a_session_given_no_name_is_the_system_user(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    account(monkeypatch, "ada", "Ada Lovelace,,,")
    session = ConsoleSession(runtime.port, given)
    await session.start()
    assert session.name == "Ada Lovelace"
    assert "Organizers of Local cohort: Ada Lovelace" in (
        await session.run_line("/cohort organizers") or ""
    )


def test_reachout_console_without_user_in_the_environment_is_not_you(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REACHOUT_", "DISCORD_", "SLACK_")) and k != "USER"
    }
    env.update(PYTHONPATH=str(ROOT), REACHOUT_TIMEZONE="UTC")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=tmp_path,
        input="/cohort organizers\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"Organizers of Local cohort: {system_user_name()}." in result.stdout
    assert "You" not in result.stdout
