"""``reachout run`` for Discord, and ``reachout discord invite-url``."""

from __future__ import annotations

import logging

import aiohttp
import discord

from adapters.discord.client import INTENTS, make_client
from adapters.discord.config import DiscordConfig, discord_endpoints, load_discord_config
from adapters.discord.invite import install_link
from bot.config import ConfigError, Settings
from bot.doctor import Check, Status
from bot.errors import PlatformUnreachable
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


def check_settings(settings: Settings) -> None:
    """Refuse malformed Discord settings before anything connects."""
    load_discord_config(settings)


def unreachable(config: DiscordConfig, error: BaseException) -> PlatformUnreachable:
    """Discord could not be reached: where reachout tried, and what to look at."""
    if isinstance(error, discord.HTTPException):
        detail = f"it answered HTTP {error.status}"
    else:
        detail = type(error).__name__
    return PlatformUnreachable(
        f"cannot reach Discord at {config.api_base_url} ({detail}); check this machine's "
        "network and DNS, any proxy, and https://discordstatus.com"
    )


async def run_client(client: discord.Client, config: DiscordConfig) -> None:
    """Log in and stay connected until the client is closed or the task is cancelled.

    Once logged in, discord.py reconnects by itself; what fails here is the login, or a close
    that no reconnect can fix.
    """
    with discord_endpoints(config):
        try:
            async with client:
                await client.start(_token(config))
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN", LOGIN_REFUSED) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "DISCORD_TOKEN",
                "Discord refused the gateway intents this bot asks for; turn them on under "
                "your application > Bot > Privileged Gateway Intents",
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError) as error:
            raise unreachable(config, error) from None


async def serve(port: AdapterPort, settings: Settings) -> None:
    """Serve Discord with the shared core until cancelled; called by ``reachout run``.

    Once connected (and again after each reconnect), nudges and reminders for Discord go out
    through the client's notifier; connecting it makes the courier look for anything due.
    Once logged in (the token is good), ``/healthz`` asks the client how its gateway is.
    """
    config = load_discord_config(settings)
    client = make_client(port, config)
    client.on_login = lambda: port.track_connection("discord", client.connection_problem)
    await run_client(client, config)


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


async def _login(config: DiscordConfig) -> discord.Client:
    """A login over REST only, no gateway: proves the token and names the bot.

    Raises ``ConfigError`` for a refused token, ``PlatformUnreachable`` when Discord can't be
    reached. The client is closed again; what it learned (user, application id) stays."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice, ever
    client = discord.Client(intents=INTENTS)
    with discord_endpoints(config):
        try:
            async with client:
                await client.login(_token(config))
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN", LOGIN_REFUSED) from None
        except (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError) as error:
            raise unreachable(config, error) from None
    return client


async def _application_id(config: DiscordConfig) -> int:
    """The application behind the token, from Discord."""
    try:
        client = await _login(config)
    except PlatformUnreachable as problem:
        raise ConfigError("DISCORD_API_BASE_URL", str(problem)) from None
    assert client.application_id is not None
    return client.application_id


async def doctor(settings: Settings) -> list[Check]:
    """``reachout doctor``: the settings, then a real login (``GET /users/@me``)."""
    if settings.secret("DISCORD_TOKEN") is None:
        return [Check("discord", Status.OFF, "not configured; set DISCORD_TOKEN to use Discord")]
    try:
        config = load_discord_config(settings)
    except ConfigError as problem:
        return [Check("discord", Status.FIX, str(problem))]
    try:
        client = await _login(config)
    except (ConfigError, PlatformUnreachable) as problem:
        return [Check("discord", Status.FIX, str(problem))]
    user = client.user
    where = "" if not config.custom_endpoints else f" through {config.api_base_url}"
    return [
        Check(
            "discord",
            Status.OK,
            f"token accepted{where}: logged in as {user} (application {client.application_id})",
        )
    ]
