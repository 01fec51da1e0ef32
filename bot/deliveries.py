"""The delivery service: decides what is due from the database, claims it, sends it once.

The scheduler only wakes this service up. On each wake it looks at the ledger and the data:
nudges whose time has come (within the cohort's grace window), follow-up reminders whose
milestone has passed, and deliveries waiting for a retry. Each is claimed under a unique key
in the ledger before it is sent and marked with the outcome after.

A crash between claim and send leaves a ``claimed`` row behind. If the platform deduplicates
on the key (``Notifier.idempotency_window``) and the claim is recent, the send is repeated
and the platform drops any copy; otherwise the row is marked ``unconfirmed`` and never sent
again, because posting twice to a whole cohort is worse than missing one nudge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.engine import Engine
from bot.followups import Step
from bot.ledger import (
    Claim,
    ClockCandidate,
    DeliveryKind,
    DeliveryRecord,
    DeliveryStatus,
    Ledger,
)
from bot.models import Cohort, Workspace
from bot.notify import Delivery, Notifier, TransientDeliveryError
from bot.nudges import member_zone, render_nudge
from bot.periods import local_date
from bot.reminders import Milestone, milestones, reminder_reply
from bot.replies import Reply
from bot.schedule import current_period, latest_due, nudge_key, upcoming
from bot.texts import plural
from bot.timezones import zone

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
"""Waits before retrying a transient failure; after the last one the delivery has failed."""

SEND_TIMEOUT = 60.0
CLOCK_BATCH = 2000
"""Most follow-up clocks looked at in one wake; the rest wait a second for the next."""
ORPHAN_AGE = timedelta(minutes=30)
PLATFORM_CONCURRENCY = 10
MISSED = "missed: reachout was not running at the time"


@dataclass(frozen=True)
class Job:
    """One delivery to make: where it goes, and how to say it when the time comes."""

    claim: Claim
    platform: str
    workspace_id: str
    target: str
    direct: bool
    grace: timedelta
    render: Callable[[], Awaitable[Reply]]
    contact_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to a delivery attempted right now (for ``/cohort nudge-now``)."""

    status: DeliveryStatus
    detail: str = ""
    record: DeliveryRecord | None = None
    retry_at: datetime | None = None


