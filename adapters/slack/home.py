"""The App Home tab: the member's progress, and a modal to log an email sent.

The Home is the member's ``/progress`` reply, published when they open the tab (once per
event, however often Slack retries it) and again after each email logged in the modal.
The modal goes through the ``/sent`` command, so its rules and words are the command's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import ACK_BUDGET_SECONDS
from adapters.slack.notifier import SlackNotifier
from adapters.slack.origins import Origins, team_of
from adapters.slack.tasks import BackgroundTasks
from adapters.slack.views import (
    field_error,
    home_view,
    log_email_modal,
    logged_modal,
    submitted_values,
)
from bot.commands.dispatch import APOLOGY, refusal
from bot.commands.registry import Command
from bot.errors import UserError
from bot.port import AdapterPort
from bot.replies import Reply

log = logging.getLogger(__name__)

SENT = "sent"
SAVING = Reply("Saving… your Home tab will show it in a moment.")


class AppHome:
    """Listeners for ``app_home_opened``, the Home's button and the modal's submission."""

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

    async def opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Publish the Home when its tab opens; a retried delivery of the event is skipped.

        Slack retries an event it thinks went unacknowledged (``X-Slack-Retry-Num``), with the
        same ``event_id``, possibly to another instance: the database says which is first.
        """
        if event.get("tab") != "home":
            return
        event_id = str(body.get("event_id", ""))
        team_id, user_id = str(body.get("team_id", "")), str(event.get("user", ""))
        self.tasks.spawn(
            self._publish_once(event_id, team_id, user_id), f"App Home for {user_id} in {team_id}"
        )

    async def _publish_once(self, event_id: str, team_id: str, user_id: str) -> None:
        """Off the ack's path: the sighting is a database write."""
        if event_id and not await self.port.first_sighting(f"slack.event.{event_id}"):
            log.info("skipping event %s: already processed (a Slack retry)", event_id)
            return
        await self.publish(team_id, user_id)

    async def publish(self, team_id: str, user_id: str) -> None:
        origin = await self.origins.origin(team_id, user_id)
        progress = await self.port.run(origin, "progress", {})
        await self.client.views_publish(user_id=user_id, view=home_view(progress))

    async def log_email_clicked(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Open the modal at once: its trigger_id expires three seconds after the click."""
        await ack()
        modal = log_email_modal(self._sent())
        self.tasks.spawn(
            self._open(str(body.get("trigger_id", "")), modal),
            f"log-email modal for {body.get('user', {}).get('id')}",
        )

    async def _open(self, trigger_id: str, modal: dict[str, Any]) -> None:
        await self.client.views_open(trigger_id=trigger_id, view=modal)

    async def log_email_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Log the email through ``/sent``; show its answer in the modal, refresh the Home."""
        values = submitted_values(view)
        errors = self._field_errors(values)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        team_id, user_id = team_of(body), str(body.get("user", {}).get("id", ""))
        work = asyncio.ensure_future(self._log(team_id, user_id, values))
        done, _ = await asyncio.wait({work}, timeout=self.budget)
        if not done:
            await ack(response_action="update", view=logged_modal(SAVING))
            self.tasks.spawn(self._finish(team_id, user_id, work), f"log for {user_id}")
            return
        reply = work.result()
        if reply.error:
            await ack(response_action="errors", errors={"contact": field_error(reply.text)})
            return
        await ack(response_action="update", view=logged_modal(reply))
        self.tasks.spawn(self.publish(team_id, user_id), f"App Home for {user_id} in {team_id}")

    def _sent(self) -> Command:
        command = self.port.registry.get(SENT)
        assert command is not None, "the registry has no /sent"
        return command

    def _field_errors(self, values: dict[str, str]) -> dict[str, str]:
        """Each input checked as ``/sent`` checks that argument, the error under its field."""
        errors = {}
        for name, value in values.items():
            argument = self._sent().argument(name)
            assert argument is not None
            try:
                argument.convert(value)
            except UserError as problem:
                errors[name] = field_error(str(problem))
        return errors

    async def _log(self, team_id: str, user_id: str, values: dict[str, str]) -> Reply:
        try:
            origin = await self.origins.origin(team_id, user_id)
            return await self.port.run(origin, SENT, values)
        except Exception:
            log.exception(
                "logging an email from the App Home failed (team=%s user=%s)", team_id, user_id
            )
            return refusal(APOLOGY)

    async def _finish(self, team_id: str, user_id: str, work: asyncio.Future[Reply]) -> None:
        """A log that overran the ack budget: errors arrive by DM, success refreshes the Home."""
        reply = await work
        if reply.error:
            await self.notifier.send_direct(team_id, user_id, reply)
        else:
            await self.publish(team_id, user_id)
