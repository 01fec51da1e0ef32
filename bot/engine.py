"""The accountability engine: every use case behind the commands, independent of any platform.

The engine takes an ``Origin`` from an adapter, resolves it to an ``Invocation`` (creating the
workspace, cohort and member on first use) and performs use cases against the ``Store``.
It returns data; turning data into words is the job of ``bot.commands``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.charts.pictures import member_image, report_image
from bot.charts.renderer import ChartRenderer
from bot.clock import Clock
from bot.errors import UserError
from bot.followups import PipelineItem, Stage, StateEntry, pipeline_from_states
from bot.funnel import Funnel
from bot.interviews import open_interview
from bot.invocation import Invocation, Origin
from bot.models import (
    EMAIL_KINDS,
    Action,
    ActionKind,
    Cohort,
    Contact,
    ContactEntry,
    Member,
    Metric,
    Pause,
    Period,
    Standing,
    Workspace,
)
from bot.names import CloseNames, close_to, match_name, normalize
from bot.nudges.calendar import Occurrence, Schedule, upcoming
from bot.nudges.courier import Courier, Outcome
from bot.nudges.ledger import Ledger, LedgerEntry
from bot.nudges.posts import render_nudge
from bot.periods import (
    MORNING,
    add_business_days,
    day_bounds,
    local_date,
    local_to_utc,
    month_bounds,
    week_bounds,
)
from bot.presses.ids import pending_key
from bot.presses.words import already_done
from bot.replies import Image, Reply
from bot.reports.term import TermReport, report_weeks, term_report
from bot.store import CohortBinding, LoggedAction, NewAction, Store, together
from bot.summaries import CohortWeek, cohort_week, member_streak
from bot.targets import MAX_TARGETS, NewTarget, Target, employer_key, next_target, rank_targets
from bot.timezones import canonical_timezone, zone
from bot.weekly import cohort_weeks

ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))
"""Bounds around anything reachout could have logged, for all-time totals."""

DAILY_CAP = 20
"""Most of one kind of action a member can log in a day; keeps the leaderboard honest."""

DEFAULT_EMAIL_GOAL = 3
MAX_PAUSE_DAYS = 366
MAX_INTERVIEW_DAYS = 366
"""How far ahead an interview may be scheduled; further is surely a typo."""
DISPLAY_NAME_LIMIT = 80
NOT_RUNNING = (
    "Scheduled messages aren't running in this process (they run with `reachout run` and "
    "`reachout console`)."
)


@dataclass(frozen=True)
class Progress:
    """A member's week at a glance."""

    week_first_day: date
    week_counts: dict[ActionKind, int]
    emails_this_week: int
    email_goal: int
    interviews_this_month: int
    interview_goal: int | None
    streak: int
    stages: Counter[Stage]
    due: list[PipelineItem]
    """The first ``DUE_SHOWN`` contacts with a step due, the soonest first."""
    due_count: int
    """How many contacts have a step due."""
    pause: Pause | None
    scheduled: list[PipelineItem] = field(default_factory=list)
    """Conversations scheduled and not yet logged, each with its check-back."""
    referrals: int = 0
    """Contacts reached through an introduction from another contact."""
    longest_chain: tuple[str, ...] = ()
    """The names along the longest chain of introductions, first to last."""


@dataclass(frozen=True)
class ContactsPage:
    """The contacts ``/contacts`` lists, and what it says about the rest."""

    items: list[PipelineItem]
    """The first ``CONTACTS_SHOWN`` chosen, in pipeline order."""
    chosen: int
    """How many contacts were chosen in all."""
    referrers: dict[int, str]
    """The names of the listed contacts' referrers that have a state too, by contact id."""
    any_contact: bool
    """Whether the member has any contact with a live action, chosen or not."""


@dataclass(frozen=True)
class Placing:
    """A listed line of a leaderboard."""

    rank: int
    standing: Standing


@dataclass(frozen=True)
class Board:
    """A cohort leaderboard: listed members, and how many others had activity but are hidden."""

    cohort: Cohort
    period: Period
    metric: Metric
    since: date | None
    placings: list[Placing]
    others: int
    own: Placing | None
    own_hidden: bool


