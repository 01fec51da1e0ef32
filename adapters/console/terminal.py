"""The console in a real terminal: line editing, history across runs, completion, and
messages that arrive while the member types printed above the prompt (prompt_toolkit)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout

from adapters.console.completion import ConsoleCompleter
from adapters.console.session import ConsoleNotifier, ConsoleSession
from bot.port import AdapterPort

HISTORY_FILE = "reachout-console-history"
"""Beside the database, so each database keeps the lines typed against it."""

log = logging.getLogger(__name__)


def history_path(files_dir: Path) -> Path:
    return files_dir / HISTORY_FILE


class ConsoleHistory(FileHistory):
    """Typed lines name contacts and hold notes: the file is its owner's alone, and a file
    that cannot be read or written costs the history, never the session."""

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError as problem:
            log.warning("Console history not loaded from %s: %s", self.filename, problem)
            return []

    def store_string(self, string: str) -> None:
        path = Path(str(self.filename))
        try:
            path.touch(mode=0o600, exist_ok=True)
            super().store_string(string)
        except OSError as problem:
            log.warning("Console history not saved to %s: %s", path, problem)


def write(text: str) -> None:
    """Write through whatever ``sys.stdout`` is now: inside ``patch_stdout`` that is the
    proxy that prints above the prompt."""
    sys.stdout.write(text)
    sys.stdout.flush()


@contextmanager
def above_the_prompt() -> Iterator[None]:
    """Route standard output and the log's warnings above the prompt while it is shown."""
    stderr = sys.stderr
    with patch_stdout():
        moved = [
            (handler, handler.stream)
            for handler in logging.getLogger().handlers
            if isinstance(handler, logging.StreamHandler) and handler.stream is stderr
        ]
        for handler, _ in moved:
            handler.setStream(sys.stderr)
        try:
            yield
        finally:
            for handler, stream in moved:
                handler.setStream(stream)


async def serve_terminal(port: AdapterPort, session: ConsoleSession, files_dir: Path) -> None:
    """The console's loop in a terminal, scheduled messages printed above the prompt."""

    def show(text: str) -> None:
        write(f"{text}\n")

    port.connect(ConsoleNotifier(show, session.shelf, offer=session.offer))
    async with port.scheduled_messages():
        await run_terminal(session, history_path(files_dir))


async def run_terminal(session: ConsoleSession, history: Path) -> None:
    """Prompt until ``/quit`` or Ctrl-D; Ctrl-C drops the line being typed, as in a shell,
    and stops a form being answered. A form's answers (names, notes) stay out of the
    history of commands."""
    commands: PromptSession[str] = PromptSession(
        history=ConsoleHistory(history),
        completer=ConsoleCompleter(session),
        complete_while_typing=False,
    )
    answers: PromptSession[str] = PromptSession()
    with above_the_prompt():
        while True:
            prompt = commands if session.filling is None else answers
            try:
                line = await prompt.prompt_async(session.prompt)
            except KeyboardInterrupt:
                stopped = session.cancel()
                if stopped is not None:
                    write(stopped + "\n")
                continue
            except EOFError:
                return
            out = await session.run_line(line)
            if out is None:
                return
            if out:
                write(out + "\n")
