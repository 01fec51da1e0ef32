"""Which buttons go under which message, and how a message reads once one was pressed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.followups import Step
from bot.models import Contact
from bot.presses.ids import ButtonId, Choice, Subject
from bot.replies import Button, ButtonStyle, Reply

LABELS = {
    Choice.FOLLOWED_UP: "Followed up",
    Choice.REPLIED: "They replied",
    Choice.BOOKED: "Interview booked",
    Choice.HAPPENED: "It happened",
    Choice.MOVED: "It moved",
    Choice.CANCELLED: "It was cancelled",
    Choice.LOG_EMAIL: "Log an email",
    Choice.STOP: "Stop reminding",
    Choice.SNOOZE: "Snooze 2 business days",
}
SNOOZE_DAYS = 2

LOG_EMAIL = Button(
    LABELS[Choice.LOG_EMAIL],
    ButtonId(Subject.ANYONE, Choice.LOG_EMAIL).encode(),
    ButtonStyle.PRIMARY,
)
"""Opens the form for ``/sent``: on the weekly kickoff and under a member's ``/progress``."""

REMINDER_CHOICES = {
    Step.SECOND_CONTACT: (
        Choice.WRITE_ELSEWHERE,
        Choice.REPLIED,
        Choice.BOOKED,
        Choice.SNOOZE,
        Choice.STOP,
    ),
    Step.FOLLOW_UP: (
        Choice.FOLLOWED_UP,
        Choice.REPLIED,
        Choice.BOOKED,
        Choice.SNOOZE,
        Choice.STOP,
    ),
    Step.MOVE_ON: (Choice.REPLIED, Choice.LOG_EMAIL),
}
CHECKBACK_CHOICES = (Choice.HAPPENED, Choice.MOVED, Choice.CANCELLED)


def label(choice: Choice, contact: Contact) -> str:
    if choice is Choice.WRITE_ELSEWHERE:
        where = contact.organization or "the same field"
        return f"Write to someone else at {where}"[:75]
    if choice is Choice.LOG_EMAIL:
        return "Write to someone new"
    return LABELS[choice]


def reminder_buttons(
    member_id: int, contact: Contact, step: Step, anchor_id: int
) -> tuple[Button, ...]:
    """The answers to one milestone's reminder, the expected one first."""
    return tuple(
        Button(
            label(choice, contact),
            ButtonId(
                Subject.REMINDER, choice, member_id, contact.id, anchor_id, step.value
            ).encode(),
            _style(index, choice),
        )
        for index, choice in enumerate(REMINDER_CHOICES.get(step, ()))
    )


def interview_day(on: date | None) -> str:
    """How a check-back's button names the interview's day (a moved one is a new question)."""
    return on.isoformat() if on is not None else "undated"


def _style(index: int, choice: Choice) -> ButtonStyle:
    """The expected answer stands out; stopping reads as the way out it is."""
    if choice is Choice.STOP:
        return ButtonStyle.DANGER
    return ButtonStyle.PRIMARY if index == 0 else ButtonStyle.PLAIN


def checkback_buttons(
    member_id: int, contact: Contact, anchor_id: int, on: date | None
) -> tuple[Button, ...]:
    """The three answers to "did your conversation happen?"."""
    return tuple(
        Button(
            label(choice, contact),
            ButtonId(
                Subject.CHECKBACK, choice, member_id, contact.id, anchor_id, interview_day(on)
            ).encode(),
            ButtonStyle.PRIMARY if choice is Choice.HAPPENED else ButtonStyle.PLAIN,
        )
        for choice in CHECKBACK_CHOICES
    )


def settled(message: Reply, outcome: str) -> Reply:
    """The pressed message as it should stay in the history: its words, what was done, and
    no buttons left to press."""
    return replace(message, text=f"{message.text}\n\n✓ {outcome}", buttons=())
