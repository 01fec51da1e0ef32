"""Helpers for the Discord adapter tests: settings pointing at a fake, a connected client.

Kept out of ``conftest.py`` so the Discord and Slack tests never fight over one file; test
modules import what they use.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters.discord.client import ReachoutClient
from adapters.discord.config import load_discord_config
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Registry
from bot.config import Settings, load_settings
from bot.port import AdapterPort
from bot.runtime import Runtime
from tests.conftest import TIMEZONE
from tests.fakes.discord import FakeDiscord, FakeInteraction, running_client


def discord_settings(tmp_path: Path, fake: FakeDiscord, **extra: str) -> Settings:
    """Settings as ``reachout run`` would read them, with Discord pointed at ``fake``."""
    return load_settings(
        {
            "REACHOUT_DATABASE": str(tmp_path / "reachout.db"),
            "REACHOUT_TIMEZONE": TIMEZONE,
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            **extra,
        },
        env_file=None,
    )


@contextlib.asynccontextmanager
async def discord_runtime(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock, **extra: str
) -> AsyncIterator[Runtime]:
    """The core on a real SQLite file, with Discord settings for ``fake``."""
    async with open_runtime(discord_settings(tmp_path, fake, **extra), clock) as runtime:
        yield runtime


@contextlib.asynccontextmanager
async def connected(
    runtime: Runtime, fake: FakeDiscord, **options: Any
) -> AsyncIterator[ReachoutClient]:
    """reachout's client, connected to ``fake``, done with its command sync, and its notifier
    registered for nudges and reminders, as ``serve`` does."""
    client = ReachoutClient(
        runtime.port,
        load_discord_config(runtime.settings),
        guild_ready_timeout=0.05,
        **options,
    )
    async with running_client(client, fake):
        assert client.sync_task is not None
        await client.sync_task
        await fake.wait_for(lambda: runtime.courier.notifiers.get("discord") is client.notifier)
        yield client


LOADING = 1 << 7
"""The flag of a deferred interaction's placeholder message."""


async def final_message(interaction: FakeInteraction) -> dict[str, Any]:
    """The answer as the member finally sees it: the reply, or the deferred one once edited."""
    first = await interaction.first_response()
    assert first.accepted
    if first.type == 4:
        assert interaction.original is not None
        return interaction.original
    assert first.type == 5
    return await interaction.original_when(lambda m: not m["flags"] & LOADING)


async def run(
    fake: FakeDiscord, command: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[FakeInteraction, dict[str, Any]]:
    interaction = await fake.send_interaction(command, options, **kwargs)
    return interaction, await final_message(interaction)


def message_text(message: Mapping[str, Any] | None) -> str:
    """All the words of a message: content, then each embed's title, text and fields."""
    if not message:
        return ""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            parts += [field["name"], field["value"]]
    return "\n".join(p for p in parts if p)


def with_registry(runtime: Runtime, registry: Registry) -> Runtime:
    """The same core serving a different command set (a new release's commands)."""
    dispatcher = Dispatcher(runtime.engine, registry)
    port = AdapterPort(runtime.engine, dispatcher, registry, runtime.courier, runtime.status)
    return replace(runtime, registry=registry, dispatcher=dispatcher, port=port)
