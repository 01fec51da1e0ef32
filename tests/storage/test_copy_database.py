"""``reachout copy-database``: SQLite -> PostgreSQL -> SQLite gives back the same rows."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.models import ActionKind
from bot.nudges.ledger import Claim, DeliveryKind, DeliveryStatus
from bot.store import CohortBinding
from bot.targets import NewTarget
from storage.connection import open_database
from storage.copying import CopyRefused, TextProgress, copy_database
from storage.ledger import SqliteLedger
from storage.repository import SqliteStore
from storage.schema import migrate
from tests import postgres
from tests.storage.contract.builders import DAY, NOW, log, new_action, nudge, reminder


async def fill(path: Path) -> None:
    """A little of everything: places, logs and an undo, pauses, deliveries, clocks, state,
    and coaching: holiday calendars, an interview's date and time, a referral, targets."""
    async with open_database(path) as db:
        await migrate(db)
        store, ledger = SqliteStore(db), SqliteLedger(db)
        workspace = await store.ensure_workspace("discord", "G1", "Lab", NOW)
        first = await store.create_cohort(workspace.id, None, "Fall", "UTC", 0, 3, NOW)
        ana = await store.add_member(workspace.id, "u-ana", "Ana", first.id, NOW)
        bo = await store.add_member(workspace.id, "u-bo", "Bo", first.id, NOW)
        cohort = await store.bind_cohort(
            CohortBinding(
                workspace.id, "chan", first.id, "Fall", "Europe/Berlin", 6, 3, ana.id, NOW
            )
        )
        cohort = await store.save_cohort(
            replace(cohort, checkin_day=2, checkin_time=time(14, 30), interview_goal=2)
        )
        for n in range(30):
            await log(store, ana, contact=f"Contact {n % 7}", organization="Acme", at=NOW - n * DAY)
        await log(store, bo, ActionKind.INTERVIEW_DONE, contact="Jane", at=NOW)
        await log(store, bo, count=3, at=NOW)
        await store.undo_last_action(bo.id, NOW + DAY)
        await store.add_pause(ana.id, date(2026, 12, 1), date(2026, 12, 20))
        await store.save_member(
            replace(bo, timezone="Asia/Tokyo", allow_mentions=True, holiday_calendar="none")
        )
        await ledger.claim(nudge("kickoff:1:2026-11-23", cohort), NOW)
        await ledger.finish("kickoff:1:2026-11-23", DeliveryStatus.SENT, NOW, message_id="m1")
        await ledger.claim(reminder("reminder:x", ana), NOW)
        await ledger.retry_later("reminder:x", NOW + timedelta(minutes=2), "busy", ambiguous=True)
        await store.set_state("discord:commands", "abc123")
        await store.save_cohort(replace(cohort, holiday_calendar="DE-BE"))
        jane = await log(store, bo, ActionKind.REPLY_RECEIVED, contact="Jane", at=NOW)
        assert jane.contact is not None
        interview = await store.log_action(
            replace(
                new_action(bo, ActionKind.INTERVIEW_SCHEDULED, contact="Raj", at=NOW),
                scheduled_on=date(2026, 12, 9),
                scheduled_time=time(10, 30),
                referred_by=jane.contact.id,
            )
        )
        assert interview is not None
        await store.save_targets(
            ana.id, [NewTarget("Acme", advocate=True, motivation=3), NewTarget("Globex")], 40, NOW
        )
        await ledger.claim(Claim("checkback:x", DeliveryKind.CHECKBACK, cohort.id, bo.id, NOW), NOW)


def rows_of(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [line for line in conn.iterdump() if line.startswith("INSERT")]
    finally:
        conn.close()


async def test_sqlite_to_postgresql_to_sqlite_gives_back_every_row(tmp_path: Path) -> None:
    url = await postgres.empty_database()
    original, back = tmp_path / "original.db", tmp_path / "back.db"
    await fill(original)
    there = await copy_database(str(original), url, TextProgress())
    again = await copy_database(url, str(back), TextProgress())
    assert [(c.table, c.source) for c in there] == [(c.table, c.target) for c in again]
    assert all(c.source == c.target for c in there + again)
    assert rows_of(back) == rows_of(original)
    assert len(rows_of(original)) > 50
    assert sum(line.startswith('INSERT INTO "targets"') for line in rows_of(back)) == 2


async def test_a_copy_continues_the_ids_and_the_running_totals(tmp_path: Path) -> None:
    url = await postgres.empty_database()
    original = tmp_path / "original.db"
    await fill(original)
    await copy_database(str(original), url, TextProgress())
    from storage.postgres.connection import open_postgres
    from storage.postgres.store import PostgresStore

    async with open_postgres(url, 2) as db:
        store = PostgresStore(db)
        workspace = await store.ensure_workspace("discord", "G1", "Lab", NOW)
        newcomer = await store.add_member(workspace.id, "u-cy", "Cy", 1, NOW)
        assert newcomer.id == 3
        board = await store.standings(1, [ActionKind.EMAIL_SENT], None, None)
        assert [(s.display_name, s.total) for s in board] == [("Ana", 30)]


async def test_a_target_that_is_not_empty_is_refused_and_left_alone(tmp_path: Path) -> None:
    url = await postgres.empty_database()
    original = tmp_path / "original.db"
    await fill(original)
    await copy_database(str(original), url, TextProgress())
    before = postgres.dump(url)
    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(str(original), url, TextProgress())
    assert postgres.dump(url) == before


async def test_a_missing_source_is_refused_and_no_target_file_is_left(tmp_path: Path) -> None:
    with pytest.raises(CopyRefused, match="does not exist"):
        await copy_database(str(tmp_path / "nope.db"), str(tmp_path / "new.db"), TextProgress())
    assert list(tmp_path.iterdir()) == []


def test_the_command_prints_the_row_counts_of_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, copy = tmp_path / "original.db", tmp_path / "copy.db"
    postgres.run_async(lambda: fill(original))
    assert main(["copy-database", str(original), f"sqlite:///{copy}"]) == 0
    out = capsys.readouterr().out
    assert "actions" in out
    assert "ok" in out
    assert "DIFFERENT" not in out
    assert rows_of(copy) == rows_of(original)
    assert main(["copy-database", str(original), str(copy)]) == 2
    assert "not empty" in capsys.readouterr().err
