"""The deliveries ledger contract: one row per nudge or reminder, claimed before it is sent.

``storage.ledger`` implements it. Claiming inserts a row under a unique key; a second claim
of the same key fails, which is what makes every nudge and reminder go out at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.models import Cohort, ContactEntry, Member, Workspace
from bot.nudges.kinds import DeliveryKind


class DeliveryStatus(StrEnum):
    """``claimed`` is in flight; ``unconfirmed`` was in flight when the bot stopped."""

    CLAIMED = "claimed"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class DeliveryRecord:
    """A row of the ledger."""

    key: str
    kind: DeliveryKind
    cohort_id: int | None
    member_id: int | None
    due_at: datetime
    status: DeliveryStatus
    attempts: int
    claimed_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    message_id: str | None
    detail: str
    ambiguous: bool = False


@dataclass(frozen=True)
class ScheduledCohort:
    """A cohort bound to a channel, so nudges can go out, with its workspace."""

    cohort: Cohort
    workspace: Workspace


@dataclass(frozen=True)
class ClockCandidate:
    """A contact whose follow-up clock may be running, with everything to remind about it."""

    member: Member
    cohort: Cohort
    workspace: Workspace
    entry: ContactEntry


@dataclass(frozen=True)
class Claim:
    """What to write when claiming a key."""

    key: str
    kind: DeliveryKind
    cohort_id: int | None
    member_id: int | None
    due_at: datetime


class Ledger(Protocol):
    """Persistence of deliveries, and the queries that find what may be due."""

    async def scheduled_cohorts(self) -> list[ScheduledCohort]: ...

    async def clocks_due(self, now: datetime, limit: int) -> list[ClockCandidate]: ...

    async def next_clock_check(self) -> datetime | None: ...

    async def set_clock_checks(self, checks: dict[int, datetime | None]) -> None: ...

    async def emailed_at_organization(
        self, member_id: int, organization: str, after: datetime, other_than: int
    ) -> bool: ...

    async def existing(self, keys: list[str]) -> set[str]: ...

    async def change_counter(self) -> int: ...

    async def claim(self, claim: Claim, at: datetime) -> bool: ...

    async def record(
        self, claim: Claim, status: DeliveryStatus, detail: str, at: datetime
    ) -> bool: ...

    async def attempt(self, key: str, at: datetime) -> int: ...

    async def reclaim(self, key: str, at: datetime) -> bool: ...

    async def finish(
        self,
        key: str,
        status: DeliveryStatus,
        at: datetime,
        message_id: str | None = None,
        detail: str = "",
    ) -> None: ...

    async def retry_later(
        self, key: str, next_attempt_at: datetime, detail: str, *, ambiguous: bool = False
    ) -> None: ...

    async def open_deliveries(self) -> list[DeliveryRecord]: ...

    async def get(self, key: str) -> DeliveryRecord | None: ...

    async def problems(self, cohort_id: int, since: datetime) -> list[DeliveryRecord]: ...

    async def member_deliveries(self, member_id: int) -> list[DeliveryRecord]: ...
