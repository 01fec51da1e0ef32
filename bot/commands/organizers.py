"""Handlers for organizers: the /cohort subcommands."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.commands.exports import cohort_csv
from bot.commands.registry import Args
from bot.engine import Engine
from bot.errors import UserError
from bot.funnel import funnel_lines
from bot.holidays import FROM_TIME_ZONE, cohort_calendar, describe, setting_from_text
from bot.invocation import Invocation
from bot.models import ACTION_LABELS, ActionKind, Cohort
from bot.nudges.calendar import Schedule, upcoming
from bot.nudges.ledger import DeliveryStatus
from bot.periods import WEEKDAYS
from bot.privacy import SMALL_COUNT, member_count
from bot.replies import Attachment, Field, Reply
from bot.summaries import CohortWeek
from bot.texts import plural, short_date
from bot.timezones import require_timezone, zone

_WALL_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
PROBLEMS_SHOWN = 5


def _timezone(args: Args) -> str | None:
    raw = args.text("timezone")
    return None if raw is None else require_timezone(raw)


async def setup(engine: Engine, inv: Invocation, args: Args) -> Reply:
    week_start_name = args.text("week_start")
    week_start = WEEKDAYS.index(week_start_name) if week_start_name else None
    holidays = _holidays(args)
    cohort, created = await engine.setup_cohort(inv, args.text("name"), _timezone(args), week_start)
    if holidays is not None:
        cohort = await engine.set_cohort_holidays(cohort, holidays or None)
    verb = "created" if created else "set up"
    return Reply(
        f"Cohort “{cohort.name}” {verb} in this channel: time zone {cohort.timezone}, weeks "
        f"start on {WEEKDAYS[cohort.week_start].capitalize()}, default goal "
        f"{plural(cohort.email_goal, 'email')} a week, business days skip "
        f"{_holidays_summary(cohort)}. You're an organizer.\n"
        "Next: `/cohort goal` to change the default goal, `/cohort organizers` to add helpers."
    )


def _holidays(args: Args) -> str | None:
    """The holiday setting asked for, checked before anything is written: a code or
    ``none``, ``""`` to follow the time zone, None if not asked."""
    raw = args.text("holidays")
    if raw is None:
        return None
    return setting_from_text(raw, FROM_TIME_ZONE) or ""


def _holidays_summary(cohort: Cohort) -> str:
    source = " (from the time zone)" if cohort.holiday_calendar is None else ""
    return describe(cohort_calendar(cohort)) + source


def parse_wall_time(raw: str, name: str) -> time:
    """``09:00``, ``9:30``, ``15:00``, ``9am``, ``3:30pm``."""
    match = _WALL_TIME.match(raw.strip().casefold())
    hour = minute = -1
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if match.group(3):
            hour = -1 if not 1 <= hour <= 12 else hour % 12 + (12 if match.group(3) == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise UserError(f"`{name}` should be a time like `09:00` or `15:30` (24-hour), or `9am`.")
    return time(hour, minute)


def _when(instant: datetime, tz_name: str) -> str:
    local = instant.astimezone(zone(tz_name))
    return f"{short_date(local.date())} {local:%H:%M}"


def _schedule_summary(cohort: Cohort) -> str:
    kickoff = f"kickoff {WEEKDAYS[cohort.kickoff_day].capitalize()} {cohort.kickoff_time:%H:%M}"
    if cohort.checkin_day is None:
        checkin = "no midweek check-in"
    else:
        checkin = (
            f"check-in {WEEKDAYS[cohort.checkin_day].capitalize()} {cohort.checkin_time:%H:%M}"
        )
    return (
        f"{kickoff}, {checkin} ({cohort.timezone}; catch-up window {cohort.grace_hours} h; "
        f"business days skip {_holidays_summary(cohort)})"
    )


async def schedule(engine: Engine, inv: Invocation, args: Args) -> Reply:
    cohort = inv.cohort
    wanted = current = Schedule.of(cohort)
    if (day := args.text("kickoff_day")) is not None:
        wanted = replace(wanted, kickoff_day=WEEKDAYS.index(day))
    if (raw := args.text("kickoff_time")) is not None:
        wanted = replace(wanted, kickoff_time=parse_wall_time(raw, "kickoff_time"))
    if (raw := args.text("checkin_time")) is not None:
        checkin_time = parse_wall_time(raw, "checkin_time")
        wanted = replace(wanted, checkin_day=wanted.checkin_day or 3, checkin_time=checkin_time)
    if (day := args.text("checkin_day")) is not None:
        wanted = replace(wanted, checkin_day=None if day == "off" else WEEKDAYS.index(day))
    if (timezone := _timezone(args)) is not None:
        wanted = replace(wanted, timezone=timezone)
    if (grace := args.integer("grace")) is not None:
        wanted = replace(wanted, grace_hours=grace)
    if (holidays := _holidays(args)) is not None:
        inv = replace(inv, cohort=replace(cohort, holiday_calendar=holidays or None))
    changes = wanted != current or inv.cohort != cohort
    if changes:
        cohort = await engine.reschedule(inv, wanted)
    if cohort.channel_id is None:
        return Reply(
            f"Schedule: {_schedule_summary(cohort)}. Nudges start once the cohort has a "
            "channel: run `/cohort setup` there."
        )
    times = "\n".join(
        f"• {_when(o.due_at, cohort.timezone)} {o.kind.value}" for o in upcoming(cohort, inv.now, 3)
    )
    prefix = "Schedule saved" if changes else "Schedule"
    return Reply(f"{prefix}: {_schedule_summary(cohort)}.\nNext:\n{times}")


async def preview(engine: Engine, inv: Invocation, args: Args) -> Reply:
    found = await engine.next_nudge(inv)
    if found is None:
        return Reply("Nothing is scheduled. Set a schedule with `/cohort schedule`.")
    occurrence, nudge = found
    when = _when(occurrence.due_at, inv.cohort.timezone)
    return replace(
        nudge,
        private=True,
        title=f"Preview, goes out {when}: {nudge.title}",
        mentions=(),
    )


async def nudge_now(engine: Engine, inv: Invocation, args: Args) -> Reply:
    outcome = await engine.nudge_now(inv)
    if outcome.record is not None:
        record = outcome.record
        when = _when(record.finished_at or record.claimed_at, inv.cohort.timezone)
        return Reply(
            f"This week's kickoff was already handled ({record.status.value}, {when}). "
            "It never goes out twice; the next one follows the schedule."
        )
    if outcome.status is DeliveryStatus.SENT:
        return Reply("Posted this week's kickoff. The scheduled one for this week won't follow.")
    if outcome.status is DeliveryStatus.RETRYING:
        return Reply(f"The platform is busy ({outcome.detail}); I'll retry it shortly.")
    raise UserError(f"The kickoff could not be posted: {outcome.detail}.")


async def goal(engine: Engine, inv: Invocation, args: Args) -> Reply:
    emails = args.integer("emails")
    interviews = args.integer("interviews")
    cohort = inv.cohort
    if emails is not None or interviews is not None:
        cohort = await engine.set_cohort_goals(inv, emails, interviews)
    interview_text = (
        f"{plural(cohort.interview_goal, 'interview')} a month"
        if cohort.interview_goal
        else "no interview goal"
    )
    changed = emails is not None or interviews is not None
    prefix = "Cohort defaults set" if changed else "Cohort defaults"
    return Reply(
        f"{prefix}: {plural(cohort.email_goal, 'email')} a week, {interview_text}. "
        "Members who set their own `/goal` keep theirs."
    )


def _totals_line(totals: dict[ActionKind, int]) -> str:
    parts = [f"{ACTION_LABELS[k][1]}: {totals[k]}" for k in ActionKind if totals.get(k)]
    return ", ".join(parts) if parts else "nothing logged"


def _who_logged(week: CohortWeek) -> str:
    """How many logged, as a count that never points at fewer than 5 members."""
    if 0 < week.members < SMALL_COUNT:
        return (
            f"{plural(week.members, 'member')}; how many logged is not shown in a cohort of "
            f"fewer than {SMALL_COUNT}."
        )
    return (
        f"{member_count(week.active)} of {plural(week.members, 'member')} logged; "
        f"{member_count(week.met_goal)} met their email goal."
    )


async def stats(engine: Engine, inv: Invocation, args: Args) -> Reply:
    this_week = await engine.cohort_week(inv.cohort, inv.now)
    last_week = await engine.cohort_week(inv.cohort, inv.now - timedelta(weeks=1))
    fields = []
    for label, week in (("This week", this_week), ("Last week", last_week)):
        fields.append(
            Field(
                f"{label} (from {short_date(week.first_day)})",
                f"{_who_logged(week)}\n{_totals_line(week.totals)}",
            )
        )
    funnel = await engine.cohort_funnel(inv.cohort)
    fields.append(Field("The cohort's funnel (all time)", funnel_lines(funnel)))
    problems = await engine.delivery_problems(inv, inv.now - timedelta(weeks=4))
    if problems:
        lines = [
            f"• {p.kind.value} due {_when(p.due_at, inv.cohort.timezone)}: {p.detail}"
            for p in problems[:PROBLEMS_SHOWN]
        ]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"…and {len(problems) - PROBLEMS_SHOWN} more")
        fields.append(Field("Delivery problems (last 4 weeks)", "\n".join(lines)))
    return Reply(
        text="Numbers only: contact names stay private to each member.",
        title=f"📊 {inv.cohort.name}",
        fields=tuple(fields),
    )


async def export(engine: Engine, inv: Invocation, args: Args) -> Reply:
    content = cohort_csv(inv.cohort, await engine.cohort_history(inv.cohort))
    return Reply(
        "Weekly counts as CSV: all members each week, then members who show on the "
        "leaderboard by name (no contact names, no notes; members hidden from the leaderboard "
        "are in the totals only).",
        attachment=Attachment(
            f"reachout-cohort-{inv.cohort.id}-{inv.now:%Y-%m-%d}.csv",
            content.encode("utf-8"),
        ),
    )


async def organizers(engine: Engine, inv: Invocation, args: Args) -> Reply:
    add = args.user("add")
    remove = args.user("remove")
    notes = []
    if add is not None:
        member, added = await engine.add_organizer(inv, add.user_id, add.display_name)
        notes.append(
            f"{member.display_name} is now an organizer."
            if added
            else f"{member.display_name} was already an organizer."
        )
    if remove is not None:
        removed = await engine.remove_organizer(inv, remove.user_id)
        notes.append(
            f"{removed.display_name} is no longer an organizer."
            if removed
            else f"{remove.display_name} wasn't an organizer."
        )
    current = await engine.organizers(inv)
    names = ", ".join(m.display_name for m in current) or "none yet"
    notes.append(
        f"Organizers of {inv.cohort.name}: {names}. Server and workspace admins can always "
        "organize too."
    )
    return Reply("\n".join(notes))
