"""The boot check: every adapter builds and registers every command, without connecting.

Like a bot's start-up, minus the network: if a command cannot be expressed on a platform, or
an adapter fails to build from the registry, this fails before anyone deploys.
"""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from adapters.console import ConsoleSession
from adapters.discord.client import ReachoutClient
from adapters.discord.config import load_discord_config
from adapters.slack.app import Identity, SlackAdapter
from adapters.slack.manifest import manifest_text
from bot.commands.catalog import build_registry
from bot.runtime import Runtime


def test_the_registry_has_every_command_of_the_design() -> None:
    names = [command.name for command in build_registry()]
    assert names == [
        "sent",
        "followup",
        "reply",
        "interview",
        "thanks",
        "referral",
        "targets",
        "draft",
        "undo",
        "goal",
        "progress",
        "contacts",
        "leaderboard",
        "pause",
        "settings",
        "mydata",
        "cohort",
        "help",
    ]
    cohort = build_registry().get("cohort")
    assert cohort is not None
    assert [s.name for s in cohort.subcommands] == [
        "setup",
        "schedule",
        "goal",
        "preview",
        "nudge-now",
        "stats",
        "report",
        "export",
        "organizers",
    ]


async def test_discord_builds_a_command_tree_holding_every_command(runtime: Runtime) -> None:
    client = ReachoutClient(runtime.port, load_discord_config(runtime.settings))
    try:
        registered = {command.name for command in client.tree.get_commands()}
        assert registered == {command.name for command in runtime.registry}
        for command in runtime.registry:
            node = client.tree.get_command(command.name)
            assert node is not None
            if command.subcommands:
                children = {c.name for c in node.commands}  # type: ignore[union-attr]
                assert children == {s.name for s in command.subcommands}
    finally:
        await client.close()


async def test_slack_builds_an_app_answering_every_command(runtime: Runtime) -> None:
    identity = Identity("T1", "Team", "U0BOT", "B0BOT", "reachout")
    adapter = SlackAdapter(
        runtime.port,
        AsyncWebClient(token="xoxb-boot-check", base_url="http://127.0.0.1:9/api/"),
        identity,
        signing_secret="boot-check-secret",
    )
    try:
        manifest = manifest_text(runtime.registry)
        for command in runtime.registry:
            assert f"command: /{command.name}" in manifest
        # bolt has no public listing of listeners: one for every slash command, three for
        # Home, one for the upload form, two for the core's buttons and forms.
        assert len(adapter.app._async_listeners) == 7
    finally:
        await adapter.close()


async def test_the_console_starts_and_answers_help(runtime: Runtime, tmp_path: Path) -> None:
    session = ConsoleSession(runtime.port, "Boot", export_dir=tmp_path)
    await session.start()
    out = await session.run_line("/help")
    assert out is not None
    for command in runtime.registry:
        assert f"/{command.name}" in out
