"""Running a command: parse or convert, resolve the caller, check permission, handle, reply.

This is the one path every adapter calls. Whatever goes wrong inside a handler, the caller
gets a short private reply; user mistakes are explained, everything else is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.commands.parser import parse
from bot.commands.registry import Args, Command, Registry
from bot.engine import Engine
from bot.errors import UserError
from bot.invocation import Origin
from bot.replies import Reply

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
)


def refusal(message: str) -> Reply:
    return Reply(text=message, private=True, error=True)


def convert(command: Command, raw: Mapping[str, object]) -> Args:
    """Typed values for raw ones; refuses unknown or missing arguments."""
    values: dict[str, object] = {}
    for name, value in raw.items():
        argument = command.argument(name)
        if argument is None:
            raise UserError(f"`/{command.path}` has no option `{name}`.")
        converted = argument.convert(value)
        if converted != "":
            values[argument.name] = converted
    for argument in command.arguments:
        if argument.required and argument.name not in values:
            example = f" e.g. `{command.examples[0]}`" if command.examples else ""
            raise UserError(
                f"`/{command.path}` needs {argument.description.rstrip('.').lower()}"
                f" ({argument.name}).{example}"
            )
    return Args(values)


class Dispatcher:
    """Turns an adapter's input into a ``Reply``."""

    def __init__(self, engine: Engine, registry: Registry) -> None:
        self.engine = engine
        self.registry = registry

    async def run_text(self, origin: Origin, line: str) -> Reply:
        """A command typed as one line of text (Slack, console)."""
        try:
            parsed = parse(self.registry, line)
            args = convert(parsed.command, parsed.raw)
        except UserError as problem:
            return refusal(str(problem))
        return await self._invoke(origin, parsed.command, args)

    async def run(self, origin: Origin, path: str, raw: Mapping[str, object]) -> Reply:
        """A command with its arguments already separated (Discord's native options)."""
        command = self.registry.find(path)
        if command is None or command.handler is None:
            return refusal(f"I don't know the command `/{path}`. Type `/help` to see them all.")
        try:
            args = convert(command, raw)
        except UserError as problem:
            return refusal(str(problem))
        return await self._invoke(origin, command, args)

    async def _invoke(self, origin: Origin, command: Command, args: Args) -> Reply:
        assert command.handler is not None
        try:
            invocation = await self.engine.resolve(origin)
            if command.organizer_only and not await self.engine.is_organizer(invocation):
                return refusal(
                    f"`/{command.path}` is for the cohort's organizers. Ask one of them, or a "
                    "server or workspace admin, to run it or to add you with "
                    "`/cohort organizers add:@you`."
                )
            return await command.handler(self.engine, invocation, args)
        except UserError as problem:
            return refusal(str(problem))
        except Exception:
            log.exception(
                "command /%s failed (platform=%s workspace=%s user=%s)",
                command.path,
                origin.platform,
                origin.workspace_id,
                origin.user_id,
            )
            return refusal(APOLOGY)
