"""Handlers for a member's own settings and data: /pause, /settings, /mydata."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.commands.exports import member_document
from bot.commands.registry import Args
from bot.engine import Engine
from bot.errors import UserError
from bot.holidays import MEMBER_DEFAULT, cohort_calendar, describe, setting_from_text
from bot.invocation import Invocation
from bot.replies import Attachment, Field, Reply
from bot.texts import short_date
from bot.timezones import UnknownTimezone, require_timezone

RESUME_WORDS = ("off",)
TIMEZONE_RESET = "default"


async def pause(engine: Engine, inv: Invocation, args: Args) -> Reply:
    until = args.day("until")
    if args.text("until") in RESUME_WORDS:
        if await engine.resume(inv):
            return Reply("Welcome back! Nudges and reminders are on again.")
        return Reply("You weren't paused. Nudges and reminders are on.")
    if until is None:
        current = await engine.current_pause(inv)
        if current is not None:
            return Reply(
                f"You're paused until {short_date(current.end)}. "
                "`/pause until:off` to come back early."
            )
        return Reply(
            "Need a break for a thesis crunch or a holiday? `/pause until:2026-12-31` stops "
            "nudges and reminders until that date, and your streak waits for you."
        )
    saved = await engine.pause(inv, until)
    return Reply(
        f"Paused until {short_date(saved.end)} (inclusive). No nudges or reminders until then, "
        "and your streak is safe. Rest well."
    )


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


async def settings(engine: Engine, inv: Invocation, args: Args) -> Reply:
    member = inv.member
    leaderboard, mentions, reminders = (
        args.flag("leaderboard"),
        args.flag("mentions"),
        args.flag("reminders"),
    )
    if leaderboard is not None:
        member = replace(member, show_on_leaderboard=leaderboard)
    if mentions is not None:
        member = replace(member, allow_mentions=mentions)
    if reminders is not None:
        member = replace(member, reminders_by_dm=reminders)
    if (holidays := args.text("holidays")) is not None:
        member = replace(member, holiday_calendar=setting_from_text(holidays, MEMBER_DEFAULT))
    changed = member != inv.member
    timezone = args.text("timezone")
    if timezone is not None:
        if timezone.casefold() == TIMEZONE_RESET:
            member = replace(member, timezone=None)
        else:
            try:
                member = replace(member, timezone=require_timezone(timezone))
            except UnknownTimezone as unknown:
                raise UserError(f"{unknown} Or `default` for the cohort's.") from None
        changed = True
    if changed:
        inv = await engine.update_settings(inv, member)
    member = inv.member
    if member.timezone:
        zone_note = ""
    elif member.profile_timezone:
        zone_note = " (from your profile)"
    else:
        zone_note = " (the cohort's)"
    fields = (
        Field("Named on the leaderboard", _yes_no(member.show_on_leaderboard)),
        Field("Named in check-ins", _yes_no(member.allow_mentions)),
        Field("Reminders by direct message", _yes_no(member.reminders_by_dm)),
        Field("Time zone", f"{inv.timezone}{zone_note}"),
        Field("Business days skip", _holidays_note(inv)),
    )
    text = "Saved." if changed else "Change any of these, e.g. `/settings mentions:yes`."
    return Reply(text=text, title="Your settings", fields=fields)


def _holidays_note(inv: Invocation) -> str:
    if inv.member.holiday_calendar is not None:
        return describe(inv.calendar)
    return f"{describe(cohort_calendar(inv.cohort))} (the cohort's)"


async def export(engine: Engine, inv: Invocation, args: Args) -> Reply:
    document = member_document(inv, await engine.member_data(inv))
    content = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    filename = f"reachout-export-{inv.now:%Y-%m-%d}.json"
    return Reply(
        "Here is everything reachout stores about you, as JSON.",
        attachment=Attachment(filename, content),
    )


async def forget(engine: Engine, inv: Invocation, args: Args) -> Reply:
    if not args.flag("confirm"):
        return Reply(
            "This permanently erases everything reachout stores about you in this workspace: "
            "your contacts, every logged action, your goals and settings. It can't be undone. "
            "`/mydata export` first if you want a copy, then run "
            "`/mydata forget confirm:yes`."
        )
    await engine.forget(inv)
    return Reply("Done: everything about you is erased. Good luck out there. 👋")
