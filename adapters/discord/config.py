"""Discord settings, read from the merged environment and ``.env`` and validated at start.

The core validates only what it needs; the Discord-only settings are checked here, so a bad
value stops ``reachout run`` with one line naming the setting.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import discord.gateway
import discord.http
import yarl

from bot.config import ConfigError, Secret, Settings

SETTINGS = (
    "DISCORD_TOKEN",
    "DISCORD_APPLICATION_ID",
    "DISCORD_GUILD_IDS",
    "DISCORD_API_BASE_URL",
    "DISCORD_GATEWAY_URL",
    "DISCORD_SHARD_COUNT",
    "DISCORD_SHARD_IDS",
)
"""Every setting this adapter reads, for the warning about unknown ones."""

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
_SNOWFLAKE = re.compile(r"^[1-9][0-9]{5,19}$")
_LIST_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class DiscordConfig:
    """What the Discord adapter needs: the token, optional ids, and where Discord is."""

    token: Secret | None
    application_id: int | None = None
    guild_ids: tuple[int, ...] = ()
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    shard_count: int | None = None
    """``DISCORD_SHARD_COUNT``: the gateway split into this many shards (several instances)."""
    shard_ids: tuple[int, ...] = ()
    """``DISCORD_SHARD_IDS``: the shards this instance connects; all of them if empty."""

    @property
    def syncs_commands(self) -> bool:
        """Only the instance holding shard 0 (or the only instance) syncs commands, so a
        fleet that starts together sends one sync, not one per instance."""
        return self.shard_count is None or not self.shard_ids or 0 in self.shard_ids

    @property
    def custom_endpoints(self) -> bool:
        """Whether REST or the gateway go somewhere other than Discord (a proxy, a fake)."""
        return (self.api_base_url, self.gateway_url) != (DEFAULT_API_BASE_URL, DEFAULT_GATEWAY_URL)


def _snowflake(setting: str, raw: str) -> int:
    if not _SNOWFLAKE.fullmatch(raw):
        raise ConfigError(
            setting,
            f"{raw[:40]!r} is not a Discord id; ids are long numbers such as "
            "1234567890123456789 (turn on Developer Mode, then right-click > Copy ID)",
        )
    return int(raw)


def _url(setting: str, raw: str, schemes: tuple[str, ...], example: str) -> str:
    try:
        url = yarl.URL(raw)
    except ValueError:
        url = None
    if url is None or url.scheme not in schemes or not url.host:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise ConfigError(setting, f"{raw[:80]!r} is not a {wanted} URL, e.g. {example}")
    return raw.rstrip("/") if setting == "DISCORD_API_BASE_URL" else raw


MAX_SHARDS = 1024


def _shards(values: Mapping[str, str]) -> tuple[int | None, tuple[int, ...]]:
    raw_count = values.get("DISCORD_SHARD_COUNT")
    raw_ids = values.get("DISCORD_SHARD_IDS")
    if raw_count is None:
        if raw_ids:
            raise ConfigError(
                "DISCORD_SHARD_IDS", "needs DISCORD_SHARD_COUNT, the number of shards in all"
            )
        return None, ()
    if not raw_count.isdigit() or not 1 <= int(raw_count) <= MAX_SHARDS:
        raise ConfigError("DISCORD_SHARD_COUNT", f"must be a whole number from 1 to {MAX_SHARDS}")
    count = int(raw_count)
    ids: list[int] = []
    for part in _LIST_SEPARATORS.split(raw_ids or ""):
        if not part:
            continue
        if not part.isdigit() or int(part) >= count:
            raise ConfigError(
                "DISCORD_SHARD_IDS",
                f"{part[:20]!r} is not a shard of 0 to {count - 1}; list this instance's "
                "shards, e.g. 0,1",
            )
        ids.append(int(part))
    return count, tuple(dict.fromkeys(ids))


def load_discord_config(settings: Settings) -> DiscordConfig:
    """The validated Discord settings; raises ``ConfigError`` naming the first bad one."""
    values: Mapping[str, str] = settings.values
    application_id = None
    if raw_id := values.get("DISCORD_APPLICATION_ID"):
        application_id = _snowflake("DISCORD_APPLICATION_ID", raw_id)
    guild_ids: tuple[int, ...] = ()
    if raw_guilds := values.get("DISCORD_GUILD_IDS"):
        parts = [p for p in _LIST_SEPARATORS.split(raw_guilds) if p]
        guild_ids = tuple(dict.fromkeys(_snowflake("DISCORD_GUILD_IDS", p) for p in parts))
    api = values.get("DISCORD_API_BASE_URL")
    gateway = values.get("DISCORD_GATEWAY_URL")
    shard_count, shard_ids = _shards(values)
    return DiscordConfig(
        token=settings.secret("DISCORD_TOKEN"),
        application_id=application_id,
        guild_ids=guild_ids,
        api_base_url=(
            _url("DISCORD_API_BASE_URL", api, ("http", "https"), "http://127.0.0.1:8080/api/v10")
            if api
            else DEFAULT_API_BASE_URL
        ),
        gateway_url=(
            _url("DISCORD_GATEWAY_URL", gateway, ("ws", "wss"), "ws://127.0.0.1:8080/gateway")
            if gateway
            else DEFAULT_GATEWAY_URL
        ),
        shard_count=shard_count,
        shard_ids=shard_ids,
    )


@contextlib.contextmanager
def discord_endpoints(config: DiscordConfig) -> Iterator[None]:
    """Point discord.py's REST base and gateway at ``config``'s URLs; restore them after.

    discord.py reads both from class attributes, so they are process-wide while set.
    """
    if not config.custom_endpoints:
        yield
        return
    saved_base = discord.http.Route.BASE
    saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = config.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = saved_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved_gateway
