"""What the bot sends on a schedule, by kind; the values are what the ledger stores."""

from __future__ import annotations

from enum import StrEnum


class DeliveryKind(StrEnum):
    """A cohort's weekly kickoff or midweek check-in, one member's follow-up reminder, or
    the check-back after one of their interviews."""

    KICKOFF = "kickoff"
    CHECKIN = "checkin"
    REMINDER = "reminder"
    CHECKBACK = "checkback"
