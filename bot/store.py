"""The storage contract the engine relies on; ``storage.repository`` implements it.

Promises that hold for every method:

- Every method that writes is one transaction: it happens completely or not at all, and a
  write that raises has changed nothing.
- A read sees every write that was awaited before it (by this process or another).
- Instants are aware datetimes; they are kept to the microsecond and come back in UTC, equal
  to what was given. Dates (pauses) are the member's local days.
- A write that names a workspace, cohort or member that does not exist, or that would bind a
  second cohort to a channel, raises the backend's integrity error (``sqlite3.IntegrityError``
  on SQLite) and writes nothing. Callers check what they can first; the error is the last
  line of defence, not a way to ask.
- Ordering is promised only where a method says so; ties within a promised order come in no
  particular order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar, overload

from bot.followups import Stage, StateEntry
from bot.models import (
    Action,
    ActionKind,
    Cohort,
    Contact,
    ContactEntry,
    Member,
    Pause,
    Standing,
    Workspace,
)
from bot.targets import NewTarget, Target


@dataclass(frozen=True)
class BoardPage:
    """The part of a leaderboard a reply shows, without a record for every member.

    ``top`` is the first members who show on the board, each with their rank among those
    who show (competition ranking: ties share a rank, the next skips); ``own`` the asking
    member's standing if they have a total, with ``own_rank`` their rank among those who
    show (meaningful only when they show); ``counted`` every member with a total, hidden
    ones included, and ``shown`` those who show.
    """

    top: list[tuple[int, Standing]]
    own: Standing | None
    own_rank: int
    counted: int
    shown: int


@dataclass(frozen=True)
class PipelinePage:
    """The part of a member's pipeline a reply shows, without a record for every contact.

    ``entries`` are the first contacts the filter chose, in the order of
    ``bot.followups.pipeline_from_states`` at the instant asked about; ``chosen`` is how many
    it chose in all; ``referrers`` the names of those entries' referrers (by contact id) that
    have a kept state themselves, as a reply names them ("via ...").
    """

    entries: list[StateEntry]
    chosen: int
    referrers: dict[int, str]


SIGHTING_MEMORY = timedelta(days=1)
"""How long ``Store.first_sighting`` remembers a key: far past Slack's last retry (about
five minutes after the first delivery)."""


@dataclass(frozen=True)
class NewAction:
    """An action to record, with the daily cap it must respect.

    The cap is checked inside the writing transaction, so concurrent logs cannot slip past it.

    Attributes:
        member_id: who logged it.
        cohort_id: the cohort it counts towards (leaderboards, cohort totals); None for none.
        kind: what was done.
        count: how many (1 to 20).
        note: free text, up to 500 characters; may be empty.
        occurred_at: when it happened (the command's time).
        contact_name: the contact it is about, found by name or created; None for an action
            about no one in particular (e.g. ``/sent count:3``).
        organization: the contact's organisation, replacing the one stored; None or empty
            keeps it.
        day_start: start of the member's local day that contains ``occurred_at``.
        daily_cap: the most of this kind the member may have logged in that day, this action
            included.
        day_end: end (exclusive) of that day.
        scheduled_on: for a scheduled interview, its local date, if given.
        scheduled_time: its local time of day, if given (kept to the minute).
        referred_by: the id of the member's contact who suggested this one; set on the
            contact (found or created) unless None, which keeps what it had.
        once_key: for a button press, the key of the message pressed on: the action is
            logged under it at most once (see ``LoggedAction.repeated``).
    """

    member_id: int
    cohort_id: int | None
    kind: ActionKind
    count: int
    note: str
    occurred_at: datetime
    contact_name: str | None
    organization: str | None
    day_start: datetime
    daily_cap: int
    day_end: datetime
    scheduled_on: date | None = None
    scheduled_time: time | None = None
    referred_by: int | None = None
    once_key: str | None = None


@dataclass(frozen=True)
class LoggedAction:
    """What ``log_action`` wrote.

    Attributes:
        action: the new action, as stored.
        contact: the contact it is about, as stored after this log (organisation updated);
            None if the action names no contact.
        contact_created: True if this log created the contact, False if it already existed.
        repeated: True if the action's ``once_key`` had been logged already: ``action`` is
            the one logged then, and nothing was written now.
    """

    action: Action
    contact: Contact | None
    contact_created: bool
    repeated: bool = False


@dataclass(frozen=True)
class CohortBinding:
    """``/cohort setup``: bind a cohort to a channel and make its creator an organizer.

    Attributes:
        workspace_id: the workspace of the channel.
        channel_id: the channel the cohort's nudges go to.
        cohort_id: the cohort to bind; None to create a new one.
        name: the cohort's name.
        timezone: the cohort's IANA time zone.
        week_start: the first day of its week (0 is Monday).
        email_goal: the default weekly email goal of a new cohort; an existing cohort keeps
            its own.
        organizer_id: the member who ran the setup: made an organizer, and moved into it.
        at: when; nudges due before this instant are never sent to a newly bound channel.
    """

    workspace_id: int
    channel_id: str
    cohort_id: int | None
    name: str
    timezone: str
    week_start: int
    email_goal: int
    organizer_id: int
    at: datetime


@dataclass(frozen=True)
class Lookup:
    """What already exists for a command's origin: the workspace, the member, and the cohort
    of the channel (if bound) or else the member's."""

    workspace: Workspace | None
    member: Member | None
    cohort: Cohort | None


class Store(Protocol):
    """Persistence for workspaces, cohorts, members, contacts, actions and pauses.

    "Live" actions are those not undone; only they count anywhere but ``member_history``.
    """

    reads_overlap: bool
    """True when a read waits on a server (PostgreSQL), so reads in flight together overlap
    their round trips; False when each read runs whole on the event loop's thread (SQLite),
    where starting them together only adds a task each (see ``together``)."""

    async def lookup(
        self, platform: str, external_id: str, user_id: str, channel_id: str | None
    ) -> Lookup:
        """What already exists for a command's origin; reads only, creates nothing.

        Args:
            platform: the platform's name, e.g. ``discord``.
            external_id: the workspace's id on that platform.
            user_id: the member's platform user id.
            channel_id: the channel the command came from, if any.

        Returns:
            The workspace (None if unknown, and then everything is None); the member of that
            workspace with ``user_id`` (None if not yet a member); and the cohort bound to
            ``channel_id`` in that workspace, or if there is none the member's own cohort,
            or None.
        """

    async def ensure_workspace(
        self, platform: str, external_id: str, name: str, at: datetime
    ) -> Workspace:
        """Find or create the workspace; an upsert on ``(platform, external_id)``.

        A new workspace is created at ``at``. A known one is renamed to ``name`` if it
        differs; an empty ``name`` never replaces the stored one.

        Returns:
            The workspace as stored, with its (possibly new) name.
        """

    async def find_member(self, workspace_id: int, user_id: str) -> Member | None:
        """The member with platform ``user_id`` in the workspace, or None."""

    async def add_member(
        self,
        workspace_id: int,
        user_id: str,
        display_name: str,
        cohort_id: int | None,
        at: datetime,
    ) -> Member:
        """Add a person to a workspace; an upsert on ``(workspace_id, user_id)``, never a
        duplicate, so two first commands of the same person may race safely.

        A new member joins at ``at`` with the defaults: no goals or time zone of their own
        (None: the cohort's), shown on the leaderboard, not mentioned, reminders by DM. A
        member who already exists takes the new ``display_name`` and, unless ``cohort_id``
        is None, the new cohort; their goals, preferences and ``created_at`` stay.

        Returns:
            The member as stored.
        """

    async def save_member(self, member: Member) -> Member:
        """Write a member's changeable fields: display name, cohort, goals, time zones, holiday
        calendar and preferences (``workspace_id``, ``user_id`` and ``created_at`` never
        change).

        The member must exist: saving one that does not (e.g. forgotten meanwhile) raises.
        A change of time zone, holiday calendar or cohort makes their follow-up clocks due
        for a look at once (see ``Ledger.clocks_due``).

        Returns:
            The member as stored.
        """

    async def forget_member(self, member_id: int) -> None:
        """Erase the member and everything about them, in one transaction: their contacts,
        target employers, actions (so they leave every total and leaderboard), pauses,
        organizer roles and
        their reminders in the ledger. Other members are untouched; an unknown id is a
        no-op."""

    async def get_cohort(self, cohort_id: int) -> Cohort | None:
        """The cohort with that id, or None."""

    async def cohort_for_channel(self, workspace_id: int, channel_id: str) -> Cohort | None:
        """The cohort bound to the channel in that workspace, or None."""

    async def workspace_cohorts(self, workspace_id: int) -> list[Cohort]:
        """Every cohort of the workspace, oldest first (the first is the workspace's
        default cohort)."""

    async def create_cohort(
        self,
        workspace_id: int,
        channel_id: str | None,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort:
        """Create a cohort, created at ``at``, with the default nudge schedule (kickoff on
        Monday at 09:00, no check-in, grace of 6 hours, no ``schedule_from`` limit) and no
        interview goal.

        Raises:
            The backend's integrity error if ``channel_id`` is already bound to a cohort of
            the workspace.

        Returns:
            The cohort as stored.
        """

    async def first_cohort(
        self,
        workspace_id: int,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort:
        """The workspace's first cohort (its oldest), created as ``create_cohort`` would
        with no channel if the workspace has none yet.

        Atomic across processes: of any number of calls at once for a workspace with no
        cohort, one creates it and every other returns that one.

        Raises:
            The backend's integrity error if the workspace does not exist.
        """

    async def bind_cohort(self, binding: CohortBinding) -> Cohort:
        """``/cohort setup`` in one transaction: bind, make organizer, move them in.

        With ``binding.cohort_id`` None a new cohort is created on the channel, with
        ``schedule_from`` at ``binding.at``. Otherwise that cohort takes the channel, name,
        time zone and week start; its goals and nudge schedule stay, and ``schedule_from``
        moves to ``binding.at`` only if the channel changed. Either way the organizer becomes
        an organizer of the cohort (if not already) and their cohort becomes this one.

        Raises:
            The backend's integrity error, having written nothing, if the channel is bound
            to another cohort.

        Returns:
            The cohort as stored.
        """

    async def save_cohort(self, cohort: Cohort) -> Cohort:
        """Write a cohort's changeable fields: channel, name, time zone, week start, goals,
        holiday calendar and nudge schedule (``workspace_id`` never changes). Times of day
        are kept to the minute.

        The cohort must exist. A change of time zone or holiday calendar makes its members'
        follow-up clocks due for a look at once.

        Raises:
            The backend's integrity error if the new channel is bound to another cohort.

        Returns:
            The cohort as stored.
        """

    async def cohort_members(self, cohort_id: int) -> list[Member]:
        """The members whose cohort this is, in the order they were added."""

    async def set_organizer(self, cohort_id: int, member_id: int, organizer: bool) -> bool:
        """Make the member an organizer of the cohort (``organizer`` True) or stop them
        being one. Idempotent; the member's own cohort does not change.

        Returns:
            True if this changed something; False if they already were (when adding) or
            were not (when removing) an organizer.
        """

    async def organizers(self, cohort_id: int) -> list[Member]:
        """The cohort's named organizers, by display name (platform admins are not
        listed: they are organizers by right, not by record)."""

    async def is_organizer(self, cohort_id: int, member_id: int) -> bool:
        """Whether the member is a named organizer of the cohort."""

    async def log_action(self, new: NewAction) -> LoggedAction | None:
        """Record an action within the daily cap, with its contact, in one transaction.

        A named contact is the member's contact of that name, matched regardless of case and
        spacing (it keeps the spelling it was first logged with), or a new one created at
        ``occurred_at``. A non-empty ``organization`` replaces the contact's; a
        ``referred_by`` replaces who referred it. ``scheduled_on`` and ``scheduled_time``
        are stored on the action.

        The action is written only if the member's live (not undone) actions of the same
        kind within ``[day_start, day_end)``, in any cohort, plus ``count`` stay within
        ``daily_cap``.

        With a ``once_key`` already logged, nothing is written and the action logged under
        it comes back with ``repeated`` set, however many callers race for it.

        Returns:
            What was written; None if the cap refused it, and then nothing was written: no
            contact created, no organisation changed.
        """

    async def snooze_reminder(
        self, contact_id: int, anchor_id: int, step: str, until: datetime
    ) -> None:
        """Ask the reminder of ``step`` of the clock ``anchor_id`` started again at ``until``
        (replacing the contact's earlier snooze), and have the contact's clock looked at by
        then, in one transaction."""

    async def stop_reminders(self, contact_id: int, anchor_id: int, at: datetime) -> None:
        """No more reminders of the clock ``anchor_id`` started for the contact (replacing
        any earlier stop of it); a new email or follow-up starts a clock that reminds."""

    async def pressed(self, key: str) -> Action | None:
        """The action logged under ``once_key`` ``key``, if one was."""

    async def undo_last_action(self, member_id: int, at: datetime) -> Action | None:
        """Mark the member's most recently logged live action as undone at ``at``.

        The action keeps its row (history is append-only) but leaves every total,
        leaderboard, pipeline and streak; undoing again reaches the one logged before it.

        Returns:
            The action as now stored (with ``undone_at``); None if nothing is left to undo.
        """

    async def get_contact(self, contact_id: int) -> Contact | None:
        """The contact with that id, or None."""

    async def contact_named(self, member_id: int, name: str) -> Contact | None:
        """The member's contact whose name is ``name`` but for case and spacing (the unique
        key contacts are stored under), or None: one indexed row, where telling close names
        apart needs all of them."""

    async def move_interview(self, action_id: int, on: date, at: time | None) -> Action | None:
        """Give a live ``interview_scheduled`` action a new local date and time (None: no
        time), in one transaction. It is the one change an action ever takes besides undo:
        the interview is the same, only its date moved. The contact's clock is due for a
        look at once (``Ledger.clocks_due``), so its check-back follows the new date.

        Returns:
            The action as now stored; None, changing nothing, if there is no live
            ``interview_scheduled`` action with that id.
        """

    async def member_targets(self, member_id: int) -> list[Target]:
        """Every target employer of the member, in the order they were first added."""

    async def save_targets(
        self, member_id: int, targets: Collection[NewTarget], limit: int, at: datetime
    ) -> int | None:
        """Add employers to the member's list, or update the ones already on it (matched by
        name regardless of case and spacing, keeping the first spelling), all in one
        transaction. New ones are added at ``at``.

        Returns:
            How many employers the list has afterwards; None, having written nothing, if
            that would be more than ``limit``.
        """

    async def remove_target(self, member_id: int, employer: str) -> bool:
        """Take the employer (matched regardless of case and spacing) off the member's list.

        Returns:
            True if it was there and is now gone; False if it was not on the list.
        """

    async def member_totals(
        self, member_id: int, since: datetime, until: datetime
    ) -> dict[ActionKind, int]:
        """The member's live actions within ``[since, until)``, in any cohort, summed per
        kind; kinds with nothing are left out."""

    async def member_contacts(self, member_id: int) -> list[ContactEntry]:
        """Every contact of the member, in the order they were created, each with its live
        actions oldest first (by ``occurred_at``, then in the order logged). A contact whose
        actions were all undone comes with none."""

    async def member_states(
        self, member_id: int, contact_id: int | None = None
    ) -> list[StateEntry]:
        """Every contact of the member with a live action (only ``contact_id``, if given:
        a button press reads the one it is about), in the order they were created,
        with its kept 3B7 state: what ``bot.followups.contact_state`` makes of its live
        actions in the member's zone and holiday calendar as they are now (the store
        recomputes it in the transaction of each log, undo, moved interview, and change of
        the member's or their cohort's zone or calendar), and whether someone else at its
        organisation (case ignored) was emailed later than its latest email."""

    async def pipeline_page(
        self,
        member_id: int,
        now: datetime,
        stages: Collection[Stage] | None = None,
        *,
        due: bool = False,
        limit: int | None = None,
    ) -> PipelinePage:
        """Part of ``member_states`` placed at ``now``, as ``bot.followups.pipeline_from_states``
        places and orders it, chosen and cut in the store so that a reply costs what it shows.

        Args:
            member_id: whose contacts.
            now: the instant their next steps are placed at.
            stages: only contacts whose stage at ``now`` is one of these; None for any.
            due: only contacts with a step due at ``now``.
            limit: at most this many entries (the first in pipeline order); None for all.
        """

    async def stage_counts(self, member_id: int, now: datetime) -> dict[Stage, int]:
        """How many of the member's contacts with a kept state stand at each stage at ``now``
        (the stage ``step_at`` gives them then); stages with none are left out."""

    async def referral_contacts(self, member_id: int) -> list[Contact]:
        """The member's contacts with a kept state that name a referrer, and those they name
        that have a kept state too: every link of a chain of introductions among the
        contacts ``member_states`` gives, in the order they were created."""

    async def member_history(self, member_id: int) -> list[Action]:
        """Every action the member logged, undone ones included, in the order logged."""

    async def all_member_contacts(self, member_id: int) -> list[Contact]:
        """Every contact of the member, in the order they were created."""

    async def recent_contacts(
        self,
        member_id: int,
        keep: Callable[[str], bool] | None = None,
        limit: int | None = None,
    ) -> list[Contact]:
        """The member's contacts, the most recently active first (its latest live action,
        else when it was created; the newer contact first among equals): those whose name
        ``keep`` accepts, at most ``limit``. The name test is Python's, since names compare
        in a form SQL cannot compute, and only the contacts kept are built."""

    async def standings(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
    ) -> list[Standing]:
        """A cohort's leaderboard: each member's total of live actions of these ``kinds``
        logged in the cohort.

        Args:
            cohort_id: the cohort; actions count where they were logged.
            kinds: the kinds that count; none gives an empty board.
            since: start of the window; pass both bounds, or neither for all time.
            until: end (exclusive) of the window.

        Returns:
            Members with a total above zero, hidden ones included (``visible`` False), by
            total, highest first, then by display name, then in the order they joined.
        """

    async def board_page(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
        member_id: int,
        size: int,
    ) -> BoardPage:
        """The ``size`` first lines of ``standings`` among members who show, with their ranks,
        the standing and rank of ``member_id``, and how many members have a total (all, and
        those who show): what ``standings`` would give, without reading every member out.

        Args:
            cohort_id, kinds, since, until: as for ``standings``.
            member_id: the member asking, whose own placing is wanted.
            size: how many lines the board lists.
        """

    async def cohort_totals(
        self, cohort_id: int, since: datetime, until: datetime
    ) -> list[tuple[int, ActionKind, int]]:
        """Live actions logged in the cohort within ``[since, until)``, summed per member
        and kind.

        Returns:
            ``(member_id, kind, total)`` for each member and kind with a total above zero,
            in no particular order.
        """

    async def cohort_history(self, cohort_id: int) -> list[Action]:
        """Every live action logged in the cohort, oldest first (by ``occurred_at``)."""

    async def add_pause(self, member_id: int, start: date, end: date) -> Pause:
        """Pause the member from ``start`` to ``end`` (both included), in one transaction
        that first ends their pauses from ``start`` on (as ``end_pauses`` does), so the new
        pause replaces any overlap and any pause planned after it.

        Raises:
            The backend's integrity error, having ended nothing, if ``end`` is before
            ``start``.

        Returns:
            The new pause.
        """

    async def end_pauses(self, member_id: int, today: date) -> int:
        """End the member's pauses from ``today`` on: pauses that start today or later are
        removed, a pause running through today now ends the day before, earlier ones stay.

        Returns:
            How many pauses were removed or shortened; 0 if none was running or planned.
        """

    async def pauses(self, member_id: int) -> list[Pause]:
        """Every pause of the member, past ones included, by start date."""

    async def get_state(self, key: str) -> str | None:
        """The value last set under ``key``, or None if it was never set."""

    async def set_state(self, key: str, value: str) -> None:
        """Set ``key`` to ``value``, replacing any value it had."""

    async def first_sighting(self, key: str, at: datetime) -> bool:
        """Whether this is the first sighting of ``key`` (e.g. a platform's event id), so
        that something delivered several times, to several instances, is handled once.

        True for exactly one call with a given key, however many are made at once by any
        number of processes; False for every other. A key is remembered for at least
        ``SIGHTING_MEMORY`` (a day) after ``at``: each call, in the same one transaction,
        forgets sightings older than that before ``at``, so the record stays small.
        Sightings never read or replace ``get_state`` keys.
        """

    async def members_period_totals(
        self,
        member_ids: Collection[int],
        kinds: Collection[ActionKind],
        bounds: Sequence[datetime],
        at_most: int | None = None,
    ) -> dict[int, list[int]]:
        """Each member's live actions of these ``kinds`` summed per period, in one query per
        chunk of ids: the database adds up a long history, so a streak or a chart reads a
        number per week instead of every email.

        ``bounds`` are ascending instants; period ``i`` runs from ``bounds[i]`` (inclusive)
        to ``bounds[i + 1]`` (exclusive), so n + 1 bounds give n periods. With ``at_most``,
        no more than that many actions are added up per member and period (each counts at
        least 1), so a total is exact or at least ``at_most``: all that deciding whether a
        goal of ``at_most`` was met needs, without reading a busy member's every email.

        Returns:
            Every id asked for as a key (an id with no such actions, or of no member, has
            zeros), each with one total per period, in the order of ``bounds``; all zeros if
            ``kinds`` is empty.
        """

    async def members_pauses(self, member_ids: Collection[int]) -> dict[int, list[Pause]]:
        """``pauses`` for many members at once: every id asked for is a key (with an empty
        list if it has none), each list by start date."""


A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
Read = Coroutine[Any, Any, A]


@overload
async def together(store: Store, a: Read[A], b: Read[B], /) -> tuple[A, B]: ...


@overload
async def together(
    store: Store, a: Read[A], b: Read[B], c: Read[C], d: Read[D], e: Read[E], /
) -> tuple[A, B, C, D, E]: ...


async def together(store: Store, *reads: Read[Any]) -> tuple[Any, ...]:
    """The results of independent ``reads``, in order: run at once where that overlaps their
    waits (``Store.reads_overlap``), else one after the other. On SQLite that saves a task
    per read, about a fifth of ``/progress``; a read that raises closes the ones not begun."""
    if store.reads_overlap:
        return tuple(await asyncio.gather(*reads))
    results = []
    try:
        for read in reads:
            results.append(await read)
    finally:
        for left in reads[len(results) + 1 :]:
            left.close()
    return tuple(results)
