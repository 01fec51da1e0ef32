"""The slack-bolt ``AsyncApp`` with reachout's listeners, shared by Socket Mode and HTTP mode.

``process_before_response`` is on: each listener acks itself as soon as it has an answer and
hands anything slower to ``BackgroundTasks``, so the ack never waits on bolt's polling and
every follow-up is tracked, logged if it fails and finished before shutdown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import KeyedPacer
from adapters.slack.commands import ACK_BUDGET_SECONDS, SlashCommands
from adapters.slack.home import AppHome
from adapters.slack.notifier import SlackNotifier
from adapters.slack.origins import Origins, ProfileDirectory
from adapters.slack.presses import CORE_IDS, Presses
from adapters.slack.tasks import BackgroundTasks
from adapters.slack.uploads import FileUploads
from adapters.slack.views import LOG_EMAIL_ACTION, LOG_EMAIL_VIEW, UPLOAD_VIEW
from bot.port import AdapterPort

log = logging.getLogger(__name__)

ANY_COMMAND = re.compile(r"^/.+")


@dataclass(frozen=True)
class Identity:
    """Who the bot token belongs to, from ``auth.test``."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    bot_name: str


Authorize = Callable[[str | None, str | None], Awaitable[AuthorizeResult]]


def single_token(client: AsyncWebClient, identity: Identity) -> Authorize:
    """bolt's ``authorize``: one bot token for every request, already checked by ``auth.test``.

    The request's own team still keys its data, so two workspaces never mix.
    """

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or identity.team_id,
            bot_token=client.token,
            bot_id=identity.bot_id,
            bot_user_id=identity.bot_user_id,
        )

    return authorize


def _without_token(client: AsyncWebClient) -> AsyncWebClient:
    """The same connection pool and retries for bolt, which takes the token from ``authorize``."""
    return AsyncWebClient(
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=client.retry_handlers,
    )


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Hide bolt's start-up warnings about SLACK_BOT_TOKEN, which it reads from the
    environment by itself; reachout passes the token through ``authorize`` instead."""
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class SlackAdapter:
    """Everything behind one bot token: the bolt app, the notifier and follow-up work."""

    def __init__(
        self,
        port: AdapterPort,
        client: AsyncWebClient,
        identity: Identity,
        *,
        signing_secret: str | None,
        budget: float = ACK_BUDGET_SECONDS,
        pacer: KeyedPacer | None = None,
    ) -> None:
        self.identity = identity
        self.client = client
        self.tasks = BackgroundTasks()
        self.notifier = SlackNotifier(client, pacer)
        self.origins = Origins(ProfileDirectory(client), identity.team_id, identity.team_name)
        uploads = FileUploads(port, self.origins, client, self.notifier, self.tasks, budget)
        commands = SlashCommands(
            port,
            self.origins,
            self.notifier,
            self.tasks,
            identity.bot_name,
            uploads.open_form,
            budget,
        )
        home = AppHome(port, self.origins, client, self.notifier, self.tasks, budget)
        presses = Presses(port, self.origins, client, self.notifier, self.tasks, budget)
        bolt_log = logging.getLogger("adapters.slack.bolt")
        with _quiet(bolt_log):
            self.app = AsyncApp(
                name="reachout",
                logger=bolt_log,
                client=_without_token(client),
                signing_secret=signing_secret or "",
                request_verification_enabled=signing_secret is not None,
                authorize=single_token(client, identity),
                process_before_response=True,
            )
        # bolt tries the listeners in this order, building each one's matcher arguments,
        # until one matches: the most frequent requests go first (commands, then the core's
        # buttons and forms), so a press is not checked against the rarer App Home ones.
        self.app.command(ANY_COMMAND)(commands.handle)
        self.app.action(CORE_IDS)(presses.pressed)
        self.app.view(CORE_IDS)(presses.submitted)
        self.app.event("app_home_opened")(home.opened)
        self.app.action(LOG_EMAIL_ACTION)(home.log_email_clicked)
        self.app.view(LOG_EMAIL_VIEW)(home.log_email_submitted)
        self.app.view(UPLOAD_VIEW)(uploads.submitted)

    async def settled(self) -> None:
        """Wait for every follow-up (posts, files, Home refreshes) to finish."""
        await self.tasks.settled()

    async def close(self) -> None:
        await self.tasks.close()
