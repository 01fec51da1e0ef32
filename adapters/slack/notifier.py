"""Delivery to Slack for scheduled messages and public replies: channel posts and DMs.

Implements ``bot.notify.Notifier``. Slack errors that can never succeed (the channel is gone,
the bot was removed, the token revoked) come back as ``Delivery(permanent_failure=...)``;
ones that may pass (network trouble, 5xx, rate limits still hit after retrying) are raised
as ``TransientDeliveryError`` so the caller retries later.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.pacing import ChannelPacer
from adapters.slack.render import fallback_text, message
from bot.notify import Delivery, TransientDeliveryError
from bot.replies import Reply

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
"""Slack error codes worth retrying; every other error code is permanent for this message."""


def failure_of(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the body carried none."""
    code = error.response.get("error") if isinstance(error.response.data, dict) else None
    return str(code) if code else f"http_{error.response.status_code}"


def is_transient(error: SlackApiError) -> bool:
    return failure_of(error) in TRANSIENT_ERRORS or error.response.status_code >= 500


class SlackNotifier:
    """Posts replies with the bot token, paced per channel; 429s are waited out by the client."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer | None = None) -> None:
        self._client = client
        self._pacer = pacer or ChannelPacer()

    async def post_to_channel(self, workspace_id: str, channel_id: str, reply: Reply) -> Delivery:
        """A public message in a cohort's channel (the bot must be a member of it)."""
        return await self._deliver(workspace_id, channel_id, reply)

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply) -> Delivery:
        """A message, or a file, in the bot's DM with the user (``conversations.open``)."""
        try:
            opened = await self._client.conversations_open(users=user_id)
        except SlackApiError as error:
            return self._failed(error, workspace_id, f"DM with {user_id}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError(f"conversations.open: {error!r}") from error
        channel_id = str(opened["channel"]["id"])
        return await self._deliver(workspace_id, channel_id, reply)

    async def _deliver(self, workspace_id: str, channel_id: str, reply: Reply) -> Delivery:
        try:
            async with self._pacer.turn(channel_id):
                if reply.attachment is not None:
                    item = await self._upload(channel_id, reply)
                else:
                    response = await self._client.chat_postMessage(
                        channel=channel_id,
                        link_names=False,
                        unfurl_links=False,
                        unfurl_media=False,
                        **message(reply),
                    )
                    item = str(response["ts"])
        except SlackApiError as error:
            return self._failed(error, workspace_id, channel_id)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError(f"posting to {channel_id}: {error!r}") from error
        return Delivery(message_id=f"{channel_id}:{item}")

    async def _upload(self, channel_id: str, reply: Reply) -> str:
        """The reply's file, with its text as the comment; returns the file id."""
        assert reply.attachment is not None
        response: Any = await self._client.files_upload_v2(
            channel=channel_id,
            filename=reply.attachment.filename,
            title=reply.attachment.filename,
            content=reply.attachment.content,
            initial_comment=fallback_text(reply),
        )
        return str(response["file"]["id"])

    def _failed(self, error: SlackApiError, workspace_id: str, where: str) -> Delivery:
        reason = failure_of(error)
        if is_transient(error):
            raise TransientDeliveryError(f"{where} in team {workspace_id}: {reason}") from error
        log.warning(
            "Slack delivery to %s in team %s failed for good: %s", where, workspace_id, reason
        )
        return Delivery(permanent_failure=reason)
