"""Registry arguments as native Discord options, through discord.py's ``Transformer`` API.

One transformer per ``Argument`` tells discord.py the option's type, range and choices, and
turns what Discord sends into the value the dispatcher expects (a ``UserRef`` for users).
The dispatcher then validates it with the same ``Argument.convert`` as typed text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.commands.arguments import ArgType, Argument, UserRef

DESCRIPTION_LIMIT = 100
DATE_LENGTH = len("2026-12-31")

_OPTION_TYPES = {
    ArgType.TEXT: discord.AppCommandOptionType.string,
    ArgType.CHOICE: discord.AppCommandOptionType.string,
    ArgType.DATE: discord.AppCommandOptionType.string,
    ArgType.INTEGER: discord.AppCommandOptionType.integer,
    ArgType.BOOLEAN: discord.AppCommandOptionType.boolean,
    ArgType.USER: discord.AppCommandOptionType.user,
}


TEXT_LIMIT = 6000
"""The longest string option Discord accepts; longer text (a CSV) needs another way in."""


class ArgumentOption(app_commands.Transformer):
    """The Discord option for one registry argument."""

    def __init__(self, argument: Argument) -> None:
        if not 1 <= len(argument.description) <= DESCRIPTION_LIMIT:
            raise ValueError(
                f"option {argument.name!r}: Discord needs a description of 1-100 characters"
            )
        self.argument = argument

    @property
    def type(self) -> discord.AppCommandOptionType:
        return _OPTION_TYPES[self.argument.type]

    @property
    def min_value(self) -> int | None:
        """Integers: the smallest allowed (for strings discord.py sends this as min_length)."""
        if self.argument.type is ArgType.INTEGER:
            return self.argument.min_value
        return None

    @property
    def max_value(self) -> int | None:
        """Integers: the largest allowed; text and dates: the longest (``max_length``)."""
        kind = self.argument.type
        if kind is ArgType.INTEGER:
            return self.argument.max_value
        if kind is ArgType.TEXT:
            return min(self.argument.max_length, TEXT_LIMIT)
        if kind is ArgType.DATE:
            return max([DATE_LENGTH, *(len(k) for k in self.argument.keywords)])
        return None

    @property
    def choices(self) -> list[app_commands.Choice[str | int | float]] | None:
        if self.argument.type is not ArgType.CHOICE:
            return None
        return [app_commands.Choice(name=c, value=c) for c in self.argument.choices]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> object:
        """Users become ``UserRef``s with their server display name; the rest pass through."""
        if self.argument.type is ArgType.USER:
            if not isinstance(value, discord.User | discord.Member):
                raise TypeError(f"option {self.argument.name!r}: expected a user, got {value!r}")
            return UserRef(str(value.id), value.display_name)
        return value


Complete = Callable[
    [discord.Interaction[Any], str, str, str], Awaitable[list[app_commands.Choice[str]]]
]
"""Choices for (the interaction, the command's path, the option, what is typed so far)."""


class SuggestedOption(ArgumentOption):
    """An option Discord registers with ``autocomplete``: as the member types, the core
    suggests (their own contacts, time zones) through ``complete``."""

    def __init__(self, argument: Argument, path: str, complete: Complete) -> None:
        super().__init__(argument)
        self.path = path
        self.complete = complete

    async def autocomplete(
        self, interaction: discord.Interaction[Any], value: int | float | str, /
    ) -> list[app_commands.Choice[int | float | str]]:
        choices = await self.complete(interaction, self.path, self.argument.name, str(value))
        return [app_commands.Choice(name=c.name, value=c.value) for c in choices]
