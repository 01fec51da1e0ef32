"""Migration 0004 computes the state of every contact already in a database, on both backends,
giving the answers the old computation from every action gave."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.followups import build_pipeline, clock_settings, pipeline_from_states
from bot.models import ActionKind, Member
from bot.store import NewAction, Store
from storage.connection import open_database
from storage.postgres.connection import open_postgres
from storage.postgres.schema import migrate as migrate_postgres
from storage.postgres.store import PostgresStore
from storage.repository import SqliteStore
from storage.schema import migrate as migrate_sqlite
from tests import postgres

START = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)
ORGS = ["Acme", "ACME", "Globex", ""]
KINDS = list(ActionKind)

Redo = Callable[[], Awaitable[None]]
"""Takes the database back to before migration 0004 (its table and what later migrations
added gone), then migrates it."""


@asynccontextmanager
async def sqlite(folder: Path) -> AsyncIterator[tuple[Store, Redo]]:
    async with open_database(folder / "old.sqlite") as db:
        await migrate_sqlite(db)

        async def redo() -> None:
            await db.write("DROP INDEX contacts_referred")
            await db.write("DROP TABLE reminder_snoozes")
            await db.write("DROP TABLE reminders_stopped")
            await db.write("DROP TABLE presses")
            await db.write("DROP TABLE contact_state")
            await db.write("PRAGMA user_version = 3")
            await migrate_sqlite(db)

        yield SqliteStore(db), redo


@asynccontextmanager
async def postgresql(folder: Path) -> AsyncIterator[tuple[Store, Redo]]:
    async with open_postgres(await postgres.empty_database(), 2) as db:

        async def redo() -> None:
            await db.execute("DROP INDEX contacts_referred")
            await db.execute("DROP TABLE reminder_snoozes")
            await db.execute("DROP TABLE reminders_stopped")
            await db.execute("DROP TABLE presses")
            await db.execute("DROP TABLE contact_state")
            await db.execute("DELETE FROM reachout_schema WHERE number >= 4")
            await migrate_postgres(db)

        yield PostgresStore(db), redo


async def history(store: Store, member: Member, seed: int) -> datetime:
    """A few months of random logs and undos about a handful of contacts; the last instant."""
    rng = random.Random(seed)
    at = START
    for _ in range(120):
        at += timedelta(hours=rng.choice([2, 9, 30, 80]))
        if rng.random() < 0.08:
            await store.undo_last_action(member.id, at)
            continue
        kind = rng.choice(KINDS)
        logged = await store.log_action(
            NewAction(
                member_id=member.id,
                cohort_id=member.cohort_id,
                kind=kind,
                count=1,
                note="",
                occurred_at=at,
                contact_name=f"Contact {rng.randint(1, 15)}",
                organization=rng.choice(ORGS),
                day_start=at - timedelta(days=1),
                daily_cap=20,
                day_end=at + timedelta(days=1),
                scheduled_on=(at + timedelta(days=rng.randint(0, 6))).date()
                if kind is ActionKind.INTERVIEW_SCHEDULED and rng.random() < 0.5
                else None,
            )
        )
        assert logged is not None
    return at


@pytest.mark.parametrize("opener", [sqlite, postgresql], ids=["sqlite", "postgres"])
@pytest.mark.parametrize("seed", range(3))
async def test_migration_0004_gives_every_existing_contact_the_state_its_actions_give(
    opener: Callable[[Path], AbstractAsyncContextManager[tuple[Store, Redo]]],
    seed: int,
    tmp_path: Path,
) -> None:
    async with opener(tmp_path) as (store, redo):
        workspace = await store.ensure_workspace("console", "ws", "Lab", START)
        cohort = await store.create_cohort(
            workspace.id, None, "Fall", "America/New_York", 0, 3, START
        )
        cohort = await store.save_cohort(replace(cohort, holiday_calendar="US"))
        member = await store.add_member(workspace.id, "u-1", "Ana", cohort.id, START)
        last = await history(store, member, seed)
        kept = await store.member_states(member.id)
        await redo()
        assert await store.member_states(member.id) == kept
        tz, calendar = clock_settings(member, cohort)
        entries = await store.member_contacts(member.id)
        for look in (timedelta(0), timedelta(days=3), timedelta(days=8), timedelta(days=30)):
            now = last + look
            assert pipeline_from_states(kept, now) == build_pipeline(entries, tz, now, calendar)
