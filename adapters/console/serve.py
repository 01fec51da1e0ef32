"""The console's loop: read a line, print its reply, and print scheduled messages between."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from adapters.console.session import BANNER, ConsoleNotifier, ConsoleSession
from bot.port import AdapterPort

DUMB_TERMINALS = ("dumb", "unknown")
"""``TERM`` values of terminals that cannot redraw a line (Emacs' shell), as prompt_toolkit
names them."""


def can_edit(stdin: TextIO, stdout: TextIO) -> bool:
    """Whether both ends are a terminal that can redraw a line; a dumb one gets the plain
    loop, with its own line editing."""
    dumb = os.environ.get("TERM", "").casefold() in DUMB_TERMINALS
    return stdin.isatty() and stdout.isatty() and not dumb


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

    def emit(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    session = ConsoleSession(port, name, timezone, export_dir=files_dir)
    await session.start()
    if interactive:
        emit(f"{BANNER}\nYou are {session.name}.\n")
    if interactive and can_edit(stdin, stdout):
        # Only a terminal needs prompt_toolkit: scripts start without importing it.
        from adapters.console.terminal import serve_terminal

        await serve_terminal(port, session, files_dir)
        return
    port.connect(
        ConsoleNotifier(
            lambda text: emit(f"\n{text}\n" if interactive else f"{text}\n\n"),
            session.shelf,
            offer=session.offer,
        )
    )
    async with port.scheduled_messages():
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
