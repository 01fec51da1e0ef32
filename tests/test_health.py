"""``/healthz`` and ``/metrics`` while reachout serves the fake Discord, and the supervisor.

The core, the real Discord adapter and the health server run in the test's event loop, as
``reachout run`` wires them; the fake Discord drops and refuses connections on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

import adapters.discord
import bot
from bot.cli import health_server, open_core
from bot.clock import ManualClock
from bot.config import ConfigError
from bot.invocation import Origin
from bot.runtime import Runtime
from bot.supervisor import Backoff, supervise
from tests.adapters.discord_fixtures import discord_settings
from tests.fakes.discord import FakeDiscord

QUICK = Backoff(first=0.05, factor=2, most=0.2)
"""Retries in tests: the real waits, scaled down."""


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


class Running:
    """reachout serving Discord, with its health server, as ``reachout run`` has it."""

    def __init__(self, runtime: Runtime, url: str, session: aiohttp.ClientSession) -> None:
        self.runtime = runtime
        self.url = url
        self.session = session

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.url}/healthz") as response:
            return response.status, await response.json()

    async def metrics(self) -> dict[str, Any]:
        """Every sample, keyed by name and labels, as Prometheus would scrape them."""
        async with self.session.get(f"{self.url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=")
            text = await response.text()
        samples: dict[Any, Any] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    async def health_becomes(self, status: int, within: float = 15.0) -> dict[str, Any]:
        """Ask ``/healthz`` until it answers ``status``, as an orchestrator's probe would."""
        async with asyncio.timeout(within):
            while True:
                answer, body = await self.health()
                if answer == status:
                    return body
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, fake: FakeDiscord, clock: ManualClock) -> AsyncIterator[Running]:
    settings = discord_settings(
        tmp_path, fake, REACHOUT_HEALTH_PORT="0", REACHOUT_HEALTH_HOST="127.0.0.1"
    )
    async with (
        open_core(settings, clock) as (runtime, db),
        health_server(runtime, db) as server,
        aiohttp.ClientSession() as session,
    ):
        assert server is not None
        assert server.url is not None
        platforms = {"discord": partial(adapters.discord.serve, runtime.port, runtime.settings)}
        task = asyncio.create_task(supervise(platforms, runtime.status, QUICK))
        try:
            yield Running(runtime, server.url, session)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_healthz_turns_503_when_discord_drops_and_200_again_on_reconnect(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    async with serving(tmp_path, fake, clock) as served:
        assert (await served.health_becomes(200)) == {
            "ok": True,
            "database": "ok",
            "platforms": {"discord": "connected"},
        }

        fake.gateway.refusing = True
        await fake.gateway.close_all(1001)
        down = await served.health_becomes(503)
        assert down["ok"] is False
        assert down["platforms"]["discord"].startswith("disconnected from Discord's gateway")
        assert down["problems"] == [f"discord: {down['platforms']['discord']}"]
        await fake.wait_for(lambda: fake.gateway.refused > 0)
        assert (await served.metrics())[
            ("reachout_platform_connected", (("platform", "discord"),))
        ] == 0

        fake.gateway.refusing = False
        await served.health_becomes(200)
        assert (await served.metrics())[
            ("reachout_platform_connected", (("platform", "discord"),))
        ] == 1


async def test_metrics_count_commands_by_outcome_with_latency_and_deliveries_by_kind(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    async with serving(tmp_path, fake, clock) as served:
        await served.health_becomes(200)
        await fake.wait_for(lambda: "discord" in served.runtime.courier.notifiers)
        await fake.wait_for(lambda: len(fake.global_commands) > 0)
        for command, options, user in (
            ("cohort setup", {"name": "PhD careers"}, fake.owner),
            ("cohort nudge-now", {}, fake.owner),
            ("sent", {"contact": "Jane Doe"}, fake.member),
            ("undo", {}, fake.owner),
        ):
            interaction = await fake.send_interaction(command, options, user=user)
            await interaction.first_response()
        denied = await fake.send_interaction(
            "cohort stats", user=fake.member, check_permissions=False
        )
        await denied.first_response()
        await fake.wait_for(lambda: len(fake.messages_in(fake.channel)) > 0)

        sent = ("reachout_deliveries", (("kind", "kickoff"), ("status", "sent")))
        async with asyncio.timeout(15):  # the post reaches Discord before the ledger says sent
            while sent not in (samples := await served.metrics()):  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    def commands(command: str, outcome: str) -> float:
        labels = (("command", command), ("outcome", outcome), ("platform", "discord"))
        return float(samples.get(("reachout_commands_total", labels), 0))

    assert commands("cohort setup", "ok") == 1
    assert commands("sent", "ok") == 1
    assert commands("undo", "refused") == 1  # nothing to undo: the member's mistake
    assert commands("cohort stats", "denied") == 1
    assert samples[("reachout_command_duration_seconds_count", (("command", "sent"),))] == 1
    assert samples[("reachout_deliveries", (("kind", "kickoff"), ("status", "sent")))] == 1
    assert samples[("reachout_database_up", ())] == 1
    assert samples[("reachout_platform_connected", (("platform", "discord"),))] == 1
    assert samples[("reachout_scheduler_lag_seconds", ())] == 0
    assert samples[("reachout_build_info", (("version", bot.__version__),))] == 1


async def test_a_discord_unreachable_at_start_is_retried_until_it_is_back(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    port = fake.port
    await fake.close()  # Discord is down before reachout starts

    async with serving(tmp_path, fake, clock) as served:
        down = await served.health_becomes(503)
        assert down["platforms"]["discord"].startswith(
            f"cannot reach Discord at http://127.0.0.1:{port}/api/v10 (ClientConnectorError"
        )

        await fake.start(port)
        await served.health_becomes(200)
        interaction = await fake.send_interaction("sent", {"count": 2})
        assert "Logged 2 outreach emails" in str((await interaction.first_response()).content)


async def test_without_a_health_port_nothing_is_served_or_counted_and_commands_still_run(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    settings = discord_settings(tmp_path, fake)
    async with open_core(settings, clock) as (runtime, db), health_server(runtime, db) as server:
        assert server is None
        assert runtime.metrics is None
        assert runtime.dispatcher.on_handled is None
        user = fake.add_user("nomonitor", global_name="No Monitor")
        origin = Origin("discord", str(fake.guild.id), "Guild", None, str(user.id), "No Monitor")
        reply = await runtime.port.run(origin, "sent", {"contact": "Jane Doe", "org": "Acme"})
        assert not reply.error
        assert "Jane Doe" in reply.text


@pytest.mark.parametrize("port", ["http", "-1", "70000"])
def test_a_bad_health_port_names_the_setting(tmp_path: Path, fake: FakeDiscord, port: str) -> None:
    with pytest.raises(ConfigError, match=r"REACHOUT_HEALTH_PORT: .* is not a port number"):
        discord_settings(tmp_path, fake, REACHOUT_HEALTH_PORT=port)
