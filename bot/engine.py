"""The accountability engine: every use case behind the commands, independent of any platform.

The engine takes an ``Origin`` from an adapter, resolves it to an ``Invocation`` (creating the
workspace, cohort and member on first use) and performs use cases against the ``Store``.
It returns data; turning data into words is the job of ``bot.commands``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.errors import UserError
from bot.followups import PipelineItem, Stage, build_pipeline
from bot.models import (
    EMAIL_KINDS,
    Action,
    ActionKind,
    Cohort,
    Contact,
    Member,
    Metric,
    Pause,
    Period,
    Standing,
    Workspace,
)
from bot.periods import day_bounds, local_date, month_bounds, week_bounds, week_start_date
from bot.store import CohortBinding, LoggedAction, NewAction, Store
from bot.streaks import STREAK_LOOKBACK_WEEKS, current_streak
from bot.timezones import canonical_timezone, zone

if TYPE_CHECKING:
    from bot.deliveries import DeliveryService

STREAK_READS = (8, STREAK_LOOKBACK_WEEKS)
"""Weeks of emails read in turn to find a streak's start."""

DAILY_CAP = 20
"""Most of one kind of action a member can log in a day; keeps the leaderboard honest."""

DEFAULT_EMAIL_GOAL = 3
MAX_PAUSE_DAYS = 366
DISPLAY_NAME_LIMIT = 80


@dataclass(frozen=True)
class Origin:
    """Who typed a command, where, as the adapter knows it."""

    platform: str
    workspace_id: str
    workspace_name: str
    channel_id: str | None
    user_id: str
    user_name: str
    is_admin: bool = False
    locale: str = "en"
    user_timezone: str | None = None


@dataclass(frozen=True)
class Invocation:
    """A command's full context: the resolved workspace, cohort and member, and the time."""

    origin: Origin
    workspace: Workspace
    cohort: Cohort
    member: Member
    now: datetime

    @property
    def timezone(self) -> str:
        """The member's own zone if set, else their platform profile's, else the cohort's."""
        return (
            self.member.timezone
            or self.origin.user_timezone
            or self.member.profile_timezone
            or self.cohort.timezone
        )

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def email_goal(self) -> int:
        return self.member.email_goal or self.cohort.email_goal

    @property
    def interview_goal(self) -> int | None:
        goal = self.member.interview_goal
        if goal is None:
            goal = self.cohort.interview_goal
        return goal or None


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
    pause: Pause | None


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


@dataclass(frozen=True)
class CohortWeek:
    """Cohort totals for one week, for ``/cohort stats`` and the weekly kickoff."""

    first_day: date
    members: int
    active: int
    met_goal: int
    totals: dict[ActionKind, int]


BOARD_SIZE = 10


@dataclass(frozen=True)
class Schedule:
    """When a cohort's nudges go out, in its own time zone."""

    kickoff_day: int
    kickoff_time: time
    checkin_day: int | None
    checkin_time: time
    timezone: str
    grace_hours: int

    @classmethod
    def of(cls, cohort: Cohort) -> Schedule:
        return cls(
            cohort.kickoff_day,
            cohort.kickoff_time,
            cohort.checkin_day,
            cohort.checkin_time,
            cohort.timezone,
            cohort.grace_hours,
        )


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


