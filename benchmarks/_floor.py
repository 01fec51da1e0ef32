"""The platform libraries alone: a same-run floor for the Discord and Slack benchmarks.

    python -m benchmarks._floor discord
    python -m benchmarks._floor slack-http
    python -m benchmarks._floor slack-socket

with the settings ``reachout run`` takes for the same platform and mode from the environment
(``DISCORD_TOKEN``, ``DISCORD_API_BASE_URL``, ``DISCORD_GATEWAY_URL``; ``SLACK_BOT_TOKEN``,
``SLACK_API_BASE_URL``, then ``SLACK_SIGNING_SECRET`` and ``REACHOUT_HTTP_PORT``, or
``SLACK_APP_TOKEN``).

A bot with nothing of reachout in it: discord.py or slack-bolt set up as reachout sets them
up (the same intents, the same bolt ``authorize`` and ``process_before_response``, bolt's
aiohttp server, Socket Mode through bolt's handler), answering every command the benchmarks
send with a fixed reply of a reply's usual length, and every button press with a
``chat.update`` of the pressed message. No database, no engine, no words to compose.

The benchmarks run the same load against it in the same run, so what a command costs
reachout can be told apart from what it costs the library, the loopback and the fake: the
bot's figures are reported as ratios to this floor. It runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from typing import Any

import discord
import yarl
from aiohttp import web
from discord import app_commands
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

REPLY = (
    "Logged a follow-up to your contact. "
    + "This week: 3 of 5 emails, 1 follow-up due tomorrow, 2 interviews booked. " * 4
).strip()
"""About as long as reachout's usual answer to a command (300-400 characters)."""
UPDATED = "Logged a follow-up. (floor)"
"""What a pressed message is rewritten to; the press benchmark looks for "Logged a follow-up"."""


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def discord_floor() -> None:
    """discord.py with the benchmark's commands, each answered with ``REPLY``."""

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    client = discord.Client(
        intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none()
    )
    tree = app_commands.CommandTree(client)

    async def answer(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(REPLY)

    @tree.command(name="sent", description="Log emails you sent.")
    async def sent(interaction: discord.Interaction[Any], count: int = 1) -> None:
        await answer(interaction)

    @tree.command(name="progress", description="Your week.")
    async def progress(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction)

    @tree.command(name="contacts", description="Your contacts.")
    async def contacts(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction)

    @tree.command(name="leaderboard", description="The cohort's board.")
    @app_commands.choices(
        metric=[app_commands.Choice(name=n, value=n) for n in ("emails", "interviews")]
    )
    async def leaderboard(
        interaction: discord.Interaction[Any], metric: app_commands.Choice[str] | None = None
    ) -> None:
        await answer(interaction)

    async def setup_hook() -> None:
        await tree.sync()

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    async with client:
        await client.login(os.environ["DISCORD_TOKEN"])
        serving = asyncio.create_task(client.connect(reconnect=False))
        await _until_stopped()
        await client.close()
        serving.cancel()


async def slack_floor(socket_mode: bool) -> None:
    """slack-bolt as reachout sets it up: every command acked with ``REPLY``, every button
    acked and its message rewritten with ``chat.update``."""

    base = os.environ["SLACK_API_BASE_URL"]
    token = os.environ["SLACK_BOT_TOKEN"]
    client = AsyncWebClient(token=token, base_url=base)
    bot = await client.auth_test()

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or str(bot["team_id"]),
            bot_token=token,
            bot_id=str(bot.get("bot_id") or ""),
            bot_user_id=str(bot["user_id"]),
        )

    secret = os.environ.get("SLACK_SIGNING_SECRET")
    quiet = logging.getLogger("benchmarks.floor.bolt")
    quiet.setLevel(logging.ERROR)  # bolt warns that SLACK_BOT_TOKEN, which it reads, is unused
    app = AsyncApp(
        logger=quiet,
        client=AsyncWebClient(base_url=base, session=client.session),
        signing_secret=secret or "",
        request_verification_enabled=secret is not None,
        authorize=authorize,
        process_before_response=True,
    )
    pending: set[asyncio.Task[Any]] = set()

    @app.command(re.compile(r"^/.+"))
    async def command(ack: Any) -> None:
        await ack(text=REPLY)

    @app.action(re.compile(r".+"))
    async def pressed(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        container = body.get("container") or {}
        update = client.chat_update(
            channel=str(container.get("channel_id") or body["channel"]["id"]),
            ts=str(container.get("message_ts")),
            text=UPDATED,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": UPDATED}}],
        )
        task = asyncio.ensure_future(update)
        pending.add(task)
        task.add_done_callback(pending.discard)

    if socket_mode:
        handler = AsyncSocketModeHandler(app, app_token=os.environ["SLACK_APP_TOKEN"])
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await _until_stopped()
        await handler.close_async()  # type: ignore[no-untyped-call]
        return

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    port = int(os.environ["REACHOUT_HTTP_PORT"])
    server = app.web_app(path="/slack/events", port=port)
    server.router.add_get("/healthz", healthz)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await _until_stopped()
    await runner.cleanup()


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "discord":
        asyncio.run(discord_floor())
    elif kind in ("slack-http", "slack-socket"):
        asyncio.run(slack_floor(kind == "slack-socket"))
    else:
        raise SystemExit("usage: python -m benchmarks._floor discord|slack-http|slack-socket")


if __name__ == "__main__":
    main()
