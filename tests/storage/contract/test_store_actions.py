"""``Store``: logging and undoing actions, contacts, and the views computed from them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.models import Action, ActionKind, Cohort, Contact, Member, Standing, Workspace
from bot.nudges.ledger import Ledger
from bot.store import LoggedAction, Store
from tests.storage.contract.builders import DAY, NOW, log, new_action, nudge, reminder

HOUR = timedelta(hours=1)
EMAIL = ActionKind.EMAIL_SENT
FOLLOW_UP = ActionKind.FOLLOW_UP_SENT
INTERVIEW = ActionKind.INTERVIEW_DONE


async def other_member(
    store: Store, workspace: Workspace, cohort: Cohort, name: str = "Bo"
) -> Member:
    return await store.add_member(workspace.id, f"u-{name.lower()}", name, cohort.id, NOW)


# -- log_action ------------------------------------------------------------------------------


async def test_log_action_without_a_contact_writes_just_the_action(
    store: Store, cohort: Cohort, member: Member
) -> None:
    logged = await store.log_action(new_action(member, EMAIL, count=3, note="three cold emails"))
    assert logged is not None
    assert logged == LoggedAction(
        Action(
            id=logged.action.id,
            member_id=member.id,
            cohort_id=cohort.id,
            contact_id=None,
            kind=EMAIL,
            count=3,
            note="three cold emails",
            occurred_at=NOW,
            undone_at=None,
        ),
        None,
        False,
    )
    assert await store.member_history(member.id) == [logged.action]
    assert await store.all_member_contacts(member.id) == []


async def test_log_action_creates_a_contact_on_first_use_and_says_so(
    store: Store, member: Member
) -> None:
    logged = await log(store, member, contact="Jane Doe", organization="Acme")
    assert logged.contact is not None
    assert logged.contact == Contact(logged.contact.id, member.id, "Jane Doe", "Acme", NOW)
    assert logged.contact_created is True
    assert logged.action.contact_id == logged.contact.id
    assert await store.get_contact(logged.contact.id) == logged.contact


async def test_log_action_finds_a_contact_by_name_whatever_its_case_and_spacing(
    store: Store, member: Member
) -> None:
    first = await log(store, member, contact="Jane Doe", organization="Acme")
    again = await log(store, member, FOLLOW_UP, at=NOW + HOUR, contact="  jane   DOE ")
    assert again.contact == first.contact
    assert again.contact_created is False
    assert again.action.contact_id == first.action.contact_id
    assert [c.name for c in await store.all_member_contacts(member.id)] == ["Jane Doe"]


async def test_a_given_organization_replaces_the_contacts_and_an_empty_one_keeps_it(
    store: Store, member: Member
) -> None:
    first = await log(store, member, contact="Jane", organization="Acme")
    assert first.contact is not None
    kept = await log(store, member, FOLLOW_UP, at=NOW + HOUR, contact="Jane", organization="")
    assert kept.contact == first.contact
    moved = await log(store, member, at=NOW + 2 * HOUR, contact="Jane", organization="Globex")
    assert moved.contact == replace(first.contact, organization="Globex")
    assert await store.get_contact(first.contact.id) == moved.contact


async def test_contacts_are_private_to_their_member(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await other_member(store, workspace, cohort)
    mine = await log(store, member, contact="Jane")
    theirs = await log(store, bo, at=NOW + HOUR, contact="Jane")
    assert theirs.contact_created is True
    assert mine.contact is not None
    assert theirs.contact is not None
    assert mine.contact.id != theirs.contact.id
    assert [c.member_id for c in await store.all_member_contacts(bo.id)] == [bo.id]


async def test_log_action_up_to_the_daily_cap_is_accepted_and_past_it_refused(
    store: Store, member: Member
) -> None:
    assert await store.log_action(new_action(member, count=15, cap=20)) is not None
    assert await store.log_action(new_action(member, count=6, cap=20)) is None
    assert await store.log_action(new_action(member, count=5, cap=20)) is not None
    assert await store.log_action(new_action(member, count=1, cap=20)) is None
    assert [a.count for a in await store.member_history(member.id)] == [15, 5]


async def test_a_log_refused_by_the_cap_writes_nothing_not_even_its_contact(
    store: Store, member: Member
) -> None:
    known = await log(store, member, contact="Jane", organization="Acme", count=1)
    await log(store, member, count=19)
    assert await store.log_action(new_action(member, contact="Brand New", organization="X")) is None
    assert await store.log_action(new_action(member, contact="Jane", organization="Globex")) is None
    assert await store.all_member_contacts(member.id) == [known.contact]
    assert [a.count for a in await store.member_history(member.id)] == [1, 19]


async def test_the_cap_counts_only_live_actions_of_that_kind_within_that_day_in_any_cohort(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    await log(store, member, count=5, at=NOW - DAY)
    await log(store, member, FOLLOW_UP, count=5)
    await log(store, member, count=4)
    await store.undo_last_action(member.id, NOW)
    await log(store, member, count=2, cohort=other)
    assert await store.log_action(new_action(member, count=3, cap=5)) is not None
    assert await store.log_action(new_action(member, count=1, cap=5)) is None


async def test_concurrent_logs_cannot_slip_past_the_cap(store: Store, member: Member) -> None:
    results = await asyncio.gather(
        *(store.log_action(new_action(member, contact=f"c{n}", cap=20)) for n in range(25))
    )
    accepted = [r for r in results if r is not None]
    assert len(accepted) == 20
    assert len(await store.all_member_contacts(member.id)) == 20


async def test_log_action_for_an_unknown_member_raises(
    store: Store, member: Member, integrity_error: type[Exception]
) -> None:
    with pytest.raises(integrity_error):
        await store.log_action(new_action(replace(member, id=9999), contact="Jane"))
    assert await store.all_member_contacts(9999) == []


# -- undo_last_action ------------------------------------------------------------------------


async def test_undo_marks_the_most_recently_logged_action_and_keeps_its_row(
    store: Store, member: Member
) -> None:
    await log(store, member, at=NOW)
    latest = await log(store, member, INTERVIEW, at=NOW - HOUR)
    undone = await store.undo_last_action(member.id, NOW + HOUR)
    assert undone == replace(latest.action, undone_at=NOW + HOUR)
    assert (await store.member_history(member.id))[-1] == undone


async def test_undoing_again_reaches_the_action_logged_before(store: Store, member: Member) -> None:
    first = await log(store, member, at=NOW)
    await log(store, member, FOLLOW_UP, at=NOW + HOUR)
    await store.undo_last_action(member.id, NOW + 2 * HOUR)
    again = await store.undo_last_action(member.id, NOW + 3 * HOUR)
    assert again == replace(first.action, undone_at=NOW + 3 * HOUR)


async def test_undo_with_nothing_left_returns_none(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    assert await store.undo_last_action(member.id, NOW) is None
    await log(store, member)
    assert await store.undo_last_action(member.id, NOW) is not None
    assert await store.undo_last_action(member.id, NOW) is None
    bo = await other_member(store, workspace, cohort)
    await log(store, bo)
    assert await store.undo_last_action(member.id, NOW) is None


async def test_get_contact_of_an_unknown_id_is_none(store: Store) -> None:
    assert await store.get_contact(9999) is None


# -- member views ----------------------------------------------------------------------------


async def test_member_totals_sum_live_actions_per_kind_within_the_window_in_any_cohort(
    store: Store, workspace: Workspace, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    await log(store, member, count=2, at=NOW - DAY)
    await log(store, member, count=3, at=NOW)
    await log(store, member, count=1, at=NOW + HOUR, cohort=other)
    await log(store, member, INTERVIEW, at=NOW + 2 * HOUR)
    await log(store, member, FOLLOW_UP, at=NOW + 3 * HOUR)
    await store.undo_last_action(member.id, NOW)
    await log(store, member, count=4, at=NOW + DAY)
    totals = await store.member_totals(member.id, NOW - DAY, NOW + DAY)
    assert totals == {EMAIL: 6, INTERVIEW: 1}


async def test_period_totals_add_up_each_period_of_the_given_kinds_bounds_half_open(
    store: Store, member: Member
) -> None:
    await log(store, member, count=2, at=NOW)
    await log(store, member, FOLLOW_UP, at=NOW - 2 * HOUR)
    await log(store, member, INTERVIEW, at=NOW - HOUR)
    await log(store, member, count=3, at=NOW - 3 * HOUR)  # exactly on the first bound: in
    await log(store, member, at=NOW - 10 * DAY)  # before the first period
    await log(store, member, count=5, at=NOW + DAY)  # exactly on the last bound: out
    await log(store, member, at=NOW + HOUR)
    await store.undo_last_action(member.id, NOW)
    bounds = [NOW - 3 * HOUR, NOW - HOUR, NOW + HOUR, NOW + DAY]
    totals = await store.members_period_totals([member.id], {EMAIL, FOLLOW_UP}, bounds)
    assert totals == {member.id: [4, 2, 0]}


async def test_period_totals_of_no_kinds_or_no_periods_are_zeros(
    store: Store, member: Member
) -> None:
    await log(store, member, at=NOW)
    bounds = [NOW - DAY, NOW + DAY]
    assert await store.members_period_totals([member.id], set(), bounds) == {member.id: [0]}
    assert await store.members_period_totals([member.id], {EMAIL}, [NOW]) == {member.id: []}
    assert await store.members_period_totals([member.id], {EMAIL}, []) == {member.id: []}


async def test_member_contacts_come_in_creation_order_with_live_actions_oldest_first(
    store: Store, member: Member
) -> None:
    jane = await log(store, member, contact="Jane", at=NOW)
    omar = await log(store, member, contact="Omar", at=NOW - DAY)
    reply = await log(store, member, ActionKind.REPLY_RECEIVED, contact="Jane", at=NOW + DAY)
    earlier = await log(store, member, FOLLOW_UP, contact="Jane", at=NOW - HOUR)
    await log(store, member, contact="Omar", at=NOW + 2 * DAY)
    await store.undo_last_action(member.id, NOW + 2 * DAY)
    entries = await store.member_contacts(member.id)
    assert [(e.contact, e.actions) for e in entries] == [
        (jane.contact, (earlier.action, jane.action, reply.action)),
        (omar.contact, (omar.action,)),
    ]


async def test_a_contact_whose_actions_were_all_undone_comes_with_none(
    store: Store, member: Member
) -> None:
    logged = await log(store, member, contact="Jane")
    await store.undo_last_action(member.id, NOW)
    [entry] = await store.member_contacts(member.id)
    assert (entry.contact, entry.actions) == (logged.contact, ())
    assert await store.all_member_contacts(member.id) == [logged.contact]


async def test_member_history_keeps_undone_actions_in_the_order_logged(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    first = await log(store, member, at=NOW)
    second = await log(store, member, INTERVIEW, at=NOW - DAY, contact="Jane")
    undone = await store.undo_last_action(member.id, NOW + HOUR)
    third = await log(store, member, FOLLOW_UP, at=NOW - 2 * DAY)
    bo = await other_member(store, workspace, cohort)
    await log(store, bo)
    assert undone == replace(second.action, undone_at=NOW + HOUR)
    assert await store.member_history(member.id) == [first.action, undone, third.action]


async def test_all_member_contacts_come_in_creation_order(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    zoe = await log(store, member, contact="Zoe", at=NOW)
    adam = await log(store, member, contact="Adam", at=NOW - DAY)
    await log(store, await other_member(store, workspace, cohort), contact="Bea")
    assert await store.all_member_contacts(member.id) == [zoe.contact, adam.contact]


# -- cohort views ----------------------------------------------------------------------------


async def test_standings_rank_by_total_then_display_name_and_include_hidden_members(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    cy = await other_member(store, workspace, cohort, "Cy")
    bo = await store.save_member(
        replace(await other_member(store, workspace, cohort, "Bo"), show_on_leaderboard=False)
    )
    await log(store, cy, count=2)
    await log(store, member, count=5)
    await log(store, bo, count=2)
    for since, until in ((None, None), (NOW - DAY, NOW + DAY)):
        assert await store.standings(cohort.id, {EMAIL}, since, until) == [
            Standing(member.id, "u-ana", "Ana", True, 5),
            Standing(bo.id, "u-bo", "Bo", False, 2),
            Standing(cy.id, "u-cy", "Cy", True, 2),
        ]


async def test_standings_count_only_the_given_kinds_and_leave_out_members_with_nothing(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await other_member(store, workspace, cohort)
    await other_member(store, workspace, cohort, "Cy")
    await log(store, member, count=2)
    await log(store, member, FOLLOW_UP, count=3)
    await log(store, bo, INTERVIEW)
    await log(store, bo, count=4)
    await store.undo_last_action(bo.id, NOW)
    for since, until in ((None, None), (NOW - DAY, NOW + DAY)):
        emails = await store.standings(cohort.id, {EMAIL, FOLLOW_UP}, since, until)
        assert [(s.display_name, s.total) for s in emails] == [("Ana", 5)]
        interviews = await store.standings(cohort.id, {INTERVIEW}, since, until)
        assert [(s.display_name, s.total) for s in interviews] == [("Bo", 1)]
        assert await store.standings(cohort.id, set(), since, until) == []


async def test_standings_over_a_window_count_only_actions_within_it(
    store: Store, cohort: Cohort, member: Member
) -> None:
    await log(store, member, count=2, at=NOW - DAY)
    await log(store, member, count=3, at=NOW)
    await log(store, member, count=4, at=NOW + DAY)
    window = await store.standings(cohort.id, {EMAIL}, NOW - DAY, NOW + DAY)
    assert [s.total for s in window] == [5]
    assert await store.standings(cohort.id, {EMAIL}, NOW + 2 * DAY, NOW + 3 * DAY) == []
    assert [s.total for s in await store.standings(cohort.id, {EMAIL}, None, None)] == [9]


async def test_standings_count_actions_in_the_cohort_they_were_logged_in(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    await log(store, member, count=2)
    moved = await store.save_member(replace(member, cohort_id=other.id))
    await log(store, moved, count=3)
    for since, until in ((None, None), (NOW - DAY, NOW + DAY)):
        assert [s.total for s in await store.standings(cohort.id, {EMAIL}, since, until)] == [2]
        assert [s.total for s in await store.standings(other.id, {EMAIL}, since, until)] == [3]


async def test_cohort_totals_sum_live_actions_per_member_and_kind_within_the_window(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    bo = await other_member(store, workspace, cohort)
    await log(store, member, count=2, at=NOW - DAY)
    await log(store, member, count=3, at=NOW)
    await log(store, member, INTERVIEW, at=NOW)
    await log(store, member, count=7, at=NOW + DAY)
    await log(store, member, count=5, at=NOW, cohort=other)
    await log(store, bo, FOLLOW_UP, at=NOW)
    await log(store, bo, count=4, at=NOW)
    await store.undo_last_action(bo.id, NOW)
    totals = await store.cohort_totals(cohort.id, NOW - DAY, NOW + DAY)
    assert sorted(totals) == sorted(
        [(member.id, EMAIL, 5), (member.id, INTERVIEW, 1), (bo.id, FOLLOW_UP, 1)]
    )


async def test_cohort_history_lists_the_cohorts_live_actions_oldest_first(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    bo = await other_member(store, workspace, cohort)
    late = await log(store, member, at=NOW)
    early = await log(store, bo, INTERVIEW, at=NOW - DAY)
    await log(store, member, at=NOW - HOUR, cohort=other)
    await log(store, bo, FOLLOW_UP, at=NOW - 2 * DAY)
    await store.undo_last_action(bo.id, NOW)
    middle = await log(store, member, FOLLOW_UP, at=NOW - HOUR)
    assert await store.cohort_history(cohort.id) == [early.action, middle.action, late.action]


# -- forget_member ---------------------------------------------------------------------------


async def test_forget_member_erases_the_member_and_everything_about_them(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    logged = await log(store, member, contact="Jane", organization="Acme")
    await log(store, member, INTERVIEW, contact="Jane", at=NOW + HOUR)
    await store.add_pause(member.id, date(2026, 12, 1), date(2026, 12, 10))
    await store.set_organizer(cohort.id, member.id, True)
    await ledger.claim(reminder("reminder:ana", member), NOW)
    await ledger.claim(nudge("kickoff:fall", cohort), NOW)
    assert logged.contact is not None

    await store.forget_member(member.id)

    assert await store.find_member(workspace.id, "u-ana") is None
    assert (await store.lookup("console", "ws-1", "u-ana", None)).member is None
    assert await store.cohort_members(cohort.id) == []
    assert await store.member_history(member.id) == []
    assert await store.member_contacts(member.id) == []
    assert await store.all_member_contacts(member.id) == []
    assert await store.get_contact(logged.contact.id) is None
    assert await store.pauses(member.id) == []
    assert await store.organizers(cohort.id) == []
    assert not await store.is_organizer(cohort.id, member.id)
    assert await store.standings(cohort.id, set(ActionKind), None, None) == []
    assert await store.standings(cohort.id, set(ActionKind), NOW - DAY, NOW + DAY) == []
    assert await store.cohort_totals(cohort.id, NOW - DAY, NOW + DAY) == []
    assert await store.cohort_history(cohort.id) == []
    assert await ledger.member_deliveries(member.id) == []
    assert await ledger.get("reminder:ana") is None
    assert await ledger.clocks_due(NOW + DAY, 100) == []
    assert await ledger.existing(["kickoff:fall"]) == {"kickoff:fall"}


async def test_forget_member_leaves_other_members_untouched(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await other_member(store, workspace, cohort)
    theirs = await log(store, bo, contact="Jane", count=2)
    await log(store, member, contact="Jane")
    await store.forget_member(member.id)
    assert await store.cohort_members(cohort.id) == [bo]
    assert await store.member_history(bo.id) == [theirs.action]
    assert await store.all_member_contacts(bo.id) == [theirs.contact]
    assert [s.member_id for s in await store.standings(cohort.id, {EMAIL}, None, None)] == [bo.id]


async def test_forget_member_of_an_unknown_id_changes_nothing(
    store: Store, cohort: Cohort, member: Member
) -> None:
    logged = await log(store, member)
    await store.forget_member(9999)
    assert await store.cohort_members(cohort.id) == [member]
    assert await store.member_history(member.id) == [logged.action]


# -- members_period_totals -------------------------------------------------------------------


async def test_members_period_totals_answer_for_each_member_asked_and_no_other(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await other_member(store, workspace, cohort)
    cy = await other_member(store, workspace, cohort, "Cy")
    await log(store, member, count=2, at=NOW)
    await log(store, member, FOLLOW_UP, at=NOW - HOUR)
    await log(store, member, INTERVIEW, at=NOW - 2 * HOUR)
    await log(store, member, at=NOW - 10 * DAY)
    await log(store, bo, count=3, at=NOW - DAY)
    await log(store, bo, at=NOW + HOUR)
    await store.undo_last_action(bo.id, NOW)
    await log(store, cy, at=NOW)
    bounds = [NOW - 2 * DAY, NOW - DAY + HOUR, NOW + 2 * HOUR]
    found = await store.members_period_totals([member.id, bo.id], {EMAIL, FOLLOW_UP}, bounds)
    assert found == {member.id: [0, 3], bo.id: [3, 0]}


async def test_members_period_totals_list_every_id_asked_even_with_nothing_to_show(
    store: Store, member: Member
) -> None:
    await log(store, member, at=NOW)
    ids = [member.id, *range(1000, 2200)]
    bounds = [NOW - DAY, NOW + DAY]
    found = await store.members_period_totals(ids, {EMAIL}, bounds)
    assert set(found) == set(ids)
    assert found[member.id] == [1]
    assert all(found[n] == [0] for n in ids[1:])
    assert await store.members_period_totals([], {EMAIL}, bounds) == {}


async def test_period_totals_at_most_a_goal_are_exact_below_it_and_reach_it_above(
    store: Store, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await other_member(store, workspace, cohort)
    for hours in range(1, 6):  # five emails in the first period
        await log(store, member, at=NOW - DAY + hours * HOUR)
    await log(store, member, count=4, at=NOW + HOUR)  # one action counting 4: past the goal
    await log(store, member, at=NOW + DAY + HOUR)  # one email: below it
    await log(store, member, INTERVIEW, at=NOW + DAY + 2 * HOUR)
    await log(store, bo, count=2, at=NOW + 2 * HOUR)
    await log(store, bo, at=NOW + 3 * HOUR)
    await store.undo_last_action(bo.id, NOW)
    bounds = [NOW - DAY, NOW, NOW + DAY, NOW + 2 * DAY]
    exact = await store.members_period_totals([member.id, bo.id], {EMAIL}, bounds)
    assert exact == {member.id: [5, 4, 1], bo.id: [0, 2, 0]}
    capped = await store.members_period_totals([member.id, bo.id], {EMAIL}, bounds, at_most=3)
    assert capped[bo.id] == [0, 2, 0]
    first, second, third = capped[member.id]
    assert 3 <= first <= 5  # at least the goal, though not every email was added up
    assert (second, third) == (4, 1)
    many = [member.id, *range(1000, 1600)]
    wide = await store.members_period_totals(many, {EMAIL}, bounds, at_most=3)
    assert wide[member.id] == capped[member.id]
    assert all(wide[n] == [0, 0, 0] for n in many[1:])


async def test_members_period_totals_count_a_long_history_week_by_week(
    store: Store, member: Member
) -> None:
    for week in range(110):
        await log(store, member, count=week % 4 + 1, at=NOW - timedelta(weeks=week, hours=1))
    bounds = [NOW - timedelta(weeks=n) for n in range(105, -1, -1)]
    found = await store.members_period_totals([member.id], {EMAIL}, bounds)
    assert found[member.id] == [week % 4 + 1 for week in range(104, -1, -1)]
