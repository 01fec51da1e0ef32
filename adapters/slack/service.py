"""Starting and stopping Slack: settings checked, token verified, then Socket Mode or HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import KeyedPacer
from adapters.slack.app import Identity, SlackAdapter
from adapters.slack.commands import ACK_BUDGET_SECONDS
from adapters.slack.config import CREDENTIALS, EVENTS_PATH, Mode, SlackConfig, load_config
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.notifier import failure_of
from adapters.slack.server import HttpListener, Listener, SocketListener
from bot.config import ConfigError, Settings
from bot.doctor import Check, Status
from bot.errors import PlatformUnreachable
from bot.port import AdapterPort

log = logging.getLogger(__name__)

WEB_API_TIMEOUT_SECONDS = 15
RATE_LIMIT_RETRIES = 3
"""How many 429s in a row one call waits out (``Retry-After``) before giving up."""

_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


def check_settings(settings: Settings) -> None:
    """Refuse malformed Slack settings before anything connects."""
    load_config(settings)


@dataclass(frozen=True)
class SlackService:
    """A running Slack adapter: its bolt app, notifier and, in HTTP mode, its address."""

    adapter: SlackAdapter
    url: str | None


def web_client(config: SlackConfig, session: aiohttp.ClientSession) -> AsyncWebClient:
    """The Web API client: one connection pool, 429s waited out.

    Only retries that cannot post a message twice: a 429 (Slack did nothing) and a
    connection that never opened. A 5xx or a connection lost mid-request is not retried.
    """
    return AsyncWebClient(
        token=config.bot_token.value,
        base_url=config.api_base_url,
        session=session,
        timeout=WEB_API_TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(error_types=[aiohttp.ClientConnectorError]),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
        logger=web_api_logger(),
    )


def web_api_logger() -> logging.Logger:
    """slack-sdk's Web API logger, its own level set to the one in effect.

    The client builds its debug lines (each request's body, each response's headers and
    body) whenever that logger's own level is unset, and only then does logging drop them:
    about 30 us of every call. bolt's client for each request takes this logger too.
    """
    logger = logging.getLogger("slack_sdk.web.async_base_client")
    if logger.level == logging.NOTSET:
        logger.setLevel(logger.getEffectiveLevel())
    return logger


@dataclass(frozen=True)
class Verified:
    """What ``auth.test`` said: who the token is, and the scopes the app lacks."""

    identity: Identity
    missing_scopes: tuple[str, ...]

    @property
    def scope_advice(self) -> str:
        """One line for the log or ``reachout doctor``; empty when no scope is missing."""
        if not self.missing_scopes:
            return ""
        return (
            f"the app lacks the scope(s) {', '.join(self.missing_scopes)}; add them under "
            "OAuth & Permissions (or recreate the app from `reachout slack manifest`), "
            "reinstall it to the workspace, and restart"
        )


async def identify(client: AsyncWebClient, config: SlackConfig) -> Verified:
    """``auth.test``: proves the token before we listen, names the workspace and bot, and
    reads the scopes the token was granted (Slack sends them in ``X-OAuth-Scopes``)."""
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        reason = failure_of(error)
        if reason in _TOKEN_ERRORS:
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                f"Slack refused it ({reason}); copy the Bot User OAuth Token again from "
                "OAuth & Permissions",
            ) from None
        raise ConfigError(
            "SLACK_API_BASE_URL",
            f"the Web API at {config.api_base_url} answered auth.test with {reason}",
        ) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise PlatformUnreachable(
            f"cannot reach Slack's Web API at {config.api_base_url} ({type(error).__name__}); "
            "check this machine's network and DNS, any proxy, and https://slack-status.com"
        ) from None
    headers = {name.lower(): value for name, value in response.headers.items()}
    granted = headers.get("x-oauth-scopes")
    missing: tuple[str, ...] = ()
    if granted is not None:
        have = {scope.strip() for scope in str(granted).split(",")}
        missing = tuple(scope for scope in BOT_SCOPES if scope not in have)
    identity = Identity(
        team_id=str(response["team_id"]),
        team_name=str(response.get("team") or response["team_id"]),
        bot_user_id=str(response.get("user_id") or ""),
        bot_id=str(response.get("bot_id") or ""),
        bot_name=str(response.get("user") or "reachout"),
    )
    return Verified(identity, missing)


@asynccontextmanager
async def running(
    port: AdapterPort,
    settings: Settings,
    *,
    pacer: KeyedPacer | None = None,
    budget: float = ACK_BUDGET_SECONDS,
) -> AsyncIterator[SlackService]:
    """Slack served while the block runs; follow-ups finished and connections closed after.

    Scheduled nudges and reminders for Slack go out through this adapter's notifier.

    Args:
        port: the core, as adapters see it.
        settings: the settings, which hold Slack's.
        pacer: spacing of channel posts (Slack's one a second per channel by default).
        budget: seconds a command may run before its ack goes without the reply.
    """
    config = load_config(settings)
    async with aiohttp.ClientSession() as session:
        client = web_client(config, session)
        verified = await identify(client, config)
        identity = verified.identity
        if verified.missing_scopes:
            log.warning("slack: %s", verified.scope_advice)
        signing_secret = config.signing_secret.value if config.signing_secret else None
        adapter = SlackAdapter(
            port,
            client,
            identity,
            signing_secret=None if config.mode is Mode.SOCKET else signing_secret,
            budget=budget,
            pacer=pacer,
        )
        listener: Listener
        if config.mode is Mode.SOCKET:
            assert config.app_token is not None
            listener = SocketListener(adapter.app, config.app_token.value)
        else:
            listener = HttpListener(adapter.app, config.http_host, config.http_port)
        await listener.start()
        port.track_connection("slack", listener.connection_problem)
        port.connect(adapter.notifier)
        where = f"at {listener.url}{EVENTS_PATH}" if listener.url else "in Socket Mode"
        log.info("Slack: serving team %s as @%s %s", identity.team_id, identity.bot_name, where)
        try:
            yield SlackService(adapter, listener.url)
        finally:
            await listener.stop()
            await adapter.close()


async def serve(port: AdapterPort, settings: Settings) -> None:
    """Serve Slack until cancelled; bad settings raise ``ConfigError`` before connecting."""
    async with running(port, settings):
        await asyncio.Event().wait()


async def doctor(settings: Settings) -> list[Check]:
    """``reachout doctor``: the settings, ``auth.test`` and its scopes, and the app token."""
    if not any(settings.secret(name) for name in CREDENTIALS):
        return [Check("slack", Status.OFF, "not configured; see docs/slack.md to use Slack")]
    try:
        config = load_config(settings)
    except ConfigError as problem:
        return [Check("slack", Status.FIX, str(problem))]
    async with aiohttp.ClientSession() as session:
        try:
            verified = await identify(web_client(config, session), config)
        except (ConfigError, PlatformUnreachable) as problem:
            return [Check("slack", Status.FIX, str(problem))]
        who = verified.identity
        rows = [
            Check(
                "slack",
                Status.OK,
                f"bot token accepted: workspace {who.team_name} ({who.team_id}) as @{who.bot_name}",
            )
        ]
        if verified.missing_scopes:
            rows.append(Check("slack", Status.FIX, f"SLACK_BOT_TOKEN: {verified.scope_advice}"))
        rows.append(await _mode_check(config, session))
    return rows


async def _mode_check(config: SlackConfig, session: aiohttp.ClientSession) -> Check:
    """Socket Mode: the app token opens a connection URL. HTTP mode: where to point Slack."""
    if config.mode is Mode.HTTP:
        return Check(
            "slack",
            Status.OK,
            f"HTTP mode: listening on {config.http_host}:{config.http_port}; Slack must reach "
            f"it at https://<your host>{EVENTS_PATH} through your TLS proxy",
        )
    assert config.app_token is not None
    client = AsyncWebClient(
        token=config.app_token.value,
        base_url=config.api_base_url,
        session=session,
        timeout=WEB_API_TIMEOUT_SECONDS,
    )
    try:
        await client.apps_connections_open(app_token=config.app_token.value)
    except SlackApiError as error:
        return Check(
            "slack",
            Status.FIX,
            f"SLACK_APP_TOKEN: Slack refused it ({failure_of(error)}); create an app-level "
            "token with the connections:write scope under Basic Information",
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return Check("slack", Status.FIX, f"cannot open Socket Mode ({type(error).__name__})")
    return Check("slack", Status.OK, "Socket Mode: app token accepted")