BOARD_SIZE = 10
DUE_SHOWN = 5
"""Contacts with a step due that ``/progress`` lists by name."""
CONTACTS_SHOWN = 20
"""Contacts one ``/contacts`` reply lists."""


def clean_display_name(name: str) -> str:
    """Platform display names without control characters, trimmed to a sensible length."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name)
    cleaned = " ".join(cleaned.split())[:DISPLAY_NAME_LIMIT]
    return cleaned or "someone"


def rank_standings(standings: Sequence[Standing]) -> list[Placing]:
    """Competition ranking: ties share a rank and the next rank skips (1, 1, 3)."""
    placings = []
    previous_total = None
    rank = 0
    for position, standing in enumerate(standings, start=1):
        if standing.total != previous_total:
            rank = position
            previous_total = standing.total
        placings.append(Placing(rank, standing))
    return placings


def longest_chain(contacts: Sequence[Contact]) -> tuple[str, ...]:
    """The names along the longest chain of introductions (``referred_by`` links), first
    to last; empty if nobody was referred. A loop in the data ends a chain."""
    by_id = {c.id: c for c in contacts}
    best: tuple[str, ...] = ()
    for contact in contacts:
        chain = [contact.name]
        seen = {contact.id}
        current = contact
        while current.referred_by in by_id and current.referred_by not in seen:
            current = by_id[current.referred_by]
            seen.add(current.id)
            chain.append(current.name)
        if len(chain) > 1 and len(chain) > len(best):
            best = tuple(reversed(chain))
    return best


@dataclass(frozen=True)
class MemberData:
    """Everything stored about one member, for ``/mydata export``."""

    organizer: bool
    contacts: list[Contact]
    history: list[Action]
    pauses: list[Pause]
    deliveries: list[LedgerEntry]
    targets: list[Target] = field(default_factory=list)


@dataclass(frozen=True)
class CohortHistory:
    """A cohort's roster and its live actions (oldest first), for ``/cohort export``."""

    members: list[Member]
    actions: list[Action]


