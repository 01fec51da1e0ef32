"""Slash commands: every registry command, parsed by the shared parser, answered within 3 s.

The command runs at once; if its reply is ready within the ack budget it rides on the ack,
privately. Slow commands, and any that overrun the budget, are acknowledged with a short
"working on it" and answered through ``response_url``. Public replies go to the channel with
``chat.postMessage``; files go to the member's DM. Nothing here decides what to say.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from adapters.slack.inbound import command_text, referenced_users, unescape
from adapters.slack.notifier import SlackNotifier
from adapters.slack.origins import Origins
from adapters.slack.render import message
from adapters.slack.tasks import BackgroundTasks
from bot.commands.arguments import ArgType
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.nudges.notifier import TransientDeliveryError
from bot.port import AdapterPort
from bot.replies import Reply

log = logging.getLogger(__name__)

ACK_BUDGET_SECONDS = 2.0
"""How long a command may run before we ack without its reply; Slack's limit is 3 s."""

WORKING = Reply("Working on it…")
FILE_NOTE = "\nI'm sending the file to you as a direct message from me (see my Messages tab)."
FILE_FAILED = (
    "I couldn't send you the file (Slack said `{reason}`). Check that direct messages from "
    "apps are allowed in this workspace, then try again."
)
POST_FAILED = (
    "I couldn't post this in the channel (Slack said `{reason}`). Invite me with "
    "`/invite @{bot}` and it will work next time. Here it is, just for you:"
)
POST_DELAYED = "Slack is having trouble right now, so I couldn't post this in the channel:"

FORM_FAILED = (
    "I couldn't open the upload form (Slack said `{reason}`). Type `/{path}` again, or "
    "paste the file's text after it."
)
OpenForm = Callable[[str, Command], Coroutine[Any, Any, None]]
"""Opens the upload form for a command (from its trigger_id)."""


