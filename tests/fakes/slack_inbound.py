"""What Slack sends *to* a bot: payload builders and correctly signed HTTP delivery.

The builders produce the exact shapes Slack delivers (form-encoded slash commands,
`event_callback` JSON, `payload=` interactivity forms) so the same dict can go over HTTP
with `SlackSender` or over Socket Mode with `FakeSlack.socket_send`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDictProxy

VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack, still sent in payloads
STALE_AFTER_SECONDS = 5 * 60
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- payloads


def slash_command_form(
    *,
    command: str,
    text: str,
    team_id: str,
    team_domain: str,
    channel_id: str,
    channel_name: str,
    user_id: str,
    user_name: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The form fields of a slash command, every value a string as Slack sends them."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def event_callback_body(
    event: Mapping[str, Any],
    *,
    team_id: str,
    api_app_id: str,
    bot_user_id: str,
    event_id: str | None = None,
    event_time: int | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API delivery; `event_id` is what a bot dedupes retries on."""
    return {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(16),
    }


def _user_ref(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def block_actions_payload(
    *,
    action_id: str,
    value: str | None,
    block_id: str,
    team_id: str,
    team_domain: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
    message: Mapping[str, Any] | None = None,
    action_type: str = "button",
    message_ts: str | None = None,
    button: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A button click (or other block action) on a message the bot posted. Without a
    `message` the click is on an ephemeral one, which Slack does not echo back."""
    message_ts = message_ts or str((message or {}).get("ts") or new_ts())
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": new_ts(),
    }
    if value is not None:
        action["value"] = value
    if action_type == "button":
        shown = (button or {}).get("text") or {"type": "plain_text", "text": action_id}
        action["text"] = {"emoji": True, **shown}
        if (button or {}).get("style"):
            action["style"] = button["style"]  # type: ignore[index]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_ref(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": message is None,
        },
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is not None:
        payload["message"] = dict(message)
    return payload


def view_submission_payload(
    *,
    view: Mapping[str, Any],
    values: Mapping[str, Mapping[str, Any]],
    team_id: str,
    team_domain: str,
    user_id: str,
    user_name: str,
    api_app_id: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A modal's Submit: the view as Slack stored it, with the user's input in `state`."""
    submitted = dict(view)
    submitted["state"] = {"values": {k: dict(v) for k, v in values.items()}}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": _user_ref(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def new_ts(now: float | None = None) -> str:
    """A Slack-style timestamp string (`seconds.micros`)."""
    return f"{now if now is not None else time.time():.6f}"


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Delivery:
    """The bot's answer to one request: what Slack would have seen, and how fast."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    """Delivers signed requests to a bot's HTTP endpoint the way Slack's servers do.

    Use as `async with SlackSender(base_url, signing_secret) as slack:`; it owns one
    aiohttp session. Every send method takes `bad_signature`, `stale` (a correctly signed
    request older than Slack's five-minute window), `unsigned`, `timestamp` and `path`.
    """

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.path = path
        self.clock = clock
        self.deliveries: list[Delivery] = []
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackSender:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def slash_command(self, form: Mapping[str, str], **options: Any) -> Delivery:
        """POST a slash command as `application/x-www-form-urlencoded`."""
        body = urlencode(dict(form)).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **options)

    async def event(
        self,
        body: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **options: Any,
    ) -> Delivery:
        """POST an Events API body; `retry_num`/`retry_reason` mimic Slack's redeliveries."""
        headers: dict[str, str] = dict(options.pop("headers", None) or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        raw = json.dumps(body).encode()
        return await self.post(raw, "application/json", headers=headers, **options)

    async def url_verification(self, challenge: str | None = None, **options: Any) -> Delivery:
        """POST the challenge Slack sends when a Request URL is saved."""
        body = {
            "token": VERIFICATION_TOKEN,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return await self.post(json.dumps(body).encode(), "application/json", **options)

    async def interactive(self, payload: Mapping[str, Any], **options: Any) -> Delivery:
        """POST a `block_actions`/`view_submission` payload as the `payload=` form field."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **options)

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        path: str | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        unsigned: bool = False,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        """Sign and POST raw bytes; the low-level path every other method uses."""
        if self._session is None:
            raise RuntimeError("use SlackSender as an async context manager")
        if timestamp is None:
            timestamp = int(self.clock())
            if stale:
                timestamp -= STALE_AFTER_SECONDS + 60
        ts = str(timestamp)
        secret = self.signing_secret + "-wrong" if bad_signature else self.signing_secret
        request_headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT}
        if not unsigned:
            request_headers["X-Slack-Request-Timestamp"] = ts
            request_headers["X-Slack-Signature"] = sign(secret, ts, body)
        request_headers.update(headers or {})
        url = self.base_url + (path if path is not None else self.path)
        started = time.monotonic()
        async with self._session.post(url, data=body, headers=request_headers) as response:
            raw = await response.read()
            delivery = Delivery(
                status=response.status,
                headers=response.headers,
                body=raw,
                elapsed=time.monotonic() - started,
            )
        self.deliveries.append(delivery)
        return delivery
