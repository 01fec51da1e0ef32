"""The storage contract the engine relies on; ``storage.repository`` implements it.

Every method that writes is one transaction: it either happens completely or not at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

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


@dataclass(frozen=True)
class NewAction:
    """An action to record, with the daily cap it must respect.

    The cap is checked inside the writing transaction, so concurrent logs cannot slip past it.
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


@dataclass(frozen=True)
class LoggedAction:
    """What ``log_action`` wrote."""

    action: Action
    contact: Contact | None
    contact_created: bool


@dataclass(frozen=True)
class CohortBinding:
    """``/cohort setup``: bind a cohort to a channel and make its creator an organizer."""

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
    """Persistence for workspaces, cohorts, members, contacts, actions and pauses."""

    async def lookup(
        self, platform: str, external_id: str, user_id: str, channel_id: str | None
    ) -> Lookup: ...

    async def ensure_workspace(
        self, platform: str, external_id: str, name: str, at: datetime
    ) -> Workspace: ...

    async def find_member(self, workspace_id: int, user_id: str) -> Member | None: ...

    async def add_member(
        self,
        workspace_id: int,
        user_id: str,
        display_name: str,
        cohort_id: int | None,
        at: datetime,
    ) -> Member: ...

    async def save_member(self, member: Member) -> Member: ...

    async def forget_member(self, member_id: int) -> None: ...

    async def get_cohort(self, cohort_id: int) -> Cohort | None: ...

    async def cohort_for_channel(self, workspace_id: int, channel_id: str) -> Cohort | None: ...

    async def workspace_cohorts(self, workspace_id: int) -> list[Cohort]: ...

    async def create_cohort(
        self,
        workspace_id: int,
        channel_id: str | None,
        name: str,
        timezone: str,
        week_start: int,
        email_goal: int,
        at: datetime,
    ) -> Cohort: ...

    async def bind_cohort(self, binding: CohortBinding) -> Cohort: ...

    async def save_cohort(self, cohort: Cohort) -> Cohort: ...

    async def cohort_members(self, cohort_id: int) -> list[Member]: ...

    async def set_organizer(self, cohort_id: int, member_id: int, organizer: bool) -> bool: ...

    async def organizers(self, cohort_id: int) -> list[Member]: ...

    async def is_organizer(self, cohort_id: int, member_id: int) -> bool: ...

    async def log_action(self, new: NewAction) -> LoggedAction | None: ...

    async def undo_last_action(self, member_id: int, at: datetime) -> Action | None: ...

    async def get_contact(self, contact_id: int) -> Contact | None: ...

    async def member_totals(
        self, member_id: int, since: datetime, until: datetime
    ) -> dict[ActionKind, int]: ...

    async def member_action_times(
        self, member_id: int, kinds: Collection[ActionKind], since: datetime
    ) -> list[tuple[datetime, int]]: ...

    async def member_contacts(self, member_id: int) -> list[ContactEntry]: ...

    async def member_history(self, member_id: int) -> list[Action]: ...

    async def all_member_contacts(self, member_id: int) -> list[Contact]: ...

    async def standings(
        self,
        cohort_id: int,
        kinds: Collection[ActionKind],
        since: datetime | None,
        until: datetime | None,
    ) -> list[Standing]: ...

    async def cohort_totals(
        self, cohort_id: int, since: datetime, until: datetime
    ) -> list[tuple[int, ActionKind, int]]: ...

    async def cohort_history(self, cohort_id: int) -> list[Action]: ...

    async def add_pause(self, member_id: int, start: date, end: date) -> Pause: ...

    async def end_pauses(self, member_id: int, today: date) -> int: ...

    async def pauses(self, member_id: int) -> list[Pause]: ...

    async def get_state(self, key: str) -> str | None: ...

    async def set_state(self, key: str, value: str) -> None: ...

    async def members_action_times(
        self, member_ids: Collection[int], kinds: Collection[ActionKind], since: datetime
    ) -> dict[int, list[tuple[datetime, int]]]:
        """``member_action_times`` for many members at once, in a few queries.

        Every id asked for is a key of the result (with an empty list if it has none);
        each list is ordered by time.
        """
        ...

    async def members_pauses(self, member_ids: Collection[int]) -> dict[int, list[Pause]]:
        """``pauses`` for many members at once: every id asked for is a key, each list
        ordered by its first day."""
        ...
