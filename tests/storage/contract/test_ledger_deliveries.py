"""``Ledger``: claiming, attempting, settling and listing deliveries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.models import Cohort, Member, Workspace
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import Claim, DeliveryStatus, Ledger, LedgerEntry
from bot.store import Store
from tests.storage.contract.builders import DAY, NOW, nudge, reminder

MINUTE = timedelta(minutes=1)
CLAIMED = DeliveryStatus.CLAIMED
RETRYING = DeliveryStatus.RETRYING
SENT = DeliveryStatus.SENT
FAILED = DeliveryStatus.FAILED
SKIPPED = DeliveryStatus.SKIPPED
UNCONFIRMED = DeliveryStatus.UNCONFIRMED


def claimed_row(claim: Claim, attempts: int = 1) -> LedgerEntry:
    """What a fresh claim at ``NOW`` looks like."""
    return LedgerEntry(
        key=claim.key,
        kind=claim.kind,
        cohort_id=claim.cohort_id,
        member_id=claim.member_id,
        due_at=claim.due_at,
        status=CLAIMED,
        attempts=attempts,
        claimed_at=NOW,
        next_attempt_at=None,
        finished_at=None,
        message_id=None,
        detail="",
    )


async def settled(ledger: Ledger, claim: Claim, status: DeliveryStatus) -> LedgerEntry:
    """A delivery claimed at ``NOW`` and left in ``status``; returns its row."""
    assert await ledger.claim(claim, NOW)
    if status is RETRYING:
        await ledger.retry_later(claim.key, NOW + MINUTE, "429 slow down")
    elif status is not CLAIMED:
        await ledger.finish(claim.key, status, NOW + MINUTE, detail="why")
    row = await ledger.get(claim.key)
    assert row is not None
    return row


# -- claim and record ------------------------------------------------------------------------


async def test_claim_of_a_new_key_writes_a_claimed_row_with_one_attempt(
    ledger: Ledger, cohort: Cohort, member: Member
) -> None:
    for claim in (nudge("kickoff:1", cohort, NOW - DAY), reminder("reminder:1", member)):
        assert await ledger.claim(claim, NOW) is True
        assert await ledger.get(claim.key) == claimed_row(claim)


@pytest.mark.parametrize("status", [CLAIMED, RETRYING, SENT, FAILED, SKIPPED, UNCONFIRMED])
async def test_claim_of_a_taken_key_returns_false_and_changes_nothing(
    ledger: Ledger, cohort: Cohort, status: DeliveryStatus
) -> None:
    claim = nudge("kickoff:1", cohort)
    before = await settled(ledger, claim, status)
    assert await ledger.claim(claim, NOW + DAY) is False
    assert await ledger.claim(nudge("kickoff:1", cohort, NOW + DAY), NOW + DAY) is False
    assert await ledger.get(claim.key) == before


async def test_of_concurrent_claims_of_one_key_exactly_one_wins(
    ledger: Ledger, cohort: Cohort
) -> None:
    won = await asyncio.gather(*(ledger.claim(nudge("kickoff:1", cohort), NOW) for _ in range(10)))
    assert sorted(won) == [False] * 9 + [True]


async def test_record_writes_a_row_settled_without_an_attempt(
    ledger: Ledger, cohort: Cohort
) -> None:
    claim = nudge("kickoff:missed", cohort, NOW - DAY)
    assert await ledger.record(claim, SKIPPED, "missed: not running", NOW) is True
    assert await ledger.get(claim.key) == LedgerEntry(
        key=claim.key,
        kind=DeliveryKind.KICKOFF,
        cohort_id=cohort.id,
        member_id=None,
        due_at=NOW - DAY,
        status=SKIPPED,
        attempts=0,
        claimed_at=NOW,
        next_attempt_at=None,
        finished_at=NOW,
        message_id=None,
        detail="missed: not running",
    )


async def test_recording_a_claimed_row_is_claiming_it(ledger: Ledger, cohort: Cohort) -> None:
    claim = nudge("kickoff:1", cohort)
    assert await ledger.record(claim, CLAIMED, "", NOW) is True
    assert await ledger.get(claim.key) == claimed_row(claim)


async def test_record_of_a_taken_key_returns_false_and_changes_nothing(
    ledger: Ledger, cohort: Cohort
) -> None:
    claim = nudge("kickoff:1", cohort)
    before = await settled(ledger, claim, SENT)
    assert await ledger.record(claim, SKIPPED, "missed", NOW + DAY) is False
    assert await ledger.get(claim.key) == before
    skipped = nudge("kickoff:2", cohort)
    assert await ledger.record(skipped, SKIPPED, "missed", NOW)
    assert await ledger.claim(skipped, NOW) is False


async def test_claiming_for_an_unknown_cohort_raises_and_claims_nothing(
    ledger: Ledger, integrity_error: type[Exception]
) -> None:
    claim = Claim("kickoff:x", DeliveryKind.KICKOFF, 9999, None, NOW)
    with pytest.raises(integrity_error):
        await ledger.claim(claim, NOW)
    assert await ledger.get("kickoff:x") is None


# -- attempt, retry_later, finish, reclaim ---------------------------------------------------


async def test_retry_later_waits_for_the_next_attempt_keeping_attempts_and_claim_time(
    ledger: Ledger, cohort: Cohort
) -> None:
    claim = nudge("kickoff:1", cohort)
    await ledger.claim(claim, NOW)
    await ledger.retry_later(claim.key, NOW + 2 * MINUTE, "503", ambiguous=True)
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.next_attempt_at, row.detail, row.ambiguous) == (
        RETRYING,
        NOW + 2 * MINUTE,
        "503",
        True,
    )
    assert (row.attempts, row.claimed_at, row.finished_at) == (1, NOW, None)


@pytest.mark.parametrize("status", [CLAIMED, RETRYING])
async def test_attempt_claims_an_open_delivery_again_and_counts_the_attempt(
    ledger: Ledger, cohort: Cohort, status: DeliveryStatus
) -> None:
    claim = nudge("kickoff:1", cohort)
    await settled(ledger, claim, status)
    assert await ledger.attempt(claim.key, NOW + 5 * MINUTE) == 2
    assert await ledger.attempt(claim.key, NOW + 9 * MINUTE) == 3
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.attempts, row.claimed_at) == (CLAIMED, 3, NOW + 9 * MINUTE)
    assert row.finished_at is None


@pytest.mark.parametrize("status", [SENT, FAILED, SKIPPED, UNCONFIRMED])
async def test_finish_settles_a_delivery_and_clears_its_pending_retry(
    ledger: Ledger, cohort: Cohort, status: DeliveryStatus
) -> None:
    claim = nudge("kickoff:1", cohort)
    await settled(ledger, claim, RETRYING)
    await ledger.attempt(claim.key, NOW + 2 * MINUTE)
    await ledger.finish(claim.key, status, NOW + 3 * MINUTE, message_id="m-1", detail="done")
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.finished_at, row.message_id, row.detail) == (
        status,
        NOW + 3 * MINUTE,
        "m-1",
        "done",
    )
    assert (row.next_attempt_at, row.attempts, row.claimed_at) == (None, 2, NOW + 2 * MINUTE)


async def test_finish_without_a_message_id_or_detail_stores_none_and_empty(
    ledger: Ledger, cohort: Cohort
) -> None:
    claim = nudge("kickoff:1", cohort)
    await ledger.claim(claim, NOW)
    await ledger.finish(claim.key, SENT, NOW + MINUTE)
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.message_id, row.detail) == (SENT, None, "")


async def test_finish_and_retry_later_of_a_key_not_in_the_ledger_change_nothing(
    ledger: Ledger,
) -> None:
    await ledger.finish("reminder:gone", SENT, NOW, message_id="m-1")
    await ledger.retry_later("reminder:gone", NOW + MINUTE, "503")
    assert await ledger.get("reminder:gone") is None
    assert await ledger.existing(["reminder:gone"]) == set()


@pytest.mark.parametrize("status", [SKIPPED, FAILED, UNCONFIRMED])
async def test_reclaim_claims_again_a_delivery_that_did_not_go_out(
    ledger: Ledger, cohort: Cohort, status: DeliveryStatus
) -> None:
    claim = nudge("kickoff:1", cohort)
    await settled(ledger, claim, status)
    assert await ledger.reclaim(claim.key, NOW + DAY) is True
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.attempts, row.claimed_at, row.finished_at, row.detail) == (
        CLAIMED,
        2,
        NOW + DAY,
        None,
        "",
    )


async def test_reclaim_of_a_recorded_skip_counts_its_first_attempt(
    ledger: Ledger, cohort: Cohort
) -> None:
    claim = nudge("kickoff:1", cohort)
    await ledger.record(claim, SKIPPED, "missed", NOW)
    assert await ledger.reclaim(claim.key, NOW + DAY) is True
    row = await ledger.get(claim.key)
    assert row is not None
    assert (row.status, row.attempts) == (CLAIMED, 1)


@pytest.mark.parametrize("status", [SENT, CLAIMED, RETRYING])
async def test_reclaim_of_a_sent_or_open_delivery_returns_false_and_changes_nothing(
    ledger: Ledger, cohort: Cohort, status: DeliveryStatus
) -> None:
    claim = nudge("kickoff:1", cohort)
    before = await settled(ledger, claim, status)
    assert await ledger.reclaim(claim.key, NOW + DAY) is False
    assert await ledger.get(claim.key) == before


async def test_reclaim_of_an_unknown_key_returns_false_and_claims_nothing(ledger: Ledger) -> None:
    assert await ledger.reclaim("kickoff:never", NOW) is False
    assert await ledger.get("kickoff:never") is None


# -- reads -----------------------------------------------------------------------------------


async def test_get_of_an_unknown_key_is_none(ledger: Ledger) -> None:
    assert await ledger.get("kickoff:never") is None


async def test_existing_returns_the_keys_that_have_a_row_in_any_status(
    ledger: Ledger, cohort: Cohort
) -> None:
    await settled(ledger, nudge("a", cohort), SENT)
    await settled(ledger, nudge("b", cohort), CLAIMED)
    await ledger.record(nudge("c", cohort), SKIPPED, "missed", NOW)
    assert await ledger.existing(["a", "b", "c", "d"]) == {"a", "b", "c"}
    assert await ledger.existing([]) == set()


async def test_existing_answers_for_any_number_of_keys(ledger: Ledger, cohort: Cohort) -> None:
    await ledger.claim(nudge("k-0", cohort), NOW)
    await ledger.claim(nudge("k-2999", cohort), NOW)
    keys = [f"k-{n}" for n in range(3000)]
    assert await ledger.existing(keys) == {"k-0", "k-2999"}


async def test_open_deliveries_are_the_claimed_and_retrying_ones_earliest_due_first(
    ledger: Ledger, cohort: Cohort, member: Member
) -> None:
    retrying = await settled(ledger, nudge("late", cohort, NOW + DAY), RETRYING)
    claimed = await settled(ledger, reminder("early", member, NOW - DAY), CLAIMED)
    middle = await settled(ledger, nudge("middle", cohort, NOW), CLAIMED)
    for n, status in enumerate((SENT, FAILED, SKIPPED, UNCONFIRMED)):
        await settled(ledger, nudge(f"done-{n}", cohort, NOW - 2 * DAY), status)
    assert await ledger.open_deliveries() == [claimed, middle, retrying]


async def test_problems_are_a_cohorts_failed_and_unconfirmed_deliveries_since_latest_first(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    other = await store.create_cohort(workspace.id, None, "Spring", "UTC", 0, 3, NOW)
    failed = await settled(ledger, nudge("failed", cohort, NOW - DAY), FAILED)
    lost = await settled(ledger, reminder("lost", member, NOW), UNCONFIRMED)
    await settled(ledger, nudge("old", cohort, NOW - 10 * DAY), FAILED)
    await settled(ledger, nudge("theirs", other, NOW), FAILED)
    for n, status in enumerate((SENT, SKIPPED, CLAIMED, RETRYING)):
        await settled(ledger, nudge(f"fine-{n}", cohort, NOW), status)
    assert await ledger.problems(cohort.id, NOW - DAY) == [lost, failed]


async def test_member_deliveries_are_the_members_reminders_in_any_status_earliest_due_first(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort, member: Member
) -> None:
    bo = await store.add_member(workspace.id, "u-bo", "Bo", cohort.id, NOW)
    late = await settled(ledger, reminder("late", member, NOW + DAY), SENT)
    early = await settled(ledger, reminder("early", member, NOW - DAY), SKIPPED)
    open_ = await settled(ledger, reminder("open", member, NOW), RETRYING)
    await settled(ledger, reminder("theirs", bo, NOW), SENT)
    await settled(ledger, nudge("kickoff", cohort, NOW), SENT)
    assert await ledger.member_deliveries(member.id) == [early, open_, late]


async def test_change_counter_holds_while_nothing_is_written_and_moves_with_each_write(
    store: Store, ledger: Ledger, workspace: Workspace, cohort: Cohort
) -> None:
    first = await ledger.change_counter()
    await ledger.open_deliveries()
    await store.workspace_cohorts(workspace.id)
    assert await ledger.change_counter() == first
    await ledger.claim(nudge("kickoff:1", cohort), NOW)
    second = await ledger.change_counter()
    assert second != first
    await store.set_state("k", "v")
    assert await ledger.change_counter() != second