class DeliveryService:
    """Finds what is due and delivers it through the registered notifiers."""

    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        clock: Clock,
        retry_delays: tuple[timedelta, ...] = RETRY_DELAYS,
    ) -> None:
        self.engine = engine
        self.retry_delays = retry_delays
        self.ledger = ledger
        self.clock = clock
        self.notifiers: dict[str, Notifier] = {}
        self.next_due: datetime | None = None
        self.on_change: Callable[[], None] | None = None
        self._run_lock = asyncio.Lock()
        self._in_flight: set[str] = set()
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._quiet_version: int | None = None
        self._skipped = 0
        self._closed = False

    def register(self, notifier: Notifier) -> None:
        """Deliver for ``notifier.platform`` from now on."""
        self.notifiers[notifier.platform] = notifier
        self._limits[notifier.platform] = asyncio.Semaphore(PLATFORM_CONCURRENCY)
        self._quiet_version = None
        self.schedule_changed()

    async def run_due(self) -> int:
        """Deliver everything due now; returns how many deliveries were attempted."""
        async with self._run_lock:
            if self._closed:
                return 0
            now = self.clock.now()
            version = await self.ledger.change_counter()
            if self._nothing_to_do(version, now):
                return 0
            open_rows = {
                r.key: r
                for r in await self.ledger.open_deliveries()
                if r.key not in self._in_flight
            }
            retryable = {
                key
                for key, r in open_rows.items()
                if r.status is DeliveryStatus.RETRYING
                and r.next_attempt_at is not None
                and r.next_attempt_at <= now
            }
            upcoming_times: list[datetime] = [
                r.next_attempt_at
                for r in open_rows.values()
                if r.status is DeliveryStatus.RETRYING and r.next_attempt_at is not None
            ]
            jobs = await self._nudge_jobs(now, upcoming_times)
            reminders, checks = await self._reminder_jobs(now)
            jobs += reminders
            keys = await self.ledger.existing([job.claim.key for job in jobs])
            runnable: list[Job] = []
            for job in jobs:
                key = job.claim.key
                row = open_rows.get(key)
                unsure = row is not None and (
                    row.status is DeliveryStatus.CLAIMED or (key in retryable and row.ambiguous)
                )
                if row is not None and unsure:
                    if not self._may_resend(row, job.platform, now):
                        await self._give_up_unconfirmed(row, now)
                        continue
                elif key in keys and key not in retryable:
                    continue
                if now - job.claim.due_at > job.grace:
                    await self._skip_or_fail(job, key in keys, now)
                    continue
                runnable.append(job)
            if self._skipped:
                log.warning(
                    "%s due while reachout was not running, now past the grace window: "
                    "skipped (see the deliveries table)",
                    plural(self._skipped, "nudge or reminder was", "nudges or reminders were"),
                )
                self._skipped = 0
            await self._expire_orphans(open_rows, {j.claim.key for j in jobs}, now)
            outcomes = await asyncio.gather(
                *(self._deliver(job, is_new=job.claim.key not in keys) for job in runnable)
            )
            upcoming_times.extend(o.retry_at for o in outcomes if o.retry_at is not None)
            await self._update_clock_checks(checks, runnable, outcomes)
            if (next_check := await self.ledger.next_clock_check()) is not None:
                upcoming_times.append(max(next_check, now + timedelta(seconds=1)))
            self.next_due = min((t for t in upcoming_times if t > now), default=None)
            self._quiet_version = None if open_rows or runnable else version
            return len(runnable)

    def _nothing_to_do(self, version: int, now: datetime) -> bool:
        """True while nothing was committed since a run that left nothing open, and the next
        due instant has not come: the common idle wake, answered without reading anything."""
        return version == self._quiet_version and (self.next_due is None or now < self.next_due)

    async def _nudge_jobs(self, now: datetime, upcoming_times: list[datetime]) -> list[Job]:
        jobs = []
        for scheduled in await self.ledger.scheduled_cohorts():
            cohort, workspace = scheduled.cohort, scheduled.workspace
            if workspace.platform not in self.notifiers or cohort.channel_id is None:
                continue
            for occurrence in latest_due(cohort, now):
                jobs.append(
                    self._nudge_job(
                        cohort, workspace, occurrence.kind, occurrence.period, occurrence.due_at
                    )
                )
            upcoming_times.extend(o.due_at for o in upcoming(cohort, now, 1))
        return jobs

    def _nudge_job(
        self,
        cohort: Cohort,
        workspace: Workspace,
        kind: DeliveryKind,
        period: date,
        due_at: datetime,
    ) -> Job:
        assert cohort.channel_id is not None

        async def render() -> Reply:
            return await render_nudge(self.engine, kind, cohort, period, self.clock.now())

        return Job(
            Claim(nudge_key(kind, cohort.id, period), kind, cohort.id, None, due_at),
            workspace.platform,
            workspace.external_id,
            cohort.channel_id,
            False,
            timedelta(hours=cohort.grace_hours),
            render,
        )

    async def _reminder_jobs(self, now: datetime) -> tuple[list[Job], dict[int, datetime | None]]:
        """Reminders due now, from the clocks due for a look, and when each needs the next.

        Clocks of a platform that is not connected are looked at again in an hour."""
        jobs = []
        checks: dict[int, datetime | None] = {}
        for candidate in await self.ledger.clocks_due(now, CLOCK_BATCH):
            contact_id = candidate.entry.contact.id
            if candidate.workspace.platform not in self.notifiers:
                checks[contact_id] = now + timedelta(hours=1)
                continue
            tz = zone(member_zone(candidate.member, candidate.cohort))
            steps = milestones(candidate.entry.actions, tz)
            due = [m for m in steps if m.due_at <= now]
            checks[contact_id] = min((m.due_at for m in steps if m.due_at > now), default=None)
            for milestone in due:
                superseded = milestone is not due[-1]
                jobs.append(self._reminder_job(candidate, milestone, superseded))
        return jobs, checks

    async def _update_clock_checks(
        self,
        checks: dict[int, datetime | None],
        runnable: list[Job],
        outcomes: list[Outcome],
    ) -> None:
        """Record when each clock looked at needs its next look; a retry brings it forward."""
        for job, outcome in zip(runnable, outcomes, strict=True):
            if job.contact_id is not None and outcome.retry_at is not None:
                current = checks.get(job.contact_id)
                checks[job.contact_id] = min(outcome.retry_at, current or outcome.retry_at)
        if checks:
            await self.ledger.set_clock_checks(checks)

    def _reminder_job(
        self, candidate: ClockCandidate, milestone: Milestone, superseded: bool
    ) -> Job:
        member, contact = candidate.member, candidate.entry.contact

        async def render() -> Reply:
            reason = await self._reminder_skip_reason(candidate, milestone, superseded)
            if reason:
                raise _Skip(reason)
            return reminder_reply(contact, milestone.step)

        return Job(
            Claim(
                milestone.key(member.id, contact.id),
                DeliveryKind.REMINDER,
                candidate.cohort.id,
                member.id,
                milestone.due_at,
            ),
            candidate.workspace.platform,
            candidate.workspace.external_id,
            member.user_id,
            True,
            timedelta(hours=candidate.cohort.grace_hours),
            render,
            contact.id,
        )

    async def _reminder_skip_reason(
        self, candidate: ClockCandidate, milestone: Milestone, superseded: bool
    ) -> str:
        member, contact = candidate.member, candidate.entry.contact
        if superseded:
            return "superseded by a later step of the same contact"
        if not member.reminders_by_dm:
            return "the member turned DM reminders off"
        today = local_date(self.clock.now(), zone(member_zone(member, candidate.cohort)))
        if any(p.covers(today) for p in await self.engine.store.pauses(member.id)):
            return "the member is paused"
        if milestone.step is Step.SECOND_CONTACT and contact.organization:
            anchor = next(a for a in candidate.entry.actions if a.id == milestone.anchor_id)
            if await self.ledger.emailed_at_organization(
                member.id, contact.organization, anchor.occurred_at, contact.id
            ):
                return "the member already wrote to someone else there"
        return ""

    def _may_resend(self, orphan: DeliveryRecord, platform: str, now: datetime) -> bool:
        notifier = self.notifiers.get(platform)
        window = notifier.idempotency_window if notifier else None
        return window is not None and now - orphan.claimed_at <= window

    async def _give_up_unconfirmed(self, row: DeliveryRecord, now: datetime) -> None:
        """A send that may have arrived and can no longer be deduplicated: never repeated."""
        log.warning("delivery %s may have arrived already; not sending it again", row.key)
        await self.ledger.finish(
            row.key,
            DeliveryStatus.UNCONFIRMED,
            now,
            detail="interrupted, and may have arrived; not repeated, to never post twice",
        )

    async def _expire_orphans(
        self, open_rows: dict[str, DeliveryRecord], seen: set[str], now: datetime
    ) -> None:
        """Settle open rows that no current job covers, once they are old enough."""
        for key, row in open_rows.items():
            if key in seen or now - row.claimed_at <= ORPHAN_AGE:
                continue
            if row.status is DeliveryStatus.CLAIMED:
                await self._give_up_unconfirmed(row, now)
            elif row.next_attempt_at is not None and row.next_attempt_at <= now:
                await self.ledger.finish(
                    key, DeliveryStatus.FAILED, now, detail=f"gave up: {row.detail}"
                )

    async def _skip_or_fail(self, job: Job, known: bool, now: datetime) -> None:
        if known:
            await self.ledger.finish(
                job.claim.key,
                DeliveryStatus.FAILED,
                now,
                detail="gave up: still failing when the grace window ended",
            )
            return
        if await self.ledger.record(job.claim, DeliveryStatus.SKIPPED, MISSED, now):
            self._skipped += 1
            log.info("skipped %s, due %s: %s", job.claim.key, job.claim.due_at.isoformat(), MISSED)

    async def _deliver(self, job: Job, *, is_new: bool) -> Outcome:
        key = job.claim.key
        notifier = self.notifiers[job.platform]
        now = self.clock.now()
        if is_new:
            if not await self.ledger.claim(job.claim, now):
                return Outcome(DeliveryStatus.SKIPPED, "already claimed")
            attempts = 1
        else:
            attempts = await self.ledger.attempt(key, now)
        self._in_flight.add(key)
        try:
            async with self._limits[job.platform]:
                return await self._send(job, notifier, attempts)
        finally:
            self._in_flight.discard(key)

    async def _send(self, job: Job, notifier: Notifier, attempts: int) -> Outcome:
        key = job.claim.key
        try:
            try:
                reply = await job.render()
            except asyncio.CancelledError:
                # Stopped before anything was sent: leave it for the next start to send.
                await asyncio.shield(
                    self.ledger.retry_later(key, self.clock.now(), "interrupted before sending")
                )
                raise
            if job.direct:
                send = notifier.send_direct(job.workspace_id, job.target, reply, key)
            else:
                send = notifier.post_to_channel(job.workspace_id, job.target, reply, key)
            delivery: Delivery = await asyncio.wait_for(send, SEND_TIMEOUT)
        except _Skip as skip:
            await self.ledger.finish(
                key, DeliveryStatus.SKIPPED, self.clock.now(), detail=str(skip)
            )
            return Outcome(DeliveryStatus.SKIPPED, str(skip))
        except (TransientDeliveryError, TimeoutError) as problem:
            return await self._transient(job, notifier, attempts, problem)
        except Exception as problem:
            log.exception("delivery %s failed", key)
            detail = f"error: {type(problem).__name__}"
            await self.ledger.finish(key, DeliveryStatus.FAILED, self.clock.now(), detail=detail)
            return Outcome(DeliveryStatus.FAILED, detail)
        now = self.clock.now()
        if delivery.ok:
            await self.ledger.finish(key, DeliveryStatus.SENT, now, message_id=delivery.message_id)
            return Outcome(DeliveryStatus.SENT)
        detail = delivery.permanent_failure or "refused"
        log.warning("delivery %s refused by %s: %s", key, job.platform, detail)
        await self.ledger.finish(key, DeliveryStatus.FAILED, now, detail=detail)
        return Outcome(DeliveryStatus.FAILED, detail)

    async def _transient(
        self, job: Job, notifier: Notifier, attempts: int, problem: Exception
    ) -> Outcome:
        key = job.claim.key
        now = self.clock.now()
        detail = str(problem) or type(problem).__name__
        unsure = isinstance(problem, TimeoutError) or getattr(problem, "unsure", False)
        window = notifier.idempotency_window
        if unsure and window is None:
            await self.ledger.finish(
                key, DeliveryStatus.UNCONFIRMED, now, detail=f"may have arrived: {detail}"
            )
            return Outcome(DeliveryStatus.UNCONFIRMED, detail)
        if attempts > len(self.retry_delays):
            await self.ledger.finish(
                key, DeliveryStatus.FAILED, now, detail=f"gave up after {attempts} tries: {detail}"
            )
            return Outcome(DeliveryStatus.FAILED, detail)
        delay = self.retry_delays[attempts - 1]
        if unsure and window is not None:
            delay = min(delay, window / 2)  # retry while the platform still deduplicates
        next_attempt = now + delay
        log.info("delivery %s will be retried at %s: %s", key, next_attempt.isoformat(), detail)
        await self.ledger.retry_later(key, next_attempt, detail, ambiguous=unsure)
        return Outcome(DeliveryStatus.RETRYING, detail, retry_at=next_attempt)

    def schedule_changed(self) -> None:
        """Tell whoever wakes this service that what is due may have moved."""
        if self.on_change is not None:
            self.on_change()

    async def post_now(self, cohort: Cohort, workspace: Workspace) -> Outcome:
        """Send this week's kickoff now; it then counts as the week's kickoff."""
        if workspace.platform not in self.notifiers:
            return Outcome(DeliveryStatus.FAILED, "not connected to this platform right now")
        now = self.clock.now()
        period = current_period(cohort, now)
        job = self._nudge_job(cohort, workspace, DeliveryKind.KICKOFF, period, now)
        key = job.claim.key
        if await self.ledger.claim(job.claim, now) or await self.ledger.reclaim(key, now):
            self._in_flight.add(key)
            try:
                async with self._limits[job.platform]:
                    return await self._send(job, self.notifiers[job.platform], attempts=1)
            finally:
                self._in_flight.discard(key)
        existing = await self.ledger.get(key)
        assert existing is not None
        return Outcome(existing.status, "already", existing)

    async def close(self) -> None:
        """Stop delivering; a run in progress finishes first, so none is cut short."""
        self._closed = True
        async with self._run_lock:
            return


class _Skip(Exception):
    """Raised while rendering a reminder that should not go out after all."""
