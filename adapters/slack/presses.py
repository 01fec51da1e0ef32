"""The core's buttons and forms (ids starting ``ro:``): pressed, opened, submitted.

A press is acked at once, since Slack wants the ack within 3 s, and handled after it: the
core says what to do (``Press``). A form opens first, because the click's ``trigger_id``
lives only 3 s. The pressed message is rewritten in place so the DM or channel history
stays truthful (``chat.update``; an ephemeral message through its ``response_url``), and
the answer goes to the presser alone: a message in their DM, an ephemeral one in a channel.
The adapter never reads the ids: the core decides who may press what, and whether again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import ACK_BUDGET_SECONDS
from adapters.slack.notifier import SlackNotifier, failure_of
from adapters.slack.origins import Origins, team_of
from adapters.slack.render import message
from adapters.slack.tasks import BackgroundTasks
from adapters.slack.views import field_error, form_modal, input_values, result_modal
from bot.commands.dispatch import APOLOGY, refusal
from bot.invocation import Origin
from bot.port import AdapterPort
from bot.replies import PRESS_PREFIX, Form, Press, Reply

log = logging.getLogger(__name__)

CORE_IDS = re.compile("^" + re.escape(PRESS_PREFIX))
"""The action_ids and callback_ids that belong to the core; the App Home keeps its own."""
FORM_FAILED = (
    "I couldn't open the form (Slack said `{reason}`). Press the button again; if it keeps "
    "failing, type the command instead (`/help` lists them)."
)
CHOICES_IN_DM = "The choices are in your direct messages with reachout."
CHOICES_HERE = "The choices are in the conversation you opened this form from."
SAVING = Reply("Saving… I'll send you the result in a direct message in a moment.")


def _is_dm(channel_id: str) -> bool:
    """Slack's direct message channels are the ``D…`` ones; what is said there is private."""
    return channel_id.startswith("D")


@dataclass(frozen=True)
class Pressed:
    """The fields of a ``block_actions`` payload a press needs."""

    action_id: str
    team_id: str
    user_id: str
    user_name: str
    channel_id: str
    message_ts: str
    ephemeral: bool
    trigger_id: str
    answerable: bool
    """Whether the press came with a ``response_url`` (a message's buttons do)."""

    @classmethod
    def from_body(cls, body: dict[str, Any], action: dict[str, Any]) -> Pressed:
        container = body.get("container") or {}
        channel = body.get("channel") or {}
        user = body.get("user") or {}
        return cls(
            action_id=str(action.get("action_id", "")),
            team_id=team_of(body),
            user_id=str(user.get("id", "")),
            user_name=str(user.get("username") or user.get("name") or ""),
            channel_id=str(channel.get("id") or container.get("channel_id") or ""),
            message_ts=str(container.get("message_ts") or ""),
            ephemeral=bool(container.get("is_ephemeral")),
            trigger_id=str(body.get("trigger_id") or ""),
            answerable=bool(body.get("response_url")),
        )

    def describe(self) -> str:
        """For logs: who pressed where, never the message's words."""
        return f"button press (team={self.team_id} user={self.user_id} channel={self.channel_id})"


