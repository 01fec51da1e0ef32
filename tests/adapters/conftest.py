"""The Slack adapter under test: real slack-bolt, a real SQLite file, the fake Slack on loopback.

``slack_bot`` runs ``adapters.slack.running`` (what ``reachout run`` serves) against
``FakeSlack`` in the mode the ``mode`` fixture names, both modes by default. Tests talk to
it the way Slack does: signed HTTP requests, or envelopes over the Socket Mode WebSocket.
Every Web API call the adapter made must be one Slack's Web API description allows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.pacing import KeyedPacer
from adapters.slack import SlackService, running
from bot.cli import main, open_runtime
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.runtime import Runtime
from tests.conftest import TIMEZONE
from tests.fakes.slack import COHORT_CHANNEL_ID, MEMBER_ID, FakeSlack, SlackSender

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEST_POST_INTERVAL = 0.05
"""Channel pacing in tests: the real one-second spacing, scaled down."""

MODES = ("http", "socket")
CLEARED_PREFIXES = ("REACHOUT_", "DISCORD_", "SLACK_")
"""Variables of the caller's environment that ``reachout`` would read or warn about (CI's
``REACHOUT_TEST_POSTGRES_URL`` is one it warns about), cleared for the ``cli`` fixture."""


@dataclass(frozen=True)
class Ack:
    """What Slack got back for one request: the ack payload (None when empty) and the time."""

    payload: dict[str, Any] | None
    elapsed: float

    @property
    def text(self) -> str:
        return str((self.payload or {}).get("text", ""))

    @property
    def shown(self) -> str:
        """Everything the blocks say, joined: what the member reads."""
        return shown(self.payload or {})

    @property
    def ephemeral(self) -> bool:
        return (self.payload or {}).get("response_type") == "ephemeral"


def shown(message: Mapping[str, Any]) -> str:
    """The text of every section in a message or view, one per line."""
    lines = []
    for block in message.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            lines.append(str(text.get("text", "")))
    return "\n".join(lines)


def slack_env(fake: FakeSlack, mode: str, database: Path) -> dict[str, str]:
    """The settings ``reachout run`` would read for ``mode``, pointed at the fake."""
    env = {
        "REACHOUT_DATABASE": str(database),
        "REACHOUT_TIMEZONE": TIMEZONE,
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_API_BASE_URL": fake.api_base,
    }
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = fake.app_token
    else:
        env["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
        env["REACHOUT_HTTP_HOST"] = "127.0.0.1"
        env["REACHOUT_HTTP_PORT"] = "0"
    return env


class SlackBot:
    """The running adapter, driven like Slack drives it, in either mode."""

    def __init__(
        self,
        fake: FakeSlack,
        runtime: Runtime,
        service: SlackService,
        sender: SlackSender | None,
    ) -> None:
        self.fake = fake
        self.runtime = runtime
        self.service = service
        self.sender = sender

    async def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = MEMBER_ID,
        channel_id: str = COHORT_CHANNEL_ID,
        team_id: str | None = None,
    ) -> Ack:
        """Run a slash command as Slack sends it (``text`` as Slack escaped it)."""
        form = self.fake.slash_command(
            command, text, user_id=user_id, channel_id=channel_id, team_id=team_id
        )
        return await self.deliver("slash_commands", form)

    async def event(self, body: dict[str, Any], *, retry_num: int | None = None) -> Ack:
        if self.sender is not None:
            return _http_ack(await self.sender.event(body, retry_num=retry_num))
        sent = await self.fake.socket_send(
            "events_api",
            body,
            retry_attempt=retry_num or 0,
            retry_reason="timeout" if retry_num else "",
        )
        ack = await sent
        return Ack(ack.payload, ack.elapsed)

    async def interactive(self, payload: dict[str, Any]) -> Ack:
        return await self.deliver("interactive", payload)

    async def deliver(self, kind: str, payload: dict[str, Any]) -> Ack:
        if self.sender is not None:
            if kind == "slash_commands":
                return _http_ack(await self.sender.slash_command(payload))
            return _http_ack(await self.sender.interactive(payload))
        ack = await (await self.fake.socket_send(kind, payload))
        return Ack(ack.payload, ack.elapsed)

    async def settled(self) -> None:
        """Wait for the work the adapter does after its acks."""
        await self.service.adapter.settled()

    def snapshot(self) -> list[str]:
        """Every row of the database, to prove that something changed nothing."""
        conn = sqlite3.connect(self.runtime.settings.database)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    def count(self, table: str) -> int:
        conn = sqlite3.connect(self.runtime.settings.database)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        finally:
            conn.close()


def _http_ack(delivery: Any) -> Ack:
    assert delivery.status == 200, (delivery.status, delivery.text)
    if not delivery.body:
        payload = None
    elif delivery.headers["Content-Type"].startswith("application/json"):
        payload = json.loads(delivery.body)
    else:
        payload = {"text": delivery.text}
    return Ack(payload, delivery.elapsed)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[list[str]], int]:
    """``reachout`` itself, run from a folder without a .env, every REACHOUT_*, DISCORD_* and
    SLACK_* variable cleared, so what it prints depends on the test alone.

    ``main`` configures the root logger; the monkeypatch puts pytest's back afterwards.
    """
    for name in [n for n in os.environ if n.startswith(CLEARED_PREFIXES)]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return main


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


@pytest.fixture
def slack_settings(fake: FakeSlack, mode: str, tmp_path: Path) -> Settings:
    return load_settings(slack_env(fake, mode, tmp_path / "reachout.db"), env_file=None)


@pytest.fixture
def ack_budget() -> float:
    """Seconds a command may take before the ack goes without its reply (the real 2 s)."""
    return 2.0


@pytest_asyncio.fixture
async def slack_bot(
    fake: FakeSlack, slack_settings: Settings, clock: ManualClock, ack_budget: float
) -> AsyncIterator[SlackBot]:
    before = asyncio.all_tasks()
    pacer = KeyedPacer(rate=1 / TEST_POST_INTERVAL)
    async with (
        open_runtime(slack_settings, clock) as runtime,
        running(runtime.port, runtime.settings, pacer=pacer, budget=ack_budget) as service,
    ):
        if service.url is not None:
            async with SlackSender(service.url, SIGNING_SECRET) as sender:
                yield SlackBot(fake, runtime, service, sender)
        else:
            await fake.socket.wait_connected()
            yield SlackBot(fake, runtime, service, None)
        await service.adapter.settled()
    await assert_no_tasks_left(before)
    assert fake.spec_problems == [], "calls Slack's Web API description does not allow"


async def assert_no_tasks_left(before: set[asyncio.Task[Any]]) -> None:
    """Shutdown must leave the loop clean: no listener, client or follow-up still running."""
    deadline = time.monotonic() + 1.0
    while True:
        leftover = asyncio.all_tasks() - before - {asyncio.current_task()}
        if not leftover or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    assert not leftover, f"tasks left running: {leftover}"
