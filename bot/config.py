"""Settings: read once at start from the environment and ``.env``, validated, passed down.

Nothing here runs at import time. The environment wins over ``.env``; ``.env`` fills gaps.
Secrets are wrapped so that printing or logging the settings never shows them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from bot.logs import LOG_FORMATS
from bot.timezones import UnknownTimezone, require_timezone, system_timezone

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_DATABASE = "reachout.db"
DEFAULT_HEALTH_HOST = "127.0.0.1"

CORE_SETTINGS = (
    "REACHOUT_DATABASE",
    "REACHOUT_TIMEZONE",
    "REACHOUT_LOG_LEVEL",
    "REACHOUT_LOG_FORMAT",
    "REACHOUT_HEALTH_HOST",
    "REACHOUT_HEALTH_PORT",
    "REACHOUT_DATABASE_POOL_SIZE",
    "REACHOUT_STANDBY_SECONDS",
)
"""The settings the core reads; each adapter lists its own beside its config."""
SETTING_PREFIXES = ("REACHOUT_", "DISCORD_", "SLACK_")

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
"""``REACHOUT_DATABASE`` values that start so name a PostgreSQL database, not a file."""
SQLITE_SCHEME = "sqlite:///"
"""``sqlite:///reachout.db`` is a relative file, ``sqlite:////srv/reachout.db`` an absolute one."""
DEFAULT_POOL_SIZE = 10
MAX_POOL_SIZE = 100
DEFAULT_STANDBY_SECONDS = 10.0


class ConfigError(Exception):
    """A setting with a bad value; the message names the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


@dataclass(frozen=True)
class Secret:
    """A token or signing secret that never shows up in reprs or logs."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


SECRET_SUFFIXES = ("_TOKEN", "_SECRET")
"""Settings whose names end so hold secrets: never shown, redacted from every log."""


@dataclass(frozen=True)
class Settings:
    """What the core needs, plus the raw values each adapter validates for itself.

    The core reads the database, time zone and log level. Platform settings (tokens, URLs)
    belong to the adapters, which read them from ``values`` through their own config.
    """

    database: Path
    timezone: str
    log_level: str
    values: Mapping[str, str] = field(repr=False, default_factory=dict)
    log_format: str = "text"
    health_host: str = DEFAULT_HEALTH_HOST
    health_port: int | None = None
    """Where ``/healthz`` and ``/metrics`` are served; None (the default) serves neither."""
    database_url: str | None = field(repr=False, default=None)
    """A ``postgresql://`` URL when ``REACHOUT_DATABASE`` names PostgreSQL; then ``database``
    is not used. None for SQLite (the file ``database``)."""
    pool_size: int = DEFAULT_POOL_SIZE
    """PostgreSQL connections kept open (``REACHOUT_DATABASE_POOL_SIZE``)."""
    standby_seconds: float = DEFAULT_STANDBY_SECONDS
    """How often a process that is not running the scheduler checks whether it should take
    over, and the one that is checks it still may (``REACHOUT_STANDBY_SECONDS``)."""

    @property
    def database_label(self) -> str:
        """The database for messages: the SQLite file, or the URL without its password."""
        return redact_url(self.database_url) if self.database_url else str(self.database)

    def secret(self, name: str) -> Secret | None:
        """The secret setting ``name``, wrapped so it never shows; None if unset."""
        value = self.values.get(name)
        return Secret(value) if value else None

    def secrets(self) -> list[str]:
        """Every secret value set, for log redaction."""
        found = [
            value
            for name, value in self.values.items()
            if name.endswith(SECRET_SUFFIXES) and len(value) >= 8
        ]
        password = url_password(self.database_url) if self.database_url else None
        return [*found, password] if password else found


def is_postgres_url(value: str) -> bool:
    """Whether a ``REACHOUT_DATABASE`` value names PostgreSQL rather than a SQLite file."""
    return value.lower().startswith(POSTGRES_SCHEMES)


def url_password(url: str) -> str | None:
    """The password in a database URL, if it has one."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def redact_url(url: str) -> str:
    """The URL with its password replaced, for messages and logs."""
    password = url_password(url)
    if not password:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.replace(f":{password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def sqlite_path(value: str) -> Path:
    """The file a ``REACHOUT_DATABASE`` value names: a plain path or a ``sqlite:///`` URL."""
    if value.lower().startswith(SQLITE_SCHEME):
        return Path(value[len(SQLITE_SCHEME) :])
    return Path(value)


