"""Start-up and command sync: the real discord.py client of reachout against the fake Discord.

What Discord ends up with must be the command registry, option for option, and a restart
with unchanged commands must not spend any of Discord's daily command-creation budget.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.discord.client import INTENTS
from adapters.discord.options import ArgumentOption
from adapters.discord.sync import state_key
from adapters.discord.tree import app_commands_for
from bot.clock import ManualClock
from bot.commands.arguments import ArgType, Argument
from bot.commands.catalog import build_registry
from bot.commands.registry import Args, Command, Registry
from bot.engine import Engine
from bot.invocation import Invocation
from bot.replies import Reply
from bot.runtime import Runtime
from tests.adapters.discord_fixtures import connected, discord_runtime, with_registry
from tests.fakes.discord import FakeDiscord, Permission

OPTION_TYPES = {
    ArgType.TEXT: 3,
    ArgType.CHOICE: 3,
    ArgType.DATE: 3,
    ArgType.INTEGER: 4,
    ArgType.BOOLEAN: 5,
    ArgType.USER: 6,
}
PUT_GLOBAL = ("PUT", "/applications/{app}/commands")
PUT_GUILD = ("PUT", "/applications/{app}/guilds/{guild}/commands")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def runtime(tmp_path: Path, fake: FakeDiscord, clock: ManualClock) -> AsyncIterator[Runtime]:
    async with discord_runtime(tmp_path, fake, clock) as opened:
        yield opened


SUGGESTED = {"contact", "from", "timezone"}
"""Options whose choices the core suggests as the member types: a contact, a time zone."""


def expected_option(argument: Argument) -> dict[str, Any]:
    """What Discord should hold for a registry argument, written out independently."""
    option: dict[str, Any] = {
        "type": OPTION_TYPES[argument.type],
        "name": argument.name,
        "description": argument.description,
        "required": argument.required and not argument.upload,  # or the file comes instead
    }
    if argument.type is ArgType.TEXT and argument.name in SUGGESTED:
        option["autocomplete"] = True
    if argument.type is ArgType.TEXT:
        option["max_length"] = min(argument.max_length, 6000)  # Discord's longest string option
    if argument.type is ArgType.DATE:
        option["max_length"] = 10
    if argument.type is ArgType.INTEGER:
        option["min_value"] = argument.min_value
        option["max_value"] = argument.max_value
    if argument.type is ArgType.CHOICE:
        option["choices"] = [{"name": c, "value": c} for c in argument.choices]
    return option


def expected_leaf(command: Command) -> dict[str, Any]:
    required = [a for a in command.arguments if a.required and not a.upload]
    optional = [a for a in command.arguments if not a.required or a.upload]
    options = [expected_option(a) for a in required + optional]
    for argument in (a for a in command.arguments if a.upload):
        types = ", ".join(argument.upload)
        description = f"Or attach the file instead ({types}; UTF-8 text)"
        options.append({"type": 11, "name": "file", "description": description, "required": False})
    return {"name": command.name, "description": command.description, "options": options}


async def pong(engine: Engine, inv: Invocation, args: Args) -> Reply:
    return Reply("pong")


def as_registered(command: dict[str, Any]) -> dict[str, Any]:
    """A stored command's name, description and options (Discord omits empty options)."""
    return {
        "name": command["name"],
        "description": command["description"],
        "options": command.get("options", []),
    }


