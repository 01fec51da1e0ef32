"""How scheduled messages leave the bot: each platform adapter provides a ``Notifier``.

The nudge and reminder engine decides what is due and records what was sent; a notifier only
delivers. It tells permanent failures (a channel gone, DMs closed) apart from transient ones,
so the first are recorded and shown to organizers while the second are retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.replies import Reply


@dataclass(frozen=True)
class Delivery:
    """The outcome of one delivery: a platform message id, or why it can never succeed."""

    message_id: str | None = None
    permanent_failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.permanent_failure is None


class TransientDeliveryError(Exception):
    """Delivery failed for a reason that may pass (network, 5xx, rate limit exhausted)."""


class Notifier(Protocol):
    """Posts replies for one platform; rate limits and 429s are the notifier's to respect."""

    platform: str

    async def post_to_channel(self, workspace_id: str, channel_id: str, reply: Reply) -> Delivery:
        """Post a public message in a cohort's channel."""
        ...

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply) -> Delivery:
        """Send a private message to one member (a DM)."""
        ...
