"""Personal follow-up reminders: the milestones of a contact's 3B7 clock, in words.

The milestones themselves come from ``bot.followups``. Each is keyed by the action that
started the clock, so it is announced at most once however often the bot looks; the contact
is named only here, in the member's private message.
"""

from __future__ import annotations

from bot.followups import Milestone, Step
from bot.models import Contact
from bot.replies import Reply
from bot.texts import contact_label


def reminder_key(member_id: int, contact_id: int, milestone: Milestone) -> str:
    """The ledger key of one milestone's reminder: claimed once, so sent once."""
    return f"reminder:{member_id}:{contact_id}:{milestone.step.value}:{milestone.anchor_id}"


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
