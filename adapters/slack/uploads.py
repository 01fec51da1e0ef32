"""Files for commands such as ``/targets import``: a form with a file field, then the file.

Slash commands cannot carry files, so the command without text opens a modal whose
``file_input`` takes one. On submission the file's size and type come from ``files.info``
and are checked before anything is downloaded; then ``url_private_download`` is fetched
with the bot token (``files:read``) and the text runs the same use case as typed text. The
answer replaces the form, privately; if the work outlasts the ack budget the form says so
and the answer arrives by direct message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import ACK_BUDGET_SECONDS
from adapters.slack.notifier import SlackNotifier
from adapters.slack.origins import Origins, team_of
from adapters.slack.tasks import BackgroundTasks
from adapters.slack.views import (
    FILE_BLOCK,
    result_modal,
    submitted_file,
    upload_modal,
    upload_path,
)
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.port import AdapterPort
from bot.replies import Reply
from bot.uploads import Upload, upload_limit

log = logging.getLogger(__name__)

CHOOSE_FILE = "Choose a file to import."
READ_FAILED = "I couldn't read that file from Slack (it said `{reason}`), so nothing changed."
WORKING = Reply("Importing… I'll send you the result in a direct message in a moment.")
DOWNLOAD_TIMEOUT_SECONDS = 30


class FileUploads:
    """Opens upload forms and handles their submission (``view_submission``)."""

    def __init__(
        self,
        port: AdapterPort,
        origins: Origins,
        client: AsyncWebClient,
        notifier: SlackNotifier,
        tasks: BackgroundTasks,
        budget: float = ACK_BUDGET_SECONDS,
    ) -> None:
        self.port = port
        self.origins = origins
        self.client = client
        self.notifier = notifier
        self.tasks = tasks
        self.budget = budget

    async def open_form(self, trigger_id: str, command: Command) -> None:
        """The form for ``command``; the trigger expires 3 s after the slash command."""
        argument = self.port.upload_argument(command.path)
        assert argument is not None, f"/{command.path} takes no file"
        await self.client.views_open(trigger_id=trigger_id, view=upload_modal(command, argument))

    async def submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Import the chosen file; its answer replaces the form (or comes by DM if slow)."""
        path, file_id = upload_path(view), submitted_file(view)
        if file_id is None:
            await ack(response_action="errors", errors={FILE_BLOCK: CHOOSE_FILE})
            return
        team_id, user_id = team_of(body), str(body.get("user", {}).get("id", ""))
        work = asyncio.ensure_future(self._import(team_id, user_id, path, file_id))
        done, _ = await asyncio.wait({work}, timeout=self.budget)
        if not done:
            await ack(response_action="update", view=result_modal(f"/{path}", WORKING))
            self.tasks.spawn(self._finish(team_id, user_id, work), f"upload for {user_id}")
            return
        await ack(response_action="update", view=result_modal(f"/{path}", work.result()))

    async def _finish(self, team_id: str, user_id: str, work: asyncio.Future[Reply]) -> None:
        await self.notifier.send_direct(team_id, user_id, await work)

    async def _import(self, team_id: str, user_id: str, path: str, file_id: str) -> Reply:
        """files.info, the checks, the download, the command; any failure is one sentence."""
        try:
            origin = await self.origins.origin(team_id, user_id)
            info = (await self.client.files_info(file=file_id))["file"]
            name, size = str(info.get("name") or file_id), int(info.get("size") or 0)
            upload = Upload(name, size, info.get("mimetype"))
            refused = self.port.check_upload(path, upload)
            if refused is not None:
                return refused
            content = await self._download(str(info.get("url_private_download", "")), path)
            return await self.port.run_upload(origin, path, content)
        except SlackApiError as error:
            reason = str(error.response.get("error", "error"))
            log.warning("reading file %s for /%s failed: %s", file_id, path, reason)
            return refusal(READ_FAILED.format(reason=reason))
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("downloading file %s for /%s failed: %r", file_id, path, error)
            return refusal(READ_FAILED.format(reason="the download failed"))
        except Exception:
            log.exception("importing file %s for /%s failed (team=%s)", file_id, path, team_id)
            return refusal(APOLOGY)

    async def _download(self, url: str, path: str) -> bytes:
        """The file's bytes, with the bot token; no more than the limit and one byte (the
        core refuses a file longer than that, whatever ``files.info`` said)."""
        argument = self.port.upload_argument(path)
        assert argument is not None
        most = upload_limit(argument) + 1
        headers = {"Authorization": f"Bearer {self.client.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
        session = self.client.session
        owned = session is None
        if session is None:
            session = aiohttp.ClientSession()
        try:
            async with session.get(url, headers=headers, timeout=timeout) as response:
                response.raise_for_status()
                content = b""
                async for chunk in response.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) >= most:
                        return content[:most]
                return content
        finally:
            if owned:
                await session.close()
