"""Events API deliveries seen recently, so a retried event is processed once.

Slack retries an event it thinks went unacknowledged (``X-Slack-Retry-Num``), up to three
times within about five minutes, always with the same ``event_id``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

EVENT_MEMORY_SECONDS = 3600.0
EVENT_MEMORY_SIZE = 10_000


class SeenEvents:
    """Remembers event ids for an hour (bounded), long past Slack's last retry."""

    def __init__(
        self,
        ttl: float = EVENT_MEMORY_SECONDS,
        size: int = EVENT_MEMORY_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._monotonic = monotonic
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered; False for a repeat within the memory."""
        now = self._monotonic()
        while self._seen and (
            next(iter(self._seen.values())) < now or len(self._seen) >= self._size
        ):
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now + self._ttl
        return True
