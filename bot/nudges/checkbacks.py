"""The check-back after an interview, in words, and its key in the ledger.

When it is due comes from ``bot.interviews``. Each is keyed by the scheduled interview and
its date, so it is asked once per date however often the bot looks; moving the interview to
another day asks again after the new one. The answers are buttons, and the message says the
command to type for each too.
"""

from __future__ import annotations

from bot.interviews import CheckBack
from bot.models import Contact
from bot.presses.buttons import checkback_buttons
from bot.replies import Reply
from bot.texts import short_date


def checkback_key(member_id: int, contact_id: int, back: CheckBack) -> str:
    """The ledger key of one check-back: claimed once, so sent once."""
    when = back.on.isoformat() if back.on else "undated"
    return f"checkback:{member_id}:{contact_id}:{back.anchor_id}:{when}"


def checkback_reply(member_id: int, contact: Contact, back: CheckBack) -> Reply:
    """The private question, with the three answers as buttons and as commands to type."""
    name = contact.name
    when = f" on {short_date(back.on)}" if back.on else ""
    return Reply(
        f"Did your conversation with {name}{when} happen? Reply with the one that fits:\n"
        f"• It happened: `/interview {name} status:done`\n"
        f"• It moved: `/interview {name} status:moved on:YYYY-MM-DD`\n"
        f"• It was cancelled: `/interview {name} status:cancelled`\n"
        "Plans change all the time; whichever it is, it's worth noting.",
        private=True,
        title="How did it go?",
        buttons=checkback_buttons(member_id, contact, back.anchor_id, back.on),
    )
