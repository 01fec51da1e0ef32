"""Handlers for organizers: the /cohort subcommands."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.registry import Args
from bot.engine import Engine, Invocation
from bot.errors import UserError
from bot.models import ACTION_LABELS, ActionKind
from bot.periods import WEEKDAYS
from bot.replies import Attachment, Field, Reply
from bot.texts import plural, short_date
from bot.timezones import canonical_timezone

SCHEDULING_PENDING = (
    "Scheduled nudges are not enabled in this version yet. Members can already log, "
    "see `/progress` and the `/leaderboard`."
)


def _timezone(args: Args) -> str | None:
    raw = args.text("timezone")
    if raw is None:
        return None
    canonical = canonical_timezone(raw)
    if canonical is None:
        raise UserError(
            f"I don't know the time zone “{raw[:40]}”. Use a name like `America/Toronto`."
        )
    return canonical


async def setup(engine: Engine, inv: Invocation, args: Args) -> Reply:
    week_start_name = args.text("week_start")
    week_start = WEEKDAYS.index(week_start_name) if week_start_name else None
    cohort, created = await engine.setup_cohort(inv, args.text("name"), _timezone(args), week_start)
    verb = "created" if created else "set up"
    return Reply(
        f"Cohort “{cohort.name}” {verb} in this channel: time zone {cohort.timezone}, weeks "
        f"start on {WEEKDAYS[cohort.week_start].capitalize()}, default goal "
        f"{plural(cohort.email_goal, 'email')} a week. You're an organizer.\n"
        "Next: `/cohort goal` to change the default goal, `/cohort organizers` to add helpers."
    )


async def scheduling_pending(engine: Engine, inv: Invocation, args: Args) -> Reply:
    return Reply(SCHEDULING_PENDING)


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


async def stats(engine: Engine, inv: Invocation, args: Args) -> Reply:
    this_week = await engine.cohort_week(inv.cohort, inv.now)
    last_week = await engine.cohort_week(inv.cohort, inv.now - timedelta(weeks=1))
    fields = []
    for label, week in (("This week", this_week), ("Last week", last_week)):
        fields.append(
            Field(
                f"{label} (from {short_date(week.first_day)})",
                f"{week.active} of {plural(week.members, 'member')} logged; "
                f"{week.met_goal} met their email goal.\n{_totals_line(week.totals)}",
            )
        )
    return Reply(
        text="Numbers only: contact names stay private to each member.",
        title=f"📊 {inv.cohort.name}",
        fields=tuple(fields),
    )


async def export(engine: Engine, inv: Invocation, args: Args) -> Reply:
    content = await engine.cohort_csv(inv.cohort)
    return Reply(
        "Weekly counts per member as CSV (no contact names, no notes; members hidden from "
        "the leaderboard appear as member-N).",
        attachment=Attachment(
            f"reachout-cohort-{inv.cohort.id}-{inv.now:%Y-%m-%d}.csv",
            content.encode("utf-8"),
            "text/csv",
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
    current = await engine.store.organizers(inv.cohort.id)
    names = ", ".join(m.display_name for m in current) or "none yet"
    notes.append(
        f"Organizers of {inv.cohort.name}: {names}. Server and workspace admins can always "
        "organize too."
    )
    return Reply("\n".join(notes))
