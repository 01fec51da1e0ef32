"""Handlers that show where things stand: /goal, /progress, /contacts, /leaderboard."""

from __future__ import annotations

from bot.commands.registry import Args
from bot.engine import CONTACTS_SHOWN, DUE_SHOWN, Board, ContactsPage, Engine
from bot.followups import PipelineItem, Stage
from bot.funnel import funnel_lines
from bot.invocation import Invocation
from bot.models import ACTION_LABELS, ActionKind, Metric, Period
from bot.presses.buttons import LOG_EMAIL
from bot.replies import Field, Reply
from bot.texts import (
    contact_label,
    goal_progress,
    interview_when,
    local_short_date,
    plural,
    short_date,
    stage_label,
    step_text,
)

_FILTERS: dict[str, frozenset[Stage]] = {
    "waiting": frozenset({Stage.EMAILED, Stage.FOLLOWED_UP}),
    "replied": frozenset({Stage.REPLIED, Stage.SCHEDULED, Stage.CANCELLED}),
    "referred": frozenset({Stage.REFERRED}),
    "interviewed": frozenset({Stage.INTERVIEWED, Stage.THANKED}),
    "no_reply": frozenset({Stage.NO_REPLY}),
}
CONTACT_FILTERS = ("all", "due", *_FILTERS)


def _goal_summary(inv: Invocation) -> str:
    own = "" if inv.member.email_goal else " (the cohort's default)"
    interviews = inv.interview_goal
    interview_text = (
        f"{plural(interviews, 'interview')} a month" if interviews else "no interview goal"
    )
    return f"{plural(inv.email_goal, 'email')} a week{own}, {interview_text}"


async def goal(engine: Engine, inv: Invocation, args: Args) -> Reply:
    emails = args.integer("emails")
    interviews = args.integer("interviews")
    if emails is None and interviews is None:
        return Reply(
            f"Your goals: {_goal_summary(inv)}.\n"
            "Change them with e.g. `/goal emails:5 interviews:2` (`interviews:0` for none)."
        )
    updated = await engine.set_goals(inv, emails, interviews)
    return Reply(f"Goals set: {_goal_summary(updated)}. Small and steady beats big and abandoned.")


def _due_lines(items: list[PipelineItem], count: int, inv: Invocation) -> str:
    lines = [f"• {contact_label(i.contact)}: {step_text(i.contact, i.next, inv.tz)}" for i in items]
    if count > DUE_SHOWN:
        lines = [*lines[:DUE_SHOWN], f"…and {count - DUE_SHOWN} more: `/contacts due`"]
    return "\n".join(lines)


async def progress(engine: Engine, inv: Invocation, args: Args) -> Reply:
    p = await engine.progress(inv)
    week_lines = [f"Emails: {goal_progress(p.emails_this_week, p.email_goal)}"]
    for kind in (
        ActionKind.REPLY_RECEIVED,
        ActionKind.INTERVIEW_DONE,
        ActionKind.THANK_YOU_SENT,
    ):
        if p.week_counts.get(kind):
            week_lines.append(f"{ACTION_LABELS[kind][1].capitalize()}: {p.week_counts[kind]}")
    if p.interview_goal:
        week_lines.append(f"Interviews this month: {p.interviews_this_month} of {p.interview_goal}")
    streak = (
        f"{plural(p.streak, 'week')} in a row at your goal 🔥"
        if p.streak
        else "Meet your weekly goal to start a streak."
    )
    fields = [Field("This week", "\n".join(week_lines)), Field("Streak", streak)]
    if p.stages:
        order = [s for s in Stage if p.stages.get(s)]
        pipeline = ", ".join(f"{p.stages[s]} {s.value.replace('_', ' ')}" for s in order)
        fields.append(Field("Pipeline", pipeline))
    fields.append(Field("Your funnel (all time)", funnel_lines(await engine.member_funnel(inv))))
    fields.append(
        Field("Follow-ups due", _due_lines(p.due, p.due_count, inv) if p.due else "Nothing due. 👍")
    )
    if p.scheduled:
        fields.append(Field("Conversations coming up", _scheduled_lines(p.scheduled, inv)))
    if p.referrals:
        chain = " → ".join(p.longest_chain)
        fields.append(
            Field(
                "Introductions",
                f"{plural(p.referrals, 'person', 'people')} reached through a referral; "
                f"longest chain: {chain}",
            )
        )
    header = f"Your week from {short_date(p.week_first_day)}"
    text = ""
    if p.pause is not None:
        text = (
            f"Paused until {short_date(p.pause.end)}: no nudges or reminders, and your streak "
            "waits for you. `/pause until:off` to come back early."
        )
    elif p.emails_this_week == 0:
        text = "A fresh week. One short email to someone you already know counts."
    image = await engine.member_chart(inv) if args.flag("chart") else None
    if args.flag("chart") and image is None:
        text = (text + "\n" if text else "") + "The chart could not be drawn just now; try again."
    return Reply(text=text, title=header, fields=tuple(fields), image=image, buttons=(LOG_EMAIL,))


