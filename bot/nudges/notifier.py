"""How scheduled messages leave the bot: each platform adapter provides a ``Notifier``.

The courier decides what is due and records what was sent; a notifier only delivers.
Every delivery carries a stable ``key``. A notifier whose platform can deduplicate on it
(Discord's message nonce) declares ``idempotency_window``: a delivery interrupted by a
crash is then retried with the same key after a restart, and the platform drops the copy.
Without a window an interrupted delivery is never retried: posting twice is worse than
missing one nudge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.replies import Reply


@dataclass(frozen=True)
class Receipt:
    """The outcome of one delivery: a platform message id, or why it can never succeed."""

    message_id: str | None = None
    permanent_failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.permanent_failure is None


class TransientDeliveryError(Exception):
    """Not delivered, for a reason that may pass (network down, 5xx, rate limit exhausted).

    ``unsure`` says the message may have arrived after all (the connection dropped after the
    request went out). Only a notifier whose platform deduplicates on the key may raise an
    unsure one, and it is then retried only within the notifier's idempotency window.
    """

    def __init__(self, message: str, *, unsure: bool = False) -> None:
        super().__init__(message)
        self.unsure = unsure


class Notifier(Protocol):
    """Posts replies for one platform; rate limits and 429s are the notifier's to respect."""

    platform: str
    idempotency_window: timedelta | None

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        """Post a public message in a cohort's channel."""
        ...

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        """Send a private message to one member (a DM)."""
        ...
