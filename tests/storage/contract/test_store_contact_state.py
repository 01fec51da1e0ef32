"""``Store.member_states``: each contact's kept 3B7 state answers as the old computation from
every action did, after every kind of change that moves a clock."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from bot.followups import (
    PipelineItem,
    Stage,
    build_pipeline,
    clock_settings,
    pipeline_from_states,
)
from bot.models import ActionKind, Cohort, Member
from bot.store import Store
from tests.storage.contract.builders import NOW, log, new_action

HOUR = timedelta(hours=1)
LOOKS = (timedelta(0), timedelta(days=2), timedelta(days=4), timedelta(days=9), timedelta(days=20))
"""Instants after the last change at which both computations are compared."""


async def from_history(store: Store, member: Member, now: datetime) -> list[PipelineItem]:
    """The pipeline as ``/contacts`` computed it before the state was kept: every action."""
    fresh = await store.find_member(member.workspace_id, member.user_id)
    assert fresh is not None
    assert fresh.cohort_id is not None
    cohort = await store.get_cohort(fresh.cohort_id)
    tz, calendar = clock_settings(fresh, cohort)
    return build_pipeline(await store.member_contacts(member.id), tz, now, calendar)


async def from_state(store: Store, member: Member, now: datetime) -> list[PipelineItem]:
    return pipeline_from_states(await store.member_states(member.id), now)


async def assert_same(store: Store, member: Member, last: datetime) -> None:
    for look in LOOKS:
        now = last + look
        assert await from_state(store, member, now) == await from_history(store, member, now)


async def test_a_new_contact_has_its_clock_at_once_and_undo_takes_it_away(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Jane", organization="Acme")
    [item] = await from_state(store, member, NOW + timedelta(days=6))
    assert (item.contact.name, item.next.stage, item.next.is_due) == ("Jane", Stage.EMAILED, True)
    await store.undo_last_action(member.id, NOW)
    assert await store.member_states(member.id) == []


async def test_a_reply_stops_the_clock_and_an_undo_of_it_restarts_it(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Jane")
    await log(store, member, ActionKind.REPLY_RECEIVED, contact="Jane", at=NOW + HOUR)
    [replied] = await from_state(store, member, NOW + timedelta(days=30))
    assert replied.next.stage is Stage.REPLIED
    await store.undo_last_action(member.id, NOW + 2 * HOUR)
    [again] = await from_state(store, member, NOW + timedelta(days=30))
    assert again.next.stage is Stage.EMAILED
    assert again.next.is_due
    await assert_same(store, member, NOW + 2 * HOUR)


async def test_moving_an_interview_moves_its_check_back(store: Store, member: Member) -> None:
    logged = await store.log_action(
        replace(
            new_action(member, ActionKind.INTERVIEW_SCHEDULED, contact="Jane"),
            scheduled_on=date(2026, 12, 1),
        )
    )
    assert logged is not None
    [before] = await from_state(store, member, NOW)
    await store.move_interview(logged.action.id, date(2026, 12, 8), time(9, 30))
    [after] = await from_state(store, member, NOW)
    assert before.next.due_at is not None
    assert after.next.due_at is not None
    assert after.next.due_at - before.next.due_at == timedelta(days=7)
    assert after.next.interview is not None
    assert after.next.interview.at == time(9, 30)
    await assert_same(store, member, NOW)


async def test_a_members_time_zone_moves_their_due_dates(store: Store, member: Member) -> None:
    await log(store, member, contact="Jane")
    [utc] = await from_state(store, member, NOW)
    await store.save_member(replace(member, timezone="Asia/Tokyo"))
    [tokyo] = await from_state(store, member, NOW)
    assert utc.next.due_at is not None
    assert tokyo.next.due_at is not None
    assert tokyo.next.due_at != utc.next.due_at
    await assert_same(store, member, NOW)


async def test_a_cohort_holiday_calendar_moves_its_members_due_dates(
    store: Store, member: Member, cohort: Cohort
) -> None:
    # Thursday 26 November 2026 is Thanksgiving in the US: three business days after the
    # 25th end on the 30th without it, on 1 December with it.
    await log(store, member, contact="Jane", at=NOW - timedelta(days=1))
    [plain] = await from_state(store, member, NOW)
    await store.save_cohort(replace(cohort, holiday_calendar="US"))
    [holiday] = await from_state(store, member, NOW)
    assert plain.next.due_at is not None
    assert holiday.next.due_at is not None
    assert holiday.next.due_at - plain.next.due_at == timedelta(days=1)
    assert holiday.next.holiday is not None
    await assert_same(store, member, NOW)


async def test_someone_else_written_to_at_the_same_organisation_answers_the_second_contact(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Jane", organization="Acme")
    await log(store, member, contact="Raj", organization="ACME", at=NOW + timedelta(days=1))
    later = NOW + timedelta(days=4)
    steps = {i.contact.name: i.next.is_due for i in await from_state(store, member, later)}
    assert steps == {"Jane": False, "Raj": False}
    await assert_same(store, member, NOW + timedelta(days=1))


async def test_forgetting_a_member_forgets_their_states(store: Store, member: Member) -> None:
    await log(store, member, contact="Jane")
    await store.forget_member(member.id)
    assert await store.member_states(member.id) == []


KINDS = [
    ActionKind.EMAIL_SENT,
    ActionKind.EMAIL_SENT,
    ActionKind.FOLLOW_UP_SENT,
    ActionKind.REPLY_RECEIVED,
    ActionKind.INTERVIEW_SCHEDULED,
    ActionKind.INTERVIEW_DONE,
    ActionKind.THANK_YOU_SENT,
    ActionKind.INTERVIEW_CANCELLED,
    ActionKind.REFERRAL_RECEIVED,
]
NAMES = ["Jane", "Raj", "Mei", "Ola", "Kim"]
ORGS = ["Acme", "acme", "Globex", "", None]
ZONES = [None, "America/New_York", "Asia/Tokyo", "Pacific/Auckland"]
CALENDARS = [None, "US", "none", "CA-ON", "GB"]


@pytest.mark.parametrize("seed", range(4))
async def test_the_kept_state_answers_as_every_action_did_after_any_change(
    store: Store, member: Member, cohort: Cohort, seed: int
) -> None:
    rng = random.Random(seed)
    at = NOW
    scheduled: list[int] = []
    for _ in range(40):
        at += timedelta(hours=rng.choice([1, 5, 20, 50, 130]))
        roll = rng.random()
        if roll < 0.1:
            await store.undo_last_action(member.id, at)
        elif roll < 0.15 and scheduled:
            day = (at + timedelta(days=rng.randint(1, 12))).date()
            await store.move_interview(rng.choice(scheduled), day, rng.choice([None, time(10)]))
        elif roll < 0.2:
            fresh = await store.find_member(member.workspace_id, member.user_id)
            assert fresh is not None
            await store.save_member(
                replace(fresh, timezone=rng.choice(ZONES), holiday_calendar=rng.choice(CALENDARS))
            )
        elif roll < 0.25:
            current = await store.get_cohort(cohort.id)
            assert current is not None
            await store.save_cohort(
                replace(
                    current,
                    timezone=rng.choice([*ZONES[1:], "UTC"]),
                    holiday_calendar=rng.choice(CALENDARS),
                )
            )
        else:
            kind = rng.choice(KINDS)
            on = (at + timedelta(days=rng.randint(0, 9))).date() if rng.random() < 0.6 else None
            logged = await store.log_action(
                replace(
                    new_action(
                        member,
                        kind,
                        at=at,
                        contact=rng.choice(NAMES),
                        organization=rng.choice(ORGS),
                    ),
                    scheduled_on=on if kind is ActionKind.INTERVIEW_SCHEDULED else None,
                )
            )
            assert logged is not None
            if kind is ActionKind.INTERVIEW_SCHEDULED:
                scheduled.append(logged.action.id)
        await assert_same(store, member, at)


async def test_one_contacts_state_is_the_same_as_among_all(store: Store, member: Member) -> None:
    await log(store, member, contact="Jane", organization="Acme")
    bo = await log(store, member, contact="Bo", organization="Acme", at=NOW + HOUR)
    assert bo.contact is not None

    [one] = await store.member_states(member.id, bo.contact.id)

    assert one in await store.member_states(member.id)
    assert one.contact.name == "Bo"
    assert await store.member_states(member.id, bo.contact.id + 100) == []
