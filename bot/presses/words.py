"""What a press says when it has nothing left to do: already done, or overtaken."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.followups import STAGE_LABELS, StateEntry
from bot.models import ACTION_LABELS, Action, Contact
from bot.periods import local_date
from bot.texts import contact_label, short_date

SOMEONE_ELSE = (
    "This button is for someone else: it came with their message. Your own reminders come "
    "to you directly, and `/contacts due` lists what is waiting for you."
)
UNKNOWN = "That button no longer works here. `/help` lists what you can type instead."
OVERTAKEN_CHOICE = (
    "That choice was for an earlier command; type the command again and pick from its answer."
)
GONE = (
    "That contact is no longer in your list (it was undone or forgotten), so there's nothing to do."
)


def already_done(action: Action, contact: Contact | None, tz: ZoneInfo) -> str:
    """The answer to a second press: what the first one logged, and when."""
    what = ACTION_LABELS[action.kind][0]
    about = f" for {contact_label(contact)}" if contact is not None else ""
    day = short_date(local_date(action.occurred_at, tz))
    return f"Already done: you logged a {what}{about} on {day}. Nothing new was logged."


def overtaken(entry: StateEntry, tz: ZoneInfo) -> str:
    """The answer to a button whose step has passed: where the contact stands now."""
    stage = STAGE_LABELS[entry.state.stage]
    day = short_date(local_date(entry.state.last_activity, tz))
    return (
        f"{contact_label(entry.contact)} has moved on since this message: {stage} "
        f"(logged {day}). This button has nothing left to do; `/contacts` shows what's next."
    )


def rescheduled(entry: StateEntry) -> str:
    """The answer to a check-back's button after the conversation was moved."""
    on = entry.state.interview_on
    when = f" to {short_date(on)}" if on is not None else ""
    return (
        f"Your conversation with {entry.contact.name} was moved{when} since this message; "
        "I'll ask about it after the new date."
    )


def stopped(contact: Contact) -> str:
    """The answer to "Stop reminding"."""
    return (
        f"No more reminders about {contact_label(contact)} for this email. Letting one go is "
        "part of the method; a follow-up or a new email to them starts the clock again."
    )


def snoozed(contact: Contact, day: str) -> str:
    """The answer to "Snooze 2 business days"."""
    return (
        f"Snoozed: I'll remind you about {contact_label(contact)} again on {day}, in the "
        "morning. Until then it can wait."
    )
