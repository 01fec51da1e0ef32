"""The ids buttons and forms carry: short ASCII strings only this package parses.

Adapters treat them as opaque (``bot.replies.PRESS_PREFIX`` tells them which are ours). An id
names the message's subject (member, contact, the action that started the clock) and the
choice, so the core can check who pressed, whether the step still stands, and log the press
once under the message's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.replies import ACTION_ID_LIMIT, PRESS_PREFIX


class Choice(StrEnum):
    """What a button does; the values are what ids carry."""

    FOLLOWED_UP = "f"
    REPLIED = "r"
    BOOKED = "b"
    WRITE_ELSEWHERE = "w"
    HAPPENED = "h"
    MOVED = "m"
    CANCELLED = "c"
    LOG_EMAIL = "l"
    STOP = "s"
    SNOOZE = "z"
    PICK = "p"
    SOMEONE_NEW = "n"


class Subject(StrEnum):
    """Which kind of message a button is on."""

    REMINDER = "rem"
    CHECKBACK = "chk"
    ANYONE = "any"
    CLOSE_NAME = "dym"


@dataclass(frozen=True)
class ButtonId:
    """A decoded id. ``member_id``, ``contact_id``, ``anchor_id`` and ``step`` are 0 and
    empty for a button anyone may press (``Subject.ANYONE``, e.g. "Log an email")."""

    subject: Subject
    choice: Choice
    member_id: int = 0
    contact_id: int = 0
    anchor_id: int = 0
    step: str = ""

    def encode(self) -> str:
        text = (
            f"{PRESS_PREFIX}{self.subject.value}:{self.choice.value}:{self.member_id}:"
            f"{self.contact_id}:{self.anchor_id}:{self.step}"
        )
        if len(text) > ACTION_ID_LIMIT or not text.isascii():
            raise ValueError(f"button id too long or not ASCII: {text!r}")
        return text

    @property
    def message_key(self) -> str:
        """The key of the message the button is on: one press of it is logged, whichever
        (a "did you mean" message offers several contacts, so they are left out of it)."""
        contact = 0 if self.subject is Subject.CLOSE_NAME else self.contact_id
        return f"press:{self.subject.value}:{self.member_id}:{contact}:{self.anchor_id}:{self.step}"


FORM_SENT = f"{PRESS_PREFIX}form:sent"
"""The "Log an email" form's id."""
FORM_MOVED = f"{PRESS_PREFIX}form:moved:"
"""The prefix of a moved interview's form id; the check-back's button id follows it."""


def pending_key(member_id: int) -> str:
    """The adapter-state key of a member's refused command kept for its "did you mean"
    buttons (``bot.presses.offers``); empty once answered or forgotten."""
    return f"pending-name:{member_id}"


def decode(text: str) -> ButtonId | None:
    """The id a button carried, or None for anything this bot did not make."""
    if not text.startswith(PRESS_PREFIX) or len(text) > ACTION_ID_LIMIT:
        return None
    parts = text.removeprefix(PRESS_PREFIX).split(":")
    if len(parts) != 6:
        return None
    subject, choice, member, contact, anchor, step = parts
    try:
        return ButtonId(
            Subject(subject), Choice(choice), int(member), int(contact), int(anchor), step
        )
    except ValueError:
        return None
