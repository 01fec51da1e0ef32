"""The Slack app manifest, generated from the command registry: paste it, install, done.

Scopes are the least the adapter uses: ``commands`` (slash commands), ``chat:write`` (channel
posts and DMs), ``im:write`` (``conversations.open`` for DMs), ``users:read`` (``users.info``
for admins and time zones), ``files:write`` (the kickoff's chart; exports, reports and
charts sent by DM) and ``files:read`` (the file a member uploads in the ``/targets import``
form).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from adapters.slack.config import EVENTS_PATH
from bot.commands.registry import Command, Registry
from bot.config import ConfigError

Value = str | int | bool | None | Mapping[str, "Value"] | Sequence["Value"]
FORMATS = ("yaml", "json")

APP_NAME = "reachout"
DESCRIPTION = "Log informational-interview outreach in five seconds; keep going together."
LONG_DESCRIPTION = (
    "reachout helps a cohort of grad students, postdocs and PhDs keep at informational-"
    "interview outreach. Log an email with /sent, get a nudge when a follow-up is due, see "
    "your week and streak in the App Home, and see that your peers are writing too. "
    "Contacts stay private to the member who logged them; nobody is named for falling behind."
)
BACKGROUND_COLOR = "#2f5d50"
BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "files:write", "files:read")
BOT_EVENTS = ("app_home_opened",)


def events_url(base: str) -> str:
    """Where Slack sends everything in HTTP mode: ``https://host[/prefix]/slack/events``."""
    parts = urlsplit(base.strip())
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "--http",
            f"{base[:100]!r} is not an https:// URL; Slack sends requests only to public "
            "https addresses, e.g. --http https://reachout.example.org",
        )
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return f"https://{parts.netloc}{path}"


def usage_hint(command: Command) -> str | None:
    """What follows the command name in ``/help``'s usage line, e.g. ``[contact] [org:text]``."""
    return command.usage.removeprefix(f"/{command.path}").strip() or None


def slash_command(command: Command, url: str | None) -> dict[str, Value]:
    entry: dict[str, Value] = {"command": f"/{command.name}"}
    if url is not None:
        entry["url"] = url
    entry["description"] = command.description
    hint = usage_hint(command)
    if hint is not None:
        entry["usage_hint"] = hint
    entry["should_escape"] = True
    return entry


def build_manifest(registry: Registry, http_url: str | None = None) -> dict[str, Value]:
    """The manifest as data: Socket Mode unless an HTTPS base URL is given."""
    url = events_url(http_url) if http_url is not None else None
    events: dict[str, Value] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Value] = {"is_enabled": True}
    if url is not None:
        events = {"request_url": url, **events}
        interactivity["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": DESCRIPTION,
            "background_color": BACKGROUND_COLOR,
            "long_description": LONG_DESCRIPTION,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [slash_command(c, url) for c in registry],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": url is None,
            "token_rotation_enabled": False,
        },
    }


def manifest_text(registry: Registry, http_url: str | None = None, fmt: str = "yaml") -> str:
    """``reachout slack manifest``: YAML (with a header saying how to use it) or JSON.

    Slack's "From a manifest" dialog takes either; JSON suits scripts and the App Manifest API.
    """
    manifest = build_manifest(registry, http_url)
    if fmt == "json":
        return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    mode = f"HTTP mode, requests to {events_url(http_url)}" if http_url else "Socket Mode"
    header = (
        f"# reachout's Slack app manifest ({mode}).\n"
        "# Create the app at https://api.slack.com/apps > Create New App > From a manifest.\n"
    )
    return header + _yaml(manifest)


def _yaml(manifest: dict[str, Value]) -> str:
    """Block style with lists indented under their key, as Slack's own examples show them.

    PyYAML is imported here, when a manifest is printed, so a running bot never loads it.
    """
    import yaml

    class IndentedDumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    return yaml.dump(
        manifest,
        Dumper=IndentedDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,  # never fold a long description across lines
    )
