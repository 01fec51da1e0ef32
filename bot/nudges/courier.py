"""The courier: carries out each wake's plan, claiming every delivery before it is sent.

The scheduler only wakes the courier up. On each wake the planner says what is due; the
courier claims each delivery under its unique key in the ledger, sends it through the
platform's notifier and records the outcome, retrying transient failures on a schedule.

A crash between claim and send leaves a ``claimed`` row behind. If the platform deduplicates
on the key (``Notifier.idempotency_window``) and the claim is recent, the send is repeated
and the platform drops any copy; otherwise the row is marked ``unconfirmed`` and never sent
again, because posting twice to a whole cohort is worse than missing one nudge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.charts.renderer import ChartRenderer
from bot.clock import Clock
from bot.models import Cohort, Workspace
from bot.nudges.calendar import current_period
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import DeliveryStatus, Ledger, LedgerEntry
from bot.nudges.notifier import Notifier, Receipt, TransientDeliveryError
from bot.nudges.planner import Job, Plan, Planner, SkipDelivery
from bot.store import Store
from bot.texts import plural

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
"""Waits before retrying a transient failure; after the last one the delivery has failed."""

SEND_TIMEOUT = 60.0
ORPHAN_AGE = timedelta(minutes=30)
PLATFORM_CONCURRENCY = 10
MISSED = "missed: reachout was not running at the time"


@dataclass(frozen=True)
class Outcome:
    """What happened to a delivery attempted right now (for ``/cohort nudge-now``)."""

    status: DeliveryStatus
    detail: str = ""
    record: LedgerEntry | None = None
    retry_at: datetime | None = None


class Courier:
    """Delivers what is due through the registered notifiers, each delivery once."""

    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        clock: Clock,
        retry_delays: tuple[timedelta, ...] = RETRY_DELAYS,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.ledger = ledger
        self.clock = clock
        self.retry_delays = retry_delays
        self.planner = Planner(store, ledger, clock, charts)
        self.notifiers: dict[str, Notifier] = {}
        self.next_due: datetime | None = None
        self.on_change: Callable[[], None] | None = None
        self._run_lock = asyncio.Lock()
        self._in_flight: set[str] = set()
        self._look_again: set[int] = set()
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._quiet_version: int | None = None
        self._closed = False

    def register(self, notifier: Notifier) -> None:
        """Deliver for ``notifier.platform`` from now on."""
        self.notifiers[notifier.platform] = notifier
        self._limits[notifier.platform] = asyncio.Semaphore(PLATFORM_CONCURRENCY)
        self._look_again |= self.planner.waiting.pop(notifier.platform, set())
        self._quiet_version = None
        self.schedule_changed()

    async def run_due(self) -> int:
        """Deliver everything due now; returns how many deliveries were attempted."""
        async with self._run_lock:
            if self._closed:
                return 0
            now = self.clock.now()
            if self._look_again:
                # Clocks put off while their platform was not connected (at start-up).
                waiting, self._look_again = self._look_again, set()
                await self.ledger.set_clock_checks(dict.fromkeys(waiting, now))
            version = await self.ledger.change_counter()
            if self._nothing_to_do(version, now):
                return 0
            plan = await self.planner.plan(now, self.notifiers, self._in_flight)
            await self._settle(plan, now)
            outcomes = await asyncio.gather(
                *(self._deliver(job, is_new=job.claim.key not in plan.known) for job in plan.send)
            )
            await self._record_digested(plan, outcomes, now)
            await self._record_clock_checks(plan, outcomes, now)
            self._plan_next_wake(plan, outcomes, now)
            self._quiet_version = None if plan.open_rows or plan.send else version
            return len(plan.send)

    def _nothing_to_do(self, version: int, now: datetime) -> bool:
        """True while nothing was committed since a run that left nothing open, and the next
        due instant has not come: the common idle wake, answered without reading anything."""
        return version == self._quiet_version and (self.next_due is None or now < self.next_due)

    async def _settle(self, plan: Plan, now: datetime) -> None:
        """Record what will not be sent: unconfirmed sends, missed ones, stale open rows."""
        for row in plan.give_up:
            await self._give_up_unconfirmed(row, now)
        skipped = 0
        for job, known in plan.late:
            skipped += await self._skip_or_fail(job, known, now)
        if skipped:
            log.warning(
                "%s due while reachout was not running, now past the grace window: "
                "skipped (see the deliveries table)",
                plural(skipped, "nudge or reminder was", "nudges or reminders were"),
            )
        await self._expire_orphans(plan, now)

    async def _record_digested(self, plan: Plan, outcomes: list[Outcome], now: datetime) -> None:
        """Record the missed reminders a settled digest summed up, so none is sent alone."""
        for job, outcome in zip(plan.send, outcomes, strict=True):
            if outcome.status is DeliveryStatus.RETRYING:
                continue
            for reminder in plan.digests.get(job.claim.key, []):
                await self.ledger.record(
                    reminder.claim,
                    DeliveryStatus.SKIPPED,
                    f"{MISSED}; summed up in {job.claim.key}",
                    now,
                )

    async def _record_clock_checks(
        self, plan: Plan, outcomes: list[Outcome], now: datetime
    ) -> None:
        """Record when each clock looked at needs its next look (a retry brings it forward),
        and plan a wake for the earliest clock of all."""
        checks = plan.checks
        for job, outcome in zip(plan.send, outcomes, strict=True):
            if job.contact_id is not None and outcome.retry_at is not None:
                current = checks.get(job.contact_id)
                checks[job.contact_id] = min(outcome.retry_at, current or outcome.retry_at)
        if checks:
            await self.ledger.set_clock_checks(checks)
        if (next_check := await self.ledger.next_clock_check()) is not None:
            plan.upcoming.append(max(next_check, now + timedelta(seconds=1)))

    def _plan_next_wake(self, plan: Plan, outcomes: list[Outcome], now: datetime) -> None:
        times = plan.upcoming + [o.retry_at for o in outcomes if o.retry_at is not None]
        self.next_due = min((t for t in times if t > now), default=None)

    async def _give_up_unconfirmed(self, row: LedgerEntry, now: datetime) -> None:
        """A send that may have arrived and can no longer be deduplicated: never repeated."""
        log.warning("delivery %s may have arrived already; not sending it again", row.key)
        await self.ledger.finish(
            row.key,
            DeliveryStatus.UNCONFIRMED,
            now,
            detail="interrupted, and may have arrived; not repeated, to never post twice",
        )

    async def _expire_orphans(self, plan: Plan, now: datetime) -> None:
        """Settle open rows that no current job covers, once they are old enough."""
        for key, row in plan.open_rows.items():
            if key in plan.due_keys or now - row.claimed_at <= ORPHAN_AGE:
                continue
            if row.status is DeliveryStatus.CLAIMED:
                await self._give_up_unconfirmed(row, now)
            elif row.next_attempt_at is not None and row.next_attempt_at <= now:
                await self.ledger.finish(
                    key, DeliveryStatus.FAILED, now, detail=f"gave up: {row.detail}"
                )

    async def _skip_or_fail(self, job: Job, known: bool, now: datetime) -> int:
        """A delivery past its grace window: a retry has failed, a new one was missed.

        Returns 1 if a missed delivery was newly recorded as skipped, else 0."""
        if known:
            await self.ledger.finish(
                job.claim.key,
                DeliveryStatus.FAILED,
                now,
                detail="gave up: still failing when the grace window ended",
            )
            return 0
        if await self.ledger.record(job.claim, DeliveryStatus.SKIPPED, MISSED, now):
            log.info("skipped %s, due %s: %s", job.claim.key, job.claim.due_at.isoformat(), MISSED)
            return 1
        return 0

    async def _deliver(self, job: Job, *, is_new: bool) -> Outcome:
        key = job.claim.key
        now = self.clock.now()
        if is_new:
            if not await self.ledger.claim(job.claim, now):
                return Outcome(DeliveryStatus.SKIPPED, "already claimed")
            attempts = 1
        else:
            attempts = await self.ledger.attempt(key, now)
        return await self._send_claimed(job, attempts)

    async def _send_claimed(self, job: Job, attempts: int) -> Outcome:
        """Send a delivery this process holds the claim of, within the platform's limit."""
        key = job.claim.key
        self._in_flight.add(key)
        try:
            async with self._limits[job.platform]:
                return await self._send(job, self.notifiers[job.platform], attempts)
        finally:
            self._in_flight.discard(key)

    async def _send(self, job: Job, notifier: Notifier, attempts: int) -> Outcome:
        key = job.claim.key
        try:
            receipt = await self._render_and_send(job, notifier)
        except SkipDelivery as skip:
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
        if receipt.ok:
            await self.ledger.finish(key, DeliveryStatus.SENT, now, message_id=receipt.message_id)
            return Outcome(DeliveryStatus.SENT)
        detail = receipt.permanent_failure or "refused"
        log.warning("delivery %s refused by %s: %s", key, job.platform, detail)
        await self.ledger.finish(key, DeliveryStatus.FAILED, now, detail=detail)
        return Outcome(DeliveryStatus.FAILED, detail)

    async def _render_and_send(self, job: Job, notifier: Notifier) -> Receipt:
        try:
            reply = await job.render()
        except asyncio.CancelledError:
            # Stopped before anything was sent: leave it for the next start to send.
            await asyncio.shield(
                self.ledger.retry_later(
                    job.claim.key, self.clock.now(), "interrupted before sending"
                )
            )
            raise
        if job.direct:
            send = notifier.send_direct(job.workspace_id, job.target, reply, job.claim.key)
        else:
            send = notifier.post_to_channel(job.workspace_id, job.target, reply, job.claim.key)
        return await asyncio.wait_for(send, SEND_TIMEOUT)

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
        """Tell whoever wakes the courier that what is due may have moved."""
        if self.on_change is not None:
            self.on_change()

    async def post_now(self, cohort: Cohort, workspace: Workspace) -> Outcome:
        """Send this week's kickoff now; it then counts as the week's kickoff."""
        if workspace.platform not in self.notifiers:
            return Outcome(DeliveryStatus.FAILED, "not connected to this platform right now")
        now = self.clock.now()
        period = current_period(cohort, now)
        job = self.planner.nudge_job(cohort, workspace, DeliveryKind.KICKOFF, period, now)
        key = job.claim.key
        if await self.ledger.claim(job.claim, now) or await self.ledger.reclaim(key, now):
            return await self._send_claimed(job, attempts=1)
        existing = await self.ledger.get(key)
        assert existing is not None
        return Outcome(existing.status, "already", existing)

    async def close(self) -> None:
        """Stop delivering; a run in progress finishes first, so none is cut short."""
        self._closed = True
        async with self._run_lock:
            return
