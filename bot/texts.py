"""Small wording helpers shared by replies, so dates and counts read the same everywhere."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.followups import STAGE_LABELS, NextStep, Stage, Step
from bot.models import Contact


def short_date(day: date) -> str:
    """``Thu 3 Dec``: short, unambiguous in every locale we serve."""
    return f"{day:%a} {day.day} {day:%b}"


def local_short_date(instant: datetime, tz: ZoneInfo) -> str:
    return short_date(instant.astimezone(tz).date())


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def contact_label(contact: Contact) -> str:
    return f"{contact.name} ({contact.organization})" if contact.organization else contact.name


def goal_progress(done: int, goal: int) -> str:
    """``2 of 3, 1 to go``: progress in words, which a screen reader speaks as it reads."""
    if done >= goal:
        extra = done - goal
        return f"{done} of {goal}, goal met" + (f" with {extra} extra" if extra else "")
    return f"{done} of {goal}, {goal - done} to go"


def interview_when(on: date | None, at: time | None) -> str:
    """`` on Thu 3 Dec at 14:00``, `` on Thu 3 Dec``, or nothing for an undated interview."""
    if on is None:
        return ""
    return f" on {short_date(on)}" + (f" at {at:%H:%M}" if at else "")


def step_text(contact: Contact, step: NextStep, tz: ZoneInfo) -> str:
    """What to do next about a contact, in one line; says when a holiday moved the date."""
    text = _step_text(contact, step, tz)
    if step.holiday and step.due_at:
        text += f" (a business day later for {step.holiday})"
    return text


def _step_text(contact: Contact, step: NextStep, tz: ZoneInfo) -> str:
    due = local_short_date(step.due_at, tz) if step.due_at else ""
    org = contact.organization
    if step.step is Step.WAIT:
        if step.stage.value == "followed_up":
            return f"waiting for a reply; if none by {due}, it's fine to move on"
        return f"waiting for a reply; next check-in {due}"
    if step.step is Step.SECOND_CONTACT:
        where = f"someone else at {org}" if org else "a second person in the same field"
        return f"no reply yet: write to {where} (due {due})"
    if step.step is Step.FOLLOW_UP:
        return f"send one short, friendly follow-up (due {due})"
    if step.step is Step.MOVE_ON:
        return "no reply after a follow-up: let this one go and write to someone new"
    if step.step is Step.SCHEDULE:
        return "they replied! Suggest a 20-minute call at a time that suits them"
    if step.step is Step.HOLD_INTERVIEW:
        when = interview_when(step.interview.on, step.interview.at) if step.interview else ""
        return (
            f"conversation scheduled{when}; I'll check in {due}, or log it sooner with "
            f"`/interview {contact.name}`"
        )
    if step.step is Step.CHECK_BACK:
        when = interview_when(step.interview.on, None) if step.interview else ""
        return (
            f"did the conversation{when} happen? `/interview {contact.name} status:done`, "
            "`status:moved on:YYYY-MM-DD` or `status:cancelled`"
        )
    if step.step is Step.WRITE:
        return f"write to them, mentioning who suggested it; then `/sent {contact.name}`"
    if step.stage is Stage.CANCELLED:
        return "the conversation was cancelled; if it suits them, suggest another time"
    if step.step is Step.THANK:
        return f"send a thank-you today, then `/thanks {contact.name}`"
    return "all done; keep in touch and tell them how their advice worked out"


def stage_label(step: NextStep) -> str:
    return STAGE_LABELS[step.stage]
