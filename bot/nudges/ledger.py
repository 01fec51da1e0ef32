"""The deliveries ledger contract: one row per nudge or reminder, claimed before it is sent.

``storage.ledger`` implements it. Claiming inserts a row under a unique key; a second claim
of the same key fails, which is what makes every nudge and reminder go out at most once.

The life of a row: ``claim`` (claimed) -> sent, failed, skipped or unconfirmed by ``finish``,
or retrying by ``retry_later`` -> claimed again by ``attempt`` -> ... A row settled in a
final status other than sent may be claimed again with ``reclaim`` (``/cohort nudge-now``).
``record`` writes a row that is settled without an attempt (e.g. missed while stopped).

As for the store: each write is one transaction, a read sees every write awaited before it,
instants come back in UTC, equal to what was given, and a write that names a cohort or member
that does not exist raises the backend's integrity error and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.models import Cohort, ContactEntry, Member, Workspace
from bot.nudges.kinds import DeliveryKind


class DeliveryStatus(StrEnum):
    """Where a delivery stands; the values are what the database stores.

    ``claimed``: an attempt is under way. ``retrying``: waiting for ``next_attempt_at``.
    ``sent``: it arrived. ``failed``: given up on. ``skipped``: deliberately not sent (missed
    beyond its grace window, superseded, the member paused). ``unconfirmed``: an attempt was
    cut short and may have arrived; never repeated automatically. ``claimed`` and
    ``retrying`` are open; the others are final.
    """

    CLAIMED = "claimed"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class LedgerEntry:
    """A row of the ledger.

    Attributes:
        key: the delivery's unique name, e.g. one nudge of one cohort for one period.
        kind: what it is.
        cohort_id: the cohort it belongs to (a reminder's is its member's cohort).
        member_id: whom a reminder goes to; None for a nudge.
        due_at: when it was due.
        status: where it stands.
        attempts: attempts begun so far (0 for a row recorded without one).
        claimed_at: when the latest attempt began (when it was recorded, if none did).
        next_attempt_at: when a ``retrying`` delivery is tried again; None once finished.
        finished_at: when it reached its final status; None while open.
        message_id: the platform's id of the message sent, if any.
        detail: why it failed, was skipped or is retried; empty otherwise.
        ambiguous: as ``retry_later`` last said: the attempt that failed may have arrived.
    """

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
class Snooze:
    """A reminder asked again later: the step of the clock ``anchor_id`` started, at
    ``until``."""

    anchor_id: int
    step: str
    until: datetime


@dataclass(frozen=True)
class ClockCandidate:
    """A contact whose follow-up clock may be running, with everything to remind about it.

    ``cohort`` is the member's current cohort, ``workspace`` that cohort's, and ``entry`` the
    contact with its live actions, oldest first.
    """

    member: Member
    cohort: Cohort
    workspace: Workspace
    entry: ContactEntry


@dataclass(frozen=True)
class Claim:
    """What to write when claiming a key.

    Attributes:
        key: the delivery's unique name; at most one row ever exists per key.
        kind: what it is.
        cohort_id: the cohort it belongs to.
        member_id: whom a reminder goes to; None for a nudge.
        due_at: when it is due.
    """

    key: str
    kind: DeliveryKind
    cohort_id: int | None
    member_id: int | None
    due_at: datetime


class Ledger(Protocol):
    """Persistence of deliveries, and the queries that find what may be due."""

    async def scheduled_cohorts(self) -> list[ScheduledCohort]:
        """Every cohort bound to a channel, with its workspace, oldest cohort first."""

    async def clocks_due(self, now: datetime, limit: int) -> list[ClockCandidate]:
        """Contacts whose follow-up clock is due for a look at ``now``.

        Logging an action about a contact gives it a pending check, due from the action's
        ``occurred_at`` (or earlier, if one was already pending); undoing one, from the
        undo. A pending check falls due at once when the member's own or platform time
        zone or cohort changes, or that cohort's time zone does. ``set_clock_checks`` moves
        or removes it; until then a check that is due stays due.

        Args:
            now: the current instant.
            limit: the most clocks to look at; the earliest due are taken first.

        Returns:
            At most ``limit`` candidates, by contact id, each with its live actions oldest
            first. Contacts of a member without a cohort are left out.
        """

    async def next_clock_check(self) -> datetime | None:
        """When the earliest pending clock check is due; None if no clock needs a look.

        A clock due at once comes back as an instant in the past (1970-01-01 UTC).
        """

    async def set_clock_checks(self, checks: dict[int, datetime | None]) -> None:
        """Set, in one transaction, when each contact's clock next needs a look.

        Args:
            checks: contact id -> the instant of its next look, or None to remove its check
                (it gets a new one when an action about the contact is logged or undone).
                Only contacts with a pending check (those ``clocks_due`` returns) are
                affected; a contact without one does not get one from this.
        """

    async def snooze_of(self, contact_id: int) -> Snooze | None:
        """The contact's snoozed reminder, if one is."""

    async def reminders_stopped(self, contact_id: int, anchor_id: int) -> bool:
        """Whether the member stopped the reminders of the clock ``anchor_id`` started for
        the contact ("Stop reminding")."""

    async def emailed_at_organization(
        self, member_id: int, organization: str, after: datetime, other_than: int
    ) -> bool:
        """Whether the member has, after ``after`` (exclusive), logged a live first email
        (``email_sent``, not a follow-up) to a contact other than ``other_than`` whose
        organisation is ``organization``, ignoring case."""

    async def existing(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` have a row in the ledger, in any status; any number of keys."""

    async def change_counter(self) -> int:
        """A number that changes whenever a write is committed, by this process or any
        other: two equal values mean nothing was written in between. Only equality means
        anything; the value itself does not."""

    async def claim(self, claim: Claim, at: datetime) -> bool:
        """Claim ``claim.key`` for a first attempt beginning at ``at``: a ``claimed`` row
        with one attempt.

        Returns:
            True if this call claimed it, and the caller may now send it; False if the key
            already had a row, in any status, which is then left unchanged. Of concurrent
            claims of one key exactly one returns True.
        """

    async def record(self, claim: Claim, status: DeliveryStatus, detail: str, at: datetime) -> bool:
        """Write a row for ``claim.key`` that is settled without being attempted, e.g.
        ``skipped`` because it was missed while the bot was stopped: no attempts,
        ``claimed_at`` and ``finished_at`` both ``at``. Recording ``claimed`` is ``claim``.

        Returns:
            True if this call wrote it; False if the key already had a row, which is then
            left unchanged.
        """

    async def attempt(self, key: str, at: datetime) -> int:
        """Begin another attempt at an open delivery (claimed or retrying, so already in
        the ledger): it is ``claimed`` again, with ``claimed_at`` at ``at``.

        Returns:
            The number of attempts begun, this one included.
        """

    async def reclaim(self, key: str, at: datetime) -> bool:
        """Claim again a delivery that was skipped, failed or unconfirmed (``nudge-now``):
        it is ``claimed`` with one more attempt beginning at ``at``, unfinished, with no
        detail.

        Returns:
            True if this call reclaimed it; False, changing nothing, if the key is unknown,
            was sent, or is still open.
        """

    async def finish(
        self,
        key: str,
        status: DeliveryStatus,
        at: datetime,
        message_id: str | None = None,
        detail: str = "",
    ) -> None:
        """Settle a delivery in its final ``status`` at ``at``, with the platform's
        ``message_id`` (if sent) and a ``detail``; no retry is pending any more. A key that
        is not in the ledger (e.g. its member was forgotten meanwhile) is left alone."""

    async def retry_later(
        self, key: str, next_attempt_at: datetime, detail: str, *, ambiguous: bool = False
    ) -> None:
        """Put a delivery in ``retrying`` until ``next_attempt_at``, saying why
        (``detail``) and whether the attempt that failed may have arrived (``ambiguous``).
        Attempts and ``claimed_at`` stay. A key that is not in the ledger is left alone."""

    async def open_deliveries(self) -> list[LedgerEntry]:
        """Every delivery still open (claimed or retrying), earliest due first."""

    async def get(self, key: str) -> LedgerEntry | None:
        """The row of ``key``, or None."""

    async def problems(self, cohort_id: int, since: datetime) -> list[LedgerEntry]:
        """The cohort's deliveries (nudges and its members' reminders) due at or after
        ``since`` that failed or are unconfirmed, latest due first."""

    async def member_deliveries(self, member_id: int) -> list[LedgerEntry]:
        """Every delivery addressed to the member (their reminders), in any status,
        earliest due first."""
