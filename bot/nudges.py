"""What the weekly kickoff and the midweek check-in say (DESIGN.md section 5).

Encouraging and brief. Members are named only if they allow it, and only for good news:
nobody is ever named for falling behind.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from bot.engine import Engine
from bot.ledger import DeliveryKind
from bot.models import ACTION_LABELS, EMAIL_KINDS, ActionKind, Cohort, Member
from bot.periods import week_bounds
from bot.prompts import prompt_for
from bot.replies import Mention, Reply, mention
from bot.texts import plural
from bot.timezones import zone

STREAK_MILESTONES = frozenset({3, 5, 10, 15, 20, 26, 52, 78, 104})
SHOUT_OUTS_SHOWN = 8


def member_zone(member: Member, cohort: Cohort) -> str:
    return member.timezone or member.profile_timezone or cohort.timezone


def _name(member: Member, mentions: list[Mention]) -> str:
    """A mention for members who allow it, their plain name otherwise."""
    if member.allow_mentions:
        mentions.append(Mention(member.user_id, member.display_name))
        return mention(member.user_id)
    return member.display_name


async def kickoff(engine: Engine, cohort: Cohort, period: date, now: datetime) -> Reply:
    """The weekly kickoff: last week's totals, shout-outs, streak milestones, one prompt."""
    tz = zone(cohort.timezone)
    last_week_start, last_week_end = week_bounds(now - timedelta(weeks=1), tz, cohort.week_start)
    week = await engine.cohort_week(cohort, last_week_start)
    members = {m.id: m for m in await engine.store.cohort_members(cohort.id)}
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
    interviews: Counter[int] = Counter()
    for member_id, kind, total in await engine.store.cohort_totals(
        cohort.id, last_week_start, last_week_end
    ):
        if kind is ActionKind.INTERVIEW_DONE:
            interviews[member_id] += total
    named = [
        members[m]
        for m, _ in interviews.most_common()
        if m in members and members[m].show_on_leaderboard
    ][:SHOUT_OUTS_SHOWN]
    if named:
        lines.append(
            "🎉 Informational interviews done: "
            + ", ".join(_name(m, mentions) for m in named)
            + ". Well done!"
        )
    milestones = []
    for member in members.values():
        if not member.show_on_leaderboard:
            continue
        streak = await engine.member_streak(
            member, cohort, zone(member_zone(member, cohort)), last_week_end - timedelta(seconds=1)
        )
        if streak in STREAK_MILESTONES:
            milestones.append(f"{_name(member, mentions)} ({streak} weeks)")
    if milestones:
        lines.append("🔥 Streaks: " + ", ".join(milestones) + " in a row at their goal.")
    lines.append(f"This week: {prompt_for(period, cohort.id)}")
    lines.append("Log each email with `/sent`; see your week with `/progress`.")
    return Reply(
        "\n".join(lines),
        private=False,
        title=f"☀️ New week, {cohort.name}!",
        mentions=tuple(mentions),
    )


async def checkin(engine: Engine, cohort: Cohort, period: date, now: datetime) -> Reply:
    """The midweek check-in: how many have logged, and a tip. Names only opted-in loggers."""
    tz = zone(cohort.timezone)
    since, until = week_bounds(now, tz, cohort.week_start)
    members = {m.id: m for m in await engine.store.cohort_members(cohort.id)}
    active = {
        member_id for member_id, _, _ in await engine.store.cohort_totals(cohort.id, since, until)
    }
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
    engine: Engine, kind: DeliveryKind, cohort: Cohort, period: date, now: datetime
) -> Reply:
    if kind is DeliveryKind.KICKOFF:
        return await kickoff(engine, cohort, period, now)
    return await checkin(engine, cohort, period, now)
