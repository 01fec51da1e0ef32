"""Answering one interaction: who asked and where, deferring when work is slow, replying.

Discord drops an interaction that gets no first response within 3 seconds, and the member
sees "The application did not respond". So every path here ends in an answer: the reply, a
deferral followed by the reply, or a short private apology when something failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.render import render_reply
from adapters.discord.tree import UPLOAD_OPTION
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.invocation import Origin
from bot.port import AdapterPort
from bot.replies import Reply
from bot.uploads import Upload

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFER_AFTER = 1.5
"""Seconds of work before deferring: half of Discord's 3, leaving room for the round trips."""

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

    def __init__(self, port: AdapterPort, defer_after: float = DEFER_AFTER) -> None:
        self.port = port
        self.defer_after = defer_after

    async def run(
        self, interaction: discord.Interaction[Any], command: Command, values: dict[str, object]
    ) -> None:
        """The callback of every generated command."""
        try:
            origin = origin_for(interaction)
            if origin is None:
                reply = refusal(OUTSIDE_SERVER.format(path=command.path))
            else:
                arguments = {k: v for k, v in values.items() if v is not None}
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
        self, interaction: discord.Interaction[Any], work: Awaitable[Reply], slow: bool
    ) -> Reply:
        """The command's reply; deferred at once for slow work, else once the work runs
        past ``defer_after``. The work starts first, so a deferral never delays it."""
        running = asyncio.ensure_future(work)
        try:
            if slow:
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                done, _ = await asyncio.wait({running}, timeout=self.defer_after)
                if not done:
                    await interaction.response.defer(ephemeral=True, thinking=True)
            return await running
        finally:
            running.cancel()

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
