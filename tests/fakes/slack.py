"""A realistic fake of Slack for tests: Web API, response_url, uploads and Socket Mode.

One aiohttp server on 127.0.0.1, port 0. Point the real slack-sdk/bolt at it:

    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_base)
        app = AsyncApp(client=client, signing_secret=SECRET)
        # HTTP mode: serve app.web_app() on 127.0.0.1:0, then SlackSender(url, SECRET)
        # Socket Mode: AsyncSocketModeHandler(app, app_token=fake.app_token)

The socket-mode client calls `apps.connections.open` through the app's client, so the
same `base_url` leads it to `fake.socket`. Every call is recorded in `fake.calls`
and held against Slack's Web API description (`spec_problems`; `check_spec=False` leaves
that out, for benchmarks, where it is a tenth of a millisecond of the fake's CPU a call that
the bot would not share a machine with); faults are injected with
`rate_limit_next` and `fail_next`; what the bot posts lands in `messages` (edited in place by
`chat.update`), `ephemerals`, `home_views`, `opened_views`, `files` and `response_posts`.
A test clicks a button the bot sent with `click`, and submits a modal with `view_submission`.
Errors follow Slack's own (`invalid_auth`, `channel_not_found`, `ratelimited` ...).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web
from multidict import MultiDict

from tests.fakes.slack_blocks import decode_json_param, validate_blocks, validate_view
from tests.fakes.slack_inbound import (
    Delivery,
    SlackSender,
    block_actions_payload,
    event_callback_body,
    sign,
    slash_command_form,
    view_submission_payload,
)
from tests.fakes.slack_model import (
    ApiCall,
    CallLog,
    FakeChannel,
    FakeTeam,
    FakeUser,
    ResponsePost,
    ResponseUrl,
)
from tests.fakes.slack_socket import (
    ChangeNotifier,
    FakeSocketMode,
    SentEnvelope,
    SocketAck,
    SocketConnection,
)
from tests.fakes.slack_spec import call_problems

__all__ = [
    "COHORT_CHANNEL_ID",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_TEAM_ID",
    "MEMBER_ID",
    "ORGANIZER_ID",
    "ApiCall",
    "CallLog",
    "Delivery",
    "FakeChannel",
    "FakeSlack",
    "FakeTeam",
    "FakeUser",
    "ResponsePost",
    "ResponseUrl",
    "SentEnvelope",
    "SlackSender",
    "SocketAck",
    "SocketConnection",
    "sign",
]

DEFAULT_TEAM_ID = "T0REACHOUT"
DEFAULT_BOT_TOKEN = "xoxb-1000000001-2000000002-reachoutfakebottoken"
DEFAULT_APP_ID = "A0REACHAPP1"
DEFAULT_APP_TOKEN = "xapp-1-A0REACHAPP1-3000000003-reachoutfakeapptoken"
MEMBER_ID = "U0MEMBER01"
ORGANIZER_ID = "U0ORGANIZ1"
COHORT_CHANNEL_ID = "C0COHORT01"
RESPONSE_URL_MAX_POSTS = 5
RESPONSE_URL_LIFETIME = 30 * 60
TRIGGER_LIFETIME = 3.0
# Parameters slack-sdk sends as JSON strings in form/query calls; decoded for tests.
_JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")


class SlackApiFailure(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _Upload:
    file_id: str
    team_id: str
    filename: str
    length: int
    secret: str
    alt_txt: str | None = None
    data: bytes | None = None


# --------------------------------------------------------------------------- the fake


class FakeSlack:
    """Slack's servers in one loopback aiohttp app; use as `async with FakeSlack() as fake`."""

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = "Reachout Test Cohort",
        team_domain: str = "reachout-test",
        bot_token: str = DEFAULT_BOT_TOKEN,
        app_id: str = DEFAULT_APP_ID,
        app_token: str = DEFAULT_APP_TOKEN,
        reject_invalid_blocks: bool = True,
        check_spec: bool = True,
    ) -> None:
        self.app_id = app_id
        self.check_spec = check_spec
        self.app_tokens: set[str] = {app_token}
        self.app_token = app_token
        self.bot_token = bot_token
        self.reject_invalid_blocks = reject_invalid_blocks
        self.teams: dict[str, FakeTeam] = {}
        self.calls = CallLog()
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.opened_views: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.file_downloads: list[str] = []
        self.block_errors: list[str] = []
        self.spec_problems: list[str] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_posts: list[ResponsePost] = []
        self._notifier = ChangeNotifier()
        self.socket = FakeSocketMode(self._notifier)
        self._faults: dict[str, deque[_Fault]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._tokens: dict[str, FakeTeam] = {}
        self._triggers: dict[str, float] = {}
        self._uploads: dict[str, _Upload] = {}
        self._dms: dict[tuple[str, str], str] = {}
        self._serial = itertools.count(1)
        self._last_ts = 0.0
        self._clock_offset = 0.0
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._methods: dict[str, Callable[[ApiCall, FakeTeam], Awaitable[dict[str, Any]]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
        }
        team = self.add_team(team_id, name=team_name, domain=team_domain, bot_token=bot_token)
        self.team = team
        self.add_user(
            MEMBER_ID, name="ada", real_name="Ada Lovelace", display_name="ada", tz="Europe/London"
        )
        self.add_user(
            ORGANIZER_ID,
            name="grace",
            real_name="Grace Hopper",
            display_name="Grace",
            tz="America/New_York",
            is_admin=True,
            is_owner=True,
        )
        self.add_channel(COHORT_CHANNEL_ID, "cohort")

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind 127.0.0.1 on an ephemeral port and serve every endpoint."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/hooks/{kind}/{team_id}/{serial}/{secret}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}/{secret}", self._handle_upload)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._handle_download)
        self.socket.mount(app)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.socket.set_base(f"ws://127.0.0.1:{port}")

    async def stop(self) -> None:
        """Close Socket Mode sessions first so no handler outlives the server."""
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ clock

    def now(self) -> float:
        """The fake's clock: real time plus whatever `advance` added."""
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on, to expire response_urls and trigger_ids without waiting."""
        self._clock_offset += seconds

    # ------------------------------------------------------------------ configuration

    def add_team(
        self,
        team_id: str,
        *,
        name: str,
        domain: str,
        bot_token: str,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
    ) -> FakeTeam:
        """Install the app in another workspace with its own bot token."""
        suffix = team_id[1:][-8:]
        team = FakeTeam(
            id=team_id,
            name=name,
            domain=domain,
            bot_user_id=bot_user_id or f"U{suffix}BOT",
            bot_id=bot_id or f"B{suffix}BOT",
            bot_tokens={bot_token},
        )
        self.teams[team_id] = team
        self._tokens[bot_token] = team
        team.users[team.bot_user_id] = FakeUser(
            id=team.bot_user_id,
            team_id=team_id,
            name="reachout",
            real_name="reachout",
            is_bot=True,
        )
        return team

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None = None,
        name: str,
        real_name: str = "",
        display_name: str = "",
        tz: str = "UTC",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> FakeUser:
        """Add (or replace) a user; `is_admin`/`is_owner` decide who counts as an organiser."""
        team = self.teams[team_id or self.team.id]
        user = FakeUser(
            id=user_id,
            team_id=team.id,
            name=name,
            real_name=real_name,
            display_name=display_name,
            tz=tz,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            locale=locale,
        )
        team.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        team_id: str | None = None,
        is_private: bool = False,
        bot_is_member: bool = True,
    ) -> FakeChannel:
        """Add a channel the bot may post to."""
        team = self.teams[team_id or self.team.id]
        channel = FakeChannel(
            id=channel_id,
            team_id=team.id,
            name=name,
            is_private=is_private,
            bot_is_member=bot_is_member,
        )
        team.channels[channel_id] = channel
        return channel

    def revoke_token(self, token: str) -> None:
        """Uninstall: the token answers `invalid_auth` from now on."""
        team = self._tokens.pop(token, None)
        if team is not None:
            team.bot_tokens.discard(token)
        self.app_tokens.discard(token)

    # ------------------------------------------------------------------ fault injection

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """Answer the next `count` calls to `method` with HTTP 429 and `Retry-After`."""
        for _ in range(count):
            self._faults.setdefault(method, deque()).append(
                _Fault(
                    status=429,
                    body={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": str(int(retry_after))},
                )
            )

    def hold(self, method: str) -> asyncio.Event:
        """Calls to `method` wait, unanswered, until the returned event is set: a slow Slack."""
        return self._holds.setdefault(method, asyncio.Event())

    def fail_next(self, method: str, error: str = "channel_not_found", count: int = 1) -> None:
        """Answer the next `count` calls to `method` with `{"ok": false, "error": error}`."""
        for _ in range(count):
            self._faults.setdefault(method, deque()).append(
                _Fault(status=200, body={"ok": False, "error": error}, headers={})
            )

    # ------------------------------------------------------------------ issued ids

    def response_url(
        self,
        *,
        team_id: str | None = None,
        channel_id: str = COHORT_CHANNEL_ID,
        user_id: str = MEMBER_ID,
        kind: str = "commands",
        message_ts: str | None = None,
    ) -> str:
        """A fresh response_url: up to 5 posts within 30 minutes, like Slack's."""
        team = team_id or self.team.id
        url = f"{self.base_url}/hooks/{kind}/{team}/{next(self._serial)}/{secrets.token_hex(12)}"
        self.response_urls[url] = ResponseUrl(
            url=url,
            team_id=team,
            channel_id=channel_id,
            user_id=user_id,
            issued_at=self.now(),
            message_ts=message_ts,
        )
        return url

    def trigger_id(self) -> str:
        """A trigger_id that `views.open` accepts once, within 3 seconds."""
        trigger = f"{next(self._serial)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        self._triggers[trigger] = self.now()
        return trigger

    def add_file(
        self,
        name: str,
        data: bytes,
        *,
        mimetype: str | None = None,
        user_id: str = MEMBER_ID,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """A file a member uploaded into a modal's ``file_input``: kept in ``files`` (with
        its bytes under ``content``), downloadable at ``url_private_download`` with a token
        of its team; returns the file object as a submission's ``state`` carries it."""
        team = self.teams[team_id or self.team.id]
        file_id = self._new_id("F")
        created = int(self.now())
        extension = name.rsplit(".", 1)[-1].casefold() if "." in name else "text"
        url = f"{self.base_url}/files-pri/{team.id}-{file_id}"
        info = {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": name,
            "mimetype": mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
            "filetype": extension,
            "pretty_type": extension.upper(),
            "user": user_id,
            "user_team": team.id,
            "editable": False,
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{url}/{name}",
            "url_private_download": f"{url}/download/{name}",
            "permalink": f"https://{team.domain}.slack.com/files/{user_id}/{file_id}/{name}",
            "is_starred": False,
            "channels": [],
            "groups": [],
            "ims": [],
            "comments_count": 0,
            "content": data,
        }
        self.files[file_id] = info
        return {k: v for k, v in info.items() if k != "content"}

    # ------------------------------------------------------------------ payload builders

    def _user(self, team: FakeTeam, user_id: str) -> FakeUser:
        return team.users.get(user_id) or FakeUser(
            id=user_id, team_id=team.id, name=user_id.lower()
        )

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = MEMBER_ID,
        channel_id: str = COHORT_CHANNEL_ID,
        team_id: str | None = None,
    ) -> dict[str, str]:
        """A slash command payload with a live response_url and trigger_id from this fake."""
        team = self.teams[team_id or self.team.id]
        channel = team.channels.get(channel_id)
        return slash_command_form(
            command=command,
            text=text,
            team_id=team.id,
            team_domain=team.domain,
            channel_id=channel_id,
            channel_name=channel.name if channel else "directmessage",
            user_id=user_id,
            user_name=self._user(team, user_id).name,
            api_app_id=self.app_id,
            response_url=self.response_url(team_id=team.id, channel_id=channel_id, user_id=user_id),
            trigger_id=self.trigger_id(),
        )

    def event_callback(
        self, event: Mapping[str, Any], *, team_id: str | None = None, event_id: str | None = None
    ) -> dict[str, Any]:
        """Wrap an inner event in the `event_callback` envelope for this app and team."""
        team = self.teams[team_id or self.team.id]
        return event_callback_body(
            event,
            team_id=team.id,
            api_app_id=self.app_id,
            bot_user_id=team.bot_user_id,
            event_id=event_id,
            event_time=int(self.now()),
        )

    def app_home_opened(
        self, user_id: str = MEMBER_ID, *, tab: str = "home", team_id: str | None = None
    ) -> dict[str, Any]:
        """The `app_home_opened` event Slack sends when a user opens the bot's Home tab."""
        team = self.teams[team_id or self.team.id]
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self._dm_channel(team, user_id)[0],
            "tab": tab,
            "event_ts": self._next_ts(),
        }
        if user_id in self.home_views:
            event["view"] = self.home_views[user_id]
        return self.event_callback(event, team_id=team.id)

    def app_mention(
        self,
        text: str,
        *,
        user_id: str = MEMBER_ID,
        channel_id: str = COHORT_CHANNEL_ID,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """An `app_mention` event (someone wrote `@reachout ...` in a channel)."""
        team = self.teams[team_id or self.team.id]
        ts = self._next_ts()
        event = {
            "type": "app_mention",
            "user": user_id,
            "text": f"<@{team.bot_user_id}> {text}",
            "ts": ts,
            "channel": channel_id,
            "event_ts": ts,
            "team": team.id,
        }
        return self.event_callback(event, team_id=team.id)

    def block_actions(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "actions",
        message: Mapping[str, Any] | None = None,
        user_id: str = MEMBER_ID,
        channel_id: str = COHORT_CHANNEL_ID,
        team_id: str | None = None,
        button: Mapping[str, Any] | None = None,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """A button click on `message` (e.g. one from `fake.messages`); `click` finds the
        button in the message for you."""
        team = self.teams[team_id or self.team.id]
        channel = team.channels.get(channel_id)
        message_ts = str((message or {}).get("ts") or self._next_ts())
        return block_actions_payload(
            action_id=action_id,
            value=value,
            block_id=block_id,
            team_id=team.id,
            team_domain=team.domain,
            user_id=user_id,
            user_name=self._user(team, user_id).name,
            channel_id=channel_id,
            channel_name="directmessage" if channel is None or channel.is_im else channel.name,
            api_app_id=self.app_id,
            response_url=self.response_url(
                team_id=team.id,
                channel_id=channel_id,
                user_id=user_id,
                kind="actions",
                message_ts=None if ephemeral else message_ts,
            ),
            trigger_id=self.trigger_id(),
            message=None if ephemeral else {**(message or {}), "ts": message_ts},
            message_ts=message_ts,
            button=button,
        )

    def click(
        self,
        message: Mapping[str, Any],
        label: str,
        *,
        user_id: str = MEMBER_ID,
        channel_id: str | None = None,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """What Slack sends when `user_id` clicks the button labelled (or with the
        action_id) `label` on `message`: one stored in `messages`, or an ephemeral one (an
        ack or response_url body, in `channel_id`). A button that is not there cannot be
        clicked: that fails the test, naming the buttons that are."""
        found = [
            (block, element)
            for block in message.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements") or []
            if element.get("type") == "button"
        ]
        match = [
            (block, element)
            for block, element in found
            if label in (element.get("action_id"), (element.get("text") or {}).get("text"))
        ]
        if not match:
            shown = [(e.get("text") or {}).get("text") for _, e in found]
            raise AssertionError(f"no button {label!r} on that message; it has {shown}")
        block, element = match[0]
        team = self.teams[team_id or self.team.id]
        stored_in = next(
            (
                channel
                for channel, kept in self.messages.items()
                if message.get("ts") and any(m.get("ts") == message["ts"] for m in kept)
            ),
            None,
        )
        where = channel_id or stored_in
        if where is None:
            raise AssertionError("an ephemeral message: say which channel it was shown in")
        return self.block_actions(
            str(element["action_id"]),
            element.get("value"),
            block_id=str(block.get("block_id") or secrets.token_hex(3)),
            message=message,
            user_id=user_id,
            channel_id=where,
            team_id=team.id,
            button=element,
            ephemeral=stored_in is None,
        )

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Any]],
        *,
        user_id: str = MEMBER_ID,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Submit a modal (e.g. `fake.opened_views[-1]`) with `state.values` filled in."""
        team = self.teams[team_id or self.team.id]
        return view_submission_payload(
            view=view,
            values=values,
            team_id=team.id,
            team_domain=team.domain,
            user_id=user_id,
            user_name=self._user(team, user_id).name,
            api_app_id=self.app_id,
            trigger_id=self.trigger_id(),
        )

    # ------------------------------------------------------------------ waiting

    async def wait_until(
        self, predicate: Callable[[], bool], *, within: float = 3.0, what: str = "condition"
    ) -> None:
        """Wait for work the bot does after its ack (lazy listeners, respond, say)."""
        await self._notifier.wait_until(
            predicate, within, lambda: f"{what}; calls so far: {self.calls.methods()}"
        )

    async def wait_for_call(self, method: str, count: int = 1, within: float = 3.0) -> ApiCall:
        """Wait until `method` has been called (and answered) `count` times; return the last."""
        await self.wait_until(
            lambda: sum(1 for c in self.calls.named(method) if c.status) >= count,
            within=within,
            what=f"{count} answered call(s) to {method}",
        )
        return self.calls.named(method)[count - 1]

    async def wait_for_response_post(self, count: int = 1, within: float = 3.0) -> ResponsePost:
        """Wait until `count` posts reached any response_url; return the `count`-th."""
        await self.wait_until(
            lambda: len(self.response_posts) >= count,
            within=within,
            what=f"{count} response_url post(s)",
        )
        return self.response_posts[count - 1]

    async def socket_send(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> SentEnvelope:
        """Push a Socket Mode envelope to the newest client; `await` the result for its ack."""
        return await self.socket.send(
            envelope_type,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    # ------------------------------------------------------------------ Web API

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, content_type = await self._read_params(request)
        token = _bearer(request.headers.get("Authorization"))
        form_token = params.pop("token", None)
        if token is None and isinstance(form_token, str):
            token = form_token
        call = ApiCall(
            method=method,
            http_method=request.method,
            params=params,
            headers=dict(request.headers),
            token=token,
            content_type=content_type,
            at=self.now(),
        )
        self.calls.append(call)
        held = self._holds.get(method)
        if held is not None:
            await self._notifier.notify()
            await held.wait()
        status, body, headers = await self._answer(call)
        call.status, call.response = status, body
        if self.check_spec:
            self.spec_problems.extend(call_problems(method, call.params, body))
        await self._notifier.notify()
        return web.json_response(body, status=status, headers=headers)

    async def _answer(self, call: ApiCall) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Slack's order: method exists, then auth, then rate limits, then the method."""
        wants_app_token = call.method == "apps.connections.open"
        handler = self._methods.get(call.method)
        if handler is None and not wants_app_token:
            return 200, {"ok": False, "error": "unknown_method", "req_method": call.method}, {}
        if call.token is None:
            return 200, {"ok": False, "error": "not_authed"}, {}
        team = self._tokens.get(call.token)
        is_app_token = call.token in self.app_tokens
        if team is None and not is_app_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if is_app_token != wants_app_token:
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        headers = {"X-OAuth-Scopes": team.scopes} if team is not None else {}
        faults = self._faults.get(call.method)
        if faults:
            fault = faults.popleft()
            return fault.status, fault.body, {**headers, **fault.headers}
        if wants_app_token:
            return 200, {"ok": True, "url": self.socket.issue_url(self.app_id)}, headers
        assert handler is not None  # ruled out above, with team; this narrows for mypy
        assert team is not None
        call.team_id = team.id
        try:
            body = await handler(call, team)
        except SlackApiFailure as failure:
            body = {"ok": False, "error": failure.error, **failure.extra}
        return 200, body, headers

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], str]:
        """Merge the query string with a form or JSON body, as Slack accepts either."""
        params: dict[str, Any] = dict(request.query)
        content_type = request.content_type
        if request.can_read_body:
            if content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form: MultiDict[Any] = MultiDict(await request.post())
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for name in _JSON_PARAMS:
            if name in params:
                params[name] = decode_json_param(params[name])
        return params, content_type

    # ------------------------------------------------------------------ methods

    async def _auth_test(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": team.users[team.bot_user_id].name,
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    async def _users_info(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        user = team.users.get(str(call.params.get("user", "")))
        if user is None:
            raise SlackApiFailure("user_not_found")
        return {"ok": True, "user": user.to_api(self.now())}

    async def _chat_post_message(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        channel = self._postable_channel(team, call.params.get("channel"))
        self._check_message_content(call)
        ts = self._next_ts()
        message = self._bot_message(team, call.params, ts)
        self.messages.setdefault(channel.id, []).append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    async def _chat_post_ephemeral(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        channel = self._postable_channel(team, call.params.get("channel"))
        user_id = str(call.params.get("user", ""))
        if user_id not in team.users:
            raise SlackApiFailure("user_not_found")
        self._check_message_content(call)
        ts = self._next_ts()
        # `user` is who sees it (the bot, its author, is `bot_id`), as Slack's payloads say
        self.ephemerals.append(
            {**self._bot_message(team, call.params, ts), "channel": channel.id, "user": user_id}
        )
        return {"ok": True, "message_ts": ts}

    async def _chat_update(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        channel = self._resolve_channel(team, call.params.get("channel"))
        ts = str(call.params.get("ts", ""))
        stored = next((m for m in self.messages.get(channel.id, []) if m["ts"] == ts), None)
        if stored is None:
            raise SlackApiFailure("message_not_found")
        self._check_message_content(call)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in call.params:
                stored[key] = call.params[key]
        stored["edited"] = {"user": team.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel.id,
            "ts": ts,
            "text": stored.get("text", ""),
            "message": dict(stored),
        }

    async def _views_publish(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        user_id = str(call.params.get("user_id", ""))
        if user_id not in team.users:
            raise SlackApiFailure("user_not_found")
        current = self.home_views.get(user_id)
        wanted_hash = call.params.get("hash")
        if wanted_hash is not None and current is not None and wanted_hash != current["hash"]:
            raise SlackApiFailure("hash_conflict")
        view = self._accept_view(call, team, "home", previous=current)
        self.home_views[user_id] = view
        return {"ok": True, "view": view}

    async def _views_open(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        trigger = str(call.params.get("trigger_id", ""))
        issued = self._triggers.pop(trigger, None)
        if issued is None:
            raise SlackApiFailure("invalid_trigger_id")
        if self.now() - issued > TRIGGER_LIFETIME:
            raise SlackApiFailure("expired_trigger_id")
        view = self._accept_view(call, team, "modal", previous=None)
        self.opened_views.append(view)
        return {"ok": True, "view": view}

    async def _conversations_open(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        existing = call.params.get("channel")
        if existing:
            channel = self._resolve_channel(team, existing)
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
        users = [u for u in str(call.params.get("users", "")).split(",") if u]
        if not users:
            raise SlackApiFailure("users_list_not_supplied")
        for user_id in users:
            if user_id not in team.users:
                raise SlackApiFailure("user_not_found")
        if len(users) > 1:
            group_id = self._new_id("G")
            self.add_channel(group_id, "mpdm-" + "--".join(users), team_id=team.id, is_private=True)
            return {"ok": True, "channel": {"id": group_id}}
        channel_id, already_open = self._dm_channel(team, users[0])
        channel_obj: dict[str, Any] = {"id": channel_id}
        if str(call.params.get("return_im", "")).lower() in ("1", "true"):
            channel_obj.update(
                {
                    "created": int(self.now()),
                    "is_im": True,
                    "is_org_shared": False,
                    "user": users[0],
                    "is_user_deleted": False,
                    "priority": 0,
                }
            )
        return {
            "ok": True,
            "no_op": already_open,
            "already_open": already_open,
            "channel": channel_obj,
        }

    async def _files_get_upload_url(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        filename = call.params.get("filename")
        length = str(call.params.get("length", ""))
        if not filename or not length.isdigit():
            raise SlackApiFailure("invalid_arguments")
        file_id = self._new_id("F")
        upload = _Upload(
            file_id=file_id,
            team_id=team.id,
            filename=str(filename),
            length=int(length),
            secret=secrets.token_hex(12),
            alt_txt=call.params.get("alt_txt"),
        )
        self._uploads[file_id] = upload
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/v1/{file_id}/{upload.secret}",
            "file_id": file_id,
        }

    async def _files_complete_upload(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        entries = call.params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackApiFailure("invalid_arguments")
        uploads = []
        for entry in entries:
            upload = self._uploads.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if upload is None or upload.team_id != team.id or upload.data is None:
                raise SlackApiFailure("file_not_found")
            uploads.append((upload, entry))
        channel_ids: list[str] = []
        if call.params.get("channel_id"):
            channel_ids.append(self._postable_channel(team, call.params["channel_id"]).id)
        for channel in str(call.params.get("channels") or "").split(","):
            if channel:
                channel_ids.append(self._postable_channel(team, channel).id)
        files = []
        for upload, entry in uploads:
            created = int(self.now())
            info = {
                "id": upload.file_id,
                "created": created,
                "timestamp": created,
                "name": upload.filename,
                "title": entry.get("title") or upload.filename,
                "mimetype": mimetypes.guess_type(upload.filename)[0] or "text/plain",
                "filetype": upload.filename.rsplit(".", 1)[-1]
                if "." in upload.filename
                else "text",
                "alt_txt": upload.alt_txt,
                "user": team.bot_user_id,
                "user_team": team.id,
                "size": len(upload.data or b""),
                "is_external": False,
                "channels": channel_ids,
                "content": upload.data,
            }
            self.files[upload.file_id] = info
            del self._uploads[upload.file_id]
            files.append({k: v for k, v in info.items() if k != "content"})
        for channel_id in channel_ids:
            message = self._bot_message(
                team, {"text": call.params.get("initial_comment", "")}, self._next_ts()
            )
            message["files"] = files
            self.messages.setdefault(channel_id, []).append(message)
        return {"ok": True, "files": files}

    async def _files_info(self, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
        if "files:read" not in team.scopes.split(","):
            raise SlackApiFailure("missing_scope", needed="files:read", provided=team.scopes)
        info = self.files.get(str(call.params.get("file", "")))
        if info is None or info["user_team"] != team.id:
            raise SlackApiFailure("file_not_found")
        return {
            "ok": True,
            "file": {k: v for k, v in info.items() if k != "content"},
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    # ------------------------------------------------------------------ helpers

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):09d}"

    def _next_ts(self) -> str:
        """Message timestamps are unique and increasing, as Slack's are within a channel."""
        ts = max(self.now(), self._last_ts + 0.000001)
        self._last_ts = ts
        return f"{ts:.6f}"

    def _dm_channel(self, team: FakeTeam, user_id: str) -> tuple[str, bool]:
        """The bot's DM with `user_id`, and whether it already existed."""
        key = (team.id, user_id)
        if key in self._dms:
            return self._dms[key], True
        channel_id = self._new_id("D")
        self._dms[key] = channel_id
        team.channels[channel_id] = FakeChannel(
            id=channel_id, team_id=team.id, name=user_id, is_im=True, user=user_id
        )
        return channel_id, False

    def _resolve_channel(self, team: FakeTeam, value: Any) -> FakeChannel:
        """A channel by id, `#name`, or a user id (the bot's DM with that user)."""
        key = str(value or "")
        if key in team.channels:
            return team.channels[key]
        if key.startswith("#"):
            for channel in team.channels.values():
                if channel.name == key[1:]:
                    return channel
        if key in team.users:
            return team.channels[self._dm_channel(team, key)[0]]
        raise SlackApiFailure("channel_not_found")

    def _postable_channel(self, team: FakeTeam, value: Any) -> FakeChannel:
        channel = self._resolve_channel(team, value)
        if not channel.is_im and not channel.bot_is_member:
            raise SlackApiFailure("not_in_channel")
        return channel

    def _check_message_content(self, call: ApiCall) -> None:
        """Slack's content rules: something to show, text within 40k, blocks that render."""
        params = call.params
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackApiFailure("no_text")
        if len(str(params.get("text") or "")) > 40000:
            raise SlackApiFailure("msg_too_long")
        if params.get("blocks") is not None:
            problems = validate_blocks(params["blocks"])
            self._record_block_problems(call.method, problems)
            if problems and self.reject_invalid_blocks:
                raise SlackApiFailure("invalid_blocks", errors=problems)

    def _record_block_problems(self, where: str, problems: list[str]) -> None:
        self.block_errors.extend(f"{where}: {problem}" for problem in problems)

    def _bot_message(self, team: FakeTeam, params: Mapping[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "team": team.id,
            "text": str(params.get("text") or ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _accept_view(
        self, call: ApiCall, team: FakeTeam, view_type: str, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Validate a view like Slack (`invalid_arguments`) and return the stored view object."""
        submitted = call.params.get("view")
        problems = validate_view(submitted, expected_type=view_type)
        self._record_block_problems(call.method, problems)
        if problems and (self.reject_invalid_blocks or not isinstance(submitted, dict)):
            raise SlackApiFailure(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        assert isinstance(submitted, dict)
        view_id = previous["id"] if previous else self._new_id("V")
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": team.id,
            "type": view_type,
            "blocks": submitted.get("blocks", []),
            "private_metadata": submitted.get("private_metadata", ""),
            "callback_id": submitted.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self.now())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(submitted.get("clear_on_close", False)),
            "notify_on_close": bool(submitted.get("notify_on_close", False)),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "external_id": submitted.get("external_id", ""),
            "app_installed_team_id": team.id,
            "bot_id": team.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in submitted:
                view[key] = submitted[key]
        return view

    # ------------------------------------------------------------------ response_url

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        url = f"{self.base_url}{request.path}"
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        status, error = self._judge_response_post(url, body)
        self.response_posts.append(
            ResponsePost(url=url, body=body, at=self.now(), status=status, error=error)
        )
        await self._notifier.notify()
        if error is not None:
            return web.json_response({"ok": False, "error": error}, status=status)
        return web.json_response({"ok": True})

    def _judge_response_post(self, url: str, body: Any) -> tuple[int, str | None]:
        """Slack's response_url rules: known, fresh, at most five uses, renderable."""
        issued = self.response_urls.get(url)
        if issued is None:
            return 404, "no_service"
        if self.now() - issued.issued_at > RESPONSE_URL_LIFETIME:
            return 404, "expired_url"
        if issued.used >= RESPONSE_URL_MAX_POSTS:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        if not body.get("delete_original") and not any(
            body.get(k) for k in ("text", "blocks", "attachments")
        ):
            return 400, "no_text"
        if body.get("blocks") is not None:
            problems = validate_blocks(body["blocks"])
            self._record_block_problems("response_url", problems)
            if problems and self.reject_invalid_blocks:
                return 400, "invalid_blocks"
        issued.used += 1
        if body.get("replace_original") and issued.message_ts is not None:
            self._replace(issued, body)
        elif body.get("response_type") == "in_channel":
            team = self.teams[issued.team_id]
            message = self._bot_message(team, body, self._next_ts())
            self.messages.setdefault(issued.channel_id, []).append(message)
        return 200, None

    def _replace(self, issued: ResponseUrl, body: Mapping[str, Any]) -> None:
        """`replace_original` from a click on a stored message: it is edited in place."""
        kept = self.messages.get(issued.channel_id, [])
        stored = next((m for m in kept if m["ts"] == issued.message_ts), None)
        if stored is not None:
            for key in ("text", "blocks", "attachments"):
                if key in body:
                    stored[key] = body[key]
            stored["edited"] = {
                "user": self.teams[issued.team_id].bot_user_id,
                "ts": self._next_ts(),
            }

    # ------------------------------------------------------------------ uploads

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL step of `files_upload_v2`: raw bytes in, `OK - <size>` out."""
        upload = self._uploads.get(request.match_info["file_id"])
        if upload is None or upload.secret != request.match_info["secret"]:
            return web.Response(status=404, text="file_not_found", content_type="text/plain")
        data = await request.read()
        if len(data) != upload.length:
            return web.Response(status=400, text="length_mismatch", content_type="text/plain")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _handle_download(self, request: web.Request) -> web.Response:
        """``url_private_download``: the bytes, for a bot token of the file's team only
        (Slack answers anyone else with its sign-in page, never the file; here a 403)."""
        team_id, _, file_id = request.match_info["team_file"].partition("-")
        self.file_downloads.append(file_id)
        token = _bearer(request.headers.get("Authorization"))
        team = self._tokens.get(token or "")
        info = self.files.get(file_id)
        if team is None or team.id != team_id:
            return web.Response(status=403, text="sign in first", content_type="text/html")
        if info is None or info["user_team"] != team_id:
            return web.Response(status=404, text="file_not_found", content_type="text/plain")
        return web.Response(body=info["content"], content_type=info["mimetype"])


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None
