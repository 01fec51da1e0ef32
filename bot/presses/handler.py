"""Pressing a button, submitting a form, and the suggestions a typed option gets.

Every press is checked in the same order: is the id ours, is the presser the member it was
sent to, was this message pressed already, does the step still stand. Only then does it run
the very command the member would type, under the message's key, so a double click, a
platform's repeated delivery or a second instance logs one action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from bot.commands.dispatch import APOLOGY, Dispatcher, refusal
from bot.commands.registry import Registry
from bot.engine import Engine
from bot.errors import UserError
from bot.followups import Stage, StateEntry, Step
from bot.interviews import CheckBack
from bot.invocation import Invocation, Origin
from bot.models import ACTION_LABELS, Action
from bot.names import normalize
from bot.nudges.checkbacks import checkback_reply
from bot.nudges.reminders import reminder_reply
from bot.periods import local_date
from bot.presses.buttons import LABELS, SNOOZE_DAYS, interview_day, settled
from bot.presses.forms import filled, moved_form, sent_form
from bot.presses.ids import FORM_MOVED, FORM_SENT, ButtonId, Choice, Subject, decode
from bot.presses.offers import pending
from bot.presses.words import (
    GONE,
    OVERTAKEN_CHOICE,
    SOMEONE_ELSE,
    UNKNOWN,
    already_done,
    overtaken,
    rescheduled,
    snoozed,
    stopped,
)
from bot.replies import Form, Press, Reply, Suggestion
from bot.texts import contact_label, short_date
from bot.timezones import all_timezones

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 25
"""Discord's limit on autocomplete choices."""
CONTACT_OPTIONS = frozenset({"contact", "from"})
"""Options that name one of the member's contacts."""
AWAITING_ANSWER = frozenset({Stage.EMAILED, Stage.FOLLOWED_UP, Stage.NO_REPLY})
"""Where a contact stands while a reminder about it still applies."""
COMMANDS: dict[Choice, tuple[str, dict[str, str]]] = {
    Choice.FOLLOWED_UP: ("followup", {}),
    Choice.REPLIED: ("reply", {}),
    Choice.BOOKED: ("interview", {"status": "scheduled"}),
    Choice.HAPPENED: ("interview", {"status": "done"}),
    Choice.CANCELLED: ("interview", {"status": "cancelled"}),
}
"""The command each logging button runs, with the arguments it adds to the contact."""


