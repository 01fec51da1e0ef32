"""The vocabulary of the product (see docs/architecture.md) as plain, immutable records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum


class ActionKind(StrEnum):
    """One step a member can log; the values are what the database stores."""

    EMAIL_SENT = "email_sent"
    FOLLOW_UP_SENT = "follow_up_sent"
    REPLY_RECEIVED = "reply_received"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEW_DONE = "interview_done"
    THANK_YOU_SENT = "thank_you_sent"
    INTERVIEW_CANCELLED = "interview_cancelled"
    REFERRAL_RECEIVED = "referral_received"


EMAIL_KINDS = frozenset({ActionKind.EMAIL_SENT, ActionKind.FOLLOW_UP_SENT})
"""What counts towards the weekly email goal: every email written to someone."""

EFFORT_KINDS = frozenset(ActionKind) - {ActionKind.INTERVIEW_CANCELLED}
"""What the ``actions`` leaderboard counts: every step taken, a referral included; a
cancelled interview is news, not effort."""

ACTION_LABELS: dict[ActionKind, tuple[str, str]] = {
    ActionKind.EMAIL_SENT: ("outreach email", "outreach emails"),
    ActionKind.FOLLOW_UP_SENT: ("follow-up", "follow-ups"),
    ActionKind.REPLY_RECEIVED: ("reply", "replies"),
    ActionKind.INTERVIEW_SCHEDULED: ("interview scheduled", "interviews scheduled"),
    ActionKind.INTERVIEW_DONE: ("informational interview", "informational interviews"),
    ActionKind.THANK_YOU_SENT: ("thank-you note", "thank-you notes"),
    ActionKind.INTERVIEW_CANCELLED: ("interview cancelled", "interviews cancelled"),
    ActionKind.REFERRAL_RECEIVED: ("referral", "referrals"),
}


def describe_count(kind: ActionKind, count: int) -> str:
    """``1 outreach email`` / ``3 outreach emails``."""
    singular, plural = ACTION_LABELS[kind]
    return f"{count} {singular if count == 1 else plural}"


class Metric(StrEnum):
    """What a leaderboard ranks by."""

    INTERVIEWS = "interviews"
    EMAILS = "emails"
    ACTIONS = "actions"

    @property
    def kinds(self) -> frozenset[ActionKind]:
        if self is Metric.INTERVIEWS:
            return frozenset({ActionKind.INTERVIEW_DONE})
        if self is Metric.EMAILS:
            return EMAIL_KINDS
        return EFFORT_KINDS


class Period(StrEnum):
    """The window a leaderboard covers."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class Workspace:
    """A Discord guild, a Slack team, or the local console."""

    id: int
    platform: str
    external_id: str
    name: str


@dataclass(frozen=True)
class Cohort:
    """A group inside a workspace with its own time zone, week and default goals."""

    id: int
    workspace_id: int
    channel_id: str | None
    name: str
    timezone: str
    week_start: int
    email_goal: int
    interview_goal: int | None
    kickoff_day: int = 0
    kickoff_time: time = time(9, 0)
    checkin_day: int | None = None
    checkin_time: time = time(15, 0)
    grace_hours: int = 6
    schedule_from: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    holiday_calendar: str | None = None
    """Public holidays business days skip (``bot.holidays``): None follows the time zone."""


@dataclass(frozen=True)
class Member:
    """A person in a workspace, with their goals and preferences (None means cohort default)."""

    id: int
    workspace_id: int
    user_id: str
    display_name: str
    cohort_id: int | None
    email_goal: int | None
    interview_goal: int | None
    timezone: str | None
    show_on_leaderboard: bool
    allow_mentions: bool
    reminders_by_dm: bool
    created_at: datetime
    profile_timezone: str | None = None
    holiday_calendar: str | None = None
    """The member's own holiday calendar (``bot.holidays``): None means the cohort's."""


@dataclass(frozen=True)
class Contact:
    """Someone a member writes to; private to that member. Never an email address."""

    id: int
    member_id: int
    name: str
    organization: str
    created_at: datetime
    referred_by: int | None = None
    """The contact who suggested this one, if a referral brought them."""


@dataclass(frozen=True)
class Action:
    """One logged step. Append-only: undo sets ``undone_at`` and keeps the row."""

    id: int
    member_id: int
    cohort_id: int | None
    contact_id: int | None
    kind: ActionKind
    count: int
    note: str
    occurred_at: datetime
    undone_at: datetime | None
    scheduled_on: date | None = None
    """A scheduled interview's local date, if the member gave one."""
    scheduled_time: time | None = None
    """Its local time of day, if given."""


@dataclass(frozen=True)
class Pause:
    """Days (inclusive, in the member's zone) when nudges, reminders and the streak rest."""

    id: int
    member_id: int
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ContactEntry:
    """A contact with its live (not undone) actions, oldest first."""

    contact: Contact
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Standing:
    """One member's total on a leaderboard, with just what a board shows of them."""

    member_id: int
    user_id: str
    display_name: str
    visible: bool
    total: int