class Engine:
    """Use cases over a ``Store``, with time from a ``Clock``."""

    def __init__(self, store: Store, clock: Clock, default_timezone: str) -> None:
        self.store = store
        self.clock = clock
        self.default_timezone = default_timezone
        self.deliveries: DeliveryService | None = None
        """Set when scheduled messages are wired in; ``/cohort nudge-now`` sends through it."""
        self._cohort_creation = asyncio.Lock()

    # -- context ---------------------------------------------------------------------------

    async def resolve(self, origin: Origin) -> Invocation:
        """Find or create the workspace, cohort and member behind an origin."""
        now = self.clock.now()
        name = clean_display_name(origin.user_name)
        found = await self.store.lookup(
            origin.platform, origin.workspace_id, origin.user_id, origin.channel_id
        )
        workspace_name = clean_display_name(origin.workspace_name)
        workspace = found.workspace
        if workspace is None or (origin.workspace_name and workspace.name != workspace_name):
            workspace = await self.store.ensure_workspace(
                origin.platform, origin.workspace_id, workspace_name, now
            )
        member = found.member
        cohort = found.cohort or await self._cohort_for(workspace, origin, member, now)
        if member is None:
            member = await self.store.add_member(workspace.id, origin.user_id, name, cohort.id, now)
        reported = canonical_timezone(origin.user_timezone) if origin.user_timezone else None
        profile_zone = reported or member.profile_timezone
        current = (member.cohort_id, member.display_name, member.profile_timezone)
        if current != (cohort.id, name, profile_zone):
            member = await self.store.save_member(
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
            bound = await self.store.cohort_for_channel(workspace.id, origin.channel_id)
            if bound is not None:
                return bound
        if member is not None and member.cohort_id is not None:
            own = await self.store.get_cohort(member.cohort_id)
            if own is not None:
                return own
        async with self._cohort_creation:
            cohorts = await self.store.workspace_cohorts(workspace.id)
            if cohorts:
                return cohorts[0]
            return await self.store.create_cohort(
                workspace.id,
                None,
                workspace.name or "Cohort",
                self.default_timezone,
                0,
                DEFAULT_EMAIL_GOAL,
                now,
            )

    async def is_organizer(self, inv: Invocation) -> bool:
        """Platform admins, and members named organizers of this cohort."""
        if inv.origin.is_admin:
            return True
        return await self.store.is_organizer(inv.cohort.id, inv.member.id)

    # -- logging -----------------------------------------------------------------------------

    async def log(
        self,
        inv: Invocation,
        kind: ActionKind,
        *,
        contact: str | None = None,
        organization: str | None = None,
        count: int = 1,
        note: str = "",
    ) -> LoggedAction:
        """Record an action; refuses politely past the daily cap."""
        day_start, day_end = day_bounds(inv.now, inv.tz)
        logged = await self.store.log_action(
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
            )
        )
        if logged is None:
            raise UserError(
                f"That would take you past {DAILY_CAP} of those today, the daily limit that "
                "keeps the board fair. Impressive pace! Log the rest tomorrow."
            )
        return logged

    async def find_contact(self, inv: Invocation, name: str) -> Contact | None:
        key = " ".join(name.split()).casefold()
        for entry in await self.store.member_contacts(inv.member.id):
            if " ".join(entry.contact.name.split()).casefold() == key:
                return entry.contact
        return None

    async def undo(self, inv: Invocation) -> tuple[Action, Contact | None] | None:
        """Mark the member's latest live action as undone; None if there is nothing to undo."""
        action = await self.store.undo_last_action(inv.member.id, inv.now)
        if action is None:
            return None
        contact = None
        if action.contact_id is not None:
            contact = await self.store.get_contact(action.contact_id)
        return action, contact

    # -- views ------------------------------------------------------------------------------

    async def week_totals(self, inv: Invocation) -> dict[ActionKind, int]:
        since, until = week_bounds(inv.now, inv.tz, inv.cohort.week_start)
        return await self.store.member_totals(inv.member.id, since, until)

    async def pipeline(self, inv: Invocation) -> list[PipelineItem]:
        entries = await self.store.member_contacts(inv.member.id)
        return build_pipeline(entries, inv.tz, inv.now)

    async def streak(self, inv: Invocation) -> int:
        return await self.member_streak(inv.member, inv.cohort, inv.tz, inv.now)

    async def member_streak(
        self, member: Member, cohort: Cohort, tz: ZoneInfo, now: datetime
    ) -> int:
        """The member's weekly streak as of ``now``, weeks counted in ``tz``.

        Most streaks are short, so a few weeks are read first and more only if needed.
        """
        pauses = await self.store.pauses(member.id)
        goal = member.email_goal or cohort.email_goal
        for lookback in STREAK_READS:
            since, _ = week_bounds(now - timedelta(weeks=lookback + 1), tz, cohort.week_start)
            emails = await self.store.member_action_times(member.id, EMAIL_KINDS, since)
            streak = current_streak(emails, pauses, goal, tz, cohort.week_start, now, lookback)
            if streak.complete:
                break
        return streak.weeks

    async def progress(self, inv: Invocation) -> Progress:
        tz = inv.tz
        week_since, week_until = week_bounds(inv.now, tz, inv.cohort.week_start)
        month_since, month_until = month_bounds(inv.now, tz)
        # Independent reads, queued together so their round trips overlap.
        week, month, items, streak, pause = await asyncio.gather(
            self.store.member_totals(inv.member.id, week_since, week_until),
            self.store.member_totals(inv.member.id, month_since, month_until),
            self.pipeline(inv),
            self.streak(inv),
            self.current_pause(inv),
        )
        return Progress(
            week_first_day=local_date(week_since, tz),
            week_counts=week,
            emails_this_week=sum(week.get(k, 0) for k in EMAIL_KINDS),
            email_goal=inv.email_goal,
            interviews_this_month=month.get(ActionKind.INTERVIEW_DONE, 0),
            interview_goal=inv.interview_goal,
            streak=streak,
            stages=Counter(item.next.stage for item in items),
            due=[item for item in items if item.next.is_due],
            pause=pause,
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
        standings = await self.store.standings(inv.cohort.id, metric.kinds, since, until)
        placings = rank_standings([s for s in standings if s.visible])
        own = next((p for p in placings if p.standing.member_id == inv.member.id), None)
        own_hidden = any(s.member_id == inv.member.id and not s.visible for s in standings)
        return Board(
            cohort=inv.cohort,
            period=period,
            metric=metric,
            since=local_date(since, tz) if since else None,
            placings=placings[:BOARD_SIZE],
            others=len(standings) - min(len(placings), BOARD_SIZE),
            own=own,
            own_hidden=own_hidden,
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
        saved = await self.store.save_member(member)
        return replace(inv, member=saved)

    async def update_settings(self, inv: Invocation, member: Member) -> Invocation:
        saved = await self.store.save_member(member)
        return replace(inv, member=saved)

    async def current_pause(self, inv: Invocation) -> Pause | None:
        today = local_date(inv.now, inv.tz)
        for pause in await self.store.pauses(inv.member.id):
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
        return await self.store.add_pause(inv.member.id, today, until)

    async def resume(self, inv: Invocation) -> bool:
        return await self.store.end_pauses(inv.member.id, local_date(inv.now, inv.tz)) > 0

    # -- my data ------------------------------------------------------------------------------

    async def export(self, inv: Invocation) -> dict[str, object]:
        """Everything stored about the member, as one JSON-ready document."""
        member = inv.member
        contacts = await self.store.all_member_contacts(member.id)
        history = await self.store.member_history(member.id)
        pauses = await self.store.pauses(member.id)
        names = {c.id: c.name for c in contacts}
        return {
            "exported_at": inv.now.isoformat(),
            "workspace": {"platform": inv.workspace.platform, "name": inv.workspace.name},
            "cohort": inv.cohort.name,
            "member": {
                "user_id": member.user_id,
                "display_name": member.display_name,
                "joined_at": member.created_at.isoformat(),
                "email_goal_per_week": member.email_goal,
                "interview_goal_per_month": member.interview_goal,
                "timezone": member.timezone,
                "show_on_leaderboard": member.show_on_leaderboard,
                "allow_mentions": member.allow_mentions,
                "reminders_by_dm": member.reminders_by_dm,
                "organizer": await self.store.is_organizer(inv.cohort.id, member.id),
            },
            "contacts": [
                {
                    "name": c.name,
                    "organization": c.organization,
                    "added_at": c.created_at.isoformat(),
                }
                for c in contacts
            ],
            "actions": [
                {
                    "kind": a.kind.value,
                    "count": a.count,
                    "contact": names.get(a.contact_id) if a.contact_id else None,
                    "note": a.note,
                    "at": a.occurred_at.isoformat(),
                    "undone_at": a.undone_at.isoformat() if a.undone_at else None,
                }
                for a in history
            ],
            "pauses": [{"from": p.start.isoformat(), "until": p.end.isoformat()} for p in pauses],
            "reminders": [
                {
                    "key": r.key,
                    "due_at": r.due_at.isoformat(),
                    "status": r.status.value,
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    "detail": r.detail,
                }
                for r in (
                    await self.deliveries.ledger.member_deliveries(member.id)
                    if self.deliveries
                    else []
                )
            ],
        }

    async def forget(self, inv: Invocation) -> None:
        await self.store.forget_member(inv.member.id)

    # -- cohorts -----------------------------------------------------------------------------

    async def setup_cohort(
        self, inv: Invocation, name: str | None, timezone: str | None, week_start: int | None
    ) -> tuple[Cohort, bool]:
        """Bind a cohort to the current channel; True if a new cohort was created."""
        channel = inv.origin.channel_id
        if channel is None:
            raise UserError("Run `/cohort setup` in the channel where the cohort's nudges go.")
        bound = await self.store.cohort_for_channel(inv.workspace.id, channel)
        target = bound or (inv.cohort if inv.cohort.channel_id is None else None)
        base = target or inv.cohort
        cohort = await self.store.bind_cohort(
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
        return await self.store.save_cohort(cohort)

    async def reschedule(self, inv: Invocation, schedule: Schedule) -> Cohort:
        """Change the cohort's nudge schedule; nudges due before now are not sent."""
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
        saved = await self.store.save_cohort(cohort)
        if self.deliveries is not None:
            self.deliveries.schedule_changed()
        return saved

    async def cohort_week(self, cohort: Cohort, instant: datetime) -> CohortWeek:
        """Totals and goal attainment for the cohort week containing ``instant``."""
        tz = zone(cohort.timezone)
        since, until = week_bounds(instant, tz, cohort.week_start)
        members = await self.store.cohort_members(cohort.id)
        totals: Counter[ActionKind] = Counter()
        emails_by_member: Counter[int] = Counter()
        active: set[int] = set()
        for member_id, kind, total in await self.store.cohort_totals(cohort.id, since, until):
            totals[kind] += total
            active.add(member_id)
            if kind in EMAIL_KINDS:
                emails_by_member[member_id] += total
        met = sum(
            1 for m in members if emails_by_member[m.id] >= (m.email_goal or cohort.email_goal)
        )
        return CohortWeek(local_date(since, tz), len(members), len(active), met, dict(totals))

    async def cohort_csv(self, cohort: Cohort) -> str:
        """Per-member weekly counts as CSV: no contact names, no notes."""
        tz = zone(cohort.timezone)
        members = {m.id: m for m in await self.store.cohort_members(cohort.id)}
        rows: dict[tuple[date, int], Counter[ActionKind]] = {}
        for action in await self.store.cohort_history(cohort.id):
            week = week_start_date(local_date(action.occurred_at, tz), cohort.week_start)
            rows.setdefault((week, action.member_id), Counter())[action.kind] += action.count
        out = io.StringIO()
        writer = csv.writer(out)
        kinds = list(ActionKind)
        writer.writerow(
            ["week_start", "member", *[k.value for k in kinds], "email_goal", "met_goal"]
        )
        for (week, member_id), counts in sorted(rows.items()):
            member = members.get(member_id)
            goal = (member.email_goal if member else None) or cohort.email_goal
            if member is not None and member.show_on_leaderboard:
                label = member.display_name
            else:
                label = f"member-{member_id}"
            emails = sum(counts[k] for k in EMAIL_KINDS)
            writer.writerow(
                [
                    week.isoformat(),
                    _csv_safe(label),
                    *[counts[k] for k in kinds],
                    goal,
                    "yes" if emails >= goal else "no",
                ]
            )
        return out.getvalue()

    async def add_organizer(self, inv: Invocation, user_id: str, name: str) -> tuple[Member, bool]:
        member = await self.store.find_member(inv.workspace.id, user_id)
        if member is None:
            member = await self.store.add_member(
                inv.workspace.id, user_id, clean_display_name(name), inv.cohort.id, inv.now
            )
        added = await self.store.set_organizer(inv.cohort.id, member.id, True)
        return member, added

    async def remove_organizer(self, inv: Invocation, user_id: str) -> Member | None:
        member = await self.store.find_member(inv.workspace.id, user_id)
        if member is None or not await self.store.set_organizer(inv.cohort.id, member.id, False):
            return None
        return member


def _csv_safe(value: str) -> str:
    """Keep spreadsheet apps from running a cell that starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