class Presses:
    """What ``AdapterPort.press``, ``submit`` and ``suggest`` do."""

    def __init__(self, engine: Engine, dispatcher: Dispatcher, registry: Registry) -> None:
        self._engine = engine
        self._dispatcher = dispatcher
        self._registry = registry

    async def press(self, origin: Origin, action_id: str) -> Press:
        button = decode(action_id)
        if button is None:
            return Press(reply=refusal(UNKNOWN))
        try:
            return await self._press(origin, button)
        except _Settled as pressed:
            return Press(reply=refusal(pressed.words), update=pressed.update)
        except UserError as problem:
            return Press(reply=refusal(str(problem)))
        except Exception:
            log.exception("button press failed (platform=%s)", origin.platform)
            return Press(reply=refusal(APOLOGY))

    async def _press(self, origin: Origin, button: ButtonId) -> Press:
        if button.subject is Subject.ANYONE:
            return Press(form=sent_form())
        if button.subject is Subject.CLOSE_NAME:
            return await self._pick(origin, button)
        inv, entry = await self._checked(origin, button)
        if button.choice is Choice.WRITE_ELSEWHERE:
            return Press(form=sent_form(entry.contact.organization))
        if button.choice is Choice.LOG_EMAIL:
            return Press(form=sent_form())
        if button.choice is Choice.MOVED:
            return Press(form=moved_form(button))
        message = _message(inv, entry, button)
        if button.choice is Choice.SNOOZE:
            until = await self._engine.snooze_reminder(
                inv, entry.contact, button.anchor_id, button.step, SNOOZE_DAYS
            )
            day = short_date(local_date(until, inv.tz))
            return Press(
                reply=Reply(snoozed(entry.contact, day)),
                update=settled(message, f"Snoozed until {day}"),
            )
        if button.choice is Choice.STOP:
            await self._engine.stop_reminders(inv, entry.contact, button.anchor_id)
            return Press(
                reply=Reply(stopped(entry.contact)),
                update=settled(message, LABELS[Choice.STOP]),
            )
        path, extra = COMMANDS[button.choice]
        reply = await self._dispatcher.run(
            origin, path, {"contact": entry.contact.name, **extra}, pressed=_once(inv, button)
        )
        if reply.error:
            return Press(reply=reply)
        outcome = f"{LABELS[button.choice]} (logged {short_date(local_date(inv.now, inv.tz))})"
        return Press(reply=reply, update=settled(message, outcome))

    async def _pick(self, origin: Origin, button: ButtonId) -> Press:
        """A "did you mean" answer: the refused command again, with the chosen name or
        as someone new."""
        inv = await self._presser(origin, button)
        earlier = await self._engine.pressed(button.message_key)
        if earlier is not None:
            contact = await self._engine.own_contact(inv, earlier.contact_id)
            raise UserError(already_done(earlier, contact, inv.tz))
        kept = await pending(self._engine, inv)
        if kept is None or kept.nonce != button.step:
            raise UserError(OVERTAKEN_CHOICE)
        raw = dict(kept.raw)
        if button.choice is Choice.PICK:
            contact = await self._engine.own_contact(inv, button.contact_id)
            if contact is None:
                raise UserError(GONE)
            raw["contact"] = contact.name
            outcome = f"Logged for {contact_label(contact)}"
        else:
            raw["new"] = True
            outcome = "Logged as someone new"
        reply = await self._dispatcher.run(origin, kept.path, raw, pressed=_once(inv, button))
        if reply.error:
            return Press(reply=reply)
        return Press(reply=reply, update=settled(Reply(kept.text), outcome))

    async def _presser(self, origin: Origin, button: ButtonId) -> Invocation:
        """The presser's context, if the id is one this bot makes and it was sent to them."""
        if not _well_formed(button):
            raise UserError(UNKNOWN)
        inv = await self._engine.presser(origin)
        if inv is None or inv.member.id != button.member_id:
            raise UserError(SOMEONE_ELSE)
        return inv

    async def _checked(self, origin: Origin, button: ButtonId) -> tuple[Invocation, StateEntry]:
        """The presser's context and the contact, if the press may act; else the words why
        not, raised (with the message settled when it was pressed already)."""
        inv = await self._presser(origin, button)
        entry = await self._engine.contact_state(inv, button.contact_id)
        earlier = await self._engine.pressed(button.message_key)
        if earlier is not None:
            raise _Settled(inv, entry, button, earlier)
        if entry is None:
            raise UserError(GONE)
        if not _still_stands(entry, button):
            if button.subject is Subject.CHECKBACK and entry.state.stage is Stage.SCHEDULED:
                raise UserError(rescheduled(entry))
            raise UserError(overtaken(entry, inv.tz))
        return inv, entry

    async def submit(self, origin: Origin, form_id: str, values: Mapping[str, str]) -> Press:
        try:
            if form_id == FORM_SENT:
                raw = filled(sent_form(), values)
                return Press(reply=await self._dispatcher.run(origin, "sent", raw, form=True))
            button = (
                decode(form_id.removeprefix(FORM_MOVED)) if form_id.startswith(FORM_MOVED) else None
            )
            if button is None or button.choice is not Choice.MOVED:
                return Press(reply=refusal(UNKNOWN))
            return await self._moved(origin, button, values)
        except _Settled as settled_press:
            return Press(reply=refusal(settled_press.words), update=settled_press.update)
        except UserError as problem:
            return Press(reply=refusal(str(problem)))
        except Exception:
            log.exception("form submission failed (platform=%s)", origin.platform)
            return Press(reply=refusal(APOLOGY))

    async def _moved(self, origin: Origin, button: ButtonId, values: Mapping[str, str]) -> Press:
        """A check-back's "It moved" form: the interview moved under the check-back's key,
        and the check-back rewritten to say where it went."""
        inv, entry = await self._checked(origin, button)
        raw = {
            "contact": entry.contact.name,
            "status": "moved",
            **filled(moved_form(button), values),
        }
        reply = await self._dispatcher.run(
            origin, "interview", raw, pressed=_once(inv, button), form=True
        )
        if reply.error:
            return Press(reply=reply)
        now = await self._engine.contact_state(inv, button.contact_id)
        on = now.state.interview_on if now is not None else None
        outcome = f"Moved to {short_date(on)}" if on is not None else LABELS[Choice.MOVED]
        return Press(reply=reply, update=settled(_message(inv, entry, button), outcome))

    def suggests(self, path: str, option: str) -> bool:
        command = self._registry.find(path)
        if command is None or command.argument(option) is None:
            return False
        return option in CONTACT_OPTIONS or option == "timezone"

    async def suggest(self, origin: Origin, path: str, option: str, typed: str) -> list[Suggestion]:
        if not self.suggests(path, option):
            return []
        if option == "timezone":
            wanted = typed.strip().casefold()
            zones = [z for z in all_timezones() if wanted in z.casefold()]
            return [Suggestion(z, z) for z in zones[:MAX_SUGGESTIONS]]
        inv = await self._engine.presser(origin)
        if inv is None:
            return []
        wanted = normalize(typed)
        found = await self._engine.recent_contacts(
            inv, (lambda name: wanted in normalize(name)) if wanted else None, MAX_SUGGESTIONS
        )
        return [Suggestion(contact_label(c)[:100], c.name[:100]) for c in found]

    def form(self, path: str) -> Form | None:
        return sent_form() if path == "sent" else None