class Engine:
    """Use cases over a ``Store``, with time from a ``Clock``.

    ``ledger`` and ``courier`` are there when scheduled messages run in this process; the
    use cases that need them (``nudge_now``, delivery problems, a member's reminders in
    their export) answer without them otherwise.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        default_timezone: str,
        *,
        ledger: Ledger | None = None,
        courier: Courier | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._default_timezone = default_timezone
        self._ledger = ledger
        self._courier = courier
        self._charts = charts

    # -- context ---------------------------------------------------------------------------

    async def resolve(self, origin: Origin) -> Invocation:
        """Find or create the workspace, cohort and member behind an origin."""
        now = self._clock.now()
        name = clean_display_name(origin.user_name)
        found = await self._store.lookup(
            origin.platform, origin.workspace_id, origin.user_id, origin.channel_id
        )
        workspace_name = clean_display_name(origin.workspace_name)
        workspace = found.workspace
        if workspace is None or (origin.workspace_name and workspace.name != workspace_name):
            workspace = await self._store.ensure_workspace(
                origin.platform, origin.workspace_id, workspace_name, now
            )
        member = found.member
        cohort = found.cohort or await self._cohort_for(workspace, origin, member, now)
        if member is None:
            member = await self._store.add_member(
                workspace.id, origin.user_id, name, cohort.id, now
            )
        reported = canonical_timezone(origin.user_timezone) if origin.user_timezone else None
        profile_zone = reported or member.profile_timezone
        current = (member.cohort_id, member.display_name, member.profile_timezone)
        if current != (cohort.id, name, profile_zone):
            member = await self._store.save_member(
                replace(
                    member, cohort_id=cohort.id, display_name=name, profile_timezone=profile_zone
                )
            )
        return Invocation(origin, workspace, cohort, member, now)

    async def _cohort_for(
        self, workspace: Workspace, origin: Origin, member: Member | None, now: datetime
    ) -> Cohort:
        """The channel's cohort, else the member's, else the workspace's first (made if none)."""
        if origin.channel_id is not None:
            bound = await self._store.cohort_for_channel(workspace.id, origin.channel_id)
            if bound is not None:
                return bound
        if member is not None and member.cohort_id is not None:
            own = await self._store.get_cohort(member.cohort_id)
            if own is not None:
                return own
        return await self._store.first_cohort(
            workspace.id,
            workspace.name or "Cohort",
            self._default_timezone,
            0,
            DEFAULT_EMAIL_GOAL,
            now,
        )

    async def note_workspace(self, platform: str, external_id: str, name: str) -> Workspace:
        """A workspace the bot is in, recorded (or renamed) before anyone types there."""
        return await self._store.ensure_workspace(
            platform, external_id, clean_display_name(name), self._clock.now()
        )

    async def open_channel_cohort(self, origin: Origin, name: str, timezone: str | None) -> None:
        """Bind a cohort to the origin's channel unless one is; the first user organizes it."""
        inv = await self.resolve(origin)
        if inv.cohort.channel_id is None:
            await self.setup_cohort(inv, name, timezone, None)

    async def adapter_state(self, key: str) -> str | None:
        return await self._store.get_state(key)

    async def save_adapter_state(self, key: str, value: str) -> None:
        await self._store.set_state(key, value)

    async def first_sighting(self, key: str) -> bool:
        """True for the first sighting of ``key`` by any instance (``Store.first_sighting``)."""
        return await self._store.first_sighting(key, self._clock.now())

    async def is_organizer(self, inv: Invocation) -> bool:
        """Platform admins, and members named organizers of this cohort."""
        if inv.origin.is_admin:
            return True
        return await self._store.is_organizer(inv.cohort.id, inv.member.id)

    # -- logging -----------------------------------------------------------------------------

    async def record(
        self,
        inv: Invocation,
        kind: ActionKind,
        *,
        contact: str | None = None,
        organization: str | None = None,
        count: int = 1,
        note: str = "",
        scheduled_on: date | None = None,
        scheduled_time: time | None = None,
        referred_by: int | None = None,
        new_contact: bool = False,
    ) -> LoggedAction:
        """Record an action; refuses politely past the daily cap.

        A named contact is looked up forgivingly (``bot.names``); a name only close to one
        already logged is refused with "did you mean" unless ``new_contact`` confirms it.
        """
        if contact is not None:
            contact = await self._known_name(inv, contact, new_contact)
        day_start, day_end = day_bounds(inv.now, inv.tz)
        logged = await self._store.log_action(
            NewAction(
                member_id=inv.member.id,
                cohort_id=inv.cohort.id,
                kind=kind,
                count=count,
                note=note,
                occurred_at=inv.now,
                contact_name=contact,
                organization=organization,
                day_start=day_start,
                daily_cap=DAILY_CAP,
                day_end=day_end,
                scheduled_on=scheduled_on,
                scheduled_time=scheduled_time,
                referred_by=referred_by,
                once_key=inv.once_key,
            )
        )
        if logged is None:
            raise UserError(
                f"That would take you past {DAILY_CAP} of those today, the daily limit that "
                "keeps the board fair. Impressive pace! Log the rest tomorrow."
            )
        if logged.repeated:
            raise UserError(already_done(logged.action, logged.contact, inv.tz))
        return logged

    async def presser(self, origin: Origin) -> Invocation | None:
        """The context of whoever pressed a button, if they are a member already; a press
        never makes anyone a member, nor changes one."""
        found = await self._store.lookup(
            origin.platform, origin.workspace_id, origin.user_id, origin.channel_id
        )
        if found.workspace is None or found.member is None:
            return None
        cohort = found.cohort or await self._cohort_for(
            found.workspace, origin, found.member, self._clock.now()
        )
        return Invocation(origin, found.workspace, cohort, found.member, self._clock.now())

    async def snooze_reminder(
        self, inv: Invocation, contact: Contact, anchor_id: int, step: str, days: int
    ) -> datetime:
        """Ask a reminder again ``days`` business days from today, in the member's morning;
        when that is."""
        day = add_business_days(local_date(inv.now, inv.tz), days, inv.calendar)
        until = local_to_utc(day, MORNING, inv.tz)
        await self._store.snooze_reminder(contact.id, anchor_id, step, until)
        return until

    async def stop_reminders(self, inv: Invocation, contact: Contact, anchor_id: int) -> None:
        """No more reminders of one clock of the member's contact ("Stop reminding")."""
        await self._store.stop_reminders(contact.id, anchor_id, inv.now)

    async def pressed(self, key: str) -> Action | None:
        """What a press of the message with ``key`` logged, if it was pressed."""
        return await self._store.pressed(key)

    async def own_contact(self, inv: Invocation, contact_id: int | None) -> Contact | None:
        """The member's contact with that id; None if it is not theirs (or not there)."""
        contact = await self._store.get_contact(contact_id) if contact_id is not None else None
        return contact if contact is not None and contact.member_id == inv.member.id else None

    async def contact_state(self, inv: Invocation, contact_id: int) -> StateEntry | None:
        """One of the member's contacts with its kept 3B7 state; None if it is not theirs
        or has no live action left."""
        states = await self._store.member_states(inv.member.id, contact_id)
        return states[0] if states else None

    async def recent_contacts(
        self, inv: Invocation, keep: Callable[[str], bool] | None = None, limit: int | None = None
    ) -> list[Contact]:
        """The member's contacts, the most recently active first: those whose name ``keep``
        accepts, at most ``limit``."""
        return await self._store.recent_contacts(inv.member.id, keep, limit)

    async def _known_name(self, inv: Invocation, typed: str, new_contact: bool) -> str:
        """The name as the member first logged it, or ``typed`` for someone new. The name
        as stored is one indexed read; only another spelling reads every contact's name,
        and builds just the close ones."""
        named = await self._store.contact_named(inv.member.id, typed)
        if named is not None:
            return named.name
        close = await self._store.recent_contacts(inv.member.id, close_to(typed))
        found = match_name(typed, sorted(close, key=lambda contact: contact.id))
        if found.exact is not None:
            return found.exact.name
        if found.close and not new_contact:
            raise CloseNames(typed, found.close)
        return typed

    async def find_contact(self, inv: Invocation, name: str) -> ContactEntry | None:
        """The member's contact of that name (case, accents, apostrophes and spacing
        ignored), with its actions."""
        wanted = normalize(name)
        for entry in await self._store.member_contacts(inv.member.id):
            if normalize(entry.contact.name) == wanted:
                return entry
        return None

    def _check_interview_day(self, inv: Invocation, on: date) -> None:
        today = local_date(inv.now, inv.tz)
        if on < today:
            raise UserError(
                f"{on.isoformat()} has already passed. If the conversation happened, "
                "`/interview NAME` logs it done."
            )
        if (on - today).days > MAX_INTERVIEW_DAYS:
            raise UserError("That's more than a year away. Pick a date within the next 12 months.")

    async def schedule_interview(
        self,
        inv: Invocation,
        contact: str,
        on: date | None,
        at: time | None,
        note: str,
        new_contact: bool = False,
    ) -> LoggedAction:
        """Log an interview scheduled, for a day from today on (and a time, if given)."""
        if on is not None:
            self._check_interview_day(inv, on)
        return await self.record(
            inv,
            ActionKind.INTERVIEW_SCHEDULED,
            contact=contact,
            note=note,
            scheduled_on=on,
            scheduled_time=at,
            new_contact=new_contact,
        )

    async def _open_interview(self, inv: Invocation, name: str) -> tuple[Contact, Action]:
        entry = await self.find_contact(inv, name)
        interview = open_interview(entry.actions) if entry else None
        if entry is None or interview is None:
            raise UserError(
                f"I don't see a scheduled conversation with {name}. Schedule one with "
                f"`/interview {name} status:scheduled on:YYYY-MM-DD`."
            )
        return entry.contact, interview

    async def move_interview(
        self, inv: Invocation, name: str, on: date, at: time | None
    ) -> tuple[Contact, Action]:
        """Move the contact's open interview to another day; its check-back follows."""
        self._check_interview_day(inv, on)
        contact, interview = await self._open_interview(inv, name)
        moved = await self._store.move_interview(interview.id, on, at)
        if moved is None:
            raise UserError("That conversation was just changed elsewhere. Try again.")
        if self._courier is not None:
            self._courier.schedule_changed()
        return contact, moved

    async def cancel_interview(self, inv: Invocation, name: str, note: str) -> LoggedAction:
        """Log the contact's open interview as cancelled; no check-back follows."""
        contact, _ = await self._open_interview(inv, name)
        return await self.record(
            inv, ActionKind.INTERVIEW_CANCELLED, contact=contact.name, note=note
        )

    async def refer(
        self,
        inv: Invocation,
        name: str,
        referrer: str,
        organization: str | None,
        note: str,
        new_contact: bool = False,
    ) -> tuple[LoggedAction, Contact]:
        """Log a contact suggested by another one, linked to it; returns it and the referrer."""
        source = await self.find_contact(inv, referrer)
        if source is None:
            raise UserError(
                f"I can't find {referrer} among your contacts. Check the spelling (quote names "
                'with spaces, e.g. `from:"Jane Doe"`), or log them first.'
            )
        key = normalize(name)
        contacts = {
            c.contact.id: c.contact for c in await self._store.member_contacts(inv.member.id)
        }
        chain: Contact | None = source.contact
        seen: set[int] = set()
        while chain is not None and chain.id not in seen:
            if normalize(chain.name) == key:
                raise UserError(
                    f"{name} is already earlier in that chain of introductions, so "
                    f"{source.contact.name} can't have referred them."
                )
            seen.add(chain.id)
            chain = contacts.get(chain.referred_by) if chain.referred_by else None
        logged = await self.record(
            inv,
            ActionKind.REFERRAL_RECEIVED,
            contact=name,
            organization=organization,
            note=note,
            referred_by=source.contact.id,
            new_contact=new_contact,
        )
        return logged, source.contact

    # -- target employers ------------------------------------------------------------------

    async def targets(self, inv: Invocation) -> list[Target]:
        """The member's target employers in Dalton's order (``bot.targets.rank_targets``)."""
        return rank_targets(await self._store.member_targets(inv.member.id))

    async def save_targets(self, inv: Invocation, targets: list[NewTarget]) -> int:
        """Add or update employers, all or none; returns the list's new length."""
        total = await self._store.save_targets(inv.member.id, targets, MAX_TARGETS, inv.now)
        if total is None:
            raise UserError(
                f"That would take your list past {MAX_TARGETS} employers, the most it holds. "
                "Remove a few you're least keen on first (`/targets remove ORG`)."
            )
        return total

    async def remove_target(self, inv: Invocation, employer: str) -> bool:
        return await self._store.remove_target(inv.member.id, employer)

    async def targets_with_contacts(self, inv: Invocation) -> tuple[list[Target], dict[str, int]]:
        """The ranked list, and per employer key how many of the member's contacts work there
        (a contact's organisation matching a target links them)."""
        targets, items = await together(self._store, self.targets(inv), self.pipeline(inv))
        linked: Counter[str] = Counter(
            employer_key(i.contact.organization) for i in items if i.contact.organization
        )
        return targets, {
            employer_key(t.employer): linked[employer_key(t.employer)] for t in targets
        }

    async def next_target(self, inv: Invocation) -> Target | None:
        """The best-ranked employer without an open follow-up clock (someone there emailed and
        not yet answered), so the member never waits on one organisation."""
        targets, items = await together(self._store, self.targets(inv), self.pipeline(inv))
        busy = {
            employer_key(i.contact.organization)
            for i in items
            if i.contact.organization
            and i.next.stage in (Stage.EMAILED, Stage.FOLLOWED_UP)
            and i.next.due_at is not None
        }
        return next_target(targets, busy)

    async def undo(self, inv: Invocation) -> tuple[Action, Contact | None] | None:
        """Mark the member's latest live action as undone; None if there is nothing to undo."""
        action = await self._store.undo_last_action(inv.member.id, inv.now)
        if action is None:
            return None
        contact = None
        if action.contact_id is not None:
            contact = await self._store.get_contact(action.contact_id)
        return action, contact

    # -- views ------------------------------------------------------------------------------

    async def week_totals(self, inv: Invocation) -> dict[ActionKind, int]:
        since, until = week_bounds(inv.now, inv.tz, inv.cohort.week_start)
        return await self._store.member_totals(inv.member.id, since, until)

    async def pipeline(self, inv: Invocation) -> list[PipelineItem]:
        return pipeline_from_states(await self._store.member_states(inv.member.id), inv.now)

    async def streak(self, inv: Invocation) -> int:
        return await member_streak(self._store, inv.member, inv.cohort, inv.now)

    async def progress(self, inv: Invocation) -> Progress:
        """The member's week, with their pipeline read as counts and the few contacts shown:
        the cost follows what the reply shows, not how many contacts they ever had."""
        tz, now, member_id = inv.tz, inv.now, inv.member.id
        week_since, week_until = week_bounds(now, tz, inv.cohort.week_start)
        month_since, month_until = month_bounds(now, tz)
        # Independent reads: together, so that round trips to a server overlap.
        (week, month, stages, due, referred), (streak, pause) = await together(
            self._store,
            together(
                self._store,
                self._store.member_totals(member_id, week_since, week_until),
                self._store.member_totals(member_id, month_since, month_until),
                self._store.stage_counts(member_id, now),
                self._store.pipeline_page(member_id, now, due=True, limit=DUE_SHOWN),
                self._store.referral_contacts(member_id),
            ),
            together(self._store, self.streak(inv), self.current_pause(inv)),
        )
        # Most members have no interview scheduled: the counts say whether to ask.
        scheduled = []
        if stages.get(Stage.SCHEDULED):
            page = await self._store.pipeline_page(member_id, now, (Stage.SCHEDULED,))
            scheduled = pipeline_from_states(page.entries, now)
        return Progress(
            week_first_day=local_date(week_since, tz),
            week_counts=week,
            emails_this_week=sum(week.get(k, 0) for k in EMAIL_KINDS),
            email_goal=inv.email_goal,
            interviews_this_month=month.get(ActionKind.INTERVIEW_DONE, 0),
            interview_goal=inv.interview_goal,
            streak=streak,
            stages=Counter(stages),
            due=pipeline_from_states(due.entries, now),
            due_count=due.chosen,
            pause=pause,
            scheduled=scheduled,
            referrals=sum(1 for contact in referred if contact.referred_by is not None),
            longest_chain=longest_chain(referred),
        )

    async def contacts(
        self, inv: Invocation, stages: Collection[Stage] | None = None, *, due: bool = False
    ) -> ContactsPage:
        """What ``/contacts`` lists: the first ``CONTACTS_SHOWN`` of the member's contacts at
        one of ``stages`` (None: any) or with a step due, and how many there are."""
        page = await self._store.pipeline_page(
            inv.member.id, inv.now, stages, due=due, limit=CONTACTS_SHOWN
        )
        any_contact = page.chosen > 0 or (
            (stages is not None or due)
            and bool(await self._store.stage_counts(inv.member.id, inv.now))
        )
        return ContactsPage(
            pipeline_from_states(page.entries, inv.now), page.chosen, page.referrers, any_contact
        )

    async def leaderboard(self, inv: Invocation, period: Period, metric: Metric) -> Board:
        tz = zone(inv.cohort.timezone)
        since: datetime | None
        until: datetime | None
        if period is Period.WEEK:
            since, until = week_bounds(inv.now, tz, inv.cohort.week_start)
        elif period is Period.MONTH:
            since, until = month_bounds(inv.now, tz)
        else:
            since = until = None
        page = await self._store.board_page(
            inv.cohort.id, metric.kinds, since, until, inv.member.id, BOARD_SIZE
        )
        own = page.own
        return Board(
            cohort=inv.cohort,
            period=period,
            metric=metric,
            since=local_date(since, tz) if since else None,
            placings=[Placing(rank, standing) for rank, standing in page.top],
            others=page.counted - min(page.shown, BOARD_SIZE),
            own=Placing(page.own_rank, own) if own is not None and own.visible else None,
            own_hidden=own is not None and not own.visible,
        )

    # -- member preferences ---------------------------------------------------------------

    async def set_goals(
        self, inv: Invocation, emails: int | None, interviews: int | None
    ) -> Invocation:
        member = inv.member
        if emails is not None:
            member = replace(member, email_goal=emails)
        if interviews is not None:
            member = replace(member, interview_goal=interviews)
        saved = await self._store.save_member(member)
        return replace(inv, member=saved)

    async def update_settings(self, inv: Invocation, member: Member) -> Invocation:
        saved = await self._store.save_member(member)
        return replace(inv, member=saved)

    async def current_pause(self, inv: Invocation) -> Pause | None:
        today = local_date(inv.now, inv.tz)
        for pause in await self._store.pauses(inv.member.id):
            if pause.end >= today and pause.start <= today:
                return pause
        return None

    async def pause(self, inv: Invocation, until: date) -> Pause:
        today = local_date(inv.now, inv.tz)
        if until < today:
            raise UserError(
                f"{until.isoformat()} has already passed. Pick a date from today on, "
                "e.g. `/pause until:" + (today + timedelta(days=14)).isoformat() + "`."
            )
        if (until - today).days > MAX_PAUSE_DAYS:
            raise UserError("A pause can last up to a year. Pick a date within the next 12 months.")
        return await self._store.add_pause(inv.member.id, today, until)

    async def resume(self, inv: Invocation) -> bool:
        return await self._store.end_pauses(inv.member.id, local_date(inv.now, inv.tz)) > 0

    # -- my data ------------------------------------------------------------------------------

    async def member_data(self, inv: Invocation) -> MemberData:
        """Everything stored about the member, read for an export."""
        member_id = inv.member.id
        organizer, contacts, history, pauses, targets = await together(
            self._store,
            self._store.is_organizer(inv.cohort.id, member_id),
            self._store.all_member_contacts(member_id),
            self._store.member_history(member_id),
            self._store.pauses(member_id),
            self._store.member_targets(member_id),
        )
        deliveries = await self._ledger.member_deliveries(member_id) if self._ledger else []
        return MemberData(organizer, contacts, history, pauses, deliveries, targets)

    async def forget(self, inv: Invocation) -> None:
        """Erase the member; a refused command kept for its "did you mean" buttons (it holds
        a contact's name and a note) is emptied with them."""
        await self._store.forget_member(inv.member.id)
        await self._store.set_state(pending_key(inv.member.id), "")

    # -- cohorts -----------------------------------------------------------------------------

    async def setup_cohort(
        self, inv: Invocation, name: str | None, timezone: str | None, week_start: int | None
    ) -> tuple[Cohort, bool]:
        """Bind a cohort to the current channel; True if a new cohort was created."""
        channel = inv.origin.channel_id
        if channel is None:
            raise UserError("Run `/cohort setup` in the channel where the cohort's nudges go.")
        bound = await self._store.cohort_for_channel(inv.workspace.id, channel)
        target = bound or (inv.cohort if inv.cohort.channel_id is None else None)
        base = target or inv.cohort
        cohort = await self._store.bind_cohort(
            CohortBinding(
                workspace_id=inv.workspace.id,
                channel_id=channel,
                cohort_id=target.id if target else None,
                name=name or base.name,
                timezone=timezone or base.timezone,
                week_start=base.week_start if week_start is None else week_start,
                email_goal=base.email_goal,
                organizer_id=inv.member.id,
                at=inv.now,
            )
        )
        return cohort, target is None

    async def set_cohort_goals(
        self, inv: Invocation, emails: int | None, interviews: int | None
    ) -> Cohort:
        cohort = inv.cohort
        if emails is not None:
            cohort = replace(cohort, email_goal=emails)
        if interviews is not None:
            cohort = replace(cohort, interview_goal=interviews or None)
        return await self._store.save_cohort(cohort)

    async def set_cohort_holidays(self, cohort: Cohort, setting: str | None) -> Cohort:
        """Which public holidays the cohort's business days skip: a calendar code, ``none``,
        or None to follow its time zone. Follow-up clocks are looked at again at once."""
        saved = await self._store.save_cohort(replace(cohort, holiday_calendar=setting))
        if self._courier is not None:
            self._courier.schedule_changed()
        return saved

    async def reschedule(self, inv: Invocation, schedule: Schedule) -> Cohort:
        """Change the cohort's nudge schedule (and whatever else of ``inv.cohort`` the caller
        changed, such as its holidays) in one write; nudges due before now are not sent."""
        cohort = replace(
            inv.cohort,
            kickoff_day=schedule.kickoff_day,
            kickoff_time=schedule.kickoff_time,
            checkin_day=schedule.checkin_day,
            checkin_time=schedule.checkin_time,
            timezone=schedule.timezone,
            grace_hours=schedule.grace_hours,
            schedule_from=inv.now,
        )
        saved = await self._store.save_cohort(cohort)
        if self._courier is not None:
            self._courier.schedule_changed()
        return saved

    async def cohort_week(self, cohort: Cohort, instant: datetime) -> CohortWeek:
        """Totals and goal attainment for the cohort week containing ``instant``."""
        return await cohort_week(self._store, cohort, instant)

    async def cohort_history(self, cohort: Cohort) -> CohortHistory:
        """The cohort's roster and live actions, read for an export."""
        members, actions = await together(
            self._store,
            self._store.cohort_members(cohort.id),
            self._store.cohort_history(cohort.id),
        )
        return CohortHistory(members, actions)

    async def delivery_problems(self, inv: Invocation, since: datetime) -> list[LedgerEntry]:
        """The cohort's nudges and reminders that failed or were skipped since ``since``."""
        if self._ledger is None:
            return []
        return await self._ledger.problems(inv.cohort.id, since)

    async def next_nudge(self, inv: Invocation) -> tuple[Occurrence, Reply] | None:
        """The cohort's next scheduled nudge and what it would say now, for a preview."""
        next_ones = upcoming(inv.cohort, inv.now, 1)
        if not next_ones:
            return None
        occurrence = next_ones[0]
        reply = await render_nudge(
            self._store,
            occurrence.kind,
            inv.cohort,
            occurrence.period,
            occurrence.due_at,
            self._charts,
        )
        return occurrence, reply

    async def nudge_now(self, inv: Invocation) -> Outcome:
        """Post this week's kickoff now; it counts as the week's kickoff."""
        if self._courier is None:
            raise UserError(NOT_RUNNING)
        if inv.cohort.channel_id is None:
            raise UserError("The cohort has no channel yet: run `/cohort setup` where nudges go.")
        return await self._courier.post_now(inv.cohort, inv.workspace)

    async def organizers(self, inv: Invocation) -> list[Member]:
        return await self._store.organizers(inv.cohort.id)

    async def add_organizer(self, inv: Invocation, user_id: str, name: str) -> tuple[Member, bool]:
        member = await self._store.find_member(inv.workspace.id, user_id)
        if member is None:
            member = await self._store.add_member(
                inv.workspace.id, user_id, clean_display_name(name), inv.cohort.id, inv.now
            )
        added = await self._store.set_organizer(inv.cohort.id, member.id, True)
        return member, added

    async def remove_organizer(self, inv: Invocation, user_id: str) -> Member | None:
        member = await self._store.find_member(inv.workspace.id, user_id)
        if member is None or not await self._store.set_organizer(inv.cohort.id, member.id, False):
            return None
        return member

    # -- pictures and reports ----------------------------------------------------------------

    async def member_chart(self, inv: Invocation) -> Image | None:
        """The member's own last 8 weeks as a chart; None if charts are off or it failed."""
        if self._charts is None:
            return None
        return await member_image(self._store, self._charts, inv.member, inv.cohort, inv.now)

    async def member_funnel(self, inv: Invocation) -> Funnel:
        """The member's outreach funnel over all time, in every cohort."""
        return Funnel.of(await self._store.member_totals(inv.member.id, *ALL_TIME))

    async def cohort_funnel(self, cohort: Cohort) -> Funnel:
        """The cohort's outreach funnel over all time, hidden members included."""
        totals: Counter[ActionKind] = Counter()
        for _member, kind, total in await self._store.cohort_totals(cohort.id, *ALL_TIME):
            totals[kind] += total
        return Funnel.of(totals)

    async def cohort_report(
        self, inv: Invocation, first: date | None, last: date | None
    ) -> tuple[TermReport, Image | None]:
        """The cohort's numbers for the whole weeks from ``first`` to ``last``, and their chart.

        Raises:
            UserError: the range is backwards, in the future, or longer than a year.
        """
        cohort = inv.cohort
        today = local_date(inv.now, zone(cohort.timezone))
        weeks = await cohort_weeks(self._store, cohort, report_weeks(cohort, first, last, today))
        image = None
        if self._charts is not None:
            image = await report_image(self._charts, cohort, weeks)
        return term_report(cohort, weeks, today), image
