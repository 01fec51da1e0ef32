"""``/help``, written from the registry so it can never drift from the commands."""

from __future__ import annotations

from bot.commands.registry import Command, Registry
from bot.errors import UserError
from bot.replies import Field, Reply

SYNTAX = (
    'Options are written name:value; put values with spaces in quotes: `org:"Acme Labs"`. '
    "Text without a name fills the first option. Replies about you are private."
)


def _line(command: Command) -> str:
    return f"`{command.usage}`: {command.description}"


def overview(registry: Registry, show_organizer: bool) -> Reply:
    members = [c for c in registry if not c.organizer_only]
    fields = [Field("Commands", "\n".join(_line(c) for c in members))]
    organizer = [c for c in registry if c.organizer_only]
    if show_organizer and organizer:
        lines = [_line(s) for c in organizer for s in (c.subcommands or (c,))]
        fields.append(Field("For organizers", "\n".join(lines)))
    return Reply(
        text=f"{SYNTAX}\nMore on one command: `/help sent`.",
        title="reachout: log an email in five seconds, keep going together",
        fields=tuple(fields),
    )


def detail(command: Command) -> Reply:
    parts = [command.description]
    if command.details:
        parts.append(command.details)
    fields = [Field("Usage", f"`{command.usage}`")]
    if command.subcommands:
        fields.append(Field("Subcommands", "\n".join(_line(s) for s in command.subcommands)))
    if command.arguments:
        lines = [
            f"`{a.name}` ({a.hint}{', required' if a.required else ''}): {a.description}"
            for a in command.arguments
        ]
        fields.append(Field("Options", "\n".join(lines)))
    if command.examples:
        fields.append(Field("Examples", "\n".join(f"`{e}`" for e in command.examples)))
    if command.organizer_only:
        parts.append("For organizers.")
    return Reply(text="\n".join(parts), title=f"/{command.path}", fields=tuple(fields))


def render_help(registry: Registry, topic: str | None, show_organizer: bool) -> Reply:
    if topic is None:
        return overview(registry, show_organizer)
    command = registry.find(topic.removeprefix("/"))
    if command is None:
        raise UserError(f"There's no `/{topic[:30]}` command. `/help` lists them all.")
    return detail(command)
