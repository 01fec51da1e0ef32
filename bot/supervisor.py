"""Serving several platforms at once: one that fails never takes the others down with it.

A platform that cannot be reached, or whose credentials are refused, is one log line saying
what to do, and is tried again later with a growing wait, while the others keep serving. Only
when every platform's credentials are refused is there nothing to serve, and ``reachout run``
stops with those lines: no retry can fix a token, and a crash-looping service is noticed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass

from bot.config import ConfigError
from bot.errors import PlatformUnreachable
from bot.health.status import PlatformStatus

log = logging.getLogger("reachout")

Serve = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """Seconds between tries of a failed platform: ``first``, growing by ``factor`` to ``most``."""

    first: float = 5.0
    factor: float = 2.0
    most: float = 300.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.most)


RETRY_BACKOFF = Backoff()


class EveryPlatformRefused(Exception):
    """No platform can be served: each one's credentials or settings were refused."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__("\n".join(reasons.values()))
        self.reasons = dict(reasons)


async def supervise(
    platforms: Mapping[str, Serve], status: PlatformStatus, backoff: Backoff = RETRY_BACKOFF
) -> None:
    """Serve every platform until cancelled; raises ``EveryPlatformRefused`` if none can be."""
    refused: dict[str, str] = {}
    for name in platforms:
        status.expect(name)
    try:
        async with asyncio.TaskGroup() as group:
            for name, serve in platforms.items():
                group.create_task(_keep_serving(name, serve, status, backoff, refused, platforms))
    except* EveryPlatformRefused as stopped:
        raise stopped.exceptions[0] from None


async def _keep_serving(
    name: str,
    serve: Serve,
    status: PlatformStatus,
    backoff: Backoff,
    refused: dict[str, str],
    platforms: Mapping[str, Serve],
) -> None:
    delays = backoff.delays()
    while True:
        status.expect(name)
        try:
            await serve()
            reason, was_refused = f"{name} stopped serving", False
        except ConfigError as problem:
            reason, was_refused = str(problem), True
        except PlatformUnreachable as problem:
            reason, was_refused = str(problem), False
        except Exception as error:
            log.exception("%s failed", name)
            reason, was_refused = f"{name} failed ({type(error).__name__})", False
        if status.tracking(name):
            delays = backoff.delays()  # it had been serving: start again from a short wait
        status.down(name, reason)
        if was_refused:
            refused[name] = reason
        else:
            refused.pop(name, None)
        if set(refused) == set(platforms):
            raise EveryPlatformRefused(refused)
        delay = next(delays)
        others = " while the others keep serving" if len(platforms) > 1 else ""
        log.error("%s: %s (trying again in %s%s)", name, reason, _seconds(delay), others)
        await asyncio.sleep(delay)


def _seconds(delay: float) -> str:
    return f"{delay:.0f} s" if delay >= 1 else f"{delay:.2f} s"
