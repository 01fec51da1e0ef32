"""Personal follow-up reminders: the milestones of a contact's 3B7 clock, in words, and the
digest of those that came due while the bot was not running.

The milestones themselves come from ``bot.followups``. Each is keyed by the action that
started the clock, so it is announced at most once however often the bot looks; the contact
is named only here, in the member's private message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.followups import Milestone, Step
from bot.models import Contact
from bot.presses.buttons import reminder_buttons
from bot.replies import Reply
from bot.texts import contact_label, plural


def reminder_key(member_id: int, contact_id: int, milestone: Milestone) -> str:
    """The ledger key of one milestone's reminder: claimed once, so sent once (a snoozed one
    is a new reminder, one per snooze's end)."""
    key = f"reminder:{member_id}:{contact_id}:{milestone.step.value}:{milestone.anchor_id}"
    return f"{key}:snoozed:{milestone.due_at:%Y%m%dT%H%M}" if milestone.snoozed else key


def reminder_reply(member_id: int, contact: Contact, step: Step, anchor_id: int) -> Reply:
    """The private message for one milestone, with its answers as buttons (the commands to
    type are in the words too, for a platform or a reader without buttons)."""
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
    return Reply(
        text,
        private=True,
        title="Follow-up reminder",
        buttons=reminder_buttons(member_id, contact, step, anchor_id),
    )


def digest_key(member_id: int, morning: date) -> str:
    """The ledger key of a member's digest of missed reminders for one morning."""
    return f"reminder-digest:{member_id}:{morning.isoformat()}"


DIGEST_LINES = {
    Step.SECOND_CONTACT: "3 business days without a reply: a good day to write to {where}",
    Step.FOLLOW_UP: "7 business days without a reply: time for one short, friendly follow-up",
    Step.MOVE_ON: "no answer to your follow-up: let this one go and write to someone new",
}


def digest_reply(missed: Sequence[tuple[Contact, Step]]) -> Reply:
    """Reminders that came due while reachout was not running, together in one message.

    Each contact appears once, at its latest step."""
    latest: dict[int, tuple[Contact, Step]] = {}
    for contact, step in missed:
        latest[contact.id] = (contact, step)
    lines = []
    for contact, step in latest.values():
        where = (
            f"someone else at {contact.organization}"
            if contact.organization
            else ("a second person in the same field")
        )
        lines.append(f"• {contact_label(contact)}: {DIGEST_LINES[step].format(where=where)}")
    count = plural(len(latest), "contact")
    text = (
        f"reachout was offline when your follow-up reminders came due, so here they are "
        f"together ({count}):\n" + "\n".join(lines) + "\n`/contacts due` shows every next step."
    )
    return Reply(text, private=True, title="Follow-ups waiting for you")
