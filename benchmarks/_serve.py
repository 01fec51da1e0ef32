"""Starting ``reachout run`` in its own process, as in production, for a benchmark, or the
platform library alone (``benchmarks._floor``) under the same load."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path


async def start_bot(
    folder: Path | str, env: Mapping[str, str], floor: str | None = None
) -> asyncio.subprocess.Process:
    """``reachout run`` in ``folder`` with ``env`` (with ``floor``, ``benchmarks._floor`` of
    that kind instead); its log is discarded, since the benchmark reads only what reaches
    the fakes, and it never waits on input."""
    command = ("-m", "bot", "run") if floor is None else ("-m", "benchmarks._floor", floor)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        cwd=folder,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
