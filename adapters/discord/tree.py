"""The application-command tree, generated from the command registry.

Each registry command becomes a ``discord.app_commands.Command`` whose callback signature is
built from its arguments (one typed keyword parameter per option, see ``options``), so
discord.py produces the options, parses what Discord sends and calls back with typed values.
Groups such as ``/cohort`` and ``/mydata`` become ``app_commands.Group``s. Nothing is written
by hand: a new registry command appears on Discord at the next start. Options the core has
suggestions for (contacts, time zones) are registered with ``autocomplete``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import keyword
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.options import ArgumentOption, SuggestedOption
from bot.commands.arguments import ArgType
from bot.commands.registry import Command, Registry

CommandRunner = Callable[[discord.Interaction[Any], Command, dict[str, object]], Awaitable[None]]
ErrorHandler = Callable[[discord.Interaction[Any], app_commands.AppCommandError], Awaitable[None]]

ORGANIZER_PERMISSIONS = discord.Permissions(manage_guild=True)
"""Who sees organizer commands by default: members with Manage Server (admins can widen it)."""


class Suggester(Protocol):
    """Where autocomplete choices come from (the interaction runner, asking the core)."""

    def suggests(self, path: str, option: str) -> bool:
        """Whether option ``option`` of ``/path`` has suggestions."""
        ...

    async def complete(
        self, interaction: discord.Interaction[Any], path: str, option: str, typed: str
    ) -> list[app_commands.Choice[str]]:
        """The choices for what is typed so far, in time for Discord's deadline."""
        ...


_INTERACTION = "interaction"
UPLOAD_OPTION = "file"
"""The attachment option beside a text argument that may come as a file (``Argument.upload``);
its value reaches the runner under this name, a ``discord.Attachment``."""


class RegistryTree(app_commands.CommandTree[discord.Client]):
    """A command tree for servers only, with one handler for failures outside commands."""

    def __init__(self, client: discord.Client, on_failure: ErrorHandler) -> None:
        super().__init__(
            client,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self._on_failure = on_failure

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        await self._on_failure(interaction, error)


def _leaf(
    command: Command,
    run: CommandRunner,
    parent: app_commands.Group | None,
    suggester: Suggester | None,
) -> Any:
    """An ``app_commands.Command`` for a runnable registry command."""

    names = {_parameter(a.name): a.name for a in command.arguments}
    uploads = [a for a in command.arguments if a.upload]
    if len(uploads) > 1 or (uploads and UPLOAD_OPTION in names):
        raise ValueError(f"/{command.path}: one file option at most, named {UPLOAD_OPTION!r}")
    if uploads:
        names[UPLOAD_OPTION] = UPLOAD_OPTION

    async def callback(interaction: discord.Interaction[Any], /, **values: object) -> None:
        await run(interaction, command, {names[k]: v for k, v in values.items()})

    parameters = [
        inspect.Parameter(
            _INTERACTION, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for argument in command.arguments:
        if argument.name == _INTERACTION:
            raise ValueError(f"/{command.path}: an option cannot be named {_INTERACTION!r}")
        option = ArgumentOption(argument)
        if (
            suggester is not None
            and argument.type is ArgType.TEXT
            and suggester.suggests(command.path, argument.name)
        ):
            option = SuggestedOption(argument, command.path, suggester.complete)
        parameters.append(
            inspect.Parameter(
                _parameter(argument.name),
                inspect.Parameter.KEYWORD_ONLY,
                annotation=option,
                default=(
                    inspect.Parameter.empty if argument.required and not argument.upload else None
                ),
            )
        )
    descriptions = {_parameter(a.name): a.description for a in command.arguments}
    if uploads:
        parameters.append(
            inspect.Parameter(
                UPLOAD_OPTION,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=discord.Attachment,
                default=None,
            )
        )
        types = ", ".join(uploads[0].upload)
        descriptions[UPLOAD_OPTION] = f"Or attach the file instead ({types}; UTF-8 text)"
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    described = app_commands.describe(**descriptions)
    renamed = app_commands.rename(**{p: name for p, name in names.items() if p != name})
    return app_commands.Command(
        name=command.name,
        description=command.description,
        callback=described(renamed(callback)),
        parent=parent,
    )


def _parameter(name: str) -> str:
    """A Python name for an option: ``from`` is a keyword, so its parameter is ``from_``
    (renamed back to ``from`` for Discord)."""
    return f"{name}_" if keyword.iskeyword(name) else name


def app_commands_for(
    registry: Registry, run: CommandRunner, suggester: Suggester | None = None
) -> list[app_commands.Command[Any, Any, Any] | app_commands.Group]:
    """Every registry command as a top-level app command or group, in registry order."""
    generated: list[app_commands.Command[Any, Any, Any] | app_commands.Group] = []
    for command in registry:
        permissions = ORGANIZER_PERMISSIONS if command.organizer_only else None
        if command.subcommands:
            group = app_commands.Group(
                name=command.name,
                description=command.description,
                guild_only=True,
                default_permissions=permissions,
            )
            for sub in command.subcommands:
                group.add_command(_leaf(sub, run, group, suggester))
            generated.append(group)
        else:
            top = _leaf(command, run, None, suggester)
            top.guild_only = True
            top.default_permissions = permissions
            generated.append(top)
    return generated


def build_tree(
    client: discord.Client,
    registry: Registry,
    run: CommandRunner,
    on_failure: ErrorHandler,
    suggester: Suggester | None = None,
) -> RegistryTree:
    """The client's command tree holding every registry command globally."""
    tree = RegistryTree(client, on_failure)
    for command in app_commands_for(registry, run, suggester):
        tree.add_command(command)
    return tree


def command_payload(tree: app_commands.CommandTree[Any], guild_id: int | None) -> list[Any]:
    """What ``tree.sync`` sends for the global commands or one guild's."""
    guild = discord.Object(guild_id) if guild_id is not None else None
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


def payload_hash(payload: list[Any]) -> str:
    """A stable fingerprint of a command payload, to sync only when it changed."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
