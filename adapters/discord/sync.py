"""Command sync at start, skipped when nothing changed since the last one.

Discord allows 200 command creations a day per scope, and a bulk overwrite can count
against it; so the hash of what was last synced is kept in the database and a restart with
the same commands sends nothing. ``DISCORD_GUILD_IDS`` syncs to those servers instead of
globally: guild commands appear at once, which is what development needs.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from adapters.discord.tree import command_payload, payload_hash
from bot.port import AdapterPort

log = logging.getLogger(__name__)


def state_key(application_id: int, guild_id: int | None) -> str:
    """Where the hash of the last synced payload is kept (the adapter's own state)."""
    scope = "global" if guild_id is None else f"guild.{guild_id}"
    return f"discord.commands.{application_id}.{scope}"


async def sync_commands(
    tree: app_commands.CommandTree[discord.Client],
    state: AdapterPort,
    application_id: int,
    guild_ids: tuple[int, ...] = (),
) -> list[int | None]:
    """Sync every scope whose commands changed; returns the scopes synced (None = global)."""
    scopes: list[int | None] = list(guild_ids) or [None]
    for development_guild in guild_ids:
        tree.copy_global_to(guild=discord.Object(development_guild))
    synced: list[int | None] = []
    for guild_id in scopes:
        where = "globally" if guild_id is None else f"to server {guild_id}"
        payload = command_payload(tree, guild_id)
        digest = payload_hash(payload)
        key = state_key(application_id, guild_id)
        if await state.get_state(key) == digest:
            log.info("discord: commands unchanged since the last sync %s; not syncing", where)
            continue
        try:
            await tree.sync(guild=discord.Object(guild_id) if guild_id is not None else None)
        except discord.Forbidden:
            log.error(
                "discord: cannot sync commands to server %s: the bot is not in it, or was "
                "invited without the applications.commands scope (see reachout discord "
                "invite-url)",
                guild_id,
            )
            continue
        await state.set_state(key, digest)
        synced.append(guild_id)
        log.info("discord: synced %d commands %s", len(payload), where)
    return synced
