"""Read-only looks at PostgreSQL for ``/healthz``, ``/metrics`` and ``reachout doctor``."""

from __future__ import annotations

import asyncio

from storage.health import ANSWER_WITHIN_SECONDS
from storage.postgres.connection import PostgresDatabase
from storage.postgres.wiring import PROBLEMS


async def database_problem(db: PostgresDatabase) -> str | None:
    """None while the server answers ``SELECT 1`` in time; else why not, in a few words."""
    try:
        async with asyncio.timeout(ANSWER_WITHIN_SECONDS):
            await db.fetchval("SELECT 1")
    except TimeoutError:
        return f"no answer within {ANSWER_WITHIN_SECONDS:g} s"
    except PROBLEMS as error:
        return f"{type(error).__name__}: {error}"
    return None


async def delivery_counts(db: PostgresDatabase) -> list[tuple[str, str, int]]:
    """(kind, status, count) of the deliveries ledger; empty if the server cannot say."""
    try:
        async with asyncio.timeout(ANSWER_WITHIN_SECONDS):
            found = await db.fetch(
                "SELECT kind, status, count(*) AS n FROM deliveries GROUP BY kind, status"
            )
    except PROBLEMS:
        return []
    return [(str(row["kind"]), str(row["status"]), int(row["n"])) for row in found]