async def test_start_up_logs_in_connects_with_the_guilds_intent_and_stores_the_workspace(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async with connected(runtime, fake) as client:
        assert client.user is not None
        assert client.user.id == fake.bot_user.id
        [identify] = fake.identifies
        assert identify["intents"] == INTENTS.value == 1  # GUILDS only; nothing privileged
        await fake.wait_for(lambda: fake.guild.id in client.known_workspaces)
        workspace = await runtime.store.ensure_workspace(
            "discord", str(fake.guild.id), "", runtime.clock.now()
        )
        assert workspace.name == "Test Cohort"
    startup = [(r.method, r.path) for r in fake.requests]
    assert startup[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert fake.unknown_routes == []


async def test_the_synced_commands_are_the_registry_with_native_typed_options(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async with connected(runtime, fake):
        pass
    assert [r.status for r in fake.requests_to(*PUT_GLOBAL)] == [200]
    assert fake.schema_errors == []
    synced = {c["name"]: c for c in fake.commands_for()}
    registry = build_registry()
    assert list(synced) == [c.name for c in registry]
    for command in registry:
        stored = synced[command.name]
        assert stored["description"] == command.description
        assert stored["contexts"] == [0]  # servers only
        assert stored["dm_permission"] is False
        if command.organizer_only:
            assert stored["default_member_permissions"] == str(int(Permission.MANAGE_GUILD))
        else:
            assert stored["default_member_permissions"] is None
        if command.subcommands:
            assert [o["type"] for o in stored["options"]] == [1] * len(command.subcommands)
            assert [as_registered(o) for o in stored["options"]] == [
                expected_leaf(s) for s in command.subcommands
            ]
        else:
            assert as_registered(stored) == expected_leaf(command)


async def test_the_cohort_group_needs_manage_server_and_mydata_does_not(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async with connected(runtime, fake):
        with pytest.raises(PermissionError):
            await fake.send_interaction("cohort stats", user=fake.member)
        answered = await fake.send_interaction("mydata export", user=fake.member)
        assert (await answered.first_response()).accepted


async def test_a_restart_without_command_changes_does_not_sync_again(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async with connected(runtime, fake) as first:
        assert first.sync_task is not None
        assert first.sync_task.result() == [None]
    async with connected(runtime, fake) as second:
        assert second.sync_task is not None
        assert second.sync_task.result() == []
        interaction = await fake.send_interaction("progress")
        assert (await interaction.first_response()).accepted
    assert len(fake.requests_to(*PUT_GLOBAL)) == 1
    assert len(fake.identifies) == 2
    key = state_key(fake.application_id, None)
    assert await runtime.store.get_state(key) is not None


async def test_a_changed_registry_is_synced_at_the_next_start(
    runtime: Runtime, fake: FakeDiscord
) -> None:
    async with connected(runtime, fake):
        pass
    extra = Command("ping", "Check that reachout is listening", (), pong)
    registry = Registry((*build_registry().commands, extra))
    changed = with_registry(runtime, registry)
    async with connected(changed, fake):
        pass
    assert len(fake.requests_to(*PUT_GLOBAL)) == 2
    assert "ping" in [c["name"] for c in fake.commands_for()]


async def test_development_guild_ids_sync_to_those_servers_only(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock
) -> None:
    second = fake.add_guild("Second Cohort")
    guilds = f"{fake.guild.id}, {second.id}"
    async with (
        discord_runtime(tmp_path, fake, clock, DISCORD_GUILD_IDS=guilds) as runtime,
        connected(runtime, fake),
    ):
        owner = fake.users[second.owner_id]
        interaction = await fake.send_interaction("sent", guild=second, user=owner)
        assert (await interaction.first_response()).accepted
    assert fake.requests_to(*PUT_GLOBAL) == []
    assert len(fake.requests_to(*PUT_GUILD)) == 2
    names = [c.name for c in build_registry()]
    assert [c["name"] for c in fake.commands_for(fake.guild)] == names
    assert [c["name"] for c in fake.commands_for(second)] == names
    assert fake.schema_errors == []


async def test_a_server_the_bot_cannot_sync_to_is_logged_and_the_rest_still_works(
    tmp_path: Path, fake: FakeDiscord, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    missing = "123456789012345678"
    guilds = f"{missing},{fake.guild.id}"
    with caplog.at_level(logging.ERROR, logger="adapters.discord"):
        async with (
            discord_runtime(tmp_path, fake, clock, DISCORD_GUILD_IDS=guilds) as runtime,
            connected(runtime, fake) as client,
        ):
            assert client.sync_task is not None
            assert client.sync_task.result() == [fake.guild.id]
            assert (
                await runtime.store.get_state(state_key(fake.application_id, int(missing))) is None
            )
    assert f"cannot sync commands to server {missing}" in caplog.text
    assert len(fake.commands_for(fake.guild)) == len(build_registry().commands)


def test_an_option_description_over_discords_limit_is_refused_when_the_tree_is_built() -> None:
    too_long = Argument("note", ArgType.TEXT, "x" * 101)
    with pytest.raises(ValueError, match="1-100 characters"):
        ArgumentOption(too_long)


def test_every_registry_command_becomes_an_app_command_without_connecting() -> None:
    async def run(*_: object) -> None:
        return None

    generated = app_commands_for(build_registry(), run)
    assert [c.name for c in generated] == [c.name for c in build_registry()]
