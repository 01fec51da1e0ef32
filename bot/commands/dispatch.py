"""Running a command: parse or convert, resolve the caller, check permission, handle, reply.

This is the one path every adapter calls. Whatever goes wrong inside a handler, the caller
gets a short private reply; user mistakes are explained, everything else is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from bot.commands.parser import parse
from bot.commands.registry import Args, Command, Registry
from bot.engine import Engine
from bot.errors import UserError
from bot.invocation import Invocation, Origin
from bot.names import CloseNames
from bot.presses.offers import offer
from bot.replies import Reply

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
)


UNKNOWN = "unknown"
"""The command label when the input named no command reachout knows."""


@dataclass(frozen=True)
class Handled:
    """One command run, for logs and metrics; never its arguments, which may be private."""

    command: str
    outcome: str
    """ok, refused (the user's mistake), denied (organisers only) or failed (our fault)."""
    platform: str
    workspace: str
    seconds: float


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
    """Turns an adapter's input into a ``Reply``, and tells ``on_handled`` how it went."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        on_handled: Callable[[Handled], None] | None = None,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.on_handled = on_handled

    async def run_text(self, origin: Origin, line: str) -> Reply:
        """A command typed as one line of text (Slack, console)."""
        started = time.perf_counter()
        try:
            parsed = parse(self.registry, line)
            args = convert(parsed.command, parsed.raw)
        except UserError as problem:
            words = line[:100].split(maxsplit=1)
            named = self.registry.get(words[0].removeprefix("/")) if words else None
            self._handled(origin, named.name if named else UNKNOWN, "refused", started)
            return refusal(str(problem))
        return await self._invoke(origin, parsed.command, args, started, parsed.raw)

    async def run(
        self,
        origin: Origin,
        path: str,
        raw: Mapping[str, object],
        *,
        pressed: Invocation | None = None,
        form: bool = False,
    ) -> Reply:
        """A command with its arguments already separated (Discord's native options, a
        button's or a form's). ``pressed`` is the presser's context when a button runs it,
        already checked (its ``once_key`` makes what it logs the press's, logged once), and
        ``form`` words its refusals for a form (which has no options to add)."""
        started = time.perf_counter()
        command = self.registry.find(path)
        if command is None or command.handler is None:
            self._handled(origin, UNKNOWN, "refused", started)
            return refusal(f"I don't know the command `/{path}`. Type `/help` to see them all.")
        try:
            args = convert(command, raw)
        except UserError as problem:
            self._handled(origin, command.path, "refused", started)
            return refusal(str(problem))
        return await self._invoke(origin, command, args, started, raw, pressed, form)

    async def _invoke(
        self,
        origin: Origin,
        command: Command,
        args: Args,
        started: float,
        raw: Mapping[str, object],
        pressed: Invocation | None = None,
        form: bool = False,
    ) -> Reply:
        assert command.handler is not None
        outcome = "failed"
        try:
            invocation = pressed or await self.engine.resolve(origin)
            if command.organizer_only and not await self.engine.is_organizer(invocation):
                outcome = "denied"
                return refusal(
                    f"`/{command.path}` is for the cohort's organizers. Ask one of them, or a "
                    "server or workspace admin, to run it or to add you with "
                    "`/cohort organizers add:@you`."
                )
            reply = await command.handler(self.engine, invocation, args)
            outcome = "ok"
            return reply
        except CloseNames as problem:
            outcome = "refused"
            text = problem.in_a_form() if form else str(problem)
            buttons = await offer(self.engine, invocation, command.path, raw, problem.close, text)
            return replace(refusal(text), buttons=buttons)
        except UserError as problem:
            outcome = "refused"
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
        finally:
            self._handled(origin, command.path, outcome, started)

    def _handled(self, origin: Origin, command: str, outcome: str, started: float) -> None:
        """One log line per command, with the fields JSON logs carry; then the metrics."""
        handled = Handled(
            command, outcome, origin.platform, origin.workspace_id, time.perf_counter() - started
        )
        log.info(
            "/%s %s in %.0f ms (%s, workspace %s)",
            handled.command,
            handled.outcome,
            handled.seconds * 1000,
            handled.platform,
            handled.workspace,
            extra={
                "platform": handled.platform,
                "workspace": handled.workspace,
                "command": handled.command,
                "duration": round(handled.seconds, 6),
            },
        )
        if self.on_handled is not None:
            self.on_handled(handled)
