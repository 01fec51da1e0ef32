"""``reachout run`` for Discord, and ``reachout discord invite-url``."""

from __future__ import annotations

import logging

import discord

from adapters.discord.client import INTENTS, make_client
from adapters.discord.config import DiscordConfig, discord_endpoints, load_discord_config
from adapters.discord.invite import install_link
from bot.config import ConfigError, Settings
from bot.port import AdapterPort

log = logging.getLogger(__name__)

LOGIN_REFUSED = (
    "Discord refused this bot token. Copy it again from the Developer Portal "
    "(your application > Bot > Reset Token) into DISCORD_TOKEN"
)


def _token(config: DiscordConfig) -> str:
    if config.token is None:
        raise ConfigError(
            "DISCORD_TOKEN", "not set; copy it from the Developer Portal (Bot > Token)"
        )
    return config.token.value


async def run_client(client: discord.Client, config: DiscordConfig) -> None:
    """Log in and stay connected until the client is closed or the task is cancelled."""
    with discord_endpoints(config):
        try:
            async with client:
                await client.start(_token(config))
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN", LOGIN_REFUSED) from None


async def serve(port: AdapterPort, settings: Settings) -> None:
    """Serve Discord with the shared core until cancelled; called by ``reachout run``.

    Once connected (and again after each reconnect), nudges and reminders for Discord go out
    through the client's notifier; connecting it makes the courier look for anything due.
    """
    config = load_discord_config(settings)
    await run_client(make_client(port, config), config)


async def invite_url(settings: Settings) -> str:
    """The install link; asks Discord for the application id only if it is not configured."""
    config = load_discord_config(settings)
    application_id = config.application_id
    if application_id is None:
        if config.token is None:
            raise ConfigError(
                "DISCORD_APPLICATION_ID",
                "not set; copy the Application ID from the Developer Portal (General "
                "Information), or set DISCORD_TOKEN so reachout can ask Discord for it",
            )
        application_id = await _application_id(config)
    return install_link(application_id)


async def _application_id(config: DiscordConfig) -> int:
    """The application behind the token, from Discord (a login without the gateway)."""
    client = discord.Client(intents=INTENTS)
    with discord_endpoints(config):
        try:
            async with client:
                await client.login(_token(config))
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN", LOGIN_REFUSED) from None
    assert client.application_id is not None
    return client.application_id
