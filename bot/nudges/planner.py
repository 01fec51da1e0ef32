"""Planning one wake: what is due now, and what to do about each delivery.

The planner only reads. From the ledger and the data it finds the nudges whose time has
come, the follow-up reminders whose milestone has passed and the deliveries waiting for a
retry, and sorts each into a decision: send it, send it again, give it up as unconfirmed,
or record it as missed. The courier carries the decisions out.

A nudge missed while the bot was down past the grace window is recorded as missed. Missed
reminders are not dropped: each member gets them together in one digest on their next
business morning, and each contact's clock is looked at again then.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum, auto
from zoneinfo import ZoneInfo

from bot.charts.renderer import ChartRenderer
from bot.clock import Clock
from bot.followups import Milestone, Step, milestones
from bot.holidays import member_calendar
from bot.interviews import CheckBack, check_back
from bot.models import Cohort, Member, Workspace
from bot.nudges.calendar import latest_due, nudge_key, upcoming
from bot.nudges.checkbacks import checkback_key, checkback_reply
from bot.nudges.kinds import DeliveryKind
from bot.nudges.ledger import (
    Claim,
    ClockCandidate,
    DeliveryStatus,
    Ledger,
    LedgerEntry,
    Snooze,
)
from bot.nudges.notifier import Notifier
from bot.nudges.posts import render_nudge
from bot.nudges.reminders import digest_key, digest_reply, reminder_key, reminder_reply
from bot.periods import MORNING, add_business_days, is_business_day, local_date, local_to_utc
from bot.replies import Reply
from bot.store import Store
from bot.timezones import member_timezone, zone

CLOCK_BATCH = 2000
"""Most follow-up clocks looked at in one wake; the rest wait a second for the next."""
DISCONNECTED_RECHECK = timedelta(hours=1)
"""When to look again at the clocks of a platform that is not connected."""


class Verdict(Enum):
    """What to do about one delivery found due."""

    SEND = auto()
    NOTHING = auto()
    """Already sent, or waiting for its retry time."""
    GIVE_UP = auto()
    """Interrupted at a moment the platform can no longer deduplicate: never repeated."""
    OUT_OF_TIME = auto()
    """Retried until its grace window ended: failed."""
    MISSED = auto()
    """Due while the bot was not running, and now past its grace window."""


class SkipDelivery(Exception):
    """Raised while rendering a reminder that should not go out after all."""


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
class DueReminder:
    """A reminder job with the clock it came from, for the digest if it is missed."""

    job: Job
    candidate: ClockCandidate
    milestone: Milestone


@dataclass
class Plan:
    """What one wake found, sorted by what to do about it.

    ``send`` holds jobs to deliver now; ``known`` the keys of those already in the ledger
    (retries), the others must be claimed first. ``give_up`` holds sends interrupted at a
    moment the platform can no longer deduplicate, ``late`` jobs past their grace window
    (with whether the ledger knows them). ``digests`` maps each digest job in ``send`` to
    the missed reminders it sums up, recorded once the digest is settled (one waiting for a
    retry is planned again, with them, on the wake that retries it). ``checks`` says when
    each follow-up clock looked at needs its next look, ``upcoming`` when anything else
    falls due.
    """

    open_rows: dict[str, LedgerEntry]
    due_keys: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)
    send: list[Job] = field(default_factory=list)
    give_up: list[LedgerEntry] = field(default_factory=list)
    late: list[tuple[Job, bool]] = field(default_factory=list)
    digests: dict[str, list[Job]] = field(default_factory=dict)
    checks: dict[int, datetime | None] = field(default_factory=dict)
    upcoming: list[datetime] = field(default_factory=list)


class Planner:
    """Finds what is due and decides, for each delivery, what the courier should do."""

    def __init__(
        self, store: Store, ledger: Ledger, clock: Clock, charts: ChartRenderer | None = None
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.clock = clock
        self.charts = charts
        self.waiting: dict[str, set[int]] = {}
        """Clocks put off because their platform was not connected yet, by platform: looked
        at again the moment it connects (``Courier.register``), not an hour later."""

    async def plan(
        self, now: datetime, notifiers: Mapping[str, Notifier], in_flight: Collection[str]
    ) -> Plan:
        """Everything due at ``now`` on the connected platforms, each with its decision."""
        plan = Plan(
            {r.key: r for r in await self.ledger.open_deliveries() if r.key not in in_flight}
        )
        plan.upcoming.extend(
            r.next_attempt_at
            for r in plan.open_rows.values()
            if r.status is DeliveryStatus.RETRYING and r.next_attempt_at is not None
        )
        jobs = await self._nudge_jobs(now, notifiers, plan.upcoming)
        due_reminders, checkbacks = await self._reminder_jobs(now, notifiers, plan.checks)
        reminders = {r.job.claim.key: r for r in due_reminders}
        jobs += [r.job for r in due_reminders] + checkbacks
        plan.due_keys = {job.claim.key for job in jobs}
        plan.known = await self.ledger.existing([job.claim.key for job in jobs])
        missed: dict[int, list[DueReminder]] = {}
        for job in jobs:
            verdict = self._decide(plan, job, now, notifiers)
            if verdict is Verdict.SEND:
                plan.send.append(job)
            elif verdict is Verdict.GIVE_UP:
                plan.give_up.append(plan.open_rows[job.claim.key])
            elif verdict is Verdict.MISSED and job.claim.key in reminders:
                reminder = reminders[job.claim.key]
                missed.setdefault(reminder.candidate.member.id, []).append(reminder)
            elif verdict is not Verdict.NOTHING:
                plan.late.append((job, verdict is Verdict.OUT_OF_TIME))
        await self._plan_digests(plan, missed, now)
        return plan

    def _decide(
        self, plan: Plan, job: Job, now: datetime, notifiers: Mapping[str, Notifier]
    ) -> Verdict:
        key = job.claim.key
        row = plan.open_rows.get(key)
        retry_due = (
            row is not None
            and row.status is DeliveryStatus.RETRYING
            and row.next_attempt_at is not None
            and row.next_attempt_at <= now
        )
        if row is not None and (
            row.status is DeliveryStatus.CLAIMED or (retry_due and row.ambiguous)
        ):
            if not _may_resend(row, notifiers.get(job.platform), now):
                return Verdict.GIVE_UP
        elif key in plan.known and not retry_due:
            return Verdict.NOTHING
        if now - job.claim.due_at > job.grace:
            return Verdict.OUT_OF_TIME if key in plan.known else Verdict.MISSED
        return Verdict.SEND

    async def _nudge_jobs(
        self, now: datetime, notifiers: Mapping[str, Notifier], upcoming_times: list[datetime]
    ) -> list[Job]:
        jobs: list[Job] = []
        for scheduled in await self.ledger.scheduled_cohorts():
            cohort, workspace = scheduled.cohort, scheduled.workspace
            if workspace.platform not in notifiers or cohort.channel_id is None:
                continue
            jobs.extend(
                self.nudge_job(cohort, workspace, o.kind, o.period, o.due_at)
                for o in latest_due(cohort, now)
            )
            upcoming_times.extend(o.due_at for o in upcoming(cohort, now, 1))
        return jobs

    def nudge_job(
        self,
        cohort: Cohort,
        workspace: Workspace,
        kind: DeliveryKind,
        period: date,
        due_at: datetime,
    ) -> Job:
        """The delivery of a cohort's nudge for the week starting ``period``."""
        assert cohort.channel_id is not None

        async def render() -> Reply:
            return await render_nudge(
                self.store, kind, cohort, period, self.clock.now(), self.charts
            )

        return Job(
            Claim(nudge_key(kind, cohort.id, period), kind, cohort.id, None, due_at),
            workspace.platform,
            workspace.external_id,
            cohort.channel_id,
            False,
            timedelta(hours=cohort.grace_hours),
            render,
        )

    async def _reminder_jobs(
        self,
        now: datetime,
        notifiers: Mapping[str, Notifier],
        checks: dict[int, datetime | None],
    ) -> tuple[list[DueReminder], list[Job]]:
        """Reminders and check-backs due now, from the clocks due for a look; notes when each
        clock needs the next."""
        reminders: list[DueReminder] = []
        checkbacks: list[Job] = []
        for candidate in await self.ledger.clocks_due(now, CLOCK_BATCH):
            contact_id = candidate.entry.contact.id
            if candidate.workspace.platform not in notifiers:
                checks[contact_id] = now + DISCONNECTED_RECHECK
                self.waiting.setdefault(candidate.workspace.platform, set()).add(contact_id)
                continue
            tz = zone(member_timezone(candidate.member, candidate.cohort))
            calendar = member_calendar(candidate.member, candidate.cohort)
            steps = snoozed(
                milestones(candidate.entry.actions, tz, calendar),
                await self.ledger.snooze_of(contact_id),
            )
            due = [m for m in steps if m.due_at <= now]
            later = [m.due_at for m in steps if m.due_at > now]
            reminders.extend(
                DueReminder(
                    self._reminder_job(candidate, milestone, superseded=milestone is not due[-1]),
                    candidate,
                    milestone,
                )
                for milestone in due
            )
            back = check_back(candidate.entry.actions, tz, calendar)
            if back is not None and back.due_at <= now:
                checkbacks.append(self._checkback_job(candidate, back))
            elif back is not None:
                later.append(back.due_at)
            checks[contact_id] = min(later, default=None)
        return reminders, checkbacks

    def _checkback_job(self, candidate: ClockCandidate, back: CheckBack) -> Job:
        member, contact = candidate.member, candidate.entry.contact

        async def render() -> Reply:
            reason = await self._personal_skip_reason(candidate.member, candidate.cohort)
            if reason:
                raise SkipDelivery(reason)
            return checkback_reply(member.id, contact, back)

        key = checkback_key(member.id, contact.id, back)
        return _direct_job(candidate, key, DeliveryKind.CHECKBACK, back.due_at, render, contact.id)

    def _reminder_job(
        self, candidate: ClockCandidate, milestone: Milestone, *, superseded: bool
    ) -> Job:
        member, contact = candidate.member, candidate.entry.contact

        async def render() -> Reply:
            reason = await self._reminder_skip_reason(candidate, milestone, superseded)
            if reason:
                raise SkipDelivery(reason)
            reply = reminder_reply(member.id, contact, milestone.step, milestone.anchor_id)
            return replace(reply, title="Snoozed reminder") if milestone.snoozed else reply

        key = reminder_key(member.id, contact.id, milestone)
        return _direct_job(
            candidate, key, DeliveryKind.REMINDER, milestone.due_at, render, contact.id
        )

    async def _plan_digests(
        self, plan: Plan, missed: dict[int, list[DueReminder]], now: datetime
    ) -> None:
        """Each member's missed reminders: in a digest now if it is their morning, else the
        clocks are looked at again on that morning."""
        mornings = {m: _digest_morning(r[0].candidate, now) for m, r in missed.items()}
        keys = {m: digest_key(m, local_date(at, tz)) for m, (at, tz) in mornings.items()}
        known = await self.ledger.existing(list(keys.values())) if keys else set()
        for member_id, reminders in missed.items():
            at, tz = mornings[member_id]
            key = keys[member_id]
            row = plan.open_rows.get(key)
            if row is not None and row.status is DeliveryStatus.RETRYING:
                at = row.next_attempt_at or now
                plan.known.add(key)
            elif key in known:
                calendar = member_calendar(
                    reminders[0].candidate.member, reminders[0].candidate.cohort
                )
                at = local_to_utc(add_business_days(local_date(at, tz), 1, calendar), MORNING, tz)
                key = digest_key(member_id, local_date(at, tz))
            if at > now:
                for reminder in reminders:
                    contact_id = reminder.candidate.entry.contact.id
                    current = plan.checks.get(contact_id)
                    plan.checks[contact_id] = min(at, current) if current else at
                plan.upcoming.append(at)
                continue
            job = self._digest_job(reminders, key, at)
            plan.due_keys.add(key)
            plan.send.append(job)
            plan.digests[job.claim.key] = [r.job for r in reminders]

    def _digest_job(self, reminders: list[DueReminder], key: str, due_at: datetime) -> Job:
        first = reminders[0].candidate
        member = first.member

        async def render() -> Reply:
            reason = await self._personal_skip_reason(member, first.cohort)
            if reason:
                raise SkipDelivery(reason)
            wanted = [
                (r.candidate.entry.contact, r.milestone.step)
                for r in reminders
                if not await self.ledger.reminders_stopped(
                    r.candidate.entry.contact.id, r.milestone.anchor_id
                )
            ]
            if not wanted:
                raise SkipDelivery("the member stopped reminders about these contacts")
            return digest_reply(wanted)

        return _direct_job(first, key, DeliveryKind.REMINDER, due_at, render)

    async def _personal_skip_reason(self, member: Member, cohort: Cohort) -> str:
        """Why no private message should reach the member now: DMs off, or a pause."""
        if not member.reminders_by_dm:
            return "the member turned DM reminders off"
        today = local_date(self.clock.now(), zone(member_timezone(member, cohort)))
        if any(p.covers(today) for p in await self.store.pauses(member.id)):
            return "the member is paused"
        return ""

    async def _reminder_skip_reason(
        self, candidate: ClockCandidate, milestone: Milestone, superseded: bool
    ) -> str:
        """Why a due reminder should not go out after all, decided when it is sent."""
        member, contact = candidate.member, candidate.entry.contact
        if superseded:
            return "superseded by a later step of the same contact"
        if reason := await self._personal_skip_reason(member, candidate.cohort):
            return reason
        if await self.ledger.reminders_stopped(contact.id, milestone.anchor_id):
            return "the member stopped reminders about this contact"
        if milestone.step is Step.SECOND_CONTACT and contact.organization:
            anchor = next(a for a in candidate.entry.actions if a.id == milestone.anchor_id)
            if await self.ledger.emailed_at_organization(
                member.id, contact.organization, anchor.occurred_at, contact.id
            ):
                return "the member already wrote to someone else there"
        return ""


