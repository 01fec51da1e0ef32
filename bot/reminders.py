"""Personal follow-up reminders: the 3B7 milestones of section 4, in words for one member.

Each milestone of a contact's clock is named by the action that started the clock, so it is
announced at most once however often the bot looks; the contact is named only here, in the
member's private message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.followups import (
    FOLLOW_UP_DAYS,
    MOVE_ON_DAYS,
    SECOND_CONTACT_DAYS,
    Step,
    reminder_instant,
)
from bot.models import Action, ActionKind, Contact
from bot.replies import Reply
from bot.texts import contact_label

_STOPPED_BY = frozenset(
    {
        ActionKind.REPLY_RECEIVED,
        ActionKind.INTERVIEW_SCHEDULED,
        ActionKind.INTERVIEW_DONE,
        ActionKind.THANK_YOU_SENT,
    }
)


@dataclass(frozen=True)
class Milestone:
    """A reminder a contact's clock will (or did) reach."""

    step: Step
    due_at: datetime
    anchor_id: int

    def key(self, member_id: int, contact_id: int) -> str:
        return f"reminder:{member_id}:{contact_id}:{self.step.value}:{self.anchor_id}"


def milestones(actions: Sequence[Action], tz: ZoneInfo) -> list[Milestone]:
    """The reminders of the contact's current clock; none once they have replied."""
    if any(a.kind in _STOPPED_BY for a in actions):
        return []
    emails = [a for a in actions if a.kind is ActionKind.EMAIL_SENT]
    anchor = emails[-1] if emails else None
    follow_ups = [
        a
        for a in actions
        if a.kind is ActionKind.FOLLOW_UP_SENT
        and (anchor is None or a.occurred_at >= anchor.occurred_at)
    ]
    if follow_ups:
        last = follow_ups[-1]
        return [
            Milestone(Step.MOVE_ON, reminder_instant(last.occurred_at, MOVE_ON_DAYS, tz), last.id)
        ]
    if anchor is None:
        return []
    return [
        Milestone(
            Step.SECOND_CONTACT,
            reminder_instant(anchor.occurred_at, SECOND_CONTACT_DAYS, tz),
            anchor.id,
        ),
        Milestone(
            Step.FOLLOW_UP, reminder_instant(anchor.occurred_at, FOLLOW_UP_DAYS, tz), anchor.id
        ),
    ]


def reminder_reply(contact: Contact, step: Step) -> Reply:
    """The private message for one milestone."""
    label = contact_label(contact)
    where = (
        f"someone else at {contact.organization}"
        if contact.organization
        else "a second person in the same field"
    )
    if step is Step.SECOND_CONTACT:
        text = (
            f"It's been 3 business days since you wrote to {label}. No reply yet is normal. "
            f"Today, try {where}; `/contacts due` shows what's next."
        )
    elif step is Step.FOLLOW_UP:
        text = (
            f"Seven business days since you wrote to {label}. Time for one short, friendly "
            f"follow-up: two or three lines that repeat the ask. Then `/followup {contact.name}`."
        )
    else:
        text = (
            f"{contact.name} hasn't answered your follow-up. Let this one go, no hard feelings, "
            "and write to someone new; `/sent` when you do."
        )
    return Reply(text, private=True, title="Follow-up reminder")
