"""``reachout doctor``: every check a self-hoster would otherwise do by hand, in one table.

Each row says what was checked, whether it is fine, and in one line what to do if not. The
CLI gathers the rows (settings here, the database from storage, each platform from its
adapter) and prints them; the exit status is 1 when anything needs fixing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.config import Settings


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FIX = "FIX"
    OFF = "off"


@dataclass(frozen=True)
class Check:
    """One row: what was checked, how it went, and the detail or what to do."""

    name: str
    status: Status
    detail: str


def settings_checks(settings: Settings, warnings: Sequence[str]) -> list[Check]:
    """The core settings as read (never a secret), and any setting reachout does not know."""
    health = (
        f"health on {settings.health_host}:{settings.health_port}"
        if settings.health_port is not None
        else "health endpoint off"
    )
    rows = [
        Check(
            "settings",
            Status.OK,
            f"database {settings.database}, time zone {settings.timezone}, "
            f"{settings.log_format} logs at {settings.log_level}, {health}",
        )
    ]
    rows += [Check("settings", Status.WARN, warning) for warning in warnings]
    return rows


def render(checks: Sequence[Check]) -> str:
    """A plain-text table, wide enough for its longest name."""
    width = max([len("check"), *(len(c.name) for c in checks)])
    lines = [f"{'check':<{width}}  {'status':<6}  detail"]
    lines += [f"{c.name:<{width}}  {c.status.value:<6}  {c.detail}" for c in checks]
    return "\n".join(lines) + "\n"


def needs_fixing(checks: Sequence[Check]) -> bool:
    return any(c.status is Status.FIX for c in checks)
