"""Answering one interaction: who asked and where, deferring when work is slow, replying.

Discord drops an interaction that gets no first response within 3 seconds, and the member
sees "The application did not respond". So every path here ends in an answer: the reply, a
deferral followed by the reply, or a short private apology when something failed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.render import render_reply
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.invocation import Origin
from bot.port import AdapterPort
from bot.replies import Reply

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
                reply = await self._dispatch(interaction, origin, command, arguments)
            await self.answer(interaction, reply)
        except Exception:
            log.exception("discord: /%s failed (%s)", command.path, _context(interaction))
            await self.apologise(interaction)

    async def _dispatch(
        self,
        interaction: discord.Interaction[Any],
        origin: Origin,
        command: Command,
        arguments: dict[str, object],
    ) -> Reply:
        """The command's reply; deferred at once for a slow command, else once the work runs
        past ``defer_after``. The work starts first, so a deferral never delays it."""
        work = asyncio.ensure_future(self.port.run(origin, command.path, arguments))
        try:
            if command.slow:
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                done, _ = await asyncio.wait({work}, timeout=self.defer_after)
                if not done:
                    await interaction.response.defer(ephemeral=True, thinking=True)
            return await work
        finally:
            work.cancel()

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
