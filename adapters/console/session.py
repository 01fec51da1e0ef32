"""A console session: one member at a time typing commands, and how replies are printed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from adapters.console.choices import FormFill, choices_text, pick
from adapters.console.identity import NAME_LIMIT, UNNAMED, system_user_name
from bot.invocation import Origin
from bot.nudges.notifier import Receipt
from bot.port import AdapterPort
from bot.replies import PRESS_PREFIX, Button, Form, Reply, render_text
from bot.uploads import upload_limit

PLATFORM = "console"
WORKSPACE_ID = "local"
WORKSPACE_NAME = "Local cohort"
CHANNEL_ID = "console"
QUIT_WORDS = ("/quit", "/exit", "quit", "exit")
CONSOLE_WORDS = {
    "/as": ("/as NAME", "Switch who is typing, e.g. /as Sam"),
    "/do": ("/do N", "Choose choice N, such as [1], of the latest message that offers choices"),
    "/quit": ("/quit", "Leave the console (Ctrl-D does too)"),
}
"""The console's own words beside the registry's commands: usage and what each does, for
``/help`` and completion."""
CANCEL = "/cancel"
IMPORT_COMMAND = "/targets import"
IMPORT_PATH = "targets import"

BANNER = (
    "reachout console: log outreach, see progress, try every command.\n"
    "Type /help for commands, /as NAME to switch member, /do N to pick a numbered choice,\n"
    "/quit to leave."
)


def member_id_for(name: str) -> str:
    """Console members are identified by their name, case and spacing ignored."""
    return " ".join(name.split()).casefold()


def render(reply: Reply) -> str:
    """A reply as terminal text; channel posts are marked as such."""
    names = {m.user_id: m.display_name for m in reply.mentions}

    def show(text: str) -> str:
        return render_text(text, names, escape=lambda s: s, mention=lambda _id, name: f"@{name}")

    lines: list[str] = []
    if not reply.private:
        lines.append(f"[posted in #{CHANNEL_ID}]")
    if reply.title:
        lines.append(f"== {show(reply.title)} ==")
    if reply.text:
        lines.append(show(reply.text))
    for item in reply.fields:
        lines.append(f"{show(item.name)}:")
        lines.extend(f"  {line}" for line in show(item.value).splitlines())
    if reply.buttons:
        lines.append(choices_text(reply.buttons))
    return "\n".join(lines)


def console_help(word: str | None = None) -> str:
    """The console's own words for ``/help``: all of them, or the one asked about."""
    if word:
        usage, description = CONSOLE_WORDS[f"/{word}"]
        return f"`{usage}`: {description}"
    lines = ["In the console:"]
    lines.extend(f"  `{usage}`: {description}" for usage, description in CONSOLE_WORDS.values())
    return "\n".join(lines)


class FileShelf:
    """Where the console puts the files replies carry (exports, charts): one folder, and a
    new name rather than overwriting an earlier file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, filename: str, content: bytes) -> Path:
        path = self.folder / filename
        stem, suffix, number = path.stem, path.suffix, 1
        while path.exists():
            number += 1
            path = self.folder / f"{stem}-{number}{suffix}"
        path.write_bytes(content)
        return path

    def notes(self, reply: Reply) -> str:
        """Save the reply's file and picture; say where, and what the picture shows."""
        out = ""
        if reply.attachment is not None:
            out += f"\n(saved to {self.save(reply.attachment.filename, reply.attachment.content)})"
        if reply.image is not None:
            path = self.save(reply.image.filename, reply.image.content)
            out += f"\n(chart saved to {path})\nChart: {reply.image.alt_text}"
        return out


class ConsoleNotifier:
    """Scheduled nudges and reminders, printed in the terminal where the console runs.

    Printing cannot be deduplicated after a crash, so there is no idempotency window.
    ``offer`` hears each message's buttons, so that ``/do`` can press them.
    """

    platform = PLATFORM
    idempotency_window: timedelta | None = None

    def __init__(
        self,
        write: Callable[[str], None],
        shelf: FileShelf,
        offer: Callable[[tuple[Button, ...]], None] | None = None,
    ) -> None:
        self._write = write
        self._shelf = shelf
        self._offer = offer
        self._sent = 0

    def _emit(self, heading: str, reply: Reply) -> Receipt:
        self._sent += 1
        self._write(f"{heading}\n{render(reply)}{self._shelf.notes(reply)}")
        if self._offer is not None:
            self._offer(reply.buttons)
        return Receipt(message_id=f"console-{self._sent}")

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        return self._emit(f"[posted in #{channel_id}]", replace(reply, private=True))

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        return self._emit(f"[direct message to {user_id}]", reply)