async def contacts(engine: Engine, inv: Invocation, args: Args) -> Reply:
    status = args.text("status") or "all"
    page = await engine.contacts(inv, _FILTERS.get(status), due=status == "due")
    if not page.any_contact:
        return Reply(
            "No contacts yet. Log one with `/sent Jane Doe org:Acme`; "
            "only you can see your contacts."
        )
    if not page.items:
        return Reply(f"No contacts are `{status}` right now. `/contacts` shows them all.")
    lines = [
        f"• {contact_label(i.contact)}{_via(i, page)} [{stage_label(i.next)}]: "
        f"{step_text(i.contact, i.next, inv.tz)}"
        for i in page.items
    ]
    if page.chosen > CONTACTS_SHOWN:
        lines.append(
            f"…and {page.chosen - CONTACTS_SHOWN} more. Filter with "
            "`/contacts status:due|waiting|replied|interviewed|no_reply|referred`."
        )
    title = "Your contacts" if status == "all" else f"Your contacts: {status.replace('_', ' ')}"
    return Reply(text="\n".join(lines), title=f"{title} (only you can see this)")


def _via(item: PipelineItem, page: ContactsPage) -> str:
    referrer = page.referrers.get(item.contact.id)
    return f", via {referrer}" if referrer is not None else ""


def _scheduled_lines(items: list[PipelineItem], inv: Invocation) -> str:
    lines = []
    for item in items:
        back = item.next.interview
        when = interview_when(back.on, back.at) if back else ""
        check = f" (I'll check in {local_short_date(back.due_at, inv.tz)})" if back else ""
        lines.append(f"• {item.contact.name}{when}{check}")
    return "\n".join(lines)


_METRIC_UNITS = {
    Metric.INTERVIEWS: ("interview", "interviews"),
    Metric.EMAILS: ("email", "emails"),
    Metric.ACTIONS: ("action", "actions"),
}


def render_board(board: Board, *, private: bool) -> Reply:
    """A leaderboard as a reply; names only members who allow it, never shows zeros."""
    singular, plural_form = _METRIC_UNITS[board.metric]
    if board.period is Period.WEEK and board.since:
        span = f"this week (from {short_date(board.since)})"
    elif board.period is Period.MONTH and board.since:
        span = f"{board.since:%B}"
    else:
        span = "all time"
    title = f"🏆 {board.cohort.name}: {plural_form} {span}"
    if not board.placings and not board.others:
        return Reply(
            f"No {plural_form} logged {span} yet. The first one sets the pace!",
            title=title,
            private=private,
        )
    mine = board.own if private else None
    lines = [
        f"{p.rank}. {p.standing.display_name}: {plural(p.standing.total, singular, plural_form)}"
        + (" ← you" if p == mine else "")
        for p in board.placings
    ]
    if board.others:
        lines.append(f"…and {plural(board.others, 'other')} putting in the work too.")
    if private:
        if board.own is not None and board.own not in board.placings:
            total = plural(board.own.standing.total, singular)
            lines.append(f"You: #{board.own.rank} with {total}.")
        elif board.own_hidden:
            lines.append(
                "You're counted but not named (change it with `/settings leaderboard:yes`)."
            )
    return Reply("\n".join(lines), title=title, private=private)


async def leaderboard(engine: Engine, inv: Invocation, args: Args) -> Reply:
    period = Period(args.text("period") or Period.WEEK.value)
    metric = Metric(args.text("metric") or Metric.INTERVIEWS.value)
    board = await engine.leaderboard(inv, period, metric)
    return render_board(board, private=not args.flag("share"))
