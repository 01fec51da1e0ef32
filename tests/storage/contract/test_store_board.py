"""``Store.board_page``: the lines a leaderboard shows, the asker's placing and the counts,
exactly as ranking every member's ``standings`` gives them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.engine import rank_standings
from bot.models import ActionKind, Cohort, Member, Workspace
from bot.store import Store
from tests.storage.contract.builders import NOW, log

EMAIL = ActionKind.EMAIL_SENT
NAMES = ["Ana", "Bo", "Cy", "Di", "Ed", "Ana"]


async def expected(
    store: Store,
    cohort: Cohort,
    since: datetime | None,
    until: datetime | None,
    member_id: int,
    size: int,
) -> tuple[list[tuple[int, int]], tuple[int, int] | None, bool, int]:
    """Top lines (rank, member), own placing, own hidden, others: from every standing."""
    standings = await store.standings(cohort.id, {EMAIL}, since, until)
    placings = rank_standings([s for s in standings if s.visible])
    own = next((p for p in placings if p.standing.member_id == member_id), None)
    hidden = any(s.member_id == member_id and not s.visible for s in standings)
    return (
        [(p.rank, p.standing.member_id) for p in placings[:size]],
        (own.rank, own.standing.total) if own else None,
        hidden,
        len(standings) - min(len(placings), size),
    )


async def actual(
    store: Store,
    cohort: Cohort,
    since: datetime | None,
    until: datetime | None,
    member_id: int,
    size: int,
) -> tuple[list[tuple[int, int]], tuple[int, int] | None, bool, int]:
    page = await store.board_page(cohort.id, {EMAIL}, since, until, member_id, size)
    own = page.own
    return (
        [(rank, s.member_id) for rank, s in page.top],
        (page.own_rank, own.total) if own is not None and own.visible else None,
        own is not None and not own.visible,
        page.counted - min(page.shown, size),
    )


async def test_an_empty_board_has_no_lines_and_no_counts(store: Store, cohort: Cohort) -> None:
    page = await store.board_page(cohort.id, {EMAIL}, None, None, 1, 10)
    assert (page.top, page.own, page.counted, page.shown) == ([], None, 0, 0)


async def test_a_board_of_hidden_members_only_still_counts_them(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    await log(store, member, count=2)
    await store.save_member(replace(member, show_on_leaderboard=False))
    other = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    page = await store.board_page(cohort.id, {EMAIL}, None, None, other.id, 10)
    assert (page.top, page.own, page.counted, page.shown) == ([], None, 1, 0)


@pytest.mark.parametrize("seed", range(4))
async def test_a_board_page_ranks_and_counts_as_every_standing_does(
    store: Store, workspace: Workspace, cohort: Cohort, seed: int
) -> None:
    rng = random.Random(seed)
    members = []
    for i in range(14):
        m = await store.add_member(workspace.id, f"u-{i}", rng.choice(NAMES), cohort.id, NOW)
        if rng.random() < 0.25:
            m = await store.save_member(replace(m, show_on_leaderboard=False))
        members.append(m)
    for m in members:
        for day in range(rng.choice([0, 1, 1, 2])):
            await log(store, m, count=rng.choice([1, 2, 3]), at=NOW - timedelta(days=day * 3))
    windows = [(None, None), (NOW - timedelta(days=4), NOW + timedelta(days=1))]
    for since, until in windows:
        for size in (1, 3, 10):
            for asker in members:
                want = await expected(store, cohort, since, until, asker.id, size)
                assert await actual(store, cohort, since, until, asker.id, size) == want
