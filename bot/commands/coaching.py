"""Handlers for coaching beyond logging: /interview (scheduled with a date, moved, cancelled,
done), /referral (the "who else should I talk to?" of every conversation) and /draft.

Platform buttons for the check-back's answers do not exist yet, so every answer is a typed
command, and each reply says the exact command for the next step.
"""

from __future__ import annotations

from datetime import date, time

from bot.commands.organizers import parse_wall_time
from bot.commands.outreach import contact_name, is_new, new_contact_note
from bot.commands.registry import Args
from bot.drafts import Verdict, review
from bot.engine import Engine
from bot.errors import UserError
from bot.interviews import check_back
from bot.invocation import Invocation
from bot.models import ActionKind
from bot.names import normalize
from bot.replies import Field, Reply
from bot.texts import contact_label, interview_when, local_short_date, plural

INTERVIEW_STATUSES = ("done", "scheduled", "moved", "cancelled")
_DATED = ("scheduled", "moved")


def referral_prompt(name: str) -> str:
    """The question to ask after every conversation, with the command that answers it."""
    return (
        "Did they suggest anyone else to talk to? "
        f'`/referral NAME from:"{name}" org:ORG` adds them, linked to {name}.'
    )


def _wall_time(args: Args) -> time | None:
    raw = args.text("at")
    return None if raw is None else parse_wall_time(raw, "at")


async def interview(engine: Engine, inv: Invocation, args: Args) -> Reply:
    name = contact_name(args, required=True)
    assert name is not None
    status = args.text("status") or "done"
    on, at = args.day("on"), _wall_time(args)
    share = bool(args.flag("share"))
    note = args.text("note") or ""
    if (on is not None or at is not None) and status not in _DATED:
        raise UserError(
            f"`on` and `at` go with `status:scheduled` or `status:moved`, e.g. "
            f"`/interview {name} status:scheduled on:YYYY-MM-DD at:14:00`."
        )
    if at is not None and on is None:
        raise UserError("Add the day too, e.g. `on:2026-12-03 at:14:00`.")
    if share and status != "done":
        raise UserError("Share the interview once it's done: `/interview NAME share:yes`.")
    if status == "scheduled":
        return await _scheduled(engine, inv, name, on, at, note, is_new(args))
    if status == "moved":
        if on is None:
            raise UserError(
                f"Say the new day, e.g. `/interview {name} status:moved on:YYYY-MM-DD`."
            )
        contact, moved = await engine.move_interview(inv, name, on, at)
        back = check_back([moved], inv.tz, inv.calendar)
        assert back is not None
        return Reply(
            f"Moved: your conversation with {contact_label(contact)} is now"
            f"{interview_when(moved.scheduled_on, moved.scheduled_time)}. "
            f"I'll check in on {local_short_date(back.due_at, inv.tz)}."
        )
    if status == "cancelled":
        logged = await engine.cancel_interview(inv, name, note)
        assert logged.contact is not None
        return Reply(
            f"Noted: the conversation with {logged.contact.name} is off. That happens, and "
            "it's never about you. If it suits them, suggest another time later with "
            f"`/interview {logged.contact.name} status:scheduled`; meanwhile, "
            "`/sent` to someone new keeps things moving."
        )
    return await _done(engine, inv, name, note, share, is_new(args))


async def _scheduled(
    engine: Engine,
    inv: Invocation,
    name: str,
    day: date | None,
    at: time | None,
    note: str,
    new_contact: bool,
) -> Reply:
    logged = await engine.schedule_interview(inv, name, day, at, note, new_contact)
    assert logged.contact is not None
    back = check_back([logged.action], inv.tz, inv.calendar)
    assert back is not None
    when = interview_when(day, at)
    check = local_short_date(back.due_at, inv.tz)
    later = (
        f"I'll check in privately on {check} to see how it went."
        if day
        else f"No date yet, so I'll check in on {check}; add one with "
        f"`/interview {logged.contact.name} status:moved on:YYYY-MM-DD`."
    )
    return Reply(
        f"Interview with {contact_label(logged.contact)} scheduled{when}. Prepare three or "
        f"four questions about their path and their work, and be on time. {later}"
        f"{new_contact_note(logged)}"
    )


async def _done(
    engine: Engine, inv: Invocation, name: str, note: str, share: bool, new_contact: bool
) -> Reply:
    logged = await engine.record(
        inv, ActionKind.INTERVIEW_DONE, contact=name, note=note, new_contact=new_contact
    )
    assert logged.contact is not None
    if share:
        progress = await engine.progress(inv)
        return Reply(
            f"🎉 {inv.member.display_name} just had an informational interview! "
            f"That's {plural(progress.interviews_this_month, 'interview')} this month.",
            private=False,
        )
    return Reply(
        f"Interview with {contact_label(logged.contact)} logged. Nice work! 🙌\n"
        f"Send a short thank-you today, then `/thanks {logged.contact.name}`.\n"
        f"{referral_prompt(logged.contact.name)}{new_contact_note(logged)}"
    )


async def referral(engine: Engine, inv: Invocation, args: Args) -> Reply:
    name = contact_name(args, required=True)
    source = args.text("from")
    assert name is not None
    assert source is not None
    if normalize(name) == normalize(source):
        raise UserError(
            "Someone can't refer themselves: name the new person and who suggested them."
        )
    logged, referrer = await engine.refer(
        inv, name, source, args.text("org"), args.text("note") or "", is_new(args)
    )
    assert logged.contact is not None
    return Reply(
        f"Added {contact_label(logged.contact)}, via {referrer.name}. 🌱 Introductions are "
        f"how a search compounds. Write to them soon and mention {referrer.name}; "
        f"`/sent {logged.contact.name}` starts their follow-up clock."
    )


_MARKS = {Verdict.GOOD: "✅", Verdict.OKAY: "💡", Verdict.FIX: "✏️"}
_CHECK_NAMES = {
    "length": "Length",
    "ask": "The ask",
    "connection": "Connection first",
    "question": "Ends with a question",
    "focus": "About them, or about you",
}


async def draft(engine: Engine, inv: Invocation, args: Args) -> Reply:
    """The draft check. The text is never stored or logged: it lives only in this call."""
    text = args.text("text")
    assert text is not None
    result = review(text)
    fields = tuple(
        Field(f"{_MARKS[c.verdict]} {_CHECK_NAMES[c.name]}", c.explanation) for c in result.checks
    )
    return Reply(
        "Here's what I noticed. Your draft isn't stored or logged anywhere: it's gone once "
        "you've read this.",
        title="Your draft, checked",
        fields=fields,
    )