class _Settled(UserError):
    """The message was pressed already: say what that press logged."""

    def __init__(
        self, inv: Invocation, entry: StateEntry | None, button: ButtonId, earlier: Action
    ) -> None:
        contact = entry.contact if entry is not None else None
        self.words = already_done(earlier, contact, inv.tz)
        super().__init__(self.words)
        self.update = (
            settled(
                _message(inv, entry, button),
                f"{ACTION_LABELS[earlier.kind][0].capitalize()} logged "
                f"{short_date(local_date(earlier.occurred_at, inv.tz))}",
            )
            if entry is not None
            else None
        )


def _once(inv: Invocation, button: ButtonId) -> Invocation:
    """The presser's context for the command a press runs: logged under the message's key,
    and not resolved again (a press never makes anyone a member, nor changes one)."""
    return replace(inv, once_key=button.message_key)


def _well_formed(button: ButtonId) -> bool:
    """Whether a decoded id names a step this bot makes buttons for."""
    if button.subject is Subject.REMINDER:
        return button.step in set(Step)
    if button.subject is Subject.CLOSE_NAME:
        return button.choice in (Choice.PICK, Choice.SOMEONE_NEW)
    if button.step == interview_day(None):
        return True
    try:
        date.fromisoformat(button.step)
    except ValueError:
        return False
    return True


def _still_stands(entry: StateEntry, button: ButtonId) -> bool:
    """Whether the step the button answers is still the contact's (no reply or interview
    logged since, no other clock started)."""
    if entry.state.anchor_id != button.anchor_id:
        return False
    if button.subject is Subject.CHECKBACK:
        return entry.state.stage is Stage.SCHEDULED and button.step == interview_day(
            entry.state.interview_on
        )
    return entry.state.stage in AWAITING_ANSWER


def _message(inv: Invocation, entry: StateEntry | None, button: ButtonId) -> Reply:
    """The pressed message as it was sent, rebuilt from what it was about."""
    assert entry is not None
    if button.subject is Subject.CHECKBACK:
        on = None if button.step == interview_day(None) else date.fromisoformat(button.step)
        back = CheckBack(button.anchor_id, on, None, inv.now)
        return checkback_reply(inv.member.id, entry.contact, back)
    return reminder_reply(inv.member.id, entry.contact, Step(button.step), button.anchor_id)
