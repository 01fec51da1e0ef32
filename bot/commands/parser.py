"""The one text parser for Slack and the console.

``/sent Jane Doe org:"Acme Labs" note:"met at a conference"``: the first word names the command
(and the second a subcommand, for groups); ``name:value`` fills a named argument, with double
quotes around values that contain spaces; the remaining free text fills the first argument.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.commands.registry import Command, Registry
from bot.errors import UserError

_OPEN_QUOTES = {'"', "\u201c", "\u201e"}
_CLOSE_QUOTES = {'"', "\u201d", "\u201c"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z_-]*$")
MAX_LINE = 12_000


@dataclass(frozen=True)
class Token:
    """A word of the line: ``name`` is set when it was written ``name:value``."""

    name: str | None
    value: str


@dataclass(frozen=True)
class Parsed:
    """A command and its raw (still untyped) argument values."""

    command: Command
    raw: dict[str, str]


def tokenize(text: str) -> list[Token]:
    """Split on spaces outside double quotes; recognise ``name:`` at the start of a word."""
    tokens: list[Token] = []
    current: list[str] = []
    name: str | None = None
    quoted = in_word = had_quote = False
    for char in text:
        if quoted:
            if char in _CLOSE_QUOTES:
                quoted = False
            else:
                current.append(char)
        elif char in _OPEN_QUOTES:
            quoted = in_word = had_quote = True
        elif char.isspace():
            if in_word:
                tokens.append(Token(name, "".join(current)))
            current, name, in_word, had_quote = [], None, False, False
        elif char == ":" and name is None and not had_quote and _NAME.match("".join(current)):
            name, current, in_word = "".join(current), [], True
        else:
            current.append(char)
            in_word = True
    if quoted:
        raise UserError('A quote is not closed. Put values with spaces in "double quotes".')
    if in_word:
        tokens.append(Token(name, "".join(current)))
    return tokens


def parse(registry: Registry, line: str) -> Parsed:
    """Parse one line into a command and its raw argument values, or explain what is wrong."""
    if len(line) > MAX_LINE:
        raise UserError("That message is too long for a command. Keep notes short.")
    text = line.strip()
    if not text:
        raise UserError("Type a command, e.g. `/sent`, or `/help` to see them all.")
    head, _, rest = text.partition(" ")
    name = head.removeprefix("/")
    command = registry.get(name)
    if command is None:
        raise UserError(_unknown_command(registry, name))
    if command.subcommands:
        sub_name, _, rest = rest.strip().partition(" ")
        names = ", ".join(f"`{s.name}`" for s in command.subcommands)
        if not sub_name and command.default:
            sub_name = command.default
        if not sub_name:
            raise UserError(f"`/{command.name}` needs one of {names}, e.g. `{command.usage}`.")
        sub = command.subcommand(sub_name)
        if sub is None:
            raise UserError(f"`/{command.name}` has no `{sub_name}`; it can do {names}.")
        command = sub
    return Parsed(command, bind(command, tokenize(rest)))


def bind(command: Command, tokens: list[Token]) -> dict[str, str]:
    """Assign tokens to the command's arguments."""
    raw: dict[str, str] = {}
    free: list[str] = []
    for token in tokens:
        if token.name is None:
            free.append(token.value)
            continue
        argument = command.argument(token.name)
        if argument is None:
            if token.value.startswith("//"):
                free.append(f"{token.name}:{token.value}")
                continue
            raise UserError(_unknown_option(command, token.name))
        if argument.name in raw:
            raise UserError(f"`{argument.name}` is given twice. Give it once.")
        raw[argument.name] = token.value
    if free:
        text = " ".join(free)
        if not command.arguments:
            raise UserError(f"`/{command.path}` takes no arguments; just type `/{command.path}`.")
        first = command.arguments[0]
        if first.name in raw:
            raise UserError(
                f"I don't know what to do with “{_clip(text)}”: `{first.name}` is already given. "
                f"Usage: `{command.usage}`."
            )
        raw[first.name] = text
    return raw


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unknown_command(registry: Registry, name: str) -> str:
    shown = _clip(name, 30)
    close = difflib.get_close_matches(name.casefold(), [c.name for c in registry], n=1)
    hint = f" Did you mean `/{close[0]}`?" if close else ""
    return f"I don't know the command `/{shown}`.{hint} Type `/help` to see them all."


def _unknown_option(command: Command, name: str) -> str:
    names = [a.name for a in command.arguments]
    if not names:
        return f"`/{command.path}` takes no options; just type `/{command.path}`."
    close = difflib.get_close_matches(name.casefold(), names, n=1)
    hint = f" Did you mean `{close[0]}:`?" if close else ""
    listed = ", ".join(f"`{n}`" for n in names)
    return f"`/{command.path}` has no option `{_clip(name, 30)}`.{hint} It takes {listed}."
