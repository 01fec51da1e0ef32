"""Stopping Socket Mode: commands in hand still answered, and no 10 s wait for the peer.

slack-sdk's close waits (aiohttp's default, 10 s) for the other side to answer the close
frame; a peer slow to answer made every shutdown take 10 s.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from adapters.slack import running
from bot.cli import open_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from tests.adapters.conftest import slack_env
from tests.fakes.slack import FakeSlack

GUARD_SECONDS = 3.0
"""Well under the old 10 s: a guard against that regression, not a performance target."""


@pytest.mark.parametrize("answers_close", [True, False], ids=["peer answers", "peer silent"])
async def test_shutdown_answers_the_command_in_hand_and_does_not_wait_for_the_peer(
    fake: FakeSlack, tmp_path: Path, clock: ManualClock, answers_close: bool
) -> None:
    fake.socket.answers_close = answers_close
    settings = load_settings(slack_env(fake, "socket", tmp_path / "reachout.db"), env_file=None)
    async with AsyncExitStack() as stack:
        runtime = await stack.enter_async_context(open_runtime(settings, clock))
        await stack.enter_async_context(running(runtime.port, runtime.settings))
        connection = await fake.socket.wait_connected()
        slow_slack = fake.hold("users.info")
        sent = await fake.socket_send("slash_commands", fake.slash_command("/sent", "Jane Doe"))
        await fake.wait_until(lambda: bool(fake.calls.named("users.info")), what="users.info")

        started = time.monotonic()
        stopping = asyncio.create_task(stack.aclose())
        await asyncio.sleep(0)  # the stop runs until it waits for the command in hand
        assert not stopping.done()
        slow_slack.set()
        ack = await sent.ack()
        await stopping
        took = time.monotonic() - started

    assert ack.payload is not None
    assert "Logged an outreach email to Jane Doe" in str(ack.payload)
    assert connection.close_frame_at is not None
    assert ack.received_at < connection.close_frame_at
    assert took < GUARD_SECONDS, f"shutdown took {took:.1f} s"