def _pool_size(values: Mapping[str, str]) -> int:
    setting = "REACHOUT_DATABASE_POOL_SIZE"
    raw = values.get(setting)
    if raw is None:
        return DEFAULT_POOL_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_POOL_SIZE:
        raise ConfigError(setting, f"must be a whole number from 1 to {MAX_POOL_SIZE}")
    return int(raw)


def _standby_seconds(values: Mapping[str, str]) -> float:
    setting = "REACHOUT_STANDBY_SECONDS"
    raw = values.get(setting)
    if raw is None:
        return DEFAULT_STANDBY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0.1 <= seconds <= 3600:
        raise ConfigError(setting, "must be a number of seconds from 0.1 to 3600")
    return seconds


def _database(values: Mapping[str, str]) -> tuple[Path, str | None]:
    """The SQLite file, or the default path and a PostgreSQL URL."""
    raw = values.get("REACHOUT_DATABASE", DEFAULT_DATABASE)
    if is_postgres_url(raw):
        return Path(DEFAULT_DATABASE), raw
    return check_database_path(sqlite_path(raw)), None


def read_values(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """The environment over the ``.env`` file, empty values treated as unset."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(environ)
    return {k: v.strip() for k, v in values.items() if v and v.strip()}


def check_database_path(path: Path) -> Path:
    """Refuse a database path that cannot be created or written, naming the reason."""
    setting = "REACHOUT_DATABASE"
    if path.exists():
        if path.is_dir():
            raise ConfigError(setting, f"{path} is a folder; give a file name like reachout.db")
        if not os.access(path, os.R_OK | os.W_OK):
            raise ConfigError(setting, f"cannot write to {path} (permission denied)")
        return path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(setting, f"cannot create {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(setting, f"cannot create {path}: the folder {folder} is not writable")
    return path


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Read and validate every core setting; raises ``ConfigError`` naming the bad one."""
    values = read_values(environ, env_file)
    database, database_url = _database(values)
    pool_size = _pool_size(values)
    standby_seconds = _standby_seconds(values)
    raw_zone = values.get("REACHOUT_TIMEZONE")
    try:
        timezone = system_timezone() if raw_zone is None else require_timezone(raw_zone)
    except UnknownTimezone as unknown:
        raise ConfigError("REACHOUT_TIMEZONE", str(unknown)) from None
    log_level = values.get("REACHOUT_LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("REACHOUT_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")
    log_format = values.get("REACHOUT_LOG_FORMAT", "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError("REACHOUT_LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}")
    return Settings(
        database=database,
        timezone=timezone,
        log_level=log_level,
        log_format=log_format,
        health_host=values.get("REACHOUT_HEALTH_HOST", DEFAULT_HEALTH_HOST),
        health_port=_health_port(values.get("REACHOUT_HEALTH_PORT")),
        values=values,
        database_url=database_url,
        pool_size=pool_size,
        standby_seconds=standby_seconds,
    )


def _health_port(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise ConfigError(
            "REACHOUT_HEALTH_PORT",
            f"{raw[:20]!r} is not a port number; use one from 1 to 65535, or leave it unset",
        )
    return int(raw)


def setting_names(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """Names meant as reachout settings, and where each was found.

    Every name in ``.env`` is meant for reachout; from the environment, those that start with
    ``REACHOUT_``, ``DISCORD_`` or ``SLACK_``, or with a near miss of one (``DISOCRD_``).
    """
    found = {name: "the environment" for name in environ if _looks_like_a_setting(name)}
    if env_file is not None and env_file.is_file():
        found.update(dict.fromkeys(dotenv_values(env_file), str(env_file)))
    return found


def _looks_like_a_setting(name: str) -> bool:
    prefix = name.split("_", 1)[0] + "_"
    return bool(difflib.get_close_matches(prefix, SETTING_PREFIXES, n=1, cutoff=0.7))


def unknown_settings(found: Mapping[str, str], known: Collection[str]) -> list[str]:
    """A warning for each name that is no setting, naming the closest one: typos are silent."""
    warnings = []
    for name, where in sorted(found.items()):
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else "see .env.example for the settings"
        warnings.append(f"{name} (in {where}) is not a reachout setting and is ignored; {hint}")
    return warnings
