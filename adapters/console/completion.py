"""Tab completion at the console prompt: commands, their option names and values, read from
the registry, so a new command or option completes without a change here."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, Iterable, Iterator
from dataclasses import dataclass

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from adapters.console.session import CONSOLE_WORDS, ConsoleSession
from bot.commands.arguments import ArgType, Argument
from bot.commands.registry import Command
from bot.replies import Suggestion

log = logging.getLogger(__name__)

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
        group = self.session.port.registry.get(head)
        if group is not None and group.subcommands and len(words) == 2:
            yield from self._subcommands(group, words[1].text)
            return
        place = self._place(words)
        if place is not None:
            yield from self._options(*place)

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        """The registry's completions, then the core's suggestions (the member's contacts,
        time zones), which need the database."""
        for completion in self.get_completions(document, complete_event):
            yield completion
        text = document.text_before_cursor
        place = self._place(split_words(text))
        if place is not None:
            for completion in await self._suggested(text, *place):
                yield completion

    def _place(self, words: list[Word]) -> tuple[Command, list[Word]] | None:
        """The command being typed and its argument words (the last one being typed), once
        the command (and a group's subcommand) is complete."""
        if len(words) < 2:
            return None
        command = self.session.port.registry.get(words[0].text.removeprefix("/"))
        if command is None:
            return None
        if command.subcommands:
            sub = command.subcommand(words[1].text) if len(words) > 2 else None
            if sub is None:
                return None
            command, words = sub, words[1:]
        return command, words[1:]

    async def _suggested(self, text: str, command: Command, words: list[Word]) -> list[Completion]:
        """Suggestions for a named option being typed (``contact:Ja``), or for the free
        text so far that fills the first argument (``/followup Jane D``)."""
        current = words[-1]
        named = _OPTION.match(current.text)
        if named:
            argument = command.argument(named.group(1))
            typed = named.group(2)
            if argument is None:
                return []
            found = await self._suggest(command, argument, typed.lstrip("".join(_QUOTES)))
            return [Completion(f"{_quoted(s.value)} ", -len(typed), display=s.label) for s in found]
        first = command.arguments[0] if command.arguments else None
        if first is None or first.type is not ArgType.TEXT:
            return []
        if any(_OPTION.match(w.text) for w in words):
            return []
        typed = text[words[0].start :]
        found = await self._suggest(command, first, typed)
        return [Completion(f"{s.value} ", -len(typed), display=s.label) for s in found]

    async def _suggest(self, command: Command, argument: Argument, typed: str) -> list[Suggestion]:
        """The core's suggestions; a failure costs the suggestions, never the prompt."""
        port = self.session.port
        if not port.suggests(command.path, argument.name):
            return []
        try:
            return await port.suggest(self.session.origin, command.path, argument.name, typed)
        except Exception as problem:
            log.warning("No suggestions for /%s %s: %s", command.path, argument.name, problem)
            return []

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
            yield Completion(f"{name} ", -len(word), display=name, display_meta=meta)

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
