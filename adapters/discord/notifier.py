"""Scheduled messages to Discord: a cohort's channel, or a member by DM.

Each delivery carries a ``key``; its hash goes out as the message nonce with
``enforce_nonce`` (discord.py sets it whenever a nonce is given), so if a delivery is
retried after a crash or a lost answer, Discord returns the first message instead of posting
a second. Discord remembers nonces for a few minutes only, hence a 2-minute
``idempotency_window``: well inside it, so a retry within the window is always deduplicated.

Buttons go out as message components. A press in a DM tells the bot no server, so a DM's
buttons carry the server they were sent for in their ids (``adapters.discord.placing``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
import discord

from adapters.discord.placing import placed_reply
from adapters.discord.render import render_reply
from adapters.pacing import Pacer
from bot.nudges.notifier import Receipt, TransientDeliveryError
from bot.replies import Reply

log = logging.getLogger(__name__)

GLOBAL_PACE = 45.0
"""Requests per second at most; Discord's global limit is 50 (per-route 429s are discord.py's)."""

NONCE_LENGTH = 25
"""Discord's longest nonce."""

PERMANENT_FAILURES = {
    50007: "dms_closed",
    10003: "channel_not_found",
    10013: "unknown_user",
    50033: "unknown_user",
    50001: "missing_access",
    50013: "missing_permissions",
}


def nonce_for(key: str) -> str:
    """A nonce that is the same for every attempt at the same delivery."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


class DiscordNotifier:
    """Implements ``bot.nudges.notifier.Notifier`` with a connected ``discord.Client``."""

    platform = "discord"
    idempotency_window: timedelta | None = timedelta(minutes=2)

    def __init__(
        self,
        client: discord.Client,
        per_second: float = GLOBAL_PACE,
    ) -> None:
        self.client = client
        self.pacer = Pacer(per_second)

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str
    ) -> Receipt:
        """Post ``reply`` publicly in a channel of the guild ``workspace_id``."""

        async def deliver() -> Receipt:
            channel = self.client.get_channel(int(channel_id))
            if channel is None:
                await self.pacer.wait()
                channel = await self.client.fetch_channel(int(channel_id))
            guild = getattr(channel, "guild", None)
            if guild is None or str(guild.id) != workspace_id:
                return Receipt(permanent_failure="wrong_workspace")
            if not isinstance(channel, discord.abc.Messageable):
                return Receipt(permanent_failure="not_a_text_channel")
            await self.pacer.wait()
            message = await channel.send(nonce=nonce_for(key), **render_reply(reply).send_kwargs())
            return Receipt(message_id=str(message.id))

        return await self._attempt(deliver, f"channel {channel_id}", channel_id)

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, key: str) -> Receipt:
        """DM ``reply`` to a member; a member who closed DMs is a permanent ``dms_closed``."""

        async def deliver() -> Receipt:
            await self.pacer.wait()
            channel = await self.client.create_dm(discord.Object(int(user_id)))
            await self.pacer.wait()
            placed = placed_reply(reply, workspace_id)
            message = await channel.send(nonce=nonce_for(key), **render_reply(placed).send_kwargs())
            return Receipt(message_id=str(message.id))

        return await self._attempt(deliver, f"user {user_id}", user_id)

    async def _attempt(
        self, deliver: Callable[[], Awaitable[Receipt]], target: str, target_id: str
    ) -> Receipt:
        """Run one delivery, sorting failures into permanent ones and ones worth a retry."""
        if not target_id.isdigit():
            return Receipt(permanent_failure="invalid_id")
        if self.client.is_closed() or self.client.user is None:
            raise TransientDeliveryError("the Discord client is not connected")
        try:
            return await deliver()
        except discord.DiscordServerError as error:
            raise TransientDeliveryError(
                f"Discord answered {error.status} for {target}", unsure=True
            ) from error
        except discord.HTTPException as error:
            if error.status == 429:
                raise TransientDeliveryError(f"still rate limited for {target}") from error
            failure = PERMANENT_FAILURES.get(error.code, f"http_{error.status}_{error.code}")
            level = logging.INFO if failure == "dms_closed" else logging.WARNING
            log.log(level, "discord: not delivered to %s, not retrying: %s", target, failure)
            return Receipt(permanent_failure=failure)
        except discord.RateLimited as error:
            raise TransientDeliveryError(f"still rate limited for {target}") from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise TransientDeliveryError(
                f"could not reach Discord for {target}: {error}", unsure=True
            ) from error
