"""Answering one interaction: who asked and where, deferring when work is slow, replying.

Discord drops an interaction that gets no first response within 3 seconds, and the member
sees "The application did not respond". So every path here ends in an answer: the reply, a
deferral followed by the reply, or a short private apology when something failed. That
holds for slash commands, for presses of the bot's buttons, for submitted forms (modals)
and for autocomplete, whose choices Discord drops after the same 3 seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord import app_commands

from adapters.discord.placing import placed_form, placed_reply, unplace
from adapters.discord.render import FormModal, clip, render_reply
from adapters.discord.tree import UPLOAD_OPTION
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.invocation import Origin
from bot.port import AdapterPort
from bot.replies import PRESS_PREFIX, Form, Press, Reply
from bot.uploads import Upload

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "discord"
DEFER_AFTER = 1.5
"""Seconds of work before deferring: half of Discord's 3, leaving room for the round trips."""
SUGGEST_WITHIN = 2.0
"""Seconds the core has to suggest choices; autocomplete cannot be deferred, so past this
the member sees no choices this time rather than an error."""
CHOICE_LIMIT = 100
"""Discord's limit on an autocomplete choice's name and value."""
MAX_CHOICES = 25
RECENT_INTERACTIONS = 4096
"""Interaction ids remembered to drop a repeated delivery (a gateway resume can replay
one): answering it again would fail, since Discord takes one first answer per id."""

OUTSIDE_SERVER = (
    "reachout works inside a server: run `/{path}` in your cohort's server, where your "
    "progress is kept (each server keeps its own)."
)
OUTDATED = (
    "That command changed in a recent update and Discord still shows the old version. "
    "Close the command list, wait a minute and try again."
)
POSTED = "Posted in the channel for everyone."
NO_FILE = "`/{path}` needs a file: attach it as `{file}`, or paste its text as `{name}`."
BOTH = "Paste the text or attach a `{file}`, not both: I can't tell which one you meant."
DOWNLOAD_FAILED = "I couldn't download that file from Discord, so nothing changed. Try again."
UNPLACED = (
    "I can't tell which server this button belongs to any more, so nothing changed. Use the "
    "slash command in your cohort's server instead."
)
FORM_LATE = "That took me too long to open the form. Press the button again."


def typed_values(data: Mapping[str, Any]) -> dict[str, str]:
    """A modal submission's text by input ``custom_id``, from action rows or labels."""
    values: dict[str, str] = {}
    for row in data.get("components") or []:
        inner = [row["component"]] if isinstance(row.get("component"), dict) else []
        for component in [*(row.get("components") or []), *inner]:
            custom_id, value = component.get("custom_id"), component.get("value")
            if isinstance(custom_id, str) and isinstance(value, str):
                values[custom_id] = value
    return values


@dataclass(frozen=True)
class Placed:
    """An interaction on a button or form of the core's, with the server its id carried (a
    DM's do; see ``adapters.discord.placing``). What the bot answers there carries it on."""

    interaction: discord.Interaction[Any]
    dm_workspace: str | None

    def reply(self, reply: Reply) -> Reply:
        return reply if self.dm_workspace is None else placed_reply(reply, self.dm_workspace)

    def form(self, form: Form) -> Form:
        return form if self.dm_workspace is None else placed_form(form, self.dm_workspace)


def origin_for(interaction: discord.Interaction[Any]) -> Origin | None:
    """Who ran a command and where; None outside a server (in the bot's DMs)."""
    guild_id = interaction.guild_id
    if guild_id is None:
        return None
    guild = interaction.guild
    return Origin(
        platform=PLATFORM,
        workspace_id=str(guild_id),
        workspace_name=guild.name if guild and guild.name else f"Discord server {guild_id}",
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        user_id=str(interaction.user.id),
        user_name=interaction.user.display_name,
        is_admin=interaction.permissions.manage_guild,
    )


def _context(interaction: discord.Interaction[Any]) -> str:
    return (
        f"guild={interaction.guild_id} channel={interaction.channel_id} "
        f"user={interaction.user.id} interaction={interaction.id}"
    )


