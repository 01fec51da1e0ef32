"""``Store.pipeline_page``, ``Store.stage_counts`` and ``Store.referral_contacts``: what the
store chooses, orders and counts at an instant is what placing every kept state in Python
(``pipeline_from_states`` over ``member_states``) gives, after any history."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from bot.engine import longest_chain
from bot.followups import PipelineItem, Stage, pipeline_from_states
from bot.models import ActionKind, Cohort, Member
from bot.store import Store
from tests.storage.contract.builders import NOW, log, new_action

LOOKS = (
    timedelta(0),
    timedelta(days=2),
    timedelta(days=4),
    timedelta(days=6),
    timedelta(days=9),
    timedelta(days=20),
    timedelta(days=60),
)
"""Instants after the last change, on both sides of the 3 and 7 business-day milestones."""

KINDS = [
    ActionKind.EMAIL_SENT,
    ActionKind.EMAIL_SENT,
    ActionKind.EMAIL_SENT,
    ActionKind.FOLLOW_UP_SENT,
    ActionKind.FOLLOW_UP_SENT,
    ActionKind.REPLY_RECEIVED,
    ActionKind.INTERVIEW_SCHEDULED,
    ActionKind.INTERVIEW_DONE,
    ActionKind.THANK_YOU_SENT,
    ActionKind.INTERVIEW_CANCELLED,
    ActionKind.REFERRAL_RECEIVED,
]
NAMES = [f"Person {n}" for n in range(14)]
ORGS = ["Acme", "acme", "Globex", "Initech", "", None]
FILTERS = [
    {Stage.EMAILED, Stage.FOLLOWED_UP},
    {Stage.REPLIED, Stage.SCHEDULED, Stage.CANCELLED},
    {Stage.REFERRED},
    {Stage.INTERVIEWED, Stage.THANKED},
    {Stage.NO_REPLY},
    *({stage} for stage in Stage),
]
"""The filters of ``/contacts``, and each stage alone."""


async def history(store: Store, member: Member, cohort: Cohort, seed: int) -> datetime:
    """Random logs (with referrals), undos, moved interviews and a change of zone; the last
    instant."""
    rng = random.Random(seed)
    at = NOW
    scheduled: list[int] = []
    contacts: list[int] = []
    for step in range(70):
        at += timedelta(hours=rng.choice([1, 6, 20, 50, 130]))
        roll = rng.random()
        if roll < 0.07:
            await store.undo_last_action(member.id, at)
        elif roll < 0.12 and scheduled:
            day = (at + timedelta(days=rng.randint(1, 12))).date()
            await store.move_interview(rng.choice(scheduled), day, rng.choice([None, time(10)]))
        elif step == 35:
            await store.save_cohort(replace(cohort, timezone="America/New_York"))
        else:
            kind = rng.choice(KINDS)
            on = (at + timedelta(days=rng.randint(0, 9))).date() if rng.random() < 0.6 else None
            referred_by = rng.choice(contacts) if contacts and rng.random() < 0.3 else None
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
                    referred_by=referred_by,
                )
            )
            assert logged is not None
            assert logged.contact is not None
            contacts.append(logged.contact.id)
            if kind is ActionKind.INTERVIEW_SCHEDULED:
                scheduled.append(logged.action.id)
    return at


async def placed(
    store: Store,
    member: Member,
    now: datetime,
    stages: set[Stage] | None = None,
    *,
    due: bool = False,
    limit: int | None = None,
) -> tuple[list[PipelineItem], int]:
    page = await store.pipeline_page(member.id, now, stages, due=due, limit=limit)
    return pipeline_from_states(page.entries, now), page.chosen


@pytest.mark.parametrize("seed", range(3))
async def test_pages_counts_and_chains_answer_as_every_kept_state_does(
    store: Store, member: Member, cohort: Cohort, seed: int
) -> None:
    last = await history(store, member, cohort, seed)
    for look in LOOKS:
        now = last + look
        every = pipeline_from_states(await store.member_states(member.id), now)
        assert len(every) > 5
        assert await placed(store, member, now) == (every, len(every))
        for limit in (1, 3, 5):
            assert await placed(store, member, now, limit=limit) == (every[:limit], len(every))
        due = [i for i in every if i.next.is_due]
        assert await placed(store, member, now, due=True) == (due, len(due))
        assert await placed(store, member, now, due=True, limit=2) == (due[:2], len(due))
        for stages in FILTERS:
            chosen = [i for i in every if i.next.stage in stages]
            assert await placed(store, member, now, stages) == (chosen, len(chosen))
        assert await store.stage_counts(member.id, now) == Counter(i.next.stage for i in every)
        contacts = [i.contact for i in every]
        by_id = {c.id: c for c in sorted(contacts, key=lambda c: c.id)}
        referral = await store.referral_contacts(member.id)
        assert longest_chain(referral) == longest_chain(list(by_id.values()))
        assert sum(c.referred_by is not None for c in referral) == sum(
            c.referred_by is not None for c in contacts
        )
        page = await store.pipeline_page(member.id, now)
        names = {c.id: c.name for c in contacts}
        assert page.referrers == {
            e.contact.id: names[e.contact.referred_by]
            for e in page.entries
            if e.contact.referred_by in names
        }


async def test_a_member_with_no_contacts_has_an_empty_page(store: Store, member: Member) -> None:
    await log(store, member)
    page = await store.pipeline_page(member.id, NOW, due=True, limit=5)
    assert (page.entries, page.chosen, page.referrers) == ([], 0, {})
    assert await store.stage_counts(member.id, NOW) == {}
    assert await store.referral_contacts(member.id) == []


async def test_a_chain_of_introductions_is_read_link_by_link(store: Store, member: Member) -> None:
    first = await log(store, member, contact="Ada")
    assert first.contact is not None
    second = await store.log_action(
        replace(
            new_action(member, ActionKind.REFERRAL_RECEIVED, contact="Bo"),
            referred_by=first.contact.id,
        )
    )
    assert second is not None
    assert second.contact is not None
    await log(store, member, contact="Cy")
    chain = await store.referral_contacts(member.id)
    assert [c.name for c in chain] == ["Ada", "Bo"]
    assert longest_chain(chain) == ("Ada", "Bo")
    page = await store.pipeline_page(member.id, NOW, {Stage.REFERRED})
    assert [e.contact.name for e in page.entries] == ["Bo"]
    assert page.referrers == {second.contact.id: "Ada"}


async def test_someone_else_written_to_at_the_organisation_answers_the_second_contact(
    store: Store, member: Member
) -> None:
    await log(store, member, contact="Jane", organization="Acme")
    await log(store, member, contact="Mei", organization="Globex")
    await log(store, member, contact="Raj", organization="ACME", at=NOW + timedelta(days=1))
    await log(store, member, contact="Kim", organization="Initech", at=NOW + timedelta(days=5))
    # Wednesday 2 December: past Jane's and Mei's 3 business days, before their 7; Jane
    # waits for her follow-up (after Kim's 3 days), Mei and Raj have one due.
    now = NOW + timedelta(days=6)
    every = pipeline_from_states(await store.member_states(member.id), now)
    due = [i for i in every if i.next.is_due]
    assert [i.contact.name for i in every] == ["Mei", "Raj", "Kim", "Jane"]
    assert [i.contact.name for i in due] == ["Mei", "Raj"]
    assert await placed(store, member, now) == (every, 4)
    assert await placed(store, member, now, limit=3) == (every[:3], 4)
    assert await placed(store, member, now, due=True) == (due, 2)
