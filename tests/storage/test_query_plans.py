"""The ledger's status and kind filters keep their indexes, pipeline pages read settled
states through theirs, and per-period totals read ranges of live actions: plans read from
SQLite itself.

The values come from the enums; a partial index's ``WHERE`` is matched only by the same
constants, so a query that bound them as parameters instead would silently scan the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.followups import Stage
from bot.models import ActionKind
from storage.connection import Database, open_database
from storage.ledger import SqliteLedger
from storage.repository import SqliteStore
from storage.schema import migrate

NOW = datetime(2026, 11, 26, 15, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(tmp_path / "db.sqlite") as opened:
        await migrate(opened)
        yield opened


async def plan_of(
    db: Database, monkeypatch: pytest.MonkeyPatch, call: Callable[[], Awaitable[object]]
) -> list[str]:
    """The query plan of the one read that ``call`` makes, with its own parameters."""
    seen: list[tuple[str, tuple[object, ...]]] = []
    read = db.read

    async def recording(sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        seen.append((sql, tuple(params)))
        return await read(sql, params)

    monkeypatch.setattr(db, "read", recording)
    await call()
    [(sql, params)] = seen
    return [row[3] for row in await read(f"EXPLAIN QUERY PLAN {sql}", params)]


async def test_open_deliveries_are_read_through_the_partial_index_of_open_rows(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await plan_of(db, monkeypatch, SqliteLedger(db).open_deliveries)
    assert any("USING INDEX deliveries_open" in step for step in plan), plan


async def test_a_cohorts_delivery_problems_are_read_through_its_cohort_index(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = SqliteLedger(db)
    plan = await plan_of(db, monkeypatch, lambda: ledger.problems(1, NOW - timedelta(weeks=4)))
    assert any("USING INDEX deliveries_cohort (cohort_id=? AND due_at>?)" in s for s in plan), plan


async def test_emails_at_an_organization_are_read_from_one_members_window_of_live_actions(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = SqliteLedger(db)
    plan = await plan_of(db, monkeypatch, lambda: ledger.emailed_at_organization(1, "Acme", NOW, 2))
    assert any("USING INDEX actions_member_time (member_id=? AND occurred_at>?)" in s for s in plan)


async def test_a_due_page_reads_settled_states_in_order_and_open_ones_apart(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(db)
    plan = await plan_of(db, monkeypatch, lambda: store.pipeline_page(1, NOW, due=True, limit=5))
    settled = "USING INDEX contact_state_settled (member_id=? AND settled_due=?)"
    assert any(settled in step for step in plan), plan
    assert any("USING INDEX contact_state_open (member_id=? AND settles_at>?)" in s for s in plan)
    assert not any(step.startswith("SCAN s") for step in plan), plan


async def test_a_page_of_one_stage_reads_that_stages_settled_states(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(db)
    plan = await plan_of(db, monkeypatch, lambda: store.pipeline_page(1, NOW, (Stage.SCHEDULED,)))
    stage = "USING INDEX contact_state_settled_stage (member_id=? AND settled_stage=? AND "
    assert any(stage in step for step in plan), plan


@pytest.mark.parametrize("at_most", [None, 3])
async def test_period_totals_read_each_period_as_a_range_of_the_members_live_actions(
    db: Database, monkeypatch: pytest.MonkeyPatch, at_most: int | None
) -> None:
    store = SqliteStore(db)
    bounds = [NOW - timedelta(weeks=n) for n in range(104, -1, -1)]
    kinds = [ActionKind.EMAIL_SENT, ActionKind.FOLLOW_UP_SENT]
    plan = await plan_of(
        db, monkeypatch, lambda: store.members_period_totals([1, 2], kinds, bounds, at_most)
    )
    ranged = "USING INDEX actions_member_time (member_id=? AND occurred_at>? AND occurred_at<?)"
    assert any(ranged in step for step in plan), plan
    assert not any(step.startswith("SCAN a") for step in plan), plan
