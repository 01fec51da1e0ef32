"""``NewAction.once_key``: a button press is logged at most once, however it is repeated."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.models import ActionKind, Member
from bot.nudges.ledger import Ledger, Snooze
from bot.store import Store
from tests.storage.contract.builders import NOW, log, new_action

KEY = "press:reminder:1"


async def test_a_press_logs_once_and_a_repeat_returns_what_was_logged(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Jane", organization="Acme")
    press = replace(new_action(member, ActionKind.FOLLOW_UP_SENT, contact="Jane"), once_key=KEY)

    first = await store.log_action(press)
    again = await store.log_action(press)

    assert first is not None
    assert again is not None
    assert not first.repeated
    assert again.repeated
    assert again.action == first.action
    assert again.contact is not None
    assert again.contact.name == "Jane"
    assert await store.pressed(KEY) == first.action
    totals = await store.member_totals(member.id, NOW.replace(hour=0), NOW.replace(hour=23))
    assert totals.get(ActionKind.FOLLOW_UP_SENT) == 1


async def test_racing_presses_log_one_action(store: Store, member: Member) -> None:
    await log(store, member, contact="Jane")
    press = replace(new_action(member, ActionKind.FOLLOW_UP_SENT, contact="Jane"), once_key=KEY)

    results = await asyncio.gather(*(store.log_action(press) for _ in range(10)))

    assert all(r is not None for r in results)
    fresh = [r for r in results if r is not None and not r.repeated]
    assert len(fresh) == 1
    assert {r.action.id for r in results if r is not None} == {fresh[0].action.id}


async def test_a_press_the_cap_refuses_can_be_pressed_again_later(
    store: Store, member: Member
) -> None:
    await log(store, member, ActionKind.FOLLOW_UP_SENT, contact="Jane")
    capped = replace(
        new_action(member, ActionKind.FOLLOW_UP_SENT, contact="Jane", cap=1), once_key=KEY
    )

    assert await store.log_action(capped) is None
    assert await store.pressed(KEY) is None
    logged = await store.log_action(replace(capped, daily_cap=2))
    assert logged is not None
    assert not logged.repeated


async def test_an_unknown_key_was_never_pressed(store: Store) -> None:
    assert await store.pressed("press:never") is None


async def test_recent_contacts_come_most_recently_active_first(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Ann", at=NOW)
    await log(store, member, contact="Bo", at=NOW + timedelta(hours=1))
    await log(store, member, contact="Cy", at=NOW + timedelta(hours=2))
    await log(store, member, ActionKind.REPLY_RECEIVED, contact="Ann", at=NOW + timedelta(hours=3))

    assert [c.name for c in await store.recent_contacts(member.id)] == ["Ann", "Cy", "Bo"]


async def test_recent_contacts_keep_only_the_names_asked_for_up_to_the_limit(
    store: Store, member: Member
) -> None:
    for hour, name in enumerate(["Ann Lee", "Bo Lee", "Cy Park", "Di Lee"]):
        await log(store, member, contact=name, at=NOW + timedelta(hours=hour))

    lees = await store.recent_contacts(member.id, lambda name: name.endswith("Lee"), 2)

    assert [c.name for c in lees] == ["Di Lee", "Bo Lee"]
    assert [c.member_id for c in lees] == [member.id, member.id]
    assert await store.recent_contacts(member.id, lambda name: False) == []
    assert len(await store.recent_contacts(member.id, None, 3)) == 3


async def test_a_snooze_is_kept_replaced_and_leaves_the_clock_due_by_its_end(
    store: Store, ledger: Ledger, member: Member
) -> None:
    logged = await log(store, member, contact="Jane")
    assert logged.contact is not None
    jane = logged.contact.id
    assert await ledger.snooze_of(jane) is None
    later = NOW + timedelta(days=30)
    await store.snooze_reminder(jane, logged.action.id, "follow_up", later)
    await store.snooze_reminder(jane, logged.action.id, "second_contact", NOW + timedelta(days=2))

    snooze = await ledger.snooze_of(jane)

    assert snooze == Snooze(logged.action.id, "second_contact", NOW + timedelta(days=2))
    due = await ledger.clocks_due(NOW + timedelta(days=2), 10)
    assert [c.entry.contact.id for c in due] == [jane]


async def test_stopped_reminders_are_those_of_one_clock(
    store: Store, ledger: Ledger, member: Member
) -> None:
    logged = await log(store, member, contact="Jane")
    assert logged.contact is not None
    await store.stop_reminders(logged.contact.id, logged.action.id, NOW)
    assert await ledger.reminders_stopped(logged.contact.id, logged.action.id)
    assert not await ledger.reminders_stopped(logged.contact.id, logged.action.id + 1)


async def test_a_contact_is_found_by_its_stored_name_but_for_case_and_spacing(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Mary O'Brien", at=NOW)

    found = await store.contact_named(member.id, "  mary   o'BRIEN ")

    assert found is not None
    assert (found.name, found.member_id) == ("Mary O'Brien", member.id)
    assert await store.contact_named(member.id, "Mary OBrien") is None
    assert await store.contact_named(member.id + 1, "Mary O'Brien") is None
