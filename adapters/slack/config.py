"""Slack's settings, checked before anything connects, each problem named in one line.

The core knows only that settings named ``*_TOKEN`` or ``*_SECRET`` are secrets; which ones
Slack needs, and what the API base URL, HTTP host and port mean, only this adapter knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bot.config import ConfigError, Secret, Settings

SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_BASE_URL",
    "REACHOUT_HTTP_HOST",
    "REACHOUT_HTTP_PORT",
)
"""Every setting this adapter reads, for the warning about unknown ones."""
CREDENTIALS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
"""The settings any of which means Slack is meant to run."""

DEFAULT_API_BASE_URL = "https://slack.com/api/"
DEFAULT_HTTP_HOST = "127.0.0.1"
DEFAULT_HTTP_PORT = 3000
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class Mode(StrEnum):
    """How Slack reaches the bot: an outgoing WebSocket, or requests to our HTTP server."""

    SOCKET = "socket"
    HTTP = "http"


@dataclass(frozen=True)
class SlackConfig:
    """Everything the Slack adapter needs to start."""

    bot_token: Secret
    mode: Mode
    app_token: Secret | None
    signing_secret: Secret | None
    api_base_url: str = DEFAULT_API_BASE_URL
    http_host: str = DEFAULT_HTTP_HOST
    http_port: int = DEFAULT_HTTP_PORT


def load_config(settings: Settings) -> SlackConfig:
    """Validate the Slack settings; raises ``ConfigError`` naming the first bad one.

    Socket Mode wins when both an app token and a signing secret are set: it needs no
    public URL, so it is the safer default for self-hosting.
    """
    bot_token = settings.secret("SLACK_BOT_TOKEN")
    app_token = settings.secret("SLACK_APP_TOKEN")
    signing_secret = settings.secret("SLACK_SIGNING_SECRET")
    if bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "not set. Slack needs the bot token (xoxb-…, from OAuth & Permissions) as well as "
            "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)",
        )
    if not bot_token.value.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "should start with xoxb- (the Bot User OAuth Token from OAuth & Permissions)",
        )
    if app_token is None and signing_secret is None:
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "not set. Set it (xapp-…) for Socket Mode, or set SLACK_SIGNING_SECRET for HTTP mode",
        )
    if app_token is not None and not app_token.value.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "should start with xapp- (an app-level token with connections:write, from "
            "Basic Information)",
        )
    values = settings.values
    return SlackConfig(
        bot_token=bot_token,
        mode=Mode.SOCKET if app_token is not None else Mode.HTTP,
        app_token=app_token,
        signing_secret=signing_secret,
        api_base_url=_api_base_url(values.get("SLACK_API_BASE_URL")),
        http_host=values.get("REACHOUT_HTTP_HOST", DEFAULT_HTTP_HOST),
        http_port=_port(values.get("REACHOUT_HTTP_PORT")),
    )


def _api_base_url(raw: str | None) -> str:
    if raw is None:
        return DEFAULT_API_BASE_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            "SLACK_API_BASE_URL",
            f"{raw[:100]!r} is not an http(s) URL; use one like {DEFAULT_API_BASE_URL}",
        )
    return raw if raw.endswith("/") else raw + "/"


def _port(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_HTTP_PORT
    if not raw.isdigit() or int(raw) > 65535:
        raise ConfigError(
            "REACHOUT_HTTP_PORT", f"{raw[:20]!r} is not a port number; use one from 1 to 65535"
        )
    return int(raw)
