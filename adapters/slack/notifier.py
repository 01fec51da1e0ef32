"""Receipt to Slack for scheduled messages and public replies: channel posts and DMs.

Implements ``bot.nudges.notifier.Notifier``. Slack has no idempotency key for ``chat.postMessage``,
so ``idempotency_window`` is None and a failure is transient only when the message certainly
did not go out: Slack refused it before doing anything (rate limited, unavailable), or no
connection was made. An outcome that might hide a posted message (a 5xx, a dropped
connection mid-request) is reported as a permanent failure, because posting twice is worse
than missing one. Errors that can never succeed (channel gone, bot removed, token revoked)
are permanent too, named by Slack's error code.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import KeyedPacer
from adapters.slack.render import buttons_message, clip, comment, message
from bot.nudges.notifier import Receipt, TransientDeliveryError
from bot.replies import Reply

log = logging.getLogger(__name__)

POSTS_PER_SECOND_PER_CHANNEL = 1.0
ALT_TEXT_LIMIT = 1000
"""Slack's limit for a file's ``alt_txt``."""
REFUSED_UNDONE = frozenset(
    {"ratelimited", "service_unavailable", "request_timeout", "team_added_to_org"}
)
"""Slack error codes that mean nothing was done, so trying again later is safe."""

DMS_REMEMBERED = 10_000
"""Users whose DM channel id is kept in memory, the least recently answered forgotten."""

MAYBE_DONE = frozenset({"internal_error", "fatal_error"})
"""Slack says part of the operation may have succeeded before these errors."""


def failure_of(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the body carried none."""
    code = error.response.get("error") if isinstance(error.response.data, dict) else None
    return str(code) if code else f"http_{error.response.status_code}"


def channel_pacer() -> KeyedPacer:
    """Slack's guidance for ``chat.postMessage``: about one message a second per channel."""
    return KeyedPacer(rate=POSTS_PER_SECOND_PER_CHANNEL)


class SlackNotifier:
    """Posts replies with the bot token, paced per channel; 429s are waited out by the client."""

    platform = "slack"
    idempotency_window: timedelta | None = None

    def __init__(self, client: AsyncWebClient, pacer: KeyedPacer | None = None) -> None:
        self._client = client
        self._pacer = pacer or channel_pacer()
        self._dms: OrderedDict[tuple[str, str], str] = OrderedDict()
        """The DM channel of each (workspace, user) that ``conversations.open`` named: a
        user's DM with the app keeps its id, so each answer need not ask again."""

    async def post_to_channel(
        self, workspace_id: str, channel_id: str, reply: Reply, key: str = ""
    ) -> Receipt:
        """A public message in a cohort's channel (the bot must be a member of it)."""
        return await self._deliver(workspace_id, channel_id, reply)

    async def send_direct(
        self, workspace_id: str, user_id: str, reply: Reply, key: str = ""
    ) -> Receipt:
        """A message, or a file, in the bot's DM with the user (``conversations.open``, once
        per user while it keeps working)."""
        who = (workspace_id, user_id)
        opened = self._dms.get(who) or await self._open_dm(workspace_id, user_id)
        if isinstance(opened, Receipt):
            return opened
        channel_id = opened
        receipt = await self._deliver(workspace_id, channel_id, reply)
        if receipt.permanent_failure is None:
            self._dms[who] = channel_id
            self._dms.move_to_end(who)
            if len(self._dms) > DMS_REMEMBERED:
                self._dms.popitem(last=False)
        else:
            self._dms.pop(who, None)
        return receipt

    async def _open_dm(self, workspace_id: str, user_id: str) -> str | Receipt:
        """The DM channel's id, or the failure's receipt."""
        try:
            opened = await self._client.conversations_open(users=user_id)
        except SlackApiError as error:
            reason = failure_of(error)
            if reason in REFUSED_UNDONE | MAYBE_DONE or error.response.status_code >= 500:
                raise TransientDeliveryError(f"conversations.open: {reason}") from error
            return self._failed(reason, workspace_id, f"DM with {user_id}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError(f"conversations.open: {error!r}") from error
        return str(opened["channel"]["id"])

    async def _deliver(self, workspace_id: str, channel_id: str, reply: Reply) -> Receipt:
        await self._pacer.wait(channel_id)
        try:
            if reply.attachment is not None or reply.image is not None:
                item = await self._upload(channel_id, reply)
                if reply.buttons:
                    await self._buttons_after_file(workspace_id, channel_id, reply)
            else:
                item = await self._post(channel_id, message(reply))
        except SlackApiError as error:
            reason = failure_of(error)
            if reason in REFUSED_UNDONE:
                raise TransientDeliveryError(f"{channel_id}: {reason}") from error
            if reason in MAYBE_DONE or error.response.status_code >= 500:
                reason = f"unconfirmed ({reason})"
            return self._failed(reason, workspace_id, channel_id)
        except aiohttp.ClientConnectorError as error:
            raise TransientDeliveryError(f"{channel_id}: {error!r}") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._failed(f"unconfirmed ({type(error).__name__})", workspace_id, channel_id)
        return Receipt(message_id=f"{channel_id}:{item}")

    async def _post(self, channel_id: str, body: dict[str, Any]) -> str:
        """One ``chat.postMessage`` that Slack neither links nor unfurls; returns its ts."""
        response = await self._client.chat_postMessage(
            channel=channel_id, link_names=False, unfurl_links=False, unfurl_media=False, **body
        )
        return str(response["ts"])

    async def _buttons_after_file(self, workspace_id: str, channel_id: str, reply: Reply) -> None:
        """The buttons of a reply that went out as a file, right under it. The file is out
        already, so a failure here is logged, never reported: retrying would post it twice."""
        await self._pacer.wait(channel_id)
        try:
            await self._post(channel_id, buttons_message(reply))
        except SlackApiError as error:
            self._failed(f"buttons not posted ({failure_of(error)})", workspace_id, channel_id)
        except (aiohttp.ClientError, TimeoutError) as error:
            self._failed(f"buttons not posted ({type(error).__name__})", workspace_id, channel_id)

    async def update(self, channel_id: str, ts: str, reply: Reply) -> None:
        """Rewrite a message the bot posted (a pressed reminder, so it shows what was done)."""
        await self._client.chat_update(
            channel=channel_id, ts=ts, link_names=False, **message(reply)
        )

    async def _upload(self, channel_id: str, reply: Reply) -> str:
        """The reply's file and picture in one message with its text as the comment, by
        Slack's external upload (``files.getUploadURLExternal``, the bytes, then
        ``files.completeUploadExternal``); returns the first file's id."""
        uploads: list[dict[str, Any]] = []
        if reply.attachment is not None:
            name = reply.attachment.filename
            uploads.append({"content": reply.attachment.content, "filename": name, "title": name})
        if reply.image is not None:
            image = reply.image
            uploads.append(
                {
                    "content": image.content,
                    "filename": image.filename,
                    "title": image.filename,
                    "alt_txt": clip(image.alt_text, ALT_TEXT_LIMIT),
                }
            )
        response: Any = await self._client.files_upload_v2(
            channel=channel_id, file_uploads=uploads, initial_comment=comment(reply)
        )
        return str(response["files"][0]["id"])

    def _failed(self, reason: str, workspace_id: str, where: str) -> Receipt:
        log.warning(
            "Slack delivery to %s in team %s failed for good: %s", where, workspace_id, reason
        )
        return Receipt(permanent_failure=reason)
