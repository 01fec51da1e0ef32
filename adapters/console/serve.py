"""The console's loop: read a line, print its reply, and print scheduled messages between."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from adapters.console.session import BANNER, ConsoleNotifier, ConsoleSession
from adapters.console.terminal import can_edit, history_path, run_terminal, write
from bot.port import AdapterPort


def _start_reader(
    stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]
) -> None:
    """Read lines on a daemon thread, so Ctrl-C never waits for a blocked read."""

    def read() -> None:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, "")

    threading.Thread(target=read, name="console-stdin", daemon=True).start()


async def serve_console(
    port: AdapterPort,
    name: str,
    timezone: str | None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    interactive: bool | None = None,
    *,
    files_dir: Path,
) -> None:
    """Run the prompt until ``/quit`` or end of input; files (exports, charts) are saved in
    ``files_dir``.

    In a terminal that can redraw a line (both ends a TTY) the prompt edits, recalls and
    completes lines, and keeps its history beside the database; anything else (a pipe, a
    file, a dumb terminal, a test's streams) gets the plain line loop, which needs no
    terminal at all.
    """
    if interactive is None:
        interactive = stdin.isatty()
    in_terminal = interactive and can_edit(stdin, stdout)

    def emit(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    session = ConsoleSession(port, name, timezone, export_dir=files_dir)
    await session.start()
    if interactive:
        emit(f"{BANNER}\nYou are {session.name}.\n")

    def show(text: str) -> None:
        """A scheduled message: above the prompt in a terminal, else between replies."""
        if in_terminal:
            write(f"{text}\n")
        elif interactive:
            emit(f"\n{text}\n")
        else:
            emit(f"{text}\n\n")

    port.connect(ConsoleNotifier(show, session.shelf, offer=session.offer))
    async with port.scheduled_messages():
        if in_terminal:
            await run_terminal(session, history_path(files_dir))
        else:
            await _prompt(session, stdin, emit, interactive)


async def _prompt(
    session: ConsoleSession, stdin: TextIO, emit: Callable[[str], None], interactive: bool
) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    _start_reader(stdin, asyncio.get_running_loop(), queue)
    while True:
        if interactive:
            emit(session.prompt)
        line = await queue.get()
        if line == "":
            if interactive:
                emit("\n")
            return
        out = await session.run_line(line)
        if out is None:
            return
        if out:
            emit(out + ("\n" if interactive else "\n\n"))
