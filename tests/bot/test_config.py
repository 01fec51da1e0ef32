"""Settings are read once, validated, and never show their secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import tzlocal

from bot.config import ConfigError, Secret, load_settings
from bot.logs import Redactor


def test_defaults_need_nothing_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, env_file=None)
    assert settings.database == Path("reachout.db")
    assert settings.log_level == "INFO"
    assert settings.timezone
    assert settings.secret("DISCORD_TOKEN") is None


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "REACHOUT_TIMEZONE=Europe/Berlin\nREACHOUT_LOG_LEVEL=debug\nDISCORD_TOKEN=from-file-123\n"
    )
    settings = load_settings(
        {"REACHOUT_TIMEZONE": "asia/kolkata", "REACHOUT_DATABASE": str(tmp_path / "x.db")},
        env_file=env_file,
    )
    assert settings.timezone == "Asia/Kolkata"
    assert settings.log_level == "DEBUG"
    assert settings.secret("DISCORD_TOKEN") == Secret("from-file-123")


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"REACHOUT_TIMEZONE": "Mars/Olympus"}, "REACHOUT_TIMEZONE"),
        ({"REACHOUT_LOG_LEVEL": "LOUD"}, "REACHOUT_LOG_LEVEL"),
        ({"REACHOUT_DATABASE": "/no/such/folder/r.db"}, "REACHOUT_DATABASE"),
        ({"REACHOUT_DATABASE": "/"}, "REACHOUT_DATABASE"),
    ],
)
def test_a_bad_value_names_the_setting(values: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(values, env_file=None)
    assert raised.value.setting == setting
    assert str(raised.value).startswith(f"{setting}: ")


def test_secrets_never_show_in_reprs() -> None:
    settings = load_settings(
        {"DISCORD_TOKEN": "super-secret-token", "SLACK_SIGNING_SECRET": "another-secret"},
        env_file=None,
    )
    assert "super-secret-token" not in repr(settings)
    assert "another-secret" not in repr(settings)
    assert "super-secret-token" not in str(settings.secret("DISCORD_TOKEN"))


def test_secrets_and_anything_token_shaped_are_redacted() -> None:
    redact = Redactor(["abcdefgh123", "abcdefgh123456"])
    assert redact("token is abcdefgh123456, or abcdefgh123") == "token is ********, or ********"
    assert redact("xoxb-1234-5678-abcdefgh and xapp-1-A0-42-beef") == "******** and ********"
    assert redact("Authorization: Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbcDe.abcdefghijklmnop") == (
        "Authorization: Bot ********"
    )
    assert redact("nothing secret here: reachout.db") == "nothing secret here: reachout.db"


def test_without_a_setting_the_zone_is_the_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    tzlocal.reload_localzone()
    try:
        settings = load_settings({"REACHOUT_DATABASE": str(tmp_path / "r.db")}, env_file=None)
    finally:
        monkeypatch.delenv("TZ")
        tzlocal.reload_localzone()
    assert settings.timezone == "America/Chicago"


def test_a_postgresql_url_chooses_postgresql_and_its_password_never_shows(
    tmp_path: Path,
) -> None:
    url = "postgresql://reachout:s3cret-pass@db.example/reachout"
    settings = load_settings(
        {"REACHOUT_DATABASE": url, "REACHOUT_DATABASE_POOL_SIZE": "4"}, env_file=None
    )
    assert settings.database_url == url
    assert settings.pool_size == 4
    assert settings.database_label == "postgresql://reachout:********@db.example/reachout"
    assert "s3cret-pass" not in repr(settings)
    assert "s3cret-pass" in settings.secrets()


def test_a_sqlite_url_or_a_path_keeps_sqlite(tmp_path: Path) -> None:
    for value in (f"sqlite:///{tmp_path}/r.db", str(tmp_path / "r.db")):
        settings = load_settings({"REACHOUT_DATABASE": value}, env_file=None)
        assert settings.database_url is None
        assert settings.database == tmp_path / "r.db"


@pytest.mark.parametrize("size", ["0", "101", "many"])
def test_a_bad_pool_size_names_the_setting(size: str) -> None:
    with pytest.raises(ConfigError, match="REACHOUT_DATABASE_POOL_SIZE"):
        load_settings({"REACHOUT_DATABASE_POOL_SIZE": size}, env_file=None)