class ConsoleSession:
    """One console user at a time against the core; ``/as`` switches who is typing, ``/do``
    presses a button of the latest message that had some."""

    def __init__(
        self,
        port: AdapterPort,
        name: str,
        timezone: str | None = None,
        export_dir: Path | None = None,
    ) -> None:
        self.port = port
        cleaned = " ".join(name.split())
        self.name = system_user_name() if cleaned in UNNAMED else cleaned
        self.timezone = timezone
        self.shelf = FileShelf(export_dir or Path.cwd())
        self.choices: tuple[Button, ...] = ()
        """The buttons of the latest message that had any: what ``/do N`` presses."""
        self.filling: FormFill | None = None
        """A form a choice opened, while its questions are being answered."""

    @property
    def prompt(self) -> str:
        """What the prompt shows: who is typing, or the form's question being answered."""
        return self.filling.question if self.filling is not None else f"{self.name}> "

    def offer(self, buttons: tuple[Button, ...]) -> None:
        """A message with buttons was printed: ``/do N`` presses its N-th from now on."""
        if buttons:
            self.choices = buttons

    def cancel(self) -> str | None:
        """Drop the form being answered, if there is one, and say that nothing was logged."""
        if self.filling is None:
            return None
        title, self.filling = self.filling.form.title, None
        return f"Stopped “{title}”: nothing was logged."

    @property
    def origin(self) -> Origin:
        return Origin(
            platform=PLATFORM,
            workspace_id=WORKSPACE_ID,
            workspace_name=WORKSPACE_NAME,
            channel_id=CHANNEL_ID,
            user_id=member_id_for(self.name),
            user_name=self.name,
            user_timezone=self.timezone,
        )

    async def start(self) -> None:
        """Make sure the local cohort exists; whoever opens it first organizes it."""
        await self.port.open_channel_cohort(self.origin, WORKSPACE_NAME, self.timezone)

    async def run_line(self, line: str) -> str | None:
        """The text to print for one line; None when the line asks to quit."""
        text = line.strip()
        if text.casefold() in QUIT_WORDS:
            return None
        if self.filling is not None:
            return await self._answer(text)
        if not text or text.startswith("#"):
            return ""
        if not text.startswith("/"):
            text = "/" + text
        word, _, rest = text.replace("\t", " ").partition(" ")
        word = word.casefold()
        if word == "/as":
            return self._switch(rest)
        if word == "/do":
            return await self._do(rest)
        if word == CANCEL:
            return "There's no form to stop; /cancel stops one that /do opened."
        if word == "/help" and f"/{rest.strip().casefold()}" in CONSOLE_WORDS:
            return console_help(rest.strip().casefold())
        if text.casefold().startswith(IMPORT_COMMAND + " "):
            return self.show(await self._import_file(text[len(IMPORT_COMMAND) :].strip()))
        out = self.show(await self.port.run_text(self.origin, text))
        return f"{out}\n\n{console_help()}" if word == "/help" and not rest.strip() else out

    def show(self, reply: Reply) -> str:
        """A reply as printed, its files saved; its buttons become the choices of ``/do``."""
        self.offer(reply.buttons)
        return render(reply) + self.shelf.notes(reply)

    async def _do(self, argument: str) -> str:
        """``/do N``: press the N-th button of the latest message that had buttons."""
        button = pick(self.choices, argument)
        if isinstance(button, str):
            return button
        if not button.action_id.startswith(PRESS_PREFIX):
            return "That choice only works where its message came from, not in the console."
        pressed = await self.port.press(self.origin, button.action_id)
        parts = [self.show(pressed.reply)] if pressed.reply is not None else []
        if pressed.form is not None:
            parts.append(self._open(pressed.form))
        return "\n".join(parts)

    def _open(self, form: Form) -> str:
        self.filling = FormFill(form)
        return self.filling.heading

    async def _answer(self, text: str) -> str:
        """One answer to the form being filled in; submitted after its last question."""
        assert self.filling is not None
        if text.casefold() == CANCEL:
            return self.cancel() or ""
        if text.startswith("/"):
            return f"You're answering “{self.filling.form.title}”: type the answer, or /cancel."
        refused = self.filling.answer(text)
        if refused is not None:
            return refused
        if not self.filling.complete:
            return ""
        filled, self.filling = self.filling, None
        submitted = await self.port.submit(self.origin, filled.form.form_id, filled.values)
        return self.show(submitted.reply) if submitted.reply is not None else ""

    async def _import_file(self, path_text: str) -> Reply:
        """``/targets import PATH``: the console's stand-in for a file upload."""
        path = Path(path_text.strip('"').strip())
        argument = self.port.upload_argument(IMPORT_PATH)
        assert argument is not None, "/targets import takes no file"
        try:
            content = await asyncio.to_thread(_read_start, path, upload_limit(argument) + 1)
        except OSError:
            return Reply(f"I can't read the file {path_text}. Check the path.", error=True)
        return await self.port.run_upload(self.origin, IMPORT_PATH, content)

    def _switch(self, name: str) -> str:
        """``/as NAME``: who is typing from now on."""
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > NAME_LIMIT or any(ord(c) < 32 for c in cleaned):
            return "Usage: /as NAME, e.g. /as Sam"
        self.name = cleaned
        return f"You are now {cleaned}."


def _read_start(path: Path, size: int) -> bytes:
    """At most ``size`` bytes from the start: enough to see that a file is too big."""
    with path.expanduser().open("rb") as handle:
        return handle.read(size)
