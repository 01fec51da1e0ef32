"""What the weekly kickoff and the midweek check-in say.

Encouraging and brief. Members are named only if they allow it, and only for good news:
nobody is ever named for falling behind. The numbers come from ``bot.summaries``, read in
bulk; the words are made here.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.charts.pictures import kickoff_image
from bot.charts.renderer import ChartRenderer
from bot.models import ACTION_LABELS, EMAIL_KINDS, ActionKind, Cohort, Member
from bot.nudges.kinds import DeliveryKind
from bot.nudges.prompts import prompt_for
from bot.periods import week_bounds
from bot.presses.buttons import LOG_EMAIL
from bot.replies import Mention, Reply, mention
from bot.store import Store
from bot.summaries import WeekActivity, streaks, week_activity
from bot.texts import plural
from bot.timezones import zone

STREAK_MILESTONES = frozenset({3, 5, 10, 15, 20, 26, 52, 78, 104})
SHOUT_OUTS_SHOWN = 8


def _name(member: Member, mentions: list[Mention]) -> str:
    """A mention for members who allow it, their plain name otherwise."""
    if member.allow_mentions:
        mentions.append(Mention(member.user_id, member.display_name))
        return mention(member.user_id)
    return member.display_name


async def kickoff(
    store: Store,
    cohort: Cohort,
    period: date,
    now: datetime,
    charts: ChartRenderer | None = None,
) -> Reply:
    """The weekly kickoff for the week starting ``period``, about the week before ``now``.

    With ``charts``, the 8-week chart is drawn while the words are written; it never holds
    them up longer than the renderer's budget, and a failed chart is simply left out.
    """
    picture = (
        asyncio.ensure_future(kickoff_image(store, charts, cohort, period)) if charts else None
    )
    try:
        tz = zone(cohort.timezone)
        last_week_start, last_week_end = week_bounds(
            now - timedelta(weeks=1), tz, cohort.week_start
        )
        activity = await week_activity(store, cohort, last_week_start)
        visible = [m for m in activity.roster if m.show_on_leaderboard]
        weeks = await streaks(store, cohort, visible, last_week_end - timedelta(seconds=1))
    except BaseException:
        if picture is not None:
            picture.cancel()
        raise
    reply = kickoff_reply(cohort, period, activity, weeks)
    return reply if picture is None else replace(reply, image=await picture)


def kickoff_reply(
    cohort: Cohort, period: date, activity: WeekActivity, weeks: dict[int, int]
) -> Reply:
    """Last week's totals, shout-outs, streak milestones and one prompt, in words.

    Args:
        cohort: whose kickoff it is.
        period: the first day of the week the kickoff opens.
        activity: last week's activity.
        weeks: the streak of each member who may be named, as of the end of last week.
    """
    week = activity.week
    mentions: list[Mention] = []
    lines = []
    emails = sum(week.totals.get(k, 0) for k in EMAIL_KINDS)
    if week.active:
        parts = [plural(emails, "email")]
        for kind in (ActionKind.REPLY_RECEIVED, ActionKind.INTERVIEW_DONE):
            if week.totals.get(kind):
                parts.append(f"{week.totals[kind]} {ACTION_LABELS[kind][week.totals[kind] != 1]}")
        lines.append(
            f"Last week: {', '.join(parts)} from {week.active} of "
            f"{plural(week.members, 'member')}; {week.met_goal} met their email goal."
        )
    else:
        lines.append("Last week was quiet, and that's fine: this week is a fresh start.")
    members = {m.id: m for m in activity.roster}
    interviews = {
        m: totals[ActionKind.INTERVIEW_DONE]
        for m, totals in activity.by_member.items()
        if totals[ActionKind.INTERVIEW_DONE] and m in members and members[m].show_on_leaderboard
    }
    # Most interviews first; ties by name, so who makes the list never depends on storage order.
    named = sorted(
        (members[m] for m in interviews),
        key=lambda member: (-interviews[member.id], member.display_name.casefold()),
    )[:SHOUT_OUTS_SHOWN]
    if named:
        lines.append(
            "🎉 Informational interviews done: "
            + ", ".join(_name(m, mentions) for m in named)
            + ". Well done!"
        )
    milestones = [
        f"{_name(member, mentions)} ({weeks[member.id]} weeks)"
        for member in activity.roster
        if member.id in weeks and weeks[member.id] in STREAK_MILESTONES
    ]
    if milestones:
        lines.append("🔥 Streaks: " + ", ".join(milestones) + " in a row at their goal.")
    lines.append(f"This week: {prompt_for(period, cohort.id)}")
    lines.append("Log each email with `/sent`; see your week with `/progress`.")
    return Reply(
        "\n".join(lines),
        private=False,
        title=f"☀️ New week, {cohort.name}!",
        mentions=tuple(mentions),
        buttons=(LOG_EMAIL,),
    )


async def checkin(store: Store, cohort: Cohort, period: date, now: datetime) -> Reply:
    """The midweek check-in: how many have logged, and a tip. Names only opted-in loggers."""
    return checkin_reply(cohort, period, await week_activity(store, cohort, now))


def checkin_reply(cohort: Cohort, period: date, activity: WeekActivity) -> Reply:
    """The check-in's words for this week's activity so far."""
    members = {m.id: m for m in activity.roster}
    active = activity.by_member.keys()
    mentions: list[Mention] = []
    if active:
        logged = f"{len(active)} of {plural(len(members), 'member')}"
        text = f"Midweek check-in: {logged} logged so far this week."
        cheered = [members[m] for m in sorted(active) if m in members and members[m].allow_mentions]
        if cheered:
            text += " Nice going, " + ", ".join(_name(m, mentions) for m in cheered) + "!"
    else:
        text = "Midweek check-in: the week is still young, and one short email is enough to start."
    text += f"\nTip: {prompt_for(period, cohort.id, offset=7)}"
    return Reply(text, private=False, title=f"💬 {cohort.name}", mentions=tuple(mentions))


async def render_nudge(
    store: Store,
    kind: DeliveryKind,
    cohort: Cohort,
    period: date,
    now: datetime,
    charts: ChartRenderer | None = None,
) -> Reply:
    """A cohort's nudge of ``kind`` for the week starting ``period`` (a kickoff with its
    chart when ``charts`` is given)."""
    if kind is DeliveryKind.KICKOFF:
        return await kickoff(store, cohort, period, now, charts)
    return await checkin(store, cohort, period, now)
