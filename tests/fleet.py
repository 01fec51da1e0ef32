"""Several real ``reachout run`` processes on one database against the fake Discord.

Shared by ``tests/test_instances.py`` and ``benchmarks/nudges.py --instances``: how a
process is started, and how to ask the database which one holds the scheduler lease and
what the deliveries ledger says.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from tests import postgres
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
STANDBY_SECONDS = 0.5


def environment(database: str, fake: FakeDiscord) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "REACHOUT_DATABASE": database,
            "REACHOUT_TIMEZONE": "UTC",
            "REACHOUT_LOG_LEVEL": "WARNING",
            "REACHOUT_STANDBY_SECONDS": str(STANDBY_SECONDS),
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
    )
    return env


async def start_bot(database: str, fake: FakeDiscord, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=environment(database, fake),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=out,
        )


async def postgres_holder(url: str) -> int | None:
    """The pid of the process holding the scheduler lease on this PostgreSQL database, if
    any (advisory locks are server-wide, and another database may have its own fleet)."""
    rows = await postgres.query(
        url,
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() "
        "AND a.application_name LIKE 'reachout scheduler%'",
    )
    return pid_in(rows[0]["application_name"]) if rows else None


def pid_in(text: str) -> int | None:
    found = re.search(r"pid (\d+)", text)
    return int(found.group(1)) if found else None


async def postgres_statuses(url: str, kind: str | None = None) -> dict[str, int]:
    """Rows of the deliveries ledger by status (only those of ``kind`` if given)."""
    where = "" if kind is None else f" WHERE kind = '{kind}'"
    rows = await postgres.query(
        url,
        f"SELECT status, count(*) FROM deliveries{where} GROUP BY status",  # noqa: S608
    )
    return {row[0]: int(row[1]) for row in rows}
