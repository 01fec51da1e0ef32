"""Starting ``reachout run`` in its own process, as in production, for a benchmark."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path


async def start_bot(folder: Path | str, env: Mapping[str, str]) -> asyncio.subprocess.Process:
    """``reachout run`` in ``folder`` with ``env``; its log is discarded, since the
    benchmark reads only what reaches the fakes, and it never waits on input."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=folder,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
