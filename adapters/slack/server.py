"""How Slack reaches the bot: a Socket Mode WebSocket, or an aiohttp server for HTTP mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack.config import EVENTS_PATH, HEALTH_PATH
from adapters.slack.notifier import failure_of
from bot.config import ConfigError
from bot.errors import PlatformUnreachable
from bot.listening import listen

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_SECONDS = 5.0
DRAIN_SECONDS = 3.0
"""How long Socket Mode waits at shutdown for envelopes in hand: Slack's ack deadline."""
CLOSE_ANSWER_SECONDS = 0.3
"""How long Socket Mode waits for the peer to answer our close frame.

aiohttp waits 10 s by default, which made every shutdown with Socket Mode take 10 s
whenever the other side was slow to answer; nothing is lost by closing without it.
"""


class Listener(Protocol):
    """A running connection to Slack, in one mode or the other."""

    url: str | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def connection_problem(self) -> str | None:
        """For ``/healthz``: None while Slack can reach the bot this way."""
        ...


class HttpListener:
    """Slack's requests at ``/slack/events`` (signature checked by bolt), ``GET /healthz``."""

    def __init__(self, app: AsyncApp, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def start(self) -> None:
        web_app = self._app.web_app(path=EVENTS_PATH, port=self._port)
        web_app.router.add_get(HEALTH_PATH, _health)
        self._runner, self.url = await listen(
            web_app,
            self._host,
            self._port,
            host_setting="REACHOUT_HTTP_HOST",
            port_setting="REACHOUT_HTTP_PORT",
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def connection_problem(self) -> str | None:
        """Listening is all this side can know: Slack's requests come to us."""
        return None if self._runner is not None else "not listening for Slack's requests"


async def _health(request: web.Request) -> web.Response:
    """For load balancers and uptime checks: the process is up and serving."""
    return web.json_response({"ok": True})


class SocketListener:
    """An outgoing WebSocket opened with the app-level token; no public URL needed."""

    url: str | None = None

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._app = app
        self._app_token = app_token
        self._handler: AsyncSocketModeHandler | None = None
        self._handling = 0
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Check the app token first: slack-sdk would otherwise retry a bad one forever."""
        handler = AsyncSocketModeHandler(self._app, app_token=self._app_token)
        listeners = handler.client.socket_mode_request_listeners
        listeners[:] = [self._counted(listener) for listener in listeners]
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as error:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise ConfigError(
                "SLACK_APP_TOKEN",
                f"Slack refused it ({failure_of(error)}); create an app-level token with the "
                "connections:write scope under Basic Information",
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise PlatformUnreachable(
                f"cannot open a Socket Mode connection ({type(error).__name__}); check this "
                "machine's network and DNS, any proxy, and https://slack-status.com"
            ) from None
        await handler.connect_async()  # type: ignore[no-untyped-call]
        self._handler = handler

    def _counted(
        self, listener: Callable[[Any, Any], Awaitable[None]]
    ) -> Callable[[Any, Any], Awaitable[None]]:
        """slack-sdk runs each envelope as a task it keeps no handle on: count them here,
        so shutdown can wait for their acks."""

        async def counted(client: Any, request: Any) -> None:
            self._handling += 1
            try:
                await listener(client, request)
            finally:
                self._handling -= 1
                self._changed.set()

        return counted

    async def stop(self) -> None:
        """Stop reading, let envelopes in hand be acked, then close without waiting long.

        slack-sdk's own close would wait up to 10 s for the peer's answer to the close frame.
        """
        handler, self._handler = self._handler, None
        if handler is None:
            return
        client = handler.client
        client.auto_reconnect_enabled = False
        for task in (client.current_session_monitor, client.message_receiver):
            if task is not None:
                task.cancel()
        with suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                while self._handling or not client.message_queue.empty():
                    self._changed.clear()
                    await self._changed.wait()
        if client.current_session is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(client.current_session.close(), CLOSE_ANSWER_SECONDS)
        await handler.close_async()  # type: ignore[no-untyped-call]

    async def connection_problem(self) -> str | None:
        """None while the WebSocket is open and answering pings."""
        if self._handler is not None and await self._handler.client.is_connected():
            return None
        return "disconnected from Slack's Socket Mode; reconnecting"