class Presses:
    """The bolt listeners for the core's buttons (``block_actions``) and forms
    (``view_submission``)."""

    def __init__(
        self,
        port: AdapterPort,
        origins: Origins,
        client: AsyncWebClient,
        notifier: SlackNotifier,
        tasks: BackgroundTasks,
        budget: float = ACK_BUDGET_SECONDS,
    ) -> None:
        self.port = port
        self.origins = origins
        self.client = client
        self.notifier = notifier
        self.tasks = tasks
        self.budget = budget

    async def pressed(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Ack now; the press itself runs after, tracked like every follow-up."""
        await ack()
        pressed = Pressed.from_body(body, action)
        self.tasks.spawn(
            self._press(pressed, respond if pressed.answerable else None), pressed.describe()
        )

    async def _press(self, pressed: Pressed, respond: AsyncRespond | None) -> None:
        """In a DM or an ephemeral message, which only the presser sees, the answer rides
        in the rewrite of the pressed message; it is sent apart only if that rewrite fails."""
        outcome = await self._ask_core(pressed)
        if outcome.form is not None:
            await self._open(pressed, outcome.form, respond)
        private = pressed.ephemeral or _is_dm(pressed.channel_id)
        shown = outcome.answered_in_place() if private else outcome
        reply = outcome.reply
        if shown.update is not None and await self._update(pressed, shown.update, respond):
            reply = shown.reply
        if reply is not None:
            await self._answer(pressed.team_id, pressed.user_id, pressed.channel_id, reply, respond)

    async def _ask_core(self, pressed: Pressed) -> Press:
        try:
            origin = await self._origin(
                pressed.team_id, pressed.user_id, pressed.channel_id, pressed.user_name
            )
            return await self.port.press(origin, pressed.action_id)
        except Exception:
            log.exception("Slack %s failed", pressed.describe())
            return Press(reply=refusal(APOLOGY))

    async def _origin(
        self, team_id: str, user_id: str, channel_id: str, user_name: str = ""
    ) -> Origin:
        """The presser; a DM is no cohort's channel, so it names none."""
        channel = None if not channel_id or _is_dm(channel_id) else channel_id
        return await self.origins.origin(team_id, user_id, user_name=user_name, channel_id=channel)

    async def _open(self, pressed: Pressed, form: Form, respond: AsyncRespond | None) -> None:
        """The form, remembering where it was opened so a later answer can go there, and
        which message it came from so a submission can rewrite it (an ephemeral one has no
        ``ts`` to update)."""
        opened = Opened(pressed.channel_id, "" if pressed.ephemeral else pressed.message_ts)
        view = form_modal(form, opened.metadata())
        try:
            await self.client.views_open(trigger_id=pressed.trigger_id, view=view)
        except SlackApiError as error:
            reason = failure_of(error)
            log.warning("form for %s not opened: %s", pressed.describe(), reason)
            failed = refusal(FORM_FAILED.format(reason=reason))
            await self._answer(
                pressed.team_id, pressed.user_id, pressed.channel_id, failed, respond
            )

    async def _update(self, pressed: Pressed, update: Reply, respond: AsyncRespond | None) -> bool:
        """Rewrite the pressed message, saying whether it was; one that is gone meanwhile
        is left alone."""
        what = f"pressed message ({pressed.describe()})"
        if pressed.ephemeral and respond is not None:
            return await _unless_gone(respond(replace_original=True, **message(update)), what)
        if pressed.message_ts:
            return await _unless_gone(
                self.notifier.update(pressed.channel_id, pressed.message_ts, update), what
            )
        return False

    async def _answer(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        reply: Reply,
        respond: AsyncRespond | None = None,
    ) -> None:
        """Privately. From a DM, in the presser's own DM (``conversations.open`` names it, so
        even a replayed payload cannot answer into someone else's); in a channel, an
        ephemeral message, through the press's ``response_url`` when there is one."""
        if not channel_id or _is_dm(channel_id):
            await self.notifier.send_direct(team_id, user_id, reply)
        elif respond is not None:
            await respond(response_type="ephemeral", replace_original=False, **message(reply))
        else:
            await self.client.chat_postEphemeral(channel=channel_id, user=user_id, **message(reply))

    async def submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Hand the form's values to the core; a refusal is shown on the form, an answer
        replaces it. Work that overruns the ack budget answers by DM instead."""
        team_id, user_id = team_of(body), str((body.get("user") or {}).get("id", ""))
        opened = Opened.of(view)
        title = str((view.get("title") or {}).get("text") or "reachout")
        work = asyncio.ensure_future(
            self._submit(team_id, user_id, opened, str(view.get("callback_id", "")), view)
        )
        done, _ = await asyncio.wait({work}, timeout=self.budget)
        if not done:
            await ack(response_action="update", view=result_modal(title, SAVING))
            self.tasks.spawn(self._late(team_id, user_id, work), f"form for {user_id} in {team_id}")
            return
        reply = work.result()
        first = _first_input(view)
        if reply.buttons:
            # The answer is a choice (a "did you mean"): a form shows no buttons, so it
            # closes on where they went.
            where = (
                CHOICES_IN_DM
                if not opened.channel_id or _is_dm(opened.channel_id)
                else CHOICES_HERE
            )
            shown = replace(reply, text=f"{reply.text}\n\n{where}", buttons=())
            await ack(response_action="update", view=result_modal(title, shown))
        elif reply.error and first is not None:
            await ack(response_action="errors", errors={first: field_error(reply.text)})
        else:
            await ack(response_action="update", view=result_modal(title, reply))
        if reply.buttons:
            self.tasks.spawn(
                self._answer(team_id, user_id, opened.channel_id, reply),
                f"form answer for {user_id} in {team_id}",
            )

    async def _submit(
        self, team_id: str, user_id: str, opened: Opened, form_id: str, view: dict[str, Any]
    ) -> Reply:
        """The core's answer to the form; the message it was opened from is rewritten
        after, when the core says so."""
        try:
            origin = await self._origin(team_id, user_id, opened.channel_id)
            outcome = await self.port.submit(origin, form_id, input_values(view))
        except Exception:
            log.exception("Slack form %s failed (team=%s user=%s)", form_id[:40], team_id, user_id)
            return refusal(APOLOGY)
        if outcome.update is not None and opened.message_ts:
            rewrite = self.notifier.update(opened.channel_id, opened.message_ts, outcome.update)
            self.tasks.spawn(
                _unless_gone(rewrite, "form's message"),
                f"form's message for {user_id} in {team_id}",
            )
        return outcome.reply or refusal(APOLOGY)

    async def _late(self, team_id: str, user_id: str, work: asyncio.Future[Reply]) -> None:
        """A submission that overran the ack budget: its answer, whatever it is, by DM."""
        await self.notifier.send_direct(team_id, user_id, await work)


@dataclass(frozen=True)
class Opened:
    """Where a form was opened from, kept in the view's ``private_metadata``."""

    channel_id: str
    message_ts: str = ""

    def metadata(self) -> str:
        return json.dumps({"channel": self.channel_id, "ts": self.message_ts})

    @classmethod
    def of(cls, view: dict[str, Any]) -> Opened:
        try:
            kept = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            return cls("")
        if not isinstance(kept, dict):
            return cls("")
        return cls(str(kept.get("channel") or ""), str(kept.get("ts") or ""))


async def _unless_gone(rewrite: Awaitable[object], what: str) -> bool:
    """Whether a message was rewritten in place; one that is gone meanwhile (or Slack
    unreachable) is left as it was, which only costs its history a line."""
    try:
        await rewrite
    except SlackApiError as error:
        log.warning("%s not updated: %s", what, failure_of(error))
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("%s not updated: %r", what, error)
    else:
        return True
    return False


def _first_input(view: dict[str, Any]) -> str | None:
    """The ``block_id`` of the form's first input, where a refusal is shown."""
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None
