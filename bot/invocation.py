"""What adapters hand the core (an ``Origin``) and what handlers receive (an ``Invocation``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.holidays import HolidayCalendar, member_calendar
from bot.models import Cohort, Member, Workspace
from bot.timezones import member_timezone, zone


@dataclass(frozen=True)
class Origin:
    """Who typed a command, where, as the adapter knows it.

    ``user_timezone`` is the zone of the user's platform profile, if the platform tells;
    the engine validates it before it is used.
    """

    platform: str
    workspace_id: str
    workspace_name: str
    channel_id: str | None
    user_id: str
    user_name: str
    is_admin: bool = False
    user_timezone: str | None = None


@dataclass(frozen=True)
class Invocation:
    """A command's full context: the resolved workspace, cohort and member, and the time.

    ``once_key`` is set when a button press runs the command: what it logs is logged under
    that key at most once (``bot.presses``).
    """

    origin: Origin
    workspace: Workspace
    cohort: Cohort
    member: Member
    now: datetime
    once_key: str | None = None

    @property
    def timezone(self) -> str:
        """The zone the member's days are counted in (``bot.timezones.member_timezone``)."""
        return member_timezone(self.member, self.cohort)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def calendar(self) -> HolidayCalendar | None:
        """The public holidays the member's business days skip (``bot.holidays``)."""
        return member_calendar(self.member, self.cohort)

    @property
    def email_goal(self) -> int:
        return self.member.email_goal or self.cohort.email_goal

    @property
    def interview_goal(self) -> int | None:
        goal = self.member.interview_goal
        if goal is None:
            goal = self.cohort.interview_goal
        return goal or None
