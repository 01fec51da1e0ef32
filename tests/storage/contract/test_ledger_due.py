"""``Ledger``: what may be due: scheduled cohorts, follow-up clocks, second contacts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.models import ActionKind, Cohort, ContactEntry, Member, Workspace
from bot.nudges.ledger import ClockCandidate, Ledger, ScheduledCohort
from bot.store import CohortBinding, Store
from tests.storage.contract.builders import DAY, NOW, log

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)


async def due_contacts(ledger: Ledger, now: datetime, limit: int = 100) -> list[str]:
    return [c.entry.contact.name for c in await ledger.clocks_due(now, limit)]


async def contact_id(store: Store, member: Member, name: str) -> int:
    for contact in await store.all_member_contacts(member.id):
        if contact.name == name:
            return contact.id
    raise AssertionError(f"no contact {name}")


# -- scheduled_cohorts -----------------------------------------------------------------------


async def test_scheduled_cohorts_are_the_cohorts_bound_to_a_channel_oldest_first(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    elsewhere = await store.ensure_workspace("slack", "T1", "Team", NOW)
    theirs = await store.create_cohort(elsewhere.id, "C1", "Theirs", "UTC", 0, 3, NOW)
    ours = await store.bind_cohort(
        CohortBinding(workspace.id, "chan", cohort.id, "Fall", "UTC", 0, 3, member.id, NOW)
    )
    await store.create_cohort(workspace.id, None, "Unbound", "UTC", 0, 3, NOW)
    assert await ledger.scheduled_cohorts() == [
        ScheduledCohort(ours, workspace),
        ScheduledCohort(theirs, elsewhere),
    ]


async def test_no_cohort_is_scheduled_before_one_is_bound(ledger: Ledger, cohort: Cohort) -> None:
    assert await ledger.scheduled_cohorts() == []


# -- clocks_due and next_clock_check ---------------------------------------------------------


async def test_no_clock_is_due_before_anything_is_logged_about_a_contact(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, count=3)
    assert await ledger.clocks_due(NOW + DAY, 100) == []
    assert await ledger.next_clock_check() is None


async def test_logging_about_a_contact_makes_its_clock_due_from_that_instant(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    assert await due_contacts(ledger, NOW - MICROSECOND) == []
    assert await due_contacts(ledger, NOW) == ["Jane"]
    assert await ledger.next_clock_check() == NOW


async def test_a_due_clock_comes_with_its_member_cohort_workspace_and_live_actions(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    email = await log(store, member, contact="Jane", organization="Acme", at=NOW - DAY)
    follow_up = await log(store, member, ActionKind.FOLLOW_UP_SENT, contact="Jane", at=NOW)
    earlier = await log(store, member, ActionKind.EMAIL_SENT, contact="Jane", at=NOW - 2 * DAY)
    await log(store, member, ActionKind.REPLY_RECEIVED, contact="Jane", at=NOW + HOUR)
    await store.undo_last_action(member.id, NOW + HOUR)
    assert follow_up.contact is not None
    assert await ledger.clocks_due(NOW + DAY, 100) == [
        ClockCandidate(
            member,
            cohort,
            workspace,
            ContactEntry(follow_up.contact, (earlier.action, email.action, follow_up.action)),
        )
    ]


async def test_clocks_due_takes_the_earliest_due_up_to_the_limit_and_lists_them_by_contact(
    store: Store, ledger: Ledger, member: Member
) -> None:
    for name in ("Ann", "Ben", "Cat", "Dan"):
        await log(store, member, contact=name, at=NOW - DAY)
    ann, ben, cat, dan = [await contact_id(store, member, n) for n in ("Ann", "Ben", "Cat", "Dan")]
    await ledger.set_clock_checks(
        {ann: NOW + 3 * HOUR, ben: NOW + HOUR, cat: NOW + 2 * HOUR, dan: NOW + 5 * HOUR}
    )
    assert await due_contacts(ledger, NOW + 4 * HOUR, limit=2) == ["Ben", "Cat"]
    assert await due_contacts(ledger, NOW + 4 * HOUR) == ["Ann", "Ben", "Cat"]
    assert await ledger.next_clock_check() == NOW + HOUR


async def test_a_due_clock_stays_due_until_its_check_is_moved(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    assert await due_contacts(ledger, NOW + HOUR) == ["Jane"]
    assert await due_contacts(ledger, NOW + DAY) == ["Jane"]


async def test_logging_again_about_a_contact_never_puts_its_check_off(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await log(store, member, ActionKind.FOLLOW_UP_SENT, contact="Jane", at=NOW + DAY)
    assert await ledger.next_clock_check() == NOW
    jane = await contact_id(store, member, "Jane")
    await ledger.set_clock_checks({jane: NOW + 3 * DAY})
    await log(store, member, ActionKind.REPLY_RECEIVED, contact="Jane", at=NOW + DAY)
    assert await ledger.next_clock_check() == NOW + DAY


async def test_undoing_an_action_makes_its_contacts_clock_due_from_the_undo(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await ledger.set_clock_checks({await contact_id(store, member, "Jane"): None})
    await store.undo_last_action(member.id, NOW + DAY)
    assert await due_contacts(ledger, NOW + DAY - MICROSECOND) == []
    assert await due_contacts(ledger, NOW + DAY) == ["Jane"]


@pytest.mark.parametrize("change", ["timezone", "profile_timezone", "cohort"])
async def test_a_change_of_a_members_zone_or_cohort_makes_their_pending_clocks_due_at_once(
    store: Store,
    ledger: Ledger,
    workspace: Workspace,
    cohort: Cohort,
    member: Member,
    change: str,
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await ledger.set_clock_checks({await contact_id(store, member, "Jane"): NOW + 3 * DAY})
    assert await due_contacts(ledger, NOW + DAY) == []
    if change == "timezone":
        await store.save_member(replace(member, timezone="Asia/Tokyo"))
    elif change == "profile_timezone":
        await store.save_member(replace(member, profile_timezone="Asia/Tokyo"))
    else:
        other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
        await store.save_member(replace(member, cohort_id=other.id))
    next_check = await ledger.next_clock_check()
    assert next_check is not None
    assert next_check <= NOW
    assert await due_contacts(ledger, NOW) == ["Jane"]


async def test_saving_a_member_unchanged_in_zone_and_cohort_moves_no_clock(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await ledger.set_clock_checks({await contact_id(store, member, "Jane"): NOW + 3 * DAY})
    await store.save_member(replace(member, display_name="Ana B.", email_goal=5))
    assert await ledger.next_clock_check() == NOW + 3 * DAY


async def test_a_change_of_the_cohorts_time_zone_makes_its_members_pending_clocks_due_at_once(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    elsewhere = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    bo = await store.add_member(workspace.id, "u-bo", "Bo", elsewhere.id, NOW)
    await log(store, member, contact="Jane", at=NOW)
    await log(store, bo, contact="Omar", at=NOW)
    await ledger.set_clock_checks(
        {
            await contact_id(store, member, "Jane"): NOW + 3 * DAY,
            await contact_id(store, bo, "Omar"): NOW + 3 * DAY,
        }
    )
    await store.save_cohort(replace(cohort, timezone="Asia/Tokyo"))
    assert await due_contacts(ledger, NOW) == ["Jane"]


async def test_clocks_of_a_member_without_a_cohort_are_not_candidates(
    store: Store, ledger: Ledger, workspace: Workspace
) -> None:
    loner = await store.add_member(workspace.id, "u-lone", "Lone", None, NOW)
    await log(store, loner, contact="Jane", at=NOW)
    assert await ledger.clocks_due(NOW + DAY, 100) == []


# -- set_clock_checks ------------------------------------------------------------------------


async def test_set_clock_checks_moves_and_removes_checks_in_one_call(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await log(store, member, contact="Omar", at=NOW)
    jane, omar = await contact_id(store, member, "Jane"), await contact_id(store, member, "Omar")
    await ledger.set_clock_checks({jane: NOW + 2 * DAY, omar: None})
    assert await due_contacts(ledger, NOW + DAY) == []
    assert await due_contacts(ledger, NOW + 2 * DAY) == ["Jane"]
    assert await ledger.next_clock_check() == NOW + 2 * DAY
    await ledger.set_clock_checks({jane: None})
    assert await ledger.next_clock_check() is None
    assert await ledger.clocks_due(NOW + 30 * DAY, 100) == []


async def test_set_clock_checks_never_starts_a_check_for_a_contact_without_one(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    jane = await contact_id(store, member, "Jane")
    await ledger.set_clock_checks({jane: None})
    await ledger.set_clock_checks({jane: NOW + DAY})
    assert await ledger.next_clock_check() is None


async def test_a_removed_check_returns_when_an_action_about_the_contact_is_logged(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await ledger.set_clock_checks({await contact_id(store, member, "Jane"): None})
    await log(store, member, ActionKind.FOLLOW_UP_SENT, contact="Jane", at=NOW + DAY)
    assert await ledger.next_clock_check() == NOW + DAY


async def test_set_clock_checks_with_nothing_to_set_changes_nothing(
    store: Store, ledger: Ledger, member: Member
) -> None:
    await log(store, member, contact="Jane", at=NOW)
    await ledger.set_clock_checks({})
    assert await ledger.next_clock_check() == NOW


# -- emailed_at_organization -----------------------------------------------------------------


async def test_a_later_first_email_to_someone_else_there_counts_whatever_the_case(
    store: Store, ledger: Ledger, member: Member
) -> None:
    jane = await log(store, member, contact="Jane", organization="Acme", at=NOW)
    await log(store, member, contact="Omar", organization="ACME", at=NOW + DAY)
    assert jane.contact is not None
    assert await ledger.emailed_at_organization(member.id, "Acme", NOW, jane.contact.id) is True
    assert await ledger.emailed_at_organization(member.id, "acme", NOW, jane.contact.id) is True


@pytest.mark.parametrize(
    "other",
    ["same instant", "earlier", "follow-up only", "undone", "other organization", "no one"],
)
async def test_emailed_at_organization_ignores_what_is_not_a_later_live_first_email_there(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member, other: str
) -> None:
    jane = await log(store, member, contact="Jane", organization="Acme", at=NOW)
    await log(store, member, ActionKind.FOLLOW_UP_SENT, contact="Jane", at=NOW + HOUR)
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    later = NOW + DAY
    await log(store, bo, contact="Omar", organization="Acme", at=later)
    if other == "same instant":
        await log(store, member, contact="Omar", organization="Acme", at=NOW)
    elif other == "earlier":
        await log(store, member, contact="Omar", organization="Acme", at=NOW - DAY)
    elif other == "follow-up only":
        await log(
            store, member, ActionKind.FOLLOW_UP_SENT, contact="Omar", organization="Acme", at=later
        )
    elif other == "undone":
        await log(store, member, contact="Omar", organization="Acme", at=NOW + DAY)
        await store.undo_last_action(member.id, NOW + DAY)
    elif other == "other organization":
        await log(store, member, contact="Omar", organization="Globex", at=NOW + DAY)
    assert jane.contact is not None
    assert await ledger.emailed_at_organization(member.id, "Acme", NOW, jane.contact.id) is False
