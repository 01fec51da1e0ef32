"""A recording notifier: the platform end of the ``Notifier`` seam, for delivery-service tests.

Platform adapters have their own notifiers, tested against the fake Discord and fake Slack;
this one lets the delivery rules be tested without a platform, recording what would be posted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from bot.nudges.notifier import Receipt, TransientDeliveryError
from bot.replies import Reply


@dataclass
class Sent:
    """One message as the platform received it."""

    target: str
    direct: bool
    reply: Reply
    key: str


@dataclass
class RecordingNotifier:
    """Records deliveries; can refuse DMs, fail transiently, or deduplicate keys like Discord."""

    platform: str = "console"
    idempotency_window: timedelta | None = None
    sent: list[Sent] = field(default_factory=list)
    closed_dms: set[str] = field(default_factory=set)
    transient_failures: int = 0
    unsure_failures: int = 0
    attempts: int = 0
    delivered: asyncio.Event = field(default_factory=asyncio.Event)

    def _deliver(self, target: str, direct: bool, reply: Reply, key: str) -> Receipt:
        self.attempts += 1
        if self.transient_failures:
            self.transient_failures -= 1
            raise TransientDeliveryError("429 Too Many Requests")
        if self.unsure_failures:
            self.unsure_failures -= 1
            self.sent.append(Sent(target, direct, reply, key))  # it arrived; the answer did not
            raise TransientDeliveryError("connection reset", unsure=True)
        if direct and target in self.closed_dms:
            return Receipt(permanent_failure="dms_closed")
        if self.idempotency_window is not None:
            for earlier in self.sent:
                if earlier.key == key:
                    return Receipt(message_id=f"m-{self.sent.index(earlier)}")
        self.sent.append(Sent(target, direct, reply, key))
        self.delivered.set()
        return Receipt(message_id=f"m-{len(self.sent) - 1}")

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        return self._deliver(channel_id, False, reply, key)

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        return self._deliver(user_id, True, reply, key)

    def channel_posts(self) -> list[Sent]:
        return [s for s in self.sent if not s.direct]

    def direct_messages(self) -> list[Sent]:
        return [s for s in self.sent if s.direct]
