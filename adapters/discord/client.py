"""The discord.py client of reachout: the generated command tree, sync, and workspaces.

Intents: only ``guilds``. Slash commands arrive as interactions whatever the intents, and
the guilds intent keeps servers and channels cached (names for workspaces, channels for
nudges) and tells the bot when it joins a server. No privileged intent is needed: reachout
never reads messages or member lists.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord

from adapters.discord.config import DiscordConfig
from adapters.discord.interactions import (
    DEFER_AFTER,
    PLATFORM,
    SUGGEST_WITHIN,
    InteractionRunner,
)
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.sync import sync_commands
from adapters.discord.tree import RegistryTree, build_tree
from bot.port import AdapterPort

log = logging.getLogger(__name__)

INTENTS = discord.Intents(guilds=True)


class ReachoutClient(discord.Client):
    """Serves the registry's commands to every server the bot is in."""

    def __init__(
        self,
        port: AdapterPort,
        config: DiscordConfig,
        *,
        defer_after: float = DEFER_AFTER,
        suggest_within: float = SUGGEST_WITHIN,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # reachout never joins voice; without this discord.py warns that voice libraries are
        # missing, which reads like a problem to whoever runs the bot.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options: dict[str, Any] = {"guild_ready_timeout": guild_ready_timeout}
        if config.application_id is not None:
            options["application_id"] = config.application_id
        if isinstance(self, discord.AutoShardedClient) and config.shard_count is not None:
            options["shard_count"] = config.shard_count
            options["shard_ids"] = list(config.shard_ids or range(config.shard_count))
        super().__init__(
            intents=INTENTS, allowed_mentions=discord.AllowedMentions.none(), **options
        )
        self.port = port
        self.config = config
        self.runner = InteractionRunner(port, defer_after, suggest_within)
        self.tree: RegistryTree = build_tree(
            self, port.registry, self.runner.run, self.runner.on_tree_error, self.runner
        )
        self.notifier = DiscordNotifier(self)
        self.on_login: Callable[[], None] | None = None
        self.sync_task: asyncio.Task[list[int | None]] | None = None
        self.known_workspaces: set[int] = set()

    async def setup_hook(self) -> None:
        """After login: sync commands in the background, so start-up never waits on it."""
        if self.on_login is not None:
            self.on_login()
        if not self.config.syncs_commands:
            log.info("discord: the instance with shard 0 syncs the commands; not this one")
            return
        self.sync_task = asyncio.create_task(self._sync(), name="discord-command-sync")

    async def connection_problem(self) -> str | None:
        """For ``/healthz``: None while the gateway connection is open and identified.

        Interactions flow from READY on; discord.py's own readiness waits for every server
        to arrive first, which says nothing about whether members can use the bot.
        """
        if self.user is None:
            return "connecting to Discord's gateway"
        if self.ws is None or not self.ws.open:
            return "disconnected from Discord's gateway; reconnecting"
        return None

    async def _sync(self) -> list[int | None]:
        assert self.application_id is not None
        try:
            return await sync_commands(
                self.tree, self.port, self.application_id, self.config.guild_ids
            )
        except discord.HTTPException as error:
            log.error(
                "discord: command sync failed (%s %s); serving as before", error.status, error.text
            )
            return []

    async def on_ready(self) -> None:
        """Connected (again), servers known: store them, then let deliveries flow."""
        for guild in self.guilds:
            await self._ensure_workspace(guild)
        log.info("discord: connected as %s, in %d servers", self.user, len(self.guilds))
        self.port.connect(self.notifier)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Button presses and form submissions (slash commands go through the tree)."""
        await self.runner.on_interaction(interaction)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("discord: joined server %s (%s)", guild.id, guild.name)
        await self._ensure_workspace(guild)

    async def _ensure_workspace(self, guild: discord.Guild) -> None:
        """A server is a workspace from the moment the bot is in it (once per process)."""
        if guild.id in self.known_workspaces:
            return
        await self.port.note_workspace(PLATFORM, str(guild.id), guild.name)
        self.known_workspaces.add(guild.id)

    async def close(self) -> None:
        if self.sync_task is not None and not self.sync_task.done():
            self.sync_task.cancel()
        await super().close()


class ShardedReachoutClient(ReachoutClient, discord.AutoShardedClient):
    """The same client on ``DISCORD_SHARD_COUNT`` shards, of which this instance runs
    ``DISCORD_SHARD_IDS``: Discord sends each server's events, its commands included, to
    one shard only, so each command reaches exactly one instance."""


def make_client(port: AdapterPort, config: DiscordConfig) -> ReachoutClient:
    """The sharded client when shards are configured, else the plain one."""
    if config.shard_count is not None:
        return ShardedReachoutClient(port, config)
    return ReachoutClient(port, config)