@dataclass(frozen=True)
class SlashCommand:
    """The fields of a slash command payload that reachout uses."""

    command: str
    text: str
    team_id: str
    team_domain: str
    channel_id: str
    user_id: str
    user_name: str
    trigger_id: str = ""

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SlashCommand:
        return cls(
            command=str(body.get("command", "")),
            text=str(body.get("text") or ""),
            team_id=str(body.get("team_id", "")),
            team_domain=str(body.get("team_domain") or ""),
            channel_id=str(body.get("channel_id", "")),
            user_id=str(body.get("user_id", "")),
            user_name=str(body.get("user_name") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
        )

    def describe(self) -> str:
        """For logs: the command and who ran it where, never the text (it may name contacts)."""
        return f"{self.command} (team={self.team_id} user={self.user_id})"


class Answer:
    """One request's way back: the ack while it is open, the ``response_url`` after."""

    def __init__(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        self._ack = ack
        self._respond = respond
        self.acked = False

    async def acknowledge(self) -> None:
        """An empty ack: Slack shows nothing, a channel post follows."""
        if not self.acked:
            self.acked = True
            await self._ack()

    async def private(self, reply: Reply) -> None:
        body = {**message(reply), "response_type": "ephemeral"}
        if self.acked:
            await self._respond(**body)
        else:
            self.acked = True
            await self._ack(**body)


class SlashCommands:
    """The bolt listener behind every slash command."""

    def __init__(
        self,
        port: AdapterPort,
        origins: Origins,
        notifier: SlackNotifier,
        tasks: BackgroundTasks,
        bot_name: str,
        open_form: OpenForm,
        budget: float = ACK_BUDGET_SECONDS,
    ) -> None:
        self.port = port
        self.origins = origins
        self.notifier = notifier
        self.tasks = tasks
        self.bot_name = bot_name
        self.budget = budget
        self.open_form = open_form

    async def handle(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        request = SlashCommand.from_body(body)
        answer = Answer(ack, respond)
        try:
            target = self._target(request)
            if target is not None and self._wants_file(request, target):
                await answer.acknowledge()
                self.tasks.spawn(self._open_form(request, target, answer), request.describe())
                return
            work = asyncio.ensure_future(self._run(request, target))
            if target is None or not target.slow:
                done, _ = await asyncio.wait({work}, timeout=self.budget)
                if done:
                    await self._deliver(request, work.result(), answer)
                    return
            await answer.private(WORKING)
            self.tasks.spawn(self._finish(request, work, answer), request.describe())
        except Exception:
            log.exception("Slack command %s failed", request.describe())
            await answer.private(refusal(APOLOGY))

    def _target(self, request: SlashCommand) -> Command | None:
        """The registry command (or subcommand) the request names, if any."""
        command = self.port.registry.get(request.command)
        if command is None or not command.subcommands:
            return command
        first_word = unescape(request.text).strip().partition(" ")[0]
        return command.subcommand(first_word) or command

    async def _open_form(self, request: SlashCommand, target: Command, answer: Answer) -> None:
        """The upload form; if Slack will not open it, a private sentence says what to do."""
        try:
            await self.open_form(request.trigger_id, target)
        except SlackApiError as error:
            reason = str(error.response.get("error", "error"))
            log.warning("upload form for %s not opened: %s", request.describe(), reason)
            await answer.private(refusal(FORM_FAILED.format(reason=reason, path=target.path)))

    def _wants_file(self, request: SlashCommand, target: Command) -> bool:
        """A command that takes a file, typed with nothing after its name: the upload form."""
        if self.port.upload_argument(target.path) is None:
            return False
        words = unescape(request.text).split()
        return [w.casefold() for w in words] == ([target.name] if target.parent else [])

    async def _run(self, request: SlashCommand, target: Command | None) -> Reply:
        """The reply to one command; an unexpected failure becomes the usual apology."""
        try:
            origin = await self.origins.origin(
                request.team_id,
                request.user_id,
                user_name=request.user_name,
                channel_id=request.channel_id or None,
                team_domain=request.team_domain,
            )
            text = await self._text(request, target)
            return await self.port.run_text(origin, f"{request.command} {text}")
        except Exception:
            log.exception("Slack command %s failed", request.describe())
            return refusal(APOLOGY)

    async def _text(self, request: SlashCommand, target: Command | None) -> str:
        """Keep user references (labelled) only for commands that take a user."""
        if target is None or not any(a.type is ArgType.USER for a in target.arguments):
            return command_text(request.text)
        labels = {}
        for user_id in referenced_users(request.text):
            profile = await self.origins.profiles.get(request.team_id, user_id)
            if profile is not None:
                labels[user_id] = profile.handle
        return command_text(request.text, labels)

    async def _finish(
        self, request: SlashCommand, work: asyncio.Future[Reply], answer: Answer
    ) -> None:
        await self._deliver(request, await work, answer)

    async def _deliver(self, request: SlashCommand, reply: Reply, answer: Answer) -> None:
        """Private replies on the ack (or response_url); public ones and files after it."""
        if reply.attachment is not None or reply.image is not None:
            await answer.private(
                replace(reply, text=reply.text + FILE_NOTE, attachment=None, image=None)
            )
            self.tasks.spawn(self._send_file(request, reply, answer), request.describe())
        elif not reply.private:
            await answer.acknowledge()
            self.tasks.spawn(self._post(request, reply, answer), request.describe())
        else:
            await answer.private(reply)

    async def _send_file(self, request: SlashCommand, reply: Reply, answer: Answer) -> None:
        try:
            delivery = await self.notifier.send_direct(request.team_id, request.user_id, reply)
        except TransientDeliveryError:
            log.warning("file for %s not delivered (transient)", request.describe())
            await answer.private(refusal(FILE_FAILED.format(reason="try again later")))
            return
        if not delivery.ok:
            await answer.private(refusal(FILE_FAILED.format(reason=delivery.permanent_failure)))

    async def _post(self, request: SlashCommand, reply: Reply, answer: Answer) -> None:
        try:
            delivery = await self.notifier.post_to_channel(
                request.team_id, request.channel_id, reply
            )
        except TransientDeliveryError:
            log.warning("public reply to %s not posted (transient)", request.describe())
            note = POST_DELAYED
        else:
            if delivery.ok:
                return
            note = POST_FAILED.format(reason=delivery.permanent_failure, bot=self.bot_name)
        text = f"{note}\n\n{reply.text}" if reply.text else note
        await answer.private(replace(reply, text=text, private=True))
