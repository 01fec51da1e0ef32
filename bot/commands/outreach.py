"""Handlers that log outreach: /sent, /followup, /reply, /thanks, /undo (/interview and
/referral are in ``bot.commands.coaching``)."""

from __future__ import annotations

import re

from bot.commands.registry import Args
from bot.engine import Engine
from bot.errors import UserError
from bot.followups import SECOND_CONTACT_DAYS, reminder_instant
from bot.invocation import Invocation
from bot.models import ACTION_LABELS, EMAIL_KINDS, ActionKind, describe_count
from bot.replies import Reply
from bot.store import LoggedAction
from bot.texts import contact_label, local_short_date, plural

_EMAIL_ADDRESS = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def contact_name(args: Args, required: bool) -> str | None:
    name = args.text("contact")
    if name is None:
        if required:
            raise UserError("Name the contact, e.g. `Jane Doe`.")
        return None
    if _EMAIL_ADDRESS.search(name):
        raise UserError(
            "Please keep email addresses out of reachout: a name or nickname is enough, "
            "e.g. `/sent Jane Doe org:Acme`."
        )
    return name


def _week_line(inv: Invocation, before: int, emails: int) -> str:
    """How the week stands against the email goal, celebrating the moment it is met."""
    goal = inv.email_goal
    if emails >= goal > before:
        return f"That's {emails} of {goal} this week: weekly goal met! 🎯"
    if emails >= goal:
        return f"That's {emails} this week, past your goal of {goal}. 🚀"
    left = goal - emails
    return f"That's {emails} of {goal} this week; {plural(left, 'more email')} to go."


async def _emails_before(engine: Engine, inv: Invocation) -> int:
    week = await engine.week_totals(inv)
    return sum(week.get(k, 0) for k in EMAIL_KINDS)


def is_new(args: Args) -> bool:
    """The member said the name is someone new, though close to a contact they logged."""
    return bool(args.flag("new"))


def new_contact_note(logged: LoggedAction) -> str:
    """Flags a contact created by a command other than /sent, which may be a typo."""
    if not logged.contact_created:
        return ""
    return "\n(That's a new contact. If you meant someone you already logged, `/undo`.)"


async def sent(engine: Engine, inv: Invocation, args: Args) -> Reply:
    contact = contact_name(args, required=False)
    org = args.text("org")
    count = args.integer("count") or 1
    if contact is not None and count > 1:
        raise UserError(
            "Log one named contact at a time, e.g. `/sent Jane Doe`. Use `count` for emails "
            "you'd rather not name, e.g. `/sent count:3`."
        )
    if contact is None and org is not None:
        raise UserError(
            "Add the person's name or a nickname with the organisation, e.g. `/sent Jane org:Acme`."
        )
    before = await _emails_before(engine, inv)
    logged = await engine.record(
        inv,
        ActionKind.EMAIL_SENT,
        contact=contact,
        organization=org,
        count=count,
        note=args.text("note") or "",
        new_contact=is_new(args),
    )
    week = _week_line(inv, before, before + logged.action.count)
    if logged.contact is None:
        return Reply(f"Logged {describe_count(ActionKind.EMAIL_SENT, count)}. {week}")
    check_in = reminder_instant(
        logged.action.occurred_at, SECOND_CONTACT_DAYS, inv.tz, inv.calendar
    )
    return Reply(
        f"Logged an outreach email to {contact_label(logged.contact)}. {week}\n"
        f"If there's no reply by {local_short_date(check_in, inv.tz)}, I'll suggest a next step."
    )


async def followup(engine: Engine, inv: Invocation, args: Args) -> Reply:
    name = contact_name(args, required=True)
    before = await _emails_before(engine, inv)
    logged = await engine.record(
        inv,
        ActionKind.FOLLOW_UP_SENT,
        contact=name,
        note=args.text("note") or "",
        new_contact=is_new(args),
    )
    assert logged.contact is not None
    week = _week_line(inv, before, before + logged.action.count)
    return Reply(
        f"Logged a follow-up to {contact_label(logged.contact)}. {week}\n"
        "One follow-up is plenty: if they stay quiet, it's not about you."
        f"{new_contact_note(logged)}"
    )


async def reply(engine: Engine, inv: Invocation, args: Args) -> Reply:
    name = contact_name(args, required=True)
    logged = await engine.record(
        inv,
        ActionKind.REPLY_RECEIVED,
        contact=name,
        note=args.text("note") or "",
        new_contact=is_new(args),
    )
    assert logged.contact is not None
    return Reply(
        f"{logged.contact.name} replied! 🎉 Follow-up clock stopped.\n"
        "Next: suggest a 20-minute call at a time that suits them, then "
        f"`/interview {logged.contact.name} status:scheduled`.{new_contact_note(logged)}"
    )


async def thanks(engine: Engine, inv: Invocation, args: Args) -> Reply:
    name = contact_name(args, required=True)
    logged = await engine.record(
        inv, ActionKind.THANK_YOU_SENT, contact=name, new_contact=is_new(args)
    )
    assert logged.contact is not None
    return Reply(
        f"Thank-you to {logged.contact.name} logged. That closes the loop, nicely done. "
        f"Later, let them know how their advice worked out.{new_contact_note(logged)}"
    )


async def undo(engine: Engine, inv: Invocation, args: Args) -> Reply:
    undone = await engine.undo(inv)
    if undone is None:
        raise UserError("There's nothing to undo: you have no logged actions left.")
    action, contact = undone
    what = (
        describe_count(action.kind, action.count)
        if action.count > 1
        else ACTION_LABELS[action.kind][0]
    )
    target = f", {contact_label(contact)}" if contact else ""
    when = action.occurred_at.astimezone(inv.tz)
    return Reply(
        f"Undone: {what}{target}, logged {when:%a} {when.day} {when:%b} at {when:%H:%M}.\n"
        "Type `/undo` again to undo the one before."
    )
