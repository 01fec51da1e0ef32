"""The engine on a real SQLite file with a fixed clock."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import Settings
from bot.engine import DAILY_CAP
from bot.errors import UserError
from bot.invocation import Origin
from bot.models import ActionKind, Metric, Period
from bot.runtime import Runtime
from bot.summaries import streaks
from tests.conftest import ON_BOTH_BACKENDS

pytestmark = ON_BOTH_BACKENDS


def origin(user: str, workspace: str = "T1", channel: str | None = "C1", **extra: object) -> Origin:
    return Origin("slack", workspace, f"Team {workspace}", channel, user, user.title(), **extra)  # type: ignore[arg-type]


async def test_resolve_creates_workspace_cohort_and_member_once(runtime: Runtime) -> None:
    engine = runtime.engine
    first = await engine.resolve(origin("u1"))
    again = await engine.resolve(origin("u1"))
    other = await engine.resolve(origin("u2"))
    assert first.workspace == again.workspace == other.workspace
    assert first.cohort.id == again.cohort.id == other.cohort.id
    assert first.member.id == again.member.id != other.member.id
    assert first.cohort.channel_id is None
    assert first.cohort.timezone == "America/New_York"


async def test_concurrent_first_commands_create_one_cohort(runtime: Runtime) -> None:
    invs = await asyncio.gather(*(runtime.engine.resolve(origin(f"u{n}")) for n in range(20)))
    assert len({inv.cohort.id for inv in invs}) == 1
    assert len({inv.member.id for inv in invs}) == 20


async def test_first_commands_on_two_instances_create_one_cohort(
    runtime: Runtime, settings: Settings, clock: ManualClock
) -> None:
    """Two runtimes on one database, as two instances: no in-process lock is shared."""
    async with open_runtime(settings, clock) as other:
        engines = (runtime.engine, other.engine)
        invs = await asyncio.gather(
            *(engines[n % 2].resolve(origin(f"u{n}", workspace="T9")) for n in range(20))
        )
    assert len({inv.cohort.id for inv in invs}) == 1


async def test_workspaces_are_isolated(runtime: Runtime) -> None:
    engine = runtime.engine
    a = await engine.resolve(origin("same-user", workspace="T1"))
    b = await engine.resolve(origin("same-user", workspace="T2"))
    await engine.record(a, ActionKind.INTERVIEW_DONE, contact="Jane")
    assert a.member.id != b.member.id
    assert a.cohort.id != b.cohort.id
    board = await engine.leaderboard(b, Period.ALL, Metric.INTERVIEWS)
    assert board.placings == []
    assert await engine.pipeline(b) == []
    assert await runtime.store.member_contacts(b.member.id) == []


async def test_a_member_moves_to_the_cohort_of_the_channel_they_use(runtime: Runtime) -> None:
    engine = runtime.engine
    organizer = await engine.resolve(origin("boss", channel="C-main", is_admin=True))
    main, created = await engine.setup_cohort(organizer, "Main", None, None)
    assert not created  # the workspace's first cohort was bound, not a new one made
    second = await engine.resolve(origin("boss", channel="C-second", is_admin=True))
    other, created = await engine.setup_cohort(second, "Second", "Europe/Berlin", 6)
    assert created
    assert (other.timezone, other.week_start) == ("Europe/Berlin", 6)
    member = await engine.resolve(origin("m", channel="C-second"))
    assert member.cohort.id == other.id
    elsewhere = await engine.resolve(origin("m", channel="C-random"))
    assert elsewhere.cohort.id == other.id
    back = await engine.resolve(origin("m", channel="C-main"))
    assert back.cohort.id == main.id


async def test_the_daily_cap_holds_under_concurrent_logging(runtime: Runtime) -> None:
    inv = await runtime.engine.resolve(origin("eager"))

    async def one() -> bool:
        try:
            await runtime.engine.record(inv, ActionKind.EMAIL_SENT)
        except UserError:
            return False
        return True

    results = await asyncio.gather(*(one() for _ in range(50)))
    assert sum(results) == DAILY_CAP
    totals = await runtime.engine.week_totals(inv)
    assert totals[ActionKind.EMAIL_SENT] == DAILY_CAP


async def test_the_daily_cap_resets_at_the_members_local_midnight(
    runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 27, 4, 30, tzinfo=UTC))  # 23:30 in New York
    inv = await runtime.engine.resolve(origin("late"))
    await runtime.engine.record(inv, ActionKind.EMAIL_SENT, count=20)
    with pytest.raises(UserError):
        await runtime.engine.record(inv, ActionKind.EMAIL_SENT)
    clock.set(datetime(2026, 11, 27, 5, 30, tzinfo=UTC))  # 00:30 the next day
    inv = await runtime.engine.resolve(origin("late"))
    await runtime.engine.record(inv, ActionKind.EMAIL_SENT)


async def test_undo_marks_the_action_and_keeps_the_history(runtime: Runtime) -> None:
    engine = runtime.engine
    inv = await engine.resolve(origin("u"))
    await engine.record(inv, ActionKind.INTERVIEW_DONE, contact="Jane")
    await engine.record(inv, ActionKind.INTERVIEW_DONE, contact="Raj")
    undone = await engine.undo(inv)
    assert undone is not None
    _, contact = undone
    assert contact is not None
    assert contact.name == "Raj"
    history = await runtime.store.member_history(inv.member.id)
    assert [a.undone_at is not None for a in history] == [False, True]
    board = await engine.leaderboard(inv, Period.ALL, Metric.INTERVIEWS)
    assert [(p.standing.member_id, p.standing.total) for p in board.placings] == [
        (inv.member.id, 1)
    ]
    week = await engine.leaderboard(inv, Period.WEEK, Metric.INTERVIEWS)
    assert [p.standing.total for p in week.placings] == [1]


async def test_streaks_skip_paused_weeks_and_break_on_a_missed_one(
    runtime: Runtime, clock: ManualClock
) -> None:
    engine = runtime.engine
    start = clock.now()
    for weeks_ago in (6, 5, 2, 1):
        clock.set(start - timedelta(weeks=weeks_ago))
        inv = await engine.resolve(origin("s"))
        await engine.record(inv, ActionKind.EMAIL_SENT, count=3)
    clock.set(start)
    inv = await engine.resolve(origin("s"))
    assert await engine.streak(inv) == 2  # weeks 4 and 3 ago were missed
    await runtime.store.add_pause(inv.member.id, date(2026, 10, 26), date(2026, 11, 8))
    assert await engine.streak(inv) == 4  # those weeks were paused instead
    await engine.record(inv, ActionKind.EMAIL_SENT, count=2)
    assert await engine.streak(inv) == 4  # this week is not done yet, and does not break
    await engine.record(inv, ActionKind.FOLLOW_UP_SENT)
    assert await engine.streak(inv) == 5


async def test_streaks_of_members_in_different_zones_count_each_in_their_own_weeks(
    runtime: Runtime, clock: ManualClock
) -> None:
    engine = runtime.engine
    start = clock.now()  # Thursday 26 November; the week began Monday 05:00 UTC in New York
    tokyo = await engine.resolve(origin("tokyo"))
    await engine.update_settings(tokyo, replace(tokyo.member, timezone="Asia/Tokyo"))
    for weeks_ago in (1, 2):
        # Sunday 23:00 UTC: the end of a week in New York, Monday morning in Tokyo.
        clock.set(datetime(2026, 11, 22, 23, tzinfo=UTC) - timedelta(weeks=weeks_ago))
        for user in ("newyork", "tokyo"):
            await engine.record(await engine.resolve(origin(user)), ActionKind.EMAIL_SENT, count=3)
    clock.set(start)
    newyork, tokyo = [await engine.resolve(origin(user)) for user in ("newyork", "tokyo")]
    found = await streaks(runtime.store, newyork.cohort, [newyork.member, tokyo.member], start)
    # New York met its goal 2 and 3 weeks ago, not last week; Tokyo last week and the one before.
    assert found == {newyork.member.id: 0, tokyo.member.id: 2}
    assert [await engine.streak(inv) for inv in (newyork, tokyo)] == [0, 2]


async def test_pausing_replaces_an_earlier_pause_and_resuming_ends_it(runtime: Runtime) -> None:
    engine = runtime.engine
    inv = await engine.resolve(origin("p"))
    await engine.pause(inv, date(2026, 12, 10))
    await engine.pause(inv, date(2026, 12, 20))
    pauses = await runtime.store.pauses(inv.member.id)
    assert [(p.start, p.end) for p in pauses] == [(date(2026, 11, 26), date(2026, 12, 20))]
    assert await engine.resume(inv)
    assert await engine.current_pause(inv) is None
    assert not await engine.resume(inv)


async def test_leaderboard_week_uses_the_cohort_zone_and_week_start(
    runtime: Runtime, clock: ManualClock
) -> None:
    engine = runtime.engine
    boss = await engine.resolve(origin("boss", channel="C9", is_admin=True))
    await engine.setup_cohort(boss, "Sydney", "Australia/Sydney", 0)
    clock.set(datetime(2026, 11, 29, 12, tzinfo=UTC))  # Sunday 23:00 in Sydney
    inv = await engine.resolve(origin("m", channel="C9"))
    await engine.record(inv, ActionKind.INTERVIEW_DONE, contact="A")
    clock.set(datetime(2026, 11, 29, 14, tzinfo=UTC))  # Monday 01:00 in Sydney
    inv = await engine.resolve(origin("m", channel="C9"))
    board = await engine.leaderboard(inv, Period.WEEK, Metric.INTERVIEWS)
    assert board.placings == []
    assert board.since == date(2026, 11, 30)


async def test_forget_erases_the_member_and_nobody_else(runtime: Runtime) -> None:
    engine = runtime.engine
    leaving = await engine.resolve(origin("leaving"))
    staying = await engine.resolve(origin("staying"))
    for inv in (leaving, staying):
        await engine.record(inv, ActionKind.EMAIL_SENT, contact="Jane", note="private")
        await engine.pause(inv, date(2026, 12, 24))
    await runtime.store.set_organizer(leaving.cohort.id, leaving.member.id, True)
    await engine.forget(leaving)
    assert await runtime.store.find_member(leaving.workspace.id, "leaving") is None
    assert await runtime.store.member_history(leaving.member.id) == []
    assert await runtime.store.pauses(leaving.member.id) == []
    assert await runtime.store.organizers(leaving.cohort.id) == []
    assert len(await runtime.store.member_history(staying.member.id)) == 1
    board = await engine.leaderboard(staying, Period.ALL, Metric.EMAILS)
    assert [p.standing.user_id for p in board.placings] == ["staying"]


async def test_the_effective_time_zone_prefers_the_members_then_the_platform_profile(
    runtime: Runtime,
) -> None:
    inv = await runtime.engine.resolve(origin("tz", user_timezone="Asia/Kolkata"))
    assert inv.timezone == "Asia/Kolkata"
    updated = await runtime.engine.update_settings(
        inv, replace(inv.member, timezone="Europe/Berlin")
    )
    assert updated.timezone == "Europe/Berlin"
    plain = await runtime.engine.resolve(origin("other"))
    assert plain.timezone == plain.cohort.timezone


async def test_display_names_lose_control_characters(runtime: Runtime) -> None:
    inv = await runtime.engine.resolve(
        Origin("discord", "G", "Guild", "C", "u", "Evil\x00Name\x1f\n", False)
    )
    assert inv.member.display_name == "Evil Name"


async def test_a_long_streak_is_counted_past_the_first_weeks_read(
    runtime: Runtime, clock: ManualClock
) -> None:
    engine = runtime.engine
    start = clock.now()
    for weeks_ago in range(1, 41):
        clock.set(start - timedelta(weeks=weeks_ago))
        await engine.record(await engine.resolve(origin("steady")), ActionKind.EMAIL_SENT, count=3)
    clock.set(start)
    assert await engine.streak(await engine.resolve(origin("steady"))) == 40


async def test_a_streak_read_in_parts_reads_each_week_once_and_skips_pauses_in_any_part(
    runtime: Runtime, clock: ManualClock
) -> None:
    engine = runtime.engine
    start = clock.now()
    for weeks_ago in range(1, 121):
        if weeks_ago not in (30, 70):  # two weeks off, both paused below
            clock.set(start - timedelta(weeks=weeks_ago))
            inv = await engine.resolve(origin("steady"))
            await engine.record(inv, ActionKind.EMAIL_SENT, count=3)
    clock.set(start)
    inv = await engine.resolve(origin("steady"))
    for weeks_ago in (70, 30):  # oldest first: a pause ends any running past its start
        day = (start - timedelta(weeks=weeks_ago)).date()
        first = day - timedelta(days=day.weekday())  # the cohort's weeks start on Monday
        await runtime.store.add_pause(inv.member.id, first, first + timedelta(days=6))
    asked: list[int] = []
    read = runtime.store.members_period_totals

    async def counted(*args: object, **kwargs: object) -> dict[int, list[int]]:
        result = await read(*args, **kwargs)  # type: ignore[arg-type]
        asked.append(len(args[2]) - 1)  # type: ignore[arg-type]
        return result

    runtime.store.members_period_totals = counted  # type: ignore[method-assign]
    # As far back as a streak is counted: the 104 weeks before this one, less the two paused.
    assert await engine.streak(inv) == 102
    assert sum(asked) == 105  # every week read once,
    assert len(asked) > 1  # in several parts
    await engine.record(inv, ActionKind.EMAIL_SENT, count=3)
    assert await engine.streak(inv) == 103  # this week's goal met counts it too
