"""``Store.first_sighting`` and ``Store.first_cohort``: what several instances on one
database agree on without any lock of their own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.models import Workspace
from bot.store import SIGHTING_MEMORY, Store
from tests.storage.contract.builders import NOW

KEY = "slack.event.Ev0123"


async def test_the_first_sighting_of_a_key_is_true_and_every_repeat_false(store: Store) -> None:
    assert await store.first_sighting(KEY, NOW) is True
    assert await store.first_sighting(KEY, NOW) is False
    assert await store.first_sighting(KEY, NOW + timedelta(minutes=5)) is False
    assert await store.first_sighting("slack.event.Ev0124", NOW) is True


async def test_of_concurrent_sightings_of_one_key_exactly_one_is_first(store: Store) -> None:
    firsts = await asyncio.gather(*(store.first_sighting(KEY, NOW) for _ in range(10)))

    assert sorted(firsts) == [False] * 9 + [True]


async def test_a_sighting_is_remembered_for_a_day_then_pruned(store: Store) -> None:
    await store.first_sighting(KEY, NOW)

    almost = NOW + SIGHTING_MEMORY - timedelta(microseconds=1)
    assert await store.first_sighting(KEY, almost) is False
    assert await store.first_sighting("slack.event.other", NOW + 2 * SIGHTING_MEMORY) is True
    assert await store.first_sighting(KEY, NOW + 2 * SIGHTING_MEMORY) is True


async def test_sightings_and_the_bots_state_do_not_touch(store: Store) -> None:
    await store.set_state(KEY, "0000")

    assert await store.first_sighting(KEY, NOW) is True
    await store.first_sighting("slack.event.later", NOW + 10 * SIGHTING_MEMORY)
    assert await store.get_state(KEY) == "0000"


async def test_first_cohort_creates_the_workspaces_first_cohort_once(
    store: Store, workspace: Workspace
) -> None:
    made = await store.first_cohort(workspace.id, "Lab", "Europe/Paris", 0, 3, NOW)
    again = await store.first_cohort(workspace.id, "Other", "UTC", 6, 5, NOW)

    assert (made.name, made.timezone, made.channel_id, made.email_goal) == (
        "Lab",
        "Europe/Paris",
        None,
        3,
    )
    assert again == made
    assert await store.workspace_cohorts(workspace.id) == [made]


async def test_first_cohort_returns_the_oldest_of_existing_cohorts(
    store: Store, workspace: Workspace
) -> None:
    oldest = await store.create_cohort(workspace.id, "chan", "Fall", "UTC", 0, 3, NOW)
    await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)

    assert await store.first_cohort(workspace.id, "Lab", "UTC", 0, 3, NOW) == oldest


async def test_concurrent_first_cohorts_of_a_new_workspace_make_one(
    store: Store, workspace: Workspace
) -> None:
    made = await asyncio.gather(
        *(store.first_cohort(workspace.id, f"Lab {n}", "UTC", 0, 3, NOW) for n in range(10))
    )

    assert len({cohort.id for cohort in made}) == 1
    assert await store.workspace_cohorts(workspace.id) == [made[0]]


async def test_first_cohort_of_an_unknown_workspace_is_an_integrity_error(
    store: Store, integrity_error: type[Exception]
) -> None:
    with pytest.raises(integrity_error):
        await store.first_cohort(999_999, "Lab", "UTC", 0, 3, NOW)
