"""``Store``: workspaces, members, cohorts, organizers and the bot's own state."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from bot.models import Cohort, Member, Workspace
from bot.store import CohortBinding, Lookup, Store
from tests.storage.contract.builders import DAY, NOW

LATER = NOW + 2 * DAY


def binding(
    workspace: Workspace,
    organizer: Member,
    channel: str,
    cohort: Cohort | None = None,
    *,
    at: datetime = NOW,
    name: str = "Bound",
) -> CohortBinding:
    return CohortBinding(
        workspace_id=workspace.id,
        channel_id=channel,
        cohort_id=cohort.id if cohort is not None else None,
        name=name,
        timezone="America/New_York",
        week_start=6,
        email_goal=4,
        organizer_id=organizer.id,
        at=at,
    )


# -- lookup ----------------------------------------------------------------------------------


async def test_lookup_of_an_unknown_workspace_finds_nothing_and_creates_nothing(
    store: Store,
) -> None:
    assert await store.lookup("console", "nowhere", "u-ana", "chan") == Lookup(None, None, None)
    assert await store.lookup("console", "nowhere", "u-ana", None) == Lookup(None, None, None)


async def test_lookup_finds_the_member_and_the_cohort_bound_to_the_channel(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, "chan-2", "Spring", "UTC", 0, 3, NOW)
    found = await store.lookup("console", "ws-1", "u-ana", "chan-2")
    assert found == Lookup(workspace, member, other)


async def test_lookup_off_a_bound_channel_falls_back_to_the_members_own_cohort(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    assert await store.lookup("console", "ws-1", "u-ana", "unbound") == Lookup(
        workspace, member, cohort
    )
    assert await store.lookup("console", "ws-1", "u-ana", None) == Lookup(workspace, member, cohort)


async def test_lookup_of_a_newcomer_finds_the_workspace_and_the_channels_cohort_only(
    store: Store, workspace: Workspace
) -> None:
    bound = await store.create_cohort(workspace.id, "chan", "Fall", "UTC", 0, 3, NOW)
    assert await store.lookup("console", "ws-1", "u-new", "chan") == Lookup(workspace, None, bound)
    assert await store.lookup("console", "ws-1", "u-new", None) == Lookup(workspace, None, None)
    assert await store.find_member(workspace.id, "u-new") is None


async def test_lookup_ignores_a_channel_bound_in_another_workspace(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    await store.create_cohort(elsewhere.id, "chan", "Theirs", "UTC", 0, 3, NOW)
    found = await store.lookup("console", "ws-1", "u-ana", "chan")
    assert found == Lookup(workspace, member, cohort)


# -- ensure_workspace ------------------------------------------------------------------------


async def test_ensure_workspace_creates_a_workspace_once_and_then_finds_it(store: Store) -> None:
    first = await store.ensure_workspace("discord", "g-1", "Guild", NOW)
    again = await store.ensure_workspace("discord", "g-1", "Guild", LATER)
    assert first == again == Workspace(first.id, "discord", "g-1", "Guild")


async def test_ensure_workspace_renames_a_known_workspace(store: Store) -> None:
    first = await store.ensure_workspace("discord", "g-1", "Guild", NOW)
    renamed = await store.ensure_workspace("discord", "g-1", "New name", LATER)
    assert renamed == replace(first, name="New name")
    found = await store.lookup("discord", "g-1", "u", None)
    assert found.workspace == renamed


async def test_ensure_workspace_with_an_empty_name_keeps_the_stored_name(store: Store) -> None:
    first = await store.ensure_workspace("discord", "g-1", "Guild", NOW)
    assert await store.ensure_workspace("discord", "g-1", "", LATER) == first
    assert (await store.lookup("discord", "g-1", "u", None)).workspace == first


async def test_workspaces_are_told_apart_by_platform_and_external_id(store: Store) -> None:
    discord = await store.ensure_workspace("discord", "same", "D", NOW)
    slack = await store.ensure_workspace("slack", "same", "S", NOW)
    other = await store.ensure_workspace("discord", "other", "O", NOW)
    assert len({discord.id, slack.id, other.id}) == 3


# -- members ---------------------------------------------------------------------------------


async def test_find_member_finds_a_member_only_within_its_workspace(
    store: Store, workspace: Workspace, member: Member
) -> None:
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    assert await store.find_member(workspace.id, "u-ana") == member
    assert await store.find_member(elsewhere.id, "u-ana") is None
    assert await store.find_member(workspace.id, "u-nobody") is None


async def test_a_new_member_gets_the_default_goals_and_preferences(
    store: Store, workspace: Workspace, cohort: Cohort
) -> None:
    member = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    assert member == Member(
        id=member.id,
        workspace_id=workspace.id,
        user_id="u-bo",
        display_name="Bo",
        cohort_id=cohort.id,
        email_goal=None,
        interview_goal=None,
        timezone=None,
        show_on_leaderboard=True,
        allow_mentions=False,
        reminders_by_dm=True,
        created_at=NOW,
        profile_timezone=None,
    )
    assert await store.find_member(workspace.id, "u-bo") == member


async def test_add_member_of_a_known_person_updates_name_and_cohort_and_keeps_the_rest(
    store: Store, workspace: Workspace, member: Member
) -> None:
    customised = await store.save_member(
        replace(member, email_goal=5, timezone="Europe/Paris", allow_mentions=True)
    )
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    again = await store.add_member(workspace.id, "u-ana", "Ana B.", other.id, LATER)
    assert again == replace(customised, display_name="Ana B.", cohort_id=other.id)


async def test_add_member_with_no_cohort_keeps_the_members_cohort(
    store: Store, workspace: Workspace, member: Member
) -> None:
    again = await store.add_member(workspace.id, "u-ana", "Ana", None, LATER)
    assert again == member


async def test_concurrent_adds_of_one_person_make_one_member(
    store: Store, workspace: Workspace, cohort: Cohort
) -> None:
    added = await asyncio.gather(
        *(store.add_member(workspace.id, "u-new", "New", cohort.id, NOW) for _ in range(5))
    )
    assert len({m.id for m in added}) == 1
    assert [m.user_id for m in await store.cohort_members(cohort.id)] == ["u-new"]


async def test_add_member_to_an_unknown_workspace_raises_and_adds_nothing(
    store: Store, integrity_error: type[Exception]
) -> None:
    with pytest.raises(integrity_error):
        await store.add_member(9999, "u-x", "X", None, NOW)
    assert await store.find_member(9999, "u-x") is None


async def test_save_member_writes_every_changeable_field(
    store: Store, workspace: Workspace, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    changed = replace(
        member,
        display_name="Ana B.",
        cohort_id=other.id,
        email_goal=5,
        interview_goal=2,
        timezone="Europe/Paris",
        show_on_leaderboard=False,
        allow_mentions=True,
        reminders_by_dm=False,
        profile_timezone="Asia/Tokyo",
    )
    assert await store.save_member(changed) == changed
    assert await store.find_member(workspace.id, "u-ana") == changed


async def test_save_member_never_changes_who_the_member_is_or_when_they_joined(
    store: Store, workspace: Workspace, member: Member
) -> None:
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    saved = await store.save_member(
        replace(member, workspace_id=elsewhere.id, user_id="u-else", created_at=LATER)
    )
    assert saved == member
    assert await store.find_member(elsewhere.id, "u-else") is None


# -- cohorts ---------------------------------------------------------------------------------


async def test_create_cohort_uses_the_default_nudge_schedule_and_no_interview_goal(
    store: Store, workspace: Workspace
) -> None:
    created = await store.create_cohort(workspace.id, "chan", "Fall", "Europe/Paris", 2, 4, NOW)
    assert created == Cohort(
        id=created.id,
        workspace_id=workspace.id,
        channel_id="chan",
        name="Fall",
        timezone="Europe/Paris",
        week_start=2,
        email_goal=4,
        interview_goal=None,
        kickoff_day=0,
        kickoff_time=time(9, 0),
        checkin_day=None,
        checkin_time=time(15, 0),
        grace_hours=6,
        schedule_from=datetime(1970, 1, 1, tzinfo=UTC),
    )


async def test_get_cohort_returns_the_cohort_or_none(store: Store, cohort: Cohort) -> None:
    assert await store.get_cohort(cohort.id) == cohort
    assert await store.get_cohort(cohort.id + 1000) is None


async def test_cohort_for_channel_finds_only_the_cohort_bound_there_in_that_workspace(
    store: Store, workspace: Workspace, cohort: Cohort
) -> None:
    bound = await store.create_cohort(workspace.id, "chan", "Bound", "UTC", 0, 3, NOW)
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    assert await store.cohort_for_channel(workspace.id, "chan") == bound
    assert await store.cohort_for_channel(workspace.id, "other-chan") is None
    assert await store.cohort_for_channel(elsewhere.id, "chan") is None


async def test_workspace_cohorts_come_oldest_first(
    store: Store, workspace: Workspace, cohort: Cohort
) -> None:
    second = await store.create_cohort(workspace.id, "b", "Alpha", "UTC", 0, 3, NOW)
    third = await store.create_cohort(workspace.id, None, "Zeta", "UTC", 0, 3, NOW)
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    await store.create_cohort(elsewhere.id, None, "Theirs", "UTC", 0, 3, NOW)
    assert await store.workspace_cohorts(workspace.id) == [cohort, second, third]


async def test_a_second_cohort_on_a_bound_channel_is_refused(
    store: Store, workspace: Workspace, integrity_error: type[Exception]
) -> None:
    first = await store.create_cohort(workspace.id, "chan", "First", "UTC", 0, 3, NOW)
    with pytest.raises(integrity_error):
        await store.create_cohort(workspace.id, "chan", "Second", "UTC", 0, 3, NOW)
    assert await store.workspace_cohorts(workspace.id) == [first]


async def test_binding_a_new_cohort_creates_it_from_now_and_moves_its_organizer_in(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bound = await store.bind_cohort(binding(workspace, member, "chan", at=LATER))
    assert bound == Cohort(
        id=bound.id,
        workspace_id=workspace.id,
        channel_id="chan",
        name="Bound",
        timezone="America/New_York",
        week_start=6,
        email_goal=4,
        interview_goal=None,
        schedule_from=LATER,
    )
    assert bound.id != cohort.id
    assert await store.cohort_for_channel(workspace.id, "chan") == bound
    assert await store.is_organizer(bound.id, member.id)
    assert await store.find_member(workspace.id, "u-ana") == replace(member, cohort_id=bound.id)


async def test_binding_an_existing_cohort_keeps_its_goals_and_schedule(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    customised = await store.save_cohort(
        replace(cohort, email_goal=7, interview_goal=2, kickoff_day=3, grace_hours=12)
    )
    bound = await store.bind_cohort(binding(workspace, member, "chan", cohort, at=LATER))
    assert bound == replace(
        customised,
        channel_id="chan",
        name="Bound",
        timezone="America/New_York",
        week_start=6,
        schedule_from=LATER,
    )
    assert await store.get_cohort(cohort.id) == bound
    assert await store.is_organizer(cohort.id, member.id)


async def test_binding_a_cohort_again_to_its_own_channel_keeps_its_schedule_from(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    first = await store.bind_cohort(binding(workspace, member, "chan", cohort, at=NOW))
    again = await store.bind_cohort(
        binding(workspace, member, "chan", cohort, at=LATER, name="Renamed")
    )
    assert again == replace(first, name="Renamed")
    assert await store.organizers(cohort.id) == [await store.find_member(workspace.id, "u-ana")]


async def test_binding_a_cohort_to_a_new_channel_moves_its_schedule_from(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    await store.bind_cohort(binding(workspace, member, "chan", cohort, at=NOW))
    moved = await store.bind_cohort(binding(workspace, member, "new-chan", cohort, at=LATER))
    assert (moved.channel_id, moved.schedule_from) == ("new-chan", LATER)
    assert await store.cohort_for_channel(workspace.id, "chan") is None


async def test_binding_onto_a_channel_taken_by_another_cohort_raises_and_writes_nothing(
    store: Store,
    workspace: Workspace,
    cohort: Cohort,
    member: Member,
    integrity_error: type[Exception],
) -> None:
    taken = await store.create_cohort(workspace.id, "chan", "Taken", "UTC", 0, 3, NOW)
    for attempt in (binding(workspace, member, "chan"), binding(workspace, member, "chan", cohort)):
        with pytest.raises(integrity_error):
            await store.bind_cohort(attempt)
    assert await store.workspace_cohorts(workspace.id) == [cohort, taken]
    assert await store.find_member(workspace.id, "u-ana") == member
    assert not await store.is_organizer(cohort.id, member.id)
    assert not await store.is_organizer(taken.id, member.id)


async def test_binding_for_an_unknown_organizer_raises_and_creates_no_cohort(
    store: Store, workspace: Workspace, cohort: Cohort, integrity_error: type[Exception]
) -> None:
    nobody = replace(await store.add_member(workspace.id, "u-x", "X", None, NOW), id=9999)
    with pytest.raises(integrity_error):
        await store.bind_cohort(binding(workspace, nobody, "chan"))
    assert await store.workspace_cohorts(workspace.id) == [cohort]
    assert await store.cohort_for_channel(workspace.id, "chan") is None


async def test_save_cohort_writes_every_changeable_field(
    store: Store, workspace: Workspace, cohort: Cohort
) -> None:
    changed = replace(
        cohort,
        channel_id="chan",
        name="Renamed",
        timezone="Europe/Paris",
        week_start=6,
        email_goal=5,
        interview_goal=2,
        kickoff_day=2,
        kickoff_time=time(8, 30),
        checkin_day=4,
        checkin_time=time(16, 45),
        grace_hours=12,
        schedule_from=LATER,
    )
    assert await store.save_cohort(changed) == changed
    assert await store.get_cohort(cohort.id) == changed
    elsewhere = await store.ensure_workspace("console", "ws-2", "Other", NOW)
    assert await store.save_cohort(replace(changed, workspace_id=elsewhere.id)) == changed


async def test_save_cohort_keeps_times_of_day_to_the_minute(store: Store, cohort: Cohort) -> None:
    saved = await store.save_cohort(
        replace(cohort, kickoff_time=time(8, 30, 59, 999), checkin_time=time(16, 45, 1))
    )
    assert (saved.kickoff_time, saved.checkin_time) == (time(8, 30), time(16, 45))


async def test_save_cohort_onto_a_channel_taken_by_another_cohort_raises_and_changes_nothing(
    store: Store, workspace: Workspace, cohort: Cohort, integrity_error: type[Exception]
) -> None:
    await store.create_cohort(workspace.id, "chan", "Taken", "UTC", 0, 3, NOW)
    with pytest.raises(integrity_error):
        await store.save_cohort(replace(cohort, channel_id="chan", name="Renamed"))
    assert await store.get_cohort(cohort.id) == cohort


async def test_cohort_members_are_that_cohorts_in_the_order_they_were_added(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    zed = await store.add_member(workspace.id, "u-zed", "Zed", cohort.id, NOW)
    await store.add_member(workspace.id, "u-out", "Out", other.id, NOW)
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    assert await store.cohort_members(cohort.id) == [member, zed, bo]


# -- organizers ------------------------------------------------------------------------------


async def test_set_organizer_returns_true_only_when_it_changes_something(
    store: Store, cohort: Cohort, member: Member
) -> None:
    assert await store.set_organizer(cohort.id, member.id, True) is True
    assert await store.set_organizer(cohort.id, member.id, True) is False
    assert await store.is_organizer(cohort.id, member.id)
    assert await store.set_organizer(cohort.id, member.id, False) is True
    assert await store.set_organizer(cohort.id, member.id, False) is False
    assert not await store.is_organizer(cohort.id, member.id)


async def test_set_organizer_names_an_organizer_of_one_cohort_without_moving_them(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    assert await store.set_organizer(other.id, member.id, True)
    assert await store.is_organizer(other.id, member.id)
    assert not await store.is_organizer(cohort.id, member.id)
    assert await store.find_member(workspace.id, "u-ana") == member


async def test_organizers_come_by_display_name(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    zed = await store.add_member(workspace.id, "u-zed", "Zed", cohort.id, NOW)
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    await store.add_member(workspace.id, "u-cy", "Cy", cohort.id, NOW)
    for organizer in (zed, member, bo):
        await store.set_organizer(cohort.id, organizer.id, True)
    assert await store.organizers(cohort.id) == [member, bo, zed]


async def test_naming_an_unknown_member_organizer_raises(
    store: Store, cohort: Cohort, integrity_error: type[Exception]
) -> None:
    with pytest.raises(integrity_error):
        await store.set_organizer(cohort.id, 9999, True)
    assert await store.organizers(cohort.id) == []


# -- state and instants ----------------------------------------------------------------------


async def test_get_state_of_a_key_never_set_is_none(store: Store) -> None:
    assert await store.get_state("discord:commands") is None


async def test_set_state_replaces_the_value_of_its_key_only(store: Store) -> None:
    await store.set_state("a", "1")
    await store.set_state("b", "2")
    await store.set_state("a", "3")
    assert (await store.get_state("a"), await store.get_state("b")) == ("3", "2")


async def test_instants_come_back_in_utc_to_the_microsecond(
    store: Store, workspace: Workspace
) -> None:
    eastern = timezone(timedelta(hours=-5))
    joined = datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=eastern)
    member = await store.add_member(workspace.id, "u-t", "T", None, joined)
    assert member.created_at == joined
    assert member.created_at.utcoffset() == timedelta(0)
