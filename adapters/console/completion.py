"""Tab completion at the console prompt: commands, their option names and values, read from
the registry, so a new command or option completes without a change here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from adapters.console.session import CONSOLE_WORDS, ConsoleSession
from bot.commands.arguments import ArgType, Argument
from bot.commands.registry import Command

_OPTION = re.compile(r"^([A-Za-z][A-Za-z_-]*):(.*)$", re.DOTALL)
_QUOTES = {'"', "\u201c", "\u201d", "\u201e"}


@dataclass(frozen=True)
class Word:
    """A word of the typed line (quotes kept) and where it starts."""

    start: int
    text: str


def split_words(text: str) -> list[Word]:
    """The words of a partial line, split on spaces outside double quotes; the last is the
    one being typed (empty after a space)."""
    words: list[Word] = []
    start, quoted = 0, False
    for index, char in enumerate(text):
        if char in _QUOTES:
            quoted = not quoted
        elif char.isspace() and not quoted:
            if index > start:
                words.append(Word(start, text[start:index]))
            start = index + 1
    words.append(Word(start, text[start:]))
    return words


def _matches(word: str, candidates: Iterable[str]) -> Iterator[str]:
    folded = word.casefold()
    return (c for c in candidates if c.casefold().startswith(folded))


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


class ConsoleCompleter(Completer):
    """Completes what the registry declares, for whoever is typing in ``session`` now."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        words = split_words(document.text_before_cursor)
        if len(words) == 1:
            yield from self._commands(words[0].text)
            return
        head = words[0].text.removeprefix("/").casefold()
        if head == "do" and len(words) == 2:
            yield from self._choices(words[1].text)
            return
        command = self.session.port.registry.get(head)
        if command is None:
            return
        if command.subcommands:
            if len(words) == 2:
                yield from self._subcommands(command, words[1].text)
                return
            sub = command.subcommand(words[1].text)
            if sub is None:
                return
            command, words = sub, words[1:]
        yield from self._options(command, words[1:])

    def _commands(self, word: str) -> Iterator[Completion]:
        slash = "/" if word.startswith("/") else ""
        names = [c.name for c in self.session.port.registry]
        names += [w.removeprefix("/") for w in CONSOLE_WORDS]
        for name in _matches(word.removeprefix("/"), names):
            command = self.session.port.registry.get(name)
            meta = command.description if command is not None else CONSOLE_WORDS[f"/{name}"][1]
            yield Completion(f"{slash}{name} ", -len(word), display=f"/{name}", display_meta=meta)

    def _choices(self, word: str) -> Iterator[Completion]:
        """``/do``'s numbers, each shown with its button's label."""
        for number, button in enumerate(self.session.choices, 1):
            if str(number).startswith(word):
                yield Completion(str(number), -len(word), display_meta=button.label)

    def _subcommands(self, group: Command, word: str) -> Iterator[Completion]:
        for name in _matches(word, [s.name for s in group.subcommands]):
            sub = group.subcommand(name)
            meta = sub.description if sub is not None else ""
            yield Completion(f"{name} ", -len(word), display_meta=meta)

    def _options(self, command: Command, words: list[Word]) -> Iterator[Completion]:
        current = words[-1].text
        named = _OPTION.match(current)
        if named:
            argument = command.argument(named.group(1))
            if argument is not None:
                yield from self._values(argument, named.group(2))
            return
        given = {m.group(1).casefold() for w in words[:-1] if (m := _OPTION.match(w.text))}
        for argument in command.arguments:
            option = f"{argument.name}:"
            if argument.name not in given and option.startswith(current.casefold()):
                yield Completion(
                    option, -len(current), display_meta=f"{argument.hint}: {argument.description}"
                )

    def _values(self, argument: Argument, typed: str) -> Iterator[Completion]:
        partial = typed.lstrip("".join(_QUOTES))
        if argument.type is ArgType.CHOICE:
            values: tuple[str, ...] = argument.choices
        elif argument.type is ArgType.BOOLEAN:
            values = ("yes", "no")
        elif argument.type is ArgType.DATE:
            values = argument.keywords
        else:
            values = ()
        for value in _matches(partial, values):
            yield Completion(f"{_quoted(value)} ", -len(typed), display=value)