class InteractionRunner:
    """Runs registry commands for interactions and makes sure each one is answered."""

    def __init__(
        self,
        port: AdapterPort,
        defer_after: float = DEFER_AFTER,
        suggest_within: float = SUGGEST_WITHIN,
    ) -> None:
        self.port = port
        self.defer_after = defer_after
        self.suggest_within = suggest_within
        self._recent: OrderedDict[int, None] = OrderedDict()

    async def run(
        self, interaction: discord.Interaction[Any], command: Command, values: dict[str, object]
    ) -> None:
        """The callback of every generated command."""
        try:
            origin = origin_for(interaction)
            arguments = {k: v for k, v in values.items() if v is not None}
            form = self.port.form(command.path) if not arguments else None
            if origin is not None and form is not None:
                await interaction.response.send_modal(FormModal(form))
                return
            if origin is None:
                reply = refusal(OUTSIDE_SERVER.format(path=command.path))
            else:
                file = arguments.pop(UPLOAD_OPTION, None)
                argument = self.port.upload_argument(command.path)
                if isinstance(file, discord.Attachment) and argument is not None:
                    reply = await self._upload(interaction, origin, command, arguments, file)
                elif argument is not None and argument.required and argument.name not in arguments:
                    reply = refusal(
                        NO_FILE.format(path=command.path, file=UPLOAD_OPTION, name=argument.name)
                    )
                else:
                    reply = await self._dispatch(
                        interaction, self.port.run(origin, command.path, arguments), command.slow
                    )
            await self.answer(interaction, reply)
        except Exception:
            log.exception("discord: /%s failed (%s)", command.path, _context(interaction))
            await self.apologise(interaction)

    async def _upload(
        self,
        interaction: discord.Interaction[Any],
        origin: Origin,
        command: Command,
        arguments: dict[str, object],
        file: discord.Attachment,
    ) -> Reply:
        """A command given a file: refused unread if too big or not text, else downloaded
        (deferred first: the download may take a while) and run with the file's text."""
        if any(a.upload for a in command.arguments if a.name in arguments):
            return refusal(BOTH.format(file=UPLOAD_OPTION))
        upload = Upload(file.filename, file.size, file.content_type)
        refused = self.port.check_upload(command.path, upload)
        if refused is not None:
            return refused
        return await self._dispatch(
            interaction, self._read_and_run(origin, command, arguments, file), slow=True
        )

    async def _read_and_run(
        self,
        origin: Origin,
        command: Command,
        arguments: dict[str, object],
        file: discord.Attachment,
    ) -> Reply:
        try:
            content = await file.read()
        except discord.HTTPException as error:
            log.warning("discord: could not download %s for /%s: %s", file.id, command.path, error)
            return refusal(DOWNLOAD_FAILED)
        return await self.port.run_upload(origin, command.path, content, arguments)

    async def _dispatch(
        self, interaction: discord.Interaction[Any], work: Awaitable[T], slow: bool
    ) -> T:
        """The command's reply; deferred at once for slow work, else once the work runs
        past ``defer_after``. The work starts first, so a deferral never delays it.

        Quick work runs in this task with a timer that starts the deferral beside it: a
        second task and ``asyncio.wait`` for every command cost more than most commands'
        own Python. Either way the deferral is done before the reply (or an apology) goes.
        """
        if slow:
            running = asyncio.ensure_future(work)
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
                return await running
            finally:
                running.cancel()
        deferral: asyncio.Task[Any] | None = None

        def defer() -> None:
            nonlocal deferral
            deferral = asyncio.ensure_future(
                interaction.response.defer(ephemeral=True, thinking=True)
            )

        timer = asyncio.get_running_loop().call_later(self.defer_after, defer)
        try:
            return await work
        finally:
            timer.cancel()
            if deferral is not None:
                await deferral

    async def answer(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Send ``reply`` as the first response, or in place of the deferred "thinking"."""
        message = render_reply(reply)
        if not interaction.response.is_done():
            await interaction.response.send_message(
                ephemeral=reply.private, **message.send_kwargs()
            )
        elif reply.private:
            await interaction.edit_original_response(**message.edit_kwargs())
        else:
            # The deferral was private; the public reply goes out as a follow-up.
            await interaction.edit_original_response(content=POSTED, embeds=[], attachments=[])
            await interaction.followup.send(ephemeral=False, **message.send_kwargs())

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Presses of the core's buttons and submissions of its forms (ids with the core's
        prefix); anything else is not reachout's and is left alone."""
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id.startswith(PRESS_PREFIX):
            return
        if not self._first_delivery(interaction.id):
            log.info("discord: interaction %s delivered twice; answered once", interaction.id)
            return
        core_id, carried = unplace(custom_id)
        at = Placed(interaction, carried)
        if interaction.type is discord.InteractionType.component:
            await self._settle(at, self._pressed(at, core_id), "a button press")
        elif interaction.type is discord.InteractionType.modal_submit:
            await self.submit(at, core_id, typed_values(data))

    def _first_delivery(self, interaction_id: int) -> bool:
        """False for an interaction id seen lately (its answer is already on the way)."""
        if interaction_id in self._recent:
            return False
        self._recent[interaction_id] = None
        if len(self._recent) > RECENT_INTERACTIONS:
            self._recent.popitem(last=False)
        return True

    def presser(self, at: Placed) -> Origin | None:
        """Who pressed or submitted, and in which server; for a DM, the server its button
        carried. None if that is unknown."""
        interaction = at.interaction
        origin = origin_for(interaction)
        if origin is not None or at.dm_workspace is None:
            return origin
        guild = interaction.client.get_guild(int(at.dm_workspace))
        return Origin(
            platform=PLATFORM,
            workspace_id=at.dm_workspace,
            workspace_name=guild.name
            if guild and guild.name
            else f"Discord server {at.dm_workspace}",
            channel_id=None,
            user_id=str(interaction.user.id),
            user_name=interaction.user.display_name,
        )

    async def _settle(self, at: Placed, work: Awaitable[Press], what: str) -> None:
        """Show the core's answer about a message's button: at once when quick, else after a
        deferred update (type 6) that keeps the 3-second promise."""
        interaction = at.interaction
        try:
            running = asyncio.ensure_future(work)
            try:
                done, _ = await asyncio.wait({running}, timeout=self.defer_after)
                if not done:
                    await interaction.response.defer()
                press = await running
            finally:
                running.cancel()
            await self._show(at, press)
        except Exception:
            log.exception("discord: %s failed (%s)", what, _context(interaction))
            await self._tell_safely(at, refusal(APOLOGY))

    async def _pressed(self, at: Placed, action_id: str) -> Press:
        """The core's answer to a press, once the presser's server is known."""
        origin = self.presser(at)
        if origin is None:
            return Press(reply=refusal(UNPLACED))
        return await self.port.press(origin, action_id)

    async def _show(self, at: Placed, press: Press) -> None:
        """A form opens as a modal (only possible as the first answer); otherwise the pressed
        message is updated when the core says so (type 7), and the presser answered
        privately: in a DM, which only the presser sees, within that update; elsewhere a
        follow-up after an update, else the first answer itself (type 4)."""
        interaction = at.interaction
        if press.form is not None:
            if interaction.response.is_done():
                await self._tell(at, refusal(FORM_LATE))
            else:
                await interaction.response.send_modal(FormModal(at.form(press.form)))
            return
        if at.dm_workspace is not None:
            press = press.answered_in_place()
        if press.update is not None:
            update = render_reply(at.reply(press.update)).edit_kwargs()
            if interaction.response.is_done():
                await interaction.edit_original_response(**update)
            else:
                await interaction.response.edit_message(**update)
        if press.reply is not None:
            await self._tell(at, press.reply)
        elif not interaction.response.is_done():
            await interaction.response.defer()

    async def _tell(self, at: Placed, reply: Reply) -> None:
        """A private answer to a press, never an edit of the pressed message."""
        interaction = at.interaction
        message = render_reply(at.reply(reply)).send_kwargs()
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=True, **message)
        else:
            await interaction.response.send_message(ephemeral=True, **message)

    async def _tell_safely(self, at: Placed, reply: Reply) -> None:
        try:
            await self._tell(at, reply)
        except Exception:
            log.exception("discord: could not answer interaction (%s)", _context(at.interaction))

    async def submit(self, at: Placed, form_id: str, values: dict[str, str]) -> None:
        """A form submitted: the core checks and runs it; the answer is private. A form opened
        from a message's button may rewrite that message, as a press does."""
        interaction = at.interaction
        work = self._submitted(at, form_id, values)
        if interaction.message is not None:
            await self._settle(at, work, "a form submission")
            return
        try:
            press = await self._dispatch(interaction, work, slow=False)
            await self.answer(interaction, press.reply or refusal(APOLOGY))
        except Exception:
            log.exception("discord: a form submission failed (%s)", _context(interaction))
            await self.apologise(interaction)

    async def _submitted(self, at: Placed, form_id: str, values: dict[str, str]) -> Press:
        origin = self.presser(at)
        if origin is None:
            return Press(reply=refusal(UNPLACED))
        return await self.port.submit(origin, form_id, values)

    def suggests(self, path: str, option: str) -> bool:
        """Whether ``/path``'s option ``option`` is registered with autocomplete."""
        return self.port.suggests(path, option)

    async def complete(
        self, interaction: discord.Interaction[Any], path: str, option: str, typed: str
    ) -> list[app_commands.Choice[str]]:
        """The core's suggestions as Discord choices, or none when it is too slow or fails:
        an autocomplete answer after Discord's deadline is lost anyway."""
        origin = origin_for(interaction)
        if origin is None:
            return []
        try:
            async with asyncio.timeout(self.suggest_within):
                suggestions = await self.port.suggest(origin, path, option, typed)
        except TimeoutError:
            log.warning("discord: suggestions for /%s %s took too long", path, option)
            return []
        except Exception:
            log.exception("discord: suggestions failed (%s)", _context(interaction))
            return []
        return [
            app_commands.Choice(name=clip(s.label, CHOICE_LIMIT), value=s.value[:CHOICE_LIMIT])
            for s in suggestions[:MAX_CHOICES]
        ]

    async def apologise(self, interaction: discord.Interaction[Any], text: str = APOLOGY) -> None:
        """A short private apology; if even that fails, the failure is logged."""
        try:
            await self.answer(interaction, refusal(text))
        except Exception:
            log.exception("discord: could not answer interaction (%s)", _context(interaction))

    async def on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Failures before a command's callback ran: stale commands, unreadable options."""
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning(
                "discord: %s; the synced commands are out of date (%s)",
                error,
                _context(interaction),
            )
            await self.apologise(interaction, OUTDATED)
            return
        log.error("discord: interaction failed (%s)", _context(interaction), exc_info=error)
        await self.apologise(interaction)
