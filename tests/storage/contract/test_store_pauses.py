"""``Store``: a member's pauses."""

from __future__ import annotations

from datetime import date

import pytest

from bot.models import Cohort, Member, Pause, Workspace
from bot.store import Store
from tests.storage.contract.builders import NOW


def days(pauses: list[Pause]) -> list[tuple[date, date]]:
    return [(p.start, p.end) for p in pauses]


async def test_add_pause_returns_the_pause_and_pauses_lists_them_by_start_date(
    store: Store, member: Member
) -> None:
    earlier = await store.add_pause(member.id, date(2026, 12, 1), date(2026, 12, 1))
    later = await store.add_pause(member.id, date(2026, 12, 20), date(2027, 1, 3))
    assert earlier == Pause(earlier.id, member.id, date(2026, 12, 1), date(2026, 12, 1))
    assert later == Pause(later.id, member.id, date(2026, 12, 20), date(2027, 1, 3))
    assert await store.pauses(member.id) == [earlier, later]


async def test_a_pause_added_before_a_planned_one_replaces_it(store: Store, member: Member) -> None:
    await store.add_pause(member.id, date(2026, 12, 20), date(2027, 1, 3))
    earlier = await store.add_pause(member.id, date(2026, 12, 1), date(2026, 12, 1))
    assert await store.pauses(member.id) == [earlier]


async def test_add_pause_replaces_every_overlap_from_its_start_on(
    store: Store, member: Member
) -> None:
    await store.add_pause(member.id, date(2026, 11, 1), date(2026, 11, 5))
    await store.add_pause(member.id, date(2026, 11, 20), date(2026, 12, 10))
    await store.add_pause(member.id, date(2026, 12, 20), date(2026, 12, 31))
    added = await store.add_pause(member.id, date(2026, 12, 1), date(2026, 12, 15))
    assert days(await store.pauses(member.id)) == [
        (date(2026, 11, 1), date(2026, 11, 5)),
        (date(2026, 11, 20), date(2026, 11, 30)),
        (added.start, added.end),
    ]


async def test_a_pause_that_ends_before_it_starts_is_refused_and_ends_nothing(
    store: Store, member: Member, integrity_error: type[Exception]
) -> None:
    running = await store.add_pause(member.id, date(2026, 11, 20), date(2026, 12, 10))
    with pytest.raises(integrity_error):
        await store.add_pause(member.id, date(2026, 12, 1), date(2026, 11, 30))
    assert await store.pauses(member.id) == [running]


async def test_end_pauses_removes_planned_pauses_and_cuts_a_running_one_short(
    store: Store, member: Member
) -> None:
    past = await store.add_pause(member.id, date(2026, 11, 1), date(2026, 11, 5))
    await store.add_pause(member.id, date(2026, 11, 20), date(2026, 11, 30))
    await store.add_pause(member.id, date(2026, 12, 5), date(2026, 12, 9))
    await store.add_pause(member.id, date(2026, 12, 20), date(2026, 12, 31))
    assert await store.end_pauses(member.id, date(2026, 11, 26)) == 3
    assert days(await store.pauses(member.id)) == [
        (past.start, past.end),
        (date(2026, 11, 20), date(2026, 11, 25)),
    ]


async def test_end_pauses_on_a_pauses_first_day_removes_it(store: Store, member: Member) -> None:
    await store.add_pause(member.id, date(2026, 11, 26), date(2026, 11, 30))
    assert await store.end_pauses(member.id, date(2026, 11, 26)) == 1
    assert await store.pauses(member.id) == []


async def test_end_pauses_with_nothing_running_or_planned_returns_zero_and_keeps_past_ones(
    store: Store, member: Member
) -> None:
    assert await store.end_pauses(member.id, date(2026, 11, 26)) == 0
    past = await store.add_pause(member.id, date(2026, 11, 1), date(2026, 11, 25))
    assert await store.end_pauses(member.id, date(2026, 11, 26)) == 0
    assert await store.pauses(member.id) == [past]


async def test_pauses_are_each_members_own(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    theirs = await store.add_pause(bo.id, date(2026, 11, 20), date(2026, 12, 10))
    await store.add_pause(member.id, date(2026, 11, 1), date(2026, 12, 31))
    await store.end_pauses(member.id, date(2026, 11, 2))
    assert await store.pauses(bo.id) == [theirs]


async def test_members_pauses_answers_pauses_for_every_member_asked(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    cy = await store.add_member(workspace.id, "u-cy", "Cy", cohort.id, NOW)
    await store.add_pause(member.id, date(2026, 11, 1), date(2026, 11, 5))
    await store.add_pause(member.id, date(2026, 12, 1), date(2026, 12, 5))
    await store.add_pause(bo.id, date(2026, 11, 20), date(2026, 11, 30))
    await store.add_pause(cy.id, date(2026, 11, 20), date(2026, 11, 30))
    ids = [member.id, bo.id, *range(1000, 2200)]
    found = await store.members_pauses(ids)
    assert set(found) == set(ids)
    assert found[member.id] == await store.pauses(member.id)
    assert days(found[member.id]) == [
        (date(2026, 11, 1), date(2026, 11, 5)),
        (date(2026, 12, 1), date(2026, 12, 5)),
    ]
    assert found[bo.id] == await store.pauses(bo.id)
    assert all(found[n] == [] for n in ids[2:])
    assert await store.members_pauses([]) == {}
