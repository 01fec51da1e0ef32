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
