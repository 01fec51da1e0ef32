"""The console: the same commands in a terminal, against the same database.

For trying reachout with no account anywhere, for demos and scripts (commands piped on
standard input), and as the full-stack harness of the test suite: one line in, one reply out.
"""

from adapters.console.serve import serve_console
from adapters.console.session import (
    CHANNEL_ID,
    PLATFORM,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    ConsoleNotifier,
    ConsoleSession,
    FileShelf,
    member_id_for,
    render,
)

__all__ = [
    "CHANNEL_ID",
    "PLATFORM",
    "WORKSPACE_ID",
    "WORKSPACE_NAME",
    "ConsoleNotifier",
    "ConsoleSession",
    "FileShelf",
    "member_id_for",
    "render",
    "serve_console",
]
