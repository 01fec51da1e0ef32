"""Commands declared once, with typed arguments, permissions and privacy.

Discord's application commands, the Slack manifest, the text parser and ``/help`` are all
generated from the ``Registry``; no command is written twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.commands.arguments import ArgType, Argument, UserRef

if TYPE_CHECKING:
    from bot.engine import Engine
    from bot.invocation import Invocation
    from bot.replies import Reply


class Args:
    """A command's converted arguments, with typed accessors for handlers."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if isinstance(value, str) and value else None

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, name: str) -> bool | None:
        value = self._values.get(name)
        return value if isinstance(value, bool) else None

    def day(self, name: str) -> date | None:
        value = self._values.get(name)
        return value if isinstance(value, date) else None

    def user(self, name: str) -> UserRef | None:
        value = self._values.get(name)
        return value if isinstance(value, UserRef) else None


Handler = Callable[["Engine", "Invocation", Args], Awaitable["Reply"]]


@dataclass(frozen=True)
class Command:
    """A command or a subcommand of a group such as ``/cohort``.

    ``slow`` marks commands whose work may take long enough that platforms with a response
    deadline should acknowledge first and answer after.
    """

    name: str
    description: str
    arguments: tuple[Argument, ...] = ()
    handler: Handler | None = None
    subcommands: tuple[Command, ...] = ()
    organizer_only: bool = False
    private: bool = True
    slow: bool = False
    examples: tuple[str, ...] = ()
    details: str = ""
    default: str | None = None
    """For a group: the subcommand a bare ``/group`` runs in typed text (Slack, console)."""
    parent: str | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        """``sent`` or ``cohort setup``."""
        return f"{self.parent} {self.name}" if self.parent else self.name

    @property
    def usage(self) -> str:
        """``/sent [contact] [org:text] [count:1-20] [note:text]``."""
        if self.subcommands:
            return f"/{self.path} " + "|".join(s.name for s in self.subcommands)
        parts = [f"/{self.path}"]
        for index, arg in enumerate(self.arguments):
            free_text = index == 0 and arg.type is ArgType.TEXT
            shown = arg.name if free_text else f"{arg.name}:{arg.hint}"
            parts.append(shown if arg.required else f"[{shown}]")
        return " ".join(parts)

    def argument(self, name: str) -> Argument | None:
        wanted = name.casefold().replace("-", "_")
        return next((a for a in self.arguments if a.name == wanted), None)

    def subcommand(self, name: str) -> Command | None:
        wanted = name.casefold()
        return next((s for s in self.subcommands if s.name == wanted), None)


class Registry:
    """The command set, in the order ``/help`` lists it."""

    def __init__(self, commands: tuple[Command, ...]) -> None:
        self.commands = tuple(_with_parents(c) for c in commands)
        self._by_name = {c.name: c for c in self.commands}
        if len(self._by_name) != len(self.commands):
            raise ValueError("command names must be unique")

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name.casefold().removeprefix("/"))

    def find(self, path: str) -> Command | None:
        """A command or subcommand by its path, e.g. ``cohort setup``."""
        head, _, rest = path.strip().partition(" ")
        command = self.get(head)
        if command is None or not rest:
            return command
        return command.subcommand(rest.strip())

    def leaves(self) -> Iterator[Command]:
        """Every runnable command, subcommands in place of their groups."""
        for command in self.commands:
            if command.subcommands:
                yield from command.subcommands
            else:
                yield command


def _with_parents(command: Command) -> Command:
    if not command.subcommands:
        return command
    children = tuple(replace(s, parent=command.name) for s in command.subcommands)
    return replace(command, subcommands=children)
