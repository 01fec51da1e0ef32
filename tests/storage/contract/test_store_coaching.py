"""``Store``: interview dates, referrals, holiday settings and target employers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from bot.models import ActionKind, Cohort, Member
from bot.nudges.ledger import Ledger
from bot.store import Store
from bot.targets import NewTarget
from tests.storage.contract.builders import NOW, new_action

SCHEDULED = ActionKind.INTERVIEW_SCHEDULED


async def test_a_scheduled_interview_keeps_its_date_and_time(store: Store, member: Member) -> None:
    new = replace(
        new_action(member, SCHEDULED, contact="Jane"),
        scheduled_on=date(2026, 12, 1),
        scheduled_time=time(14, 30),
    )
    logged = await store.log_action(new)
    assert logged is not None
    assert (logged.action.scheduled_on, logged.action.scheduled_time) == (
        date(2026, 12, 1),
        time(14, 30),
    )
    [entry] = await store.member_contacts(member.id)
    assert entry.actions[0].scheduled_on == date(2026, 12, 1)


async def test_move_interview_changes_only_the_date_and_makes_the_clock_due_at_once(
    store: Store, ledger: Ledger, member: Member
) -> None:
    logged = await store.log_action(
        replace(new_action(member, SCHEDULED, contact="Jane"), scheduled_on=date(2026, 12, 1))
    )
    assert logged is not None
    assert logged.contact is not None
    await ledger.set_clock_checks({logged.contact.id: NOW + timedelta(days=30)})
    moved = await store.move_interview(logged.action.id, date(2026, 12, 8), None)
    assert moved == replace(logged.action, scheduled_on=date(2026, 12, 8), scheduled_time=None)
    assert [c.entry.contact.name for c in await ledger.clocks_due(NOW, 10)] == ["Jane"]


async def test_move_interview_refuses_anything_but_a_live_scheduled_interview(
    store: Store, member: Member
) -> None:
    done = await store.log_action(new_action(member, ActionKind.INTERVIEW_DONE, contact="Jane"))
    assert done is not None
    assert await store.move_interview(done.action.id, date(2026, 12, 8), None) is None
    scheduled = await store.log_action(new_action(member, SCHEDULED, contact="Raj"))
    assert scheduled is not None
    await store.undo_last_action(member.id, NOW)
    assert await store.move_interview(scheduled.action.id, date(2026, 12, 8), None) is None
    assert await store.move_interview(999_999, date(2026, 12, 8), None) is None


async def test_a_referral_links_the_new_contact_to_the_one_who_suggested_it(
    store: Store, member: Member
) -> None:
    jane = await store.log_action(new_action(member, contact="Jane"))
    assert jane is not None
    assert jane.contact is not None
    assert jane.contact.referred_by is None
    sam = await store.log_action(
        replace(
            new_action(member, ActionKind.REFERRAL_RECEIVED, contact="Sam"),
            referred_by=jane.contact.id,
        )
    )
    assert sam is not None
    assert sam.contact is not None
    assert sam.contact.referred_by == jane.contact.id
    again = await store.log_action(new_action(member, contact="sam"))
    assert again is not None
    assert again.contact is not None
    assert again.contact.referred_by == jane.contact.id  # None keeps the link
    assert await store.get_contact(sam.contact.id) == again.contact


async def test_holiday_calendars_are_saved_for_members_and_cohorts(
    store: Store, ledger: Ledger, cohort: Cohort, member: Member
) -> None:
    saved = await store.save_member(replace(member, holiday_calendar="DE-BE"))
    assert saved.holiday_calendar == "DE-BE"
    assert (await store.save_cohort(replace(cohort, holiday_calendar="none"))).holiday_calendar == (
        "none"
    )
    assert (await store.get_cohort(cohort.id)) == replace(cohort, holiday_calendar="none")
    logged = await store.log_action(new_action(member, contact="Jane"))
    assert logged is not None
    assert logged.contact is not None
    await ledger.set_clock_checks({logged.contact.id: NOW + timedelta(days=30)})
    await store.save_member(replace(saved, holiday_calendar=None))
    assert len(await ledger.clocks_due(NOW, 10)) == 1


async def test_targets_are_upserted_by_name_in_one_transaction_within_the_limit(
    store: Store, member: Member
) -> None:
    total = await store.save_targets(
        member.id,
        [NewTarget("Acme Labs", True, 3, False), NewTarget("Initech", motivation=1)],
        10,
        NOW,
    )
    assert total == 2
    assert (
        await store.save_targets(member.id, [NewTarget("acme  labs", posting=True)], 10, NOW) == 2
    )
    acme, initech = await store.member_targets(member.id)
    assert (acme.employer, acme.advocate, acme.motivation, acme.posting) == (
        "Acme Labs",
        False,
        2,
        True,
    )
    assert initech.created_at == NOW
    over = [NewTarget(f"Org {n}") for n in range(9)]
    assert await store.save_targets(member.id, over, 10, NOW) is None
    assert len(await store.member_targets(member.id)) == 2


async def test_remove_target_and_forget_member_take_targets_away(
    store: Store, member: Member
) -> None:
    await store.save_targets(member.id, [NewTarget("Acme"), NewTarget("Initech")], 10, NOW)
    assert await store.remove_target(member.id, " ACME ") is True
    assert await store.remove_target(member.id, "Acme") is False
    assert [t.employer for t in await store.member_targets(member.id)] == ["Initech"]
    await store.forget_member(member.id)
    assert await store.member_targets(member.id) == []