def snoozed(steps: list[Milestone], snooze: Snooze | None) -> list[Milestone]:
    """The milestones with a snoozed one moved to the snooze's end, in order of due time."""
    if snooze is None:
        return steps
    moved = [
        replace(m, due_at=max(m.due_at, snooze.until), snoozed=True)
        if (m.anchor_id, m.step.value) == (snooze.anchor_id, snooze.step)
        else m
        for m in steps
    ]
    return sorted(moved, key=lambda m: m.due_at)


def _direct_job(
    candidate: ClockCandidate,
    key: str,
    kind: DeliveryKind,
    due_at: datetime,
    render: Callable[[], Awaitable[Reply]],
    contact_id: int | None = None,
) -> Job:
    """A private message to the candidate's member, within their cohort's grace window."""
    member = candidate.member
    return Job(
        Claim(key, kind, candidate.cohort.id, member.id, due_at),
        candidate.workspace.platform,
        candidate.workspace.external_id,
        member.user_id,
        True,
        timedelta(hours=candidate.cohort.grace_hours),
        render,
        contact_id,
    )


def _may_resend(orphan: LedgerEntry, notifier: Notifier | None, now: datetime) -> bool:
    """An unsure send may be repeated only while the platform still deduplicates it."""
    window = notifier.idempotency_window if notifier else None
    return window is not None and now - orphan.claimed_at <= window


def _digest_morning(candidate: ClockCandidate, now: datetime) -> tuple[datetime, ZoneInfo]:
    """The member's business morning a digest of missed reminders belongs to: today's, while
    it is still within the cohort's grace window or yet to come, else the next one."""
    tz = zone(member_timezone(candidate.member, candidate.cohort))
    calendar = member_calendar(candidate.member, candidate.cohort)
    today = local_date(now, tz)
    morning = local_to_utc(today, MORNING, tz)
    grace = timedelta(hours=candidate.cohort.grace_hours)
    if is_business_day(today, calendar) and now - morning <= grace:
        return morning, tz
    return local_to_utc(add_business_days(today, 1, calendar), MORNING, tz), tz
