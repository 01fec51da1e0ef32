"""A realistic fake of Discord (REST API v10 + gateway) for testing with the real discord.py.

Why a fake and not mocks: the adapter's correctness depends on what discord.py actually puts on
the wire (routes, JSON bodies, the 3-second interaction deadline, 429 handling), so tests run
the real library against this server over loopback. Everything the bot sends is recorded, kept
as state (messages per channel, registered commands) and checked against Discord's own OpenAPI
document, so a test can assert both behaviour and shape.

Typical use::

    async with FakeDiscord() as fake, running_client(client, fake):
        await client.tree.sync()
        interaction = await fake.send_interaction("ping")
        reply = await interaction.first_response()
        assert reply.ephemeral and fake.schema_errors == []

``point_discord_py_at(fake)`` (used by ``running_client``) sets discord.py's two global URLs,
``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import functools
import hashlib
import json
import math
import mimetypes
import os
import re
import secrets
import struct
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import jsonschema  # type: ignore[import-untyped]  # no stubs in the venv
import yarl
from aiohttp import web

from tests.fakes.discord_gateway import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    GatewayServer,
    GatewaySession,
)

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "InteractionCallback",
    "OpenAPIIndex",
    "Permission",
    "RecordedRequest",
    "SchemaViolation",
    "UploadedFile",
    "load_discord_openapi",
    "openapi_index",
    "point_discord_py_at",
    "running_client",
]

API_VERSION = 10
FAKE_TOKEN = "fake-bot-token.reachout.test"
DISCORD_EPOCH_MS = 1_420_070_400_000
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7
NONCE_MEMORY = 300.0
"""Seconds Discord remembers an enforced nonce ("a few minutes")."""

# Interaction callback types (Discord's InteractionCallbackType).
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9
CALLBACK_LAUNCH_ACTIVITY = 12

# Interaction types (Discord's InteractionType).
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    INTERACTION_COMMAND: frozenset(
        {
            CALLBACK_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_MODAL,
            CALLBACK_LAUNCH_ACTIVITY,
        }
    ),
    INTERACTION_COMPONENT: frozenset(
        {
            CALLBACK_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_UPDATE,
            CALLBACK_UPDATE_MESSAGE,
            CALLBACK_MODAL,
        }
    ),
    INTERACTION_AUTOCOMPLETE: frozenset({CALLBACK_AUTOCOMPLETE}),
    INTERACTION_MODAL_SUBMIT: frozenset(
        {
            CALLBACK_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_UPDATE,
            CALLBACK_UPDATE_MESSAGE,
        }
    ),
}
"""The initial responses Discord accepts for each kind of interaction (6 and 7 only where
there is a message to update: a component's, or the one a modal was opened from)."""

# Message component types.
COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
COMPONENT_TEXT_INPUT = 4
COMPONENT_LABEL = 18
BUTTON_STYLE_LINK = 5

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11


class Permission(enum.IntFlag):
    """Discord permission bits the fake reasons about (the full list is longer)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49


# Every bit Discord has defined up to API v10 (owners and administrators have them all).
ALL_PERMISSIONS = (1 << 51) - 1

# What @everyone gets in a server created today. MENTION_EVERYONE is in it, which is exactly
# why a bot must restrict allowed_mentions itself: by default it *can* ping everyone.
DEFAULT_EVERYONE_PERMISSIONS = int(
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.STREAM
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.MENTION_EVERYONE
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.USE_VAD
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.CREATE_PRIVATE_THREADS
    | Permission.USE_EXTERNAL_STICKERS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.SEND_VOICE_MESSAGES
    | Permission.SEND_POLLS
)

# The bot's own managed role: the least a command-and-reminder bot needs.
DEFAULT_BOT_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_APPLICATION_COMMANDS
)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _snowflake_time_iso(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


class _Snowflakes:
    """Time-based, strictly increasing ids, so discord.py's ``created_at`` is meaningful."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


# --------------------------------------------------------------------------------------------
# The world: users, guilds, roles, channels, members.
# --------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    """A Discord user. ``accepts_dms=False`` models a user who closed DMs (error 50007)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    accepts_dms: bool = True
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        """The ``<@id>`` form a message uses to mention this user."""
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The public user object (Discord's UserResponse)."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "avatar": None,
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "global_name": self.global_name,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def private_payload(self) -> dict[str, Any]:
        """The user as ``GET /users/@me`` shows it to its own token (UserPIIResponse)."""
        return {
            **self.payload(),
            "mfa_enabled": False,
            "locale": self.locale,
            "premium_type": 0,
            "email": None,
            "verified": True,
            "bio": "",
        }


@dataclass
class FakeRole:
    """A guild role; the role whose id equals the guild id is @everyone."""

    id: int
    name: str
    permissions: int
    position: int = 0
    mentionable: bool = False
    managed_by_bot: int | None = None

    @property
    def mention(self) -> str:
        """The ``<@&id>`` form a message uses to mention this role."""
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        """Discord's GuildRoleResponse."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed_by_bot is not None,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.managed_by_bot is not None:
            data["tags"] = {"bot_id": str(self.managed_by_bot)}
        return data


@dataclass
class FakeChannel:
    """A guild text channel (type 0) or a DM channel (type 1); keeps the messages sent to it."""

    id: int
    name: str | None
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    recipient: FakeUser | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_dm(self) -> bool:
        """Whether this is a one-to-one DM with the bot."""
        return self.type == 1

    @property
    def mention(self) -> str:
        """The ``<#id>`` form a message uses to link this channel."""
        return f"<#{self.id}>"

    @property
    def last_message_id(self) -> str | None:
        """The newest message's id, as Discord reports it on the channel."""
        return self.messages[-1]["id"] if self.messages else None

    def payload(self) -> dict[str, Any]:
        """Discord's GuildChannelResponse or PrivateChannelResponse."""
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": self.last_message_id,
                "flags": 0,
                "recipients": [self.recipient.payload()],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": self.last_message_id,
            "flags": 0,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "topic": self.topic,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
        }


@dataclass
class FakeMember:
    """A user's membership in a guild: roles and nickname."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_now_iso)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """Discord's GuildMemberResponse (``with_user=False`` for ``resolved.members``)."""
        data: dict[str, Any] = {
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "flags": 0,
            "joined_at": self.joined_at,
            "nick": self.nick,
            "pending": False,
            "premium_since": None,
            "roles": [str(r) for r in self.roles],
            "mute": False,
            "deaf": False,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    """A guild (server) with its roles, channels and members.

    Build the world before the client connects: later changes are served over REST but not
    announced on the gateway (no GUILD_MEMBER_ADD and the like).
    """

    id: int
    name: str
    owner_id: int
    _world: FakeDiscord = field(repr=False)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    joined_at: str = field(default_factory=_now_iso)

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role, whose id is the guild's id."""
        return self.roles[self.id]

    def add_role(self, name: str, permissions: int = 0, *, mentionable: bool = False) -> FakeRole:
        """Create a role above the existing ones."""
        role = FakeRole(
            id=self._world.ids.next(),
            name=name,
            permissions=int(permissions),
            position=len(self.roles),
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        return role

    def add_text_channel(self, name: str, *, topic: str | None = None) -> FakeChannel:
        """Create a text channel and make it reachable through ``/channels/{id}``."""
        channel = FakeChannel(
            id=self._world.ids.next(),
            name=name,
            type=0,
            guild_id=self.id,
            position=len(self.channels),
            topic=topic,
        )
        self.channels.append(channel)
        self._world.channels[channel.id] = channel
        return channel

    def add_member(
        self, user: FakeUser, *, roles: Sequence[FakeRole] = (), nick: str | None = None
    ) -> FakeMember:
        """Make ``user`` a member with ``roles`` (@everyone is implicit, as on Discord)."""
        member = FakeMember(user=user, roles=[r.id for r in roles], nick=nick)
        self.members[user.id] = member
        return member

    def permissions_for(self, user_id: int) -> int:
        """Guild-level permissions: owner and Administrator get everything (no overwrites)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        value = self.everyone.permissions
        if member is not None:
            for role_id in member.roles:
                role = self.roles.get(role_id)
                if role is not None:
                    value |= role.permissions
        if value & Permission.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return value

    def payload(self, *, with_counts: bool = False) -> dict[str, Any]:
        """Discord's GuildResponse (``GET /guilds/{id}``)."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "features": [],
            "banner": None,
            "owner_id": str(self.owner_id),
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": str(self.channels[0].id) if self.channels else None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.payload() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "default_message_notifications": 0,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
        }
        if with_counts:
            data["approximate_member_count"] = len(self.members)
            data["approximate_presence_count"] = 0
        return data

    def gateway_payload(self, *, bot_id: int, intents: int) -> dict[str, Any]:
        """GUILD_CREATE: the guild plus the gateway-only fields.

        Without the privileged GUILD_MEMBERS intent Discord sends only the bot's own member
        (``member_count`` still counts everyone), so code must not expect a full member list.
        """
        if intents & INTENT_GUILD_MEMBERS:
            members = list(self.members.values())
        else:
            members = [m for m in self.members.values() if m.user.id == bot_id]
        return {
            **self.payload(),
            "joined_at": self.joined_at,
            "large": len(self.members) > 250,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in self.channels],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "version": int(time.time() * 1000),
        }


# --------------------------------------------------------------------------------------------
# Records: requests, schema violations, faults, interaction callbacks.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request (``files[n]``), with its bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request as the fake received it, and the status and JSON it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    received_at: float
    route: str | None = None
    status: int = 0
    response: Any = None
    files: list[str] = field(default_factory=list)
    uploads: dict[str, UploadedFile] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class SchemaViolation:
    """A request body that does not match Discord's OpenAPI request schema or API rules."""

    method: str
    path: str
    operation: str
    message: str
    location: str
    source: str = "openapi"  # "openapi" (the spec) or "discord-rules" (checks Discord makes)


@dataclass
class Fault:
    """An injected answer for the next ``remaining`` requests matching method and path."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    remaining: int
    hits: list[RecordedRequest] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request should get this fault's answer."""
        return (
            self.remaining > 0
            and self.method in ("*", method)
            and self.pattern.fullmatch(path) is not None
        )


@dataclass(frozen=True)
class InteractionCallback:
    """A ``POST /interactions/{id}/{token}/callback`` as recorded, with its timing."""

    type: int
    data: dict[str, Any] | None
    body: dict[str, Any]
    received_at: float
    elapsed: float
    status: int

    @property
    def accepted(self) -> bool:
        """False if Discord would have refused it (too late, or a second response)."""
        return self.status < 300

    @property
    def ephemeral(self) -> bool:
        """Whether the response asks for an ephemeral message (flag 64)."""
        return bool(int((self.data or {}).get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)

    @property
    def content(self) -> str | None:
        """The message text of a type 4 response."""
        return (self.data or {}).get("content")


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched, and everything the bot did in answer to it."""

    id: int
    token: str
    payload: dict[str, Any]
    channel: FakeChannel
    user: FakeUser
    dispatched_at: float
    _world: FakeDiscord = field(repr=False)
    callbacks: list[InteractionCallback] = field(default_factory=list)
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    trigger: FakeInteraction | None = None
    """For a modal submit: the interaction the modal was opened in answer to."""
    source_message_id: str | None = None
    """The message whose button was pressed (or the modal was opened from), if any: what
    responses 6 and 7 and edits of ``@original`` change."""

    @property
    def kind(self) -> int:
        """The interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit."""
        return int(self.payload["type"])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened in answer (a type 9 response's data), if it did."""
        callback = self.callback
        if callback is None or callback.type != CALLBACK_MODAL:
            return None
        return callback.data

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """The autocomplete choices the bot answered (a type 8 response), if it did."""
        callback = self.callback
        if callback is None or callback.type != CALLBACK_AUTOCOMPLETE:
            return None
        return list((callback.data or {}).get("choices") or [])

    @property
    def callback(self) -> InteractionCallback | None:
        """The accepted initial response, if any."""
        return next((c for c in self.callbacks if c.accepted), None)

    async def first_response(self) -> InteractionCallback:
        """Wait for the bot's first callback attempt (accepted or not) and return it."""
        await self._world.wait_for(lambda: bool(self.callbacks))
        return self.callbacks[0]

    async def followup(self, index: int = 0) -> dict[str, Any]:
        """Wait until at least ``index + 1`` follow-up messages exist and return that one."""
        await self._world.wait_for(lambda: len(self.followups) > index)
        return self.followups[index]

    async def original_when(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Wait until the original response message satisfies ``predicate`` (e.g. edited)."""
        await self._world.wait_for(lambda: self.original is not None and predicate(self.original))
        assert self.original is not None
        return self.original

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response (if a message) followed by the follow-ups, current versions."""
        return ([self.original] if self.original else []) + self.followups


# --------------------------------------------------------------------------------------------
# Discord's OpenAPI document: request-body validation.
# --------------------------------------------------------------------------------------------

_SPEC_ENV = "REACHOUT_DISCORD_OPENAPI"
_DEFAULT_SPEC = Path(__file__).resolve().parents[1] / "specs" / "discord-openapi.json"

# Places where the spec disagrees with Discord's documentation (which Discord says wins) and
# with what discord.py sends; each is patched in the loaded copy, with the reason.
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
_SNOWFLAKE_STRING = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"}
SPEC_ERRATA: tuple[tuple[str, str, Any], ...] = (
    (
        # Docs: "Message contents (up to 2000 characters)"; 4000 is a Nitro user's limit.
        "/components/schemas/MessageCreateRequest/properties/content/maxLength",
        "a bot's message content is limited to 2000 characters",
        2000,
    ),
    (
        "/components/schemas/MessageEditRequestPartial/properties/content/maxLength",
        "a bot's message content is limited to 2000 characters",
        2000,
    ),
    (
        # Docs: snowflakes are *returned* as strings; requests may send integers, and
        # discord.py does (e.g. {"recipient_id": 123} for a DM channel).
        "/components/schemas/SnowflakeType",
        "requests may carry snowflakes as integers",
        {"oneOf": [_SNOWFLAKE_STRING, {"type": "integer", "minimum": 0}]},
    ),
    (
        # Docs: default_member_permissions is a "string" bit set; discord.py sends str(value).
        "/components/schemas/ApplicationCommandUpdateRequest/properties/default_member_permissions",
        "docs say a permission bit set string; the spec says integer",
        {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 0}, _DIGITS]},
    ),
    (
        "/components/schemas/ApplicationCommandCreateRequest/properties/default_member_permissions",
        "docs say a permission bit set string; the spec says integer",
        {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 0}, _DIGITS]},
    ),
)


def _pointer_get(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _pointer_set(document: Any, pointer: str, value: Any) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    node = _pointer_get(document, "/" + "/".join(parents)) if parents else document
    node[last.replace("~1", "/").replace("~0", "~")] = value


@functools.cache
def load_discord_openapi(path: str | None = None) -> dict[str, Any]:
    """Load Discord's OpenAPI document once per process, with :data:`SPEC_ERRATA` applied.

    The copy in ``tests/specs`` is used unless ``REACHOUT_DISCORD_OPENAPI`` names another.
    """
    location = Path(path or os.environ.get(_SPEC_ENV) or _DEFAULT_SPEC)
    if not location.is_file():
        raise FileNotFoundError(
            f"Discord OpenAPI document not found at {location}; set {_SPEC_ENV} "
            "or create FakeDiscord(validate=False)"
        )
    document: dict[str, Any] = json.loads(location.read_text(encoding="utf-8"))
    for pointer, _reason, replacement in SPEC_ERRATA:
        _pointer_get(document, pointer)  # fail loudly if the spec moved or renamed it
        _pointer_set(document, pointer, replacement)
    return document


def _template_regex(template: str) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` -> a regex matching concrete paths."""
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts if p
    )
    return re.compile(regex)


class OpenAPIIndex:
    """Finds the OpenAPI operation for a concrete request and validates its JSON body."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        routes = []
        for template, item in document["paths"].items():
            literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            routes.append((-literal, template, _template_regex(template), item))
        routes.sort(key=lambda r: (r[0], r[1]))
        self._routes = [(t, rx, item) for _, t, rx, item in routes]
        self._validators: dict[tuple[str, str], jsonschema.Draft202012Validator | None] = {}

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The spec's (path template, operation object) for a request, if it describes it."""
        for template, regex, item in self._routes:
            if regex.fullmatch(path) and method.lower() in item:
                return template, item[method.lower()]
        return None

    def body_validator(self, method: str, template: str) -> jsonschema.Draft202012Validator | None:
        key = (method, template)
        if key not in self._validators:
            operation = self.document["paths"][template][method.lower()]
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
            self._validators[key] = None if schema is None else self.validator_for(schema)
        return self._validators[key]

    def validator_for(self, schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
        """A 2020-12 validator for a schema taken from the document.

        The document's ``components`` are grafted onto the root so that its
        ``#/components/schemas/...`` references resolve without copying anything.
        """
        root = {**schema, "components": self.document["components"]}
        return jsonschema.Draft202012Validator(root)

    def schema(self, name: str) -> dict[str, Any]:
        """A named component schema, e.g. ``MessageResponse``."""
        schema: dict[str, Any] = self.document["components"]["schemas"][name]
        return schema

    def response_validator(
        self, method: str, path: str, status: int = 200
    ) -> jsonschema.Draft202012Validator | None:
        """A validator for the spec's JSON response schema of an operation (for self-tests)."""
        found = self.operation(method, path)
        if found is None:
            return None
        response = found[1].get("responses", {}).get(str(status))
        if response is None:
            return None
        schema = (response.get("content") or {}).get("application/json", {}).get("schema")
        return None if schema is None else self.validator_for(schema)


@functools.cache
def openapi_index() -> OpenAPIIndex:
    """The process-wide index over Discord's OpenAPI document (it is 1.2 MB: load it once)."""
    return OpenAPIIndex(load_discord_openapi())


def _describe_error(error: jsonschema.ValidationError) -> str:
    """The most specific reason, even inside ``anyOf``/``oneOf`` (which otherwise say little)."""
    best = jsonschema.exceptions.best_match([error]) or error
    return f"{best.json_path}: {best.message}"


# --------------------------------------------------------------------------------------------
# Discord's own rules for application commands (enforced server-side, not in the schema).
# --------------------------------------------------------------------------------------------

_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _command_rule_problems(commands: Sequence[Any]) -> list[str]:
    """Problems Discord answers with 400 Invalid Form Body on a bulk overwrite."""
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    chat_inputs = 0
    for i, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        ctype = int(command.get("type") or 1)
        name = str(command.get("name", ""))
        key = (name, ctype)
        if key in seen:
            problems.append(f"$[{i}].name: APPLICATION_COMMANDS_DUPLICATE_NAME {name!r}")
        seen.add(key)
        if ctype == 1:
            chat_inputs += 1
            problems += _chat_input_name_problems(f"$[{i}]", name, command.get("description"))
            problems += _option_problems(f"$[{i}]", command.get("options") or [], depth=0)
        elif command.get("description"):
            problems.append(f"$[{i}].description: must be empty for user and message commands")
    if chat_inputs > 100:
        problems.append("$: more than 100 chat input commands")
    return problems


def _chat_input_name_problems(where: str, name: str, description: Any) -> list[str]:
    problems = []
    if not _COMMAND_NAME.fullmatch(name) or name != name.lower():
        problems.append(f"{where}.name: {name!r} must be 1-32 lowercase letters, digits, - or _")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        problems.append(f"{where}.description: must be 1-100 characters")
    return problems


def _option_problems(where: str, options: Sequence[Any], depth: int) -> list[str]:
    problems: list[str] = []
    if len(options) > 25:
        problems.append(f"{where}.options: more than 25 options")
    names: set[str] = set()
    seen_optional = False
    kinds = {int(o.get("type", 0)) for o in options if isinstance(o, dict)}
    if kinds & {OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP} and kinds - {
        OPTION_SUB_COMMAND,
        OPTION_SUB_COMMAND_GROUP,
    }:
        problems.append(f"{where}.options: subcommands cannot be mixed with other options")
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = f"{where}.options[{j}]"
        name = str(option.get("name", ""))
        if name in names:
            problems.append(f"{here}.name: duplicate option name {name!r}")
        names.add(name)
        problems += _chat_input_name_problems(here, name, option.get("description"))
        otype = int(option.get("type", 0))
        if otype == OPTION_SUB_COMMAND_GROUP:
            if depth > 0:
                problems.append(f"{here}: subcommand groups cannot be nested")
            if any(
                int(o.get("type", 0)) != OPTION_SUB_COMMAND for o in option.get("options") or []
            ):
                problems.append(f"{here}.options: a group may only contain subcommands")
            problems += _option_problems(here, option.get("options") or [], depth + 1)
        elif otype == OPTION_SUB_COMMAND:
            problems += _option_problems(here, option.get("options") or [], depth + 1)
        else:
            if option.get("required"):
                if seen_optional:
                    problems.append(f"{here}: required options must come before optional ones")
            else:
                seen_optional = True
            if len(option.get("choices") or []) > 25:
                problems.append(f"{here}.choices: more than 25 choices")
            if option.get("autocomplete"):
                if option.get("choices"):
                    problems.append(f"{here}: autocomplete cannot be combined with choices")
                if otype not in (OPTION_STRING, OPTION_INTEGER, OPTION_NUMBER):
                    problems.append(f"{here}: autocomplete is for string and number options")
    return problems


_CONTEXT_KEYS = (
    "guild",
    "guild_id",
    "guild_locale",
    "channel",
    "channel_id",
    "member",
    "user",
    "app_permissions",
    "authorizing_integration_owners",
    "context",
)
"""The fields of an interaction that say where it happened and who acted."""


def _walk_components(components: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Every component of a message or modal, rows and labels opened up."""
    for component in components or []:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _walk_components(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from _walk_components([component["component"]])


def _modal_inputs(components: Sequence[Any]) -> list[dict[str, Any]]:
    """The text inputs of a modal, in order, with a label moved onto its input."""
    inputs = []
    for component in components:
        if component.get("type") == COMPONENT_LABEL and isinstance(
            component.get("component"), dict
        ):
            inner = component["component"]
            if inner.get("type") == COMPONENT_TEXT_INPUT:
                inputs.append({**inner, "label": component.get("label")})
        else:
            inputs += [
                c
                for c in _walk_components(component.get("components") or [])
                if c.get("type") == COMPONENT_TEXT_INPUT
            ]
    return inputs


def _check_typed(custom_id: str, text_input: Mapping[str, Any], value: str) -> None:
    """Refuse what Discord's client would not let a user submit in a text input."""
    if text_input.get("required", True) and not value:
        raise ValueError(f"{custom_id!r} is required")
    low = int(text_input.get("min_length") or 0)
    high = int(text_input.get("max_length") or 4000)
    if value and not low <= len(value) <= high:
        raise ValueError(f"{custom_id!r} must be {low}-{high} characters")


def _leaf_options(registered: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The option definitions of ``/name`` (a subcommand's, for a name with spaces)."""
    definitions: list[dict[str, Any]] = list(registered.get("options") or [])
    for part in name.split()[1:]:
        found = next((o for o in definitions if o["name"] == part), None)
        if found is None:
            raise LookupError(f"/{name}: no subcommand or group {part!r}")
        definitions = list(found.get("options") or [])
    return definitions


def _component_rule_problems(components: Sequence[Any]) -> list[str]:
    """Problems Discord answers with 400 for a message's buttons (not all in the schema):
    at most five rows of at most five, a custom id on every non-link button, each id once."""
    problems: list[str] = []
    rows = [c for c in components or [] if isinstance(c, dict)]
    if len([r for r in rows if r.get("type") == COMPONENT_ACTION_ROW]) > 5:
        problems.append("$.components: more than 5 action rows")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        for j, item in enumerate(row.get("components") or []):
            here = f"$.components[{i}].components[{j}]"
            if item.get("type") != COMPONENT_BUTTON:
                continue
            custom_id = item.get("custom_id")
            if item.get("style") == BUTTON_STYLE_LINK:
                continue
            if not custom_id:
                problems.append(f"{here}.custom_id: a non-link button needs a custom_id")
            elif custom_id in seen:
                problems.append(f"{here}.custom_id: COMPONENT_CUSTOM_ID_DUPLICATED {custom_id!r}")
            else:
                seen.add(custom_id)
            if not item.get("label") and not item.get("emoji"):
                problems.append(f"{here}: a button needs a label or an emoji")
    return problems


def _interaction_metadata(interaction: FakeInteraction) -> dict[str, Any]:
    """A message's ``interaction_metadata``: which interaction made it, by whom, from what."""
    metadata: dict[str, Any] = {
        "id": str(interaction.id),
        "type": interaction.kind,
        "user": interaction.user.payload(),
        "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
    }
    if interaction.kind == INTERACTION_COMMAND:
        metadata["name"] = interaction.payload["data"]["name"]
        metadata["command_type"] = 1
    elif interaction.kind == INTERACTION_COMPONENT:
        metadata["interacted_message_id"] = interaction.source_message_id
    elif interaction.kind == INTERACTION_MODAL_SUBMIT and interaction.trigger is not None:
        metadata["triggering_interaction_metadata"] = _interaction_metadata(interaction.trigger)
    return metadata


def _without_nones(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nones(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# The server.
# --------------------------------------------------------------------------------------------


def _rate_limited(retry_after: float, *, is_global: bool = False) -> tuple[Any, dict[str, str]]:
    """A 429 body and headers as Discord sends them.

    discord.py waits for the body's ``retry_after``; it only believes a 429 that carries a
    ``Via`` header (Discord's proxies add one), otherwise it assumes a Cloudflare ban and raises.
    """
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "Via": "1.1 google",
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return body, headers


def _form_errors(violations: Sequence[SchemaViolation]) -> dict[str, Any]:
    """Discord's nested 50035 ``errors`` object: ``{"0": {"name": {"_errors": [...]}}}``."""
    errors: dict[str, Any] = {}
    for violation in violations:
        node = errors
        for index, key in re.findall(r"\[(\d+)\]|\.([^.\[]+)", violation.location):
            node = node.setdefault(index or key, {})
        node.setdefault("_errors", []).append(
            {"code": "BASE_TYPE_INVALID", "message": violation.message}
        )
    return errors


class _DiscordError(Exception):
    """Raised inside a handler to answer with a Discord-style JSON error."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


_Handler = Callable[["_Call"], Any]


@dataclass
class _Call:
    """What a route handler sees of a request."""

    record: RecordedRequest
    params: dict[str, str]

    @property
    def body(self) -> Any:
        return self.record.json

    def flag(self, name: str) -> bool:
        """Discord's boolean query parameters accept true/false and 1/0."""
        return self.record.query.get(name, "").lower() in ("1", "true")


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: _Handler
    auth: bool
    limit: int

    @property
    def bucket(self) -> str:
        """An opaque 32-hex bucket id per route, like Discord's X-RateLimit-Bucket."""
        return hashlib.sha256(f"{self.method} {self.template}".encode()).hexdigest()[:32]


@dataclass
class _Window:
    started: float
    used: int = 0


class FakeDiscord:
    """Discord's REST API v10 and gateway on ``127.0.0.1:<ephemeral port>``.

    Args:
        token: the bot token the fake accepts; anything else gets 401 (REST) / 4004 (gateway).
        validate: check JSON bodies against Discord's OpenAPI document (``schema_errors``).
        reject_invalid: answer an invalid body with 400 50035 as Discord would, instead of
            only recording it.
        compress_gateway: honour ``compress=zlib-stream`` with binary zlib frames, as Discord
            does; by default frames are plain JSON text, which discord.py also accepts.
        interaction_deadline: seconds within which the first callback must arrive.
        webhook_token_ttl: how long follow-ups and edits on an interaction token work.
        heartbeat_interval_ms: the interval announced in HELLO.
        privileged_intents: the privileged intents switched on "in the developer portal";
            asking for others closes the gateway with 4014.
        enforce_rate_limits: count requests per bucket and answer real 429s when exceeded;
            off by default so headers never make discord.py sleep in unrelated tests.
        route_limit, rate_limit_window: each bucket's size and window (X-RateLimit-*).
        with_default_guild: create one guild (``guild``, ``channel``, ``owner``, ``member``).
        wait_timeout: how long the ``wait_for``-style helpers wait before giving up.
    """

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        validate: bool = True,
        reject_invalid: bool = False,
        compress_gateway: bool = False,
        interaction_deadline: float = 3.0,
        webhook_token_ttl: float = 15 * 60,
        heartbeat_interval_ms: int = 41_250,
        privileged_intents: int = 0,
        enforce_rate_limits: bool = False,
        route_limit: int = 5,
        rate_limit_window: float = 5.0,
        with_default_guild: bool = True,
        wait_timeout: float = 5.0,
    ) -> None:
        self.token = token
        self.wait_timeout = wait_timeout
        self.ids = _Snowflakes()
        self.attachment_data: dict[str, bytes] = {}
        self.attachment_downloads: list[str] = []
        self.cdn_status = 200
        """What the CDN answers attachment downloads with (404: the file is gone)."""
        self.reject_invalid = reject_invalid
        self.interaction_deadline = interaction_deadline
        self.webhook_token_ttl = webhook_token_ttl
        self.privileged_intents = privileged_intents
        self.enforce_rate_limits = enforce_rate_limits
        self.route_limit = route_limit
        self.rate_limit_window = rate_limit_window
        self._spec = openapi_index() if validate else None

        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.application_id = self.ids.next()
        self.application_name = "reachout"
        self.app_owner = self.add_user("reachout-dev")
        # A bot user has the same id as its application.
        self.bot_user = FakeUser(self.application_id, self.application_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}

        self.requests: list[RecordedRequest] = []
        self.schema_errors: list[SchemaViolation] = []
        self._nonces: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self.answer_delay = 0.0
        """Seconds between doing what a request asks and answering it, like a slow network."""
        self.unknown_routes: list[RecordedRequest] = []
        self.edits: list[dict[str, Any]] = []
        """Every edit of a message, as the message looked after it, oldest first."""
        self.interactions: dict[int, FakeInteraction] = {}
        self._faults: list[Fault] = []
        self._windows: dict[tuple[str, str], _Window] = {}
        self._routes = self._build_routes()
        self._changed = asyncio.Condition()
        self.gateway = GatewayServer(
            self, heartbeat_interval_ms=heartbeat_interval_ms, compress=compress_gateway
        )
        self._runner: web.AppRunner | None = None
        self.port = 0

        if with_default_guild:
            self.owner = self.add_user("olive", global_name="Olive Organiser")
            self.member = self.add_user("alice", global_name="Alice")
            self.guild = self.add_guild("Test Cohort", owner=self.owner)
            self.channel = self.guild.channels[0]
            self.guild.add_member(self.member)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1 on ``port`` (by default an ephemeral one) and start serving.

        Starting again on the port of a closed fake brings "Discord" back after an outage.
        """
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Close every gateway socket and stop the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be set to (as a ``yarl.URL``)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- building the world ------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        bot: bool = False,
        accepts_dms: bool = True,
        locale: str = "en-US",
    ) -> FakeUser:
        """Create a user the fake knows (``GET /users/{id}``, DMs, interactions)."""
        user = FakeUser(self.ids.next(), username, global_name, bot, accepts_dms, locale)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, owner: FakeUser | None = None) -> FakeGuild:
        """Create a guild with @everyone, the bot's managed role, #general, owner and bot."""
        owner = owner or self.add_user(f"owner-of-{name.lower().replace(' ', '-')}")
        guild = FakeGuild(id=self.ids.next(), name=name, owner_id=owner.id, _world=self)
        guild.roles[guild.id] = FakeRole(guild.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        bot_role = guild.add_role(self.application_name, DEFAULT_BOT_PERMISSIONS)
        bot_role.managed_by_bot = self.bot_user.id
        guild.add_text_channel("general")
        guild.add_member(owner)
        guild.add_member(self.bot_user, roles=[bot_role])
        self.guilds[guild.id] = guild
        return guild

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The bot's DM channel with ``user`` (created on first use, like Discord)."""
        for channel in self.channels.values():
            if channel.is_dm and channel.recipient is user:
                return channel
        channel = FakeChannel(id=self.ids.next(), name=None, type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    # -- fault injection ----------------------------------------------------------------------

    def rate_limit_next(
        self,
        method: str,
        path_pattern: str,
        retry_after: float = 0.2,
        count: int = 1,
        *,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``count`` matching requests with a 429, as Discord does.

        ``path_pattern`` is relative to the API base; ``{name}`` matches one path segment.
        """
        body, headers = _rate_limited(retry_after, is_global=is_global)
        return self._add_fault(method, path_pattern, 429, body, headers, count)

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        code: int = 0,
        message: str = "",
        body: Any = None,
        count: int = 1,
    ) -> Fault:
        """Answer the next ``count`` matching requests with an error.

        E.g. ``fail_next("POST", "/channels/{id}/messages", status=403, code=50007,
        message="Cannot send messages to this user")``.
        """
        if body is None:
            body = {"message": message or f"{status}: error", "code": code}
        return self._add_fault(method, path_pattern, status, body, {}, count)

    def _add_fault(
        self,
        method: str,
        path_pattern: str,
        status: int,
        body: Any,
        headers: dict[str, str],
        count: int,
    ) -> Fault:
        fault = Fault(method.upper(), _template_regex(path_pattern), status, body, headers, count)
        self._faults.append(fault)
        return fault

    # -- reading what happened ----------------------------------------------------------------

    def requests_to(self, method: str = "*", path_pattern: str = "{path}") -> list[RecordedRequest]:
        """Recorded requests matching a method (``*`` for any) and a path pattern."""
        regex = re.compile(".*") if path_pattern == "{path}" else _template_regex(path_pattern)
        return [
            r
            for r in self.requests
            if method.upper() in ("*", r.method) and regex.fullmatch(r.path)
        ]

    def messages_in(self, channel: FakeChannel | int) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first (ephemeral interaction replies included)."""
        channel_id = channel.id if isinstance(channel, FakeChannel) else channel
        found = self.channels.get(channel_id)
        return list(found.messages) if found else []

    def dms_to(self, user: FakeUser) -> list[dict[str, Any]]:
        """Messages the bot sent to ``user`` in DMs."""
        return self.messages_in(self.dm_channel(user))

    @property
    def everyone_pings(self) -> list[dict[str, Any]]:
        """Messages that actually pinged @everyone/@here or a role (what must never happen)."""
        return [
            m
            for c in self.channels.values()
            for m in c.messages
            if m["mention_everyone"] or m["mention_roles"]
        ]

    def commands_for(self, guild: FakeGuild | None = None) -> list[dict[str, Any]]:
        """Registered commands, global or for one guild, as Discord returns them."""
        if guild is None:
            return list(self.global_commands)
        return list(self.guild_commands.get(guild.id, []))

    @property
    def sessions(self) -> list[GatewaySession]:
        """Every gateway connection so far, oldest first."""
        return self.gateway.sessions

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """The IDENTIFY payloads received (``intents``, ``properties``, ``token``...)."""
        return [s.identify for s in self.gateway.sessions if s.identify and not s.resumed_from]

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds: after each request and gateway change, and every 20 ms.

        Gives up after ``wait_timeout`` seconds (wrap in ``asyncio.timeout`` for less).
        """
        async with asyncio.timeout(self.wait_timeout):
            while not predicate():
                # Woken by the fake's own changes; the short poll also catches client-side
                # state (e.g. discord.py parsing an answer after the fake sent it).
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.02)

    async def wait_for_session(self) -> GatewaySession:
        """Wait for a client to be identified (READY sent) and return its session."""
        await self.wait_for(lambda: self.gateway.current() is not None)
        session = self.gateway.current()
        assert session is not None
        return session

    async def gateway_changed(self) -> None:
        """Part of the gateway protocol: wake up waiters."""
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- gateway world (READY, GUILD_CREATE, member chunks) ------------------------------------

    def ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        """READY as Discord sends it to a bot (guilds unavailable until GUILD_CREATE)."""
        data: dict[str, Any] = {
            "v": API_VERSION,
            "user_settings": {},
            "user": self.bot_user.private_payload(),
            "session_type": "normal",
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [
                {"id": str(g.id), "unavailable": True}
                for g in self.guilds.values()
                if session.serves(g.id)
            ],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east", "us-central", "us-south", "us-west"],
            "game_relationships": [],
            "auth": {},
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "_trace": ['["fake-discord-gateway",{"micros":0}]'],
        }
        shard = (session.identify or {}).get("shard")
        if shard is not None:
            data["shard"] = shard
        return data

    @property
    def application_flags(self) -> int:
        """APPLICATION_COMMAND_BADGE plus the *_LIMITED flag of each privileged intent enabled."""
        flags = 1 << 23
        if self.privileged_intents & INTENT_GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & INTENT_GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & INTENT_MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    def guild_create_payloads(self, intents: int) -> list[dict[str, Any]]:
        """GUILD_CREATE for each guild, as the session's intents allow."""
        return [
            g.gateway_payload(bot_id=self.bot_user.id, intents=intents)
            for g in self.guilds.values()
        ]

    def members_chunk_payloads(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Answer op 8 with one GUILD_MEMBERS_CHUNK holding every matching member."""
        guild = self.guilds.get(int(request.get("guild_id", 0)))
        if guild is None:
            return []
        members = list(guild.members.values())
        if request.get("user_ids"):
            wanted = (
                {int(u) for u in request["user_ids"]}
                if isinstance(request["user_ids"], list)
                else {int(request["user_ids"])}
            )
            members = [m for m in members if m.user.id in wanted]
        elif request.get("query"):
            members = [m for m in members if m.user.username.startswith(request["query"])]
        limit = int(request.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if request.get("nonce") is not None:
            chunk["nonce"] = request["nonce"]
        return [chunk]

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT to the current session; discord.py resumes on a new socket."""
        await self.gateway.send_reconnect()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event to the current session (for events the fake doesn't model)."""
        session = self.gateway.current()
        if session is None:
            raise RuntimeError("no client is connected to the fake gateway")
        await session.dispatch(event, data)

    # -- interactions -------------------------------------------------------------------------

    async def send_interaction(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        user: FakeUser | None = None,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        locale: str | None = None,
        check_permissions: bool = True,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for ``/command`` as a guild member would trigger it.

        ``command`` is the full name, e.g. ``"cohort members add"`` for a subcommand in a
        group. ``options`` maps option names to values (typed and checked against the
        registered command, as the Discord client does), or is a raw option list.
        Discord only delivers commands it knows, so the command must have been synced; with
        ``check_permissions`` a member lacking the command's default_member_permissions is
        refused too, since Discord would not show them the command.
        """
        guild = guild or self.guild
        channel = channel or guild.channels[0]
        user = user or self.member
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        registered = self._find_command(command, guild)
        permissions = guild.permissions_for(user.id)
        if check_permissions:
            required = registered.get("default_member_permissions")
            if required is not None and int(required) & ~permissions:
                raise PermissionError(f"/{command} is hidden from {user.username} in {guild.name}")
        data = self._interaction_data(command, registered, options, guild)
        payload = self._guild_context(guild, channel, member)
        return await self._dispatch_interaction(data, payload, channel, user, locale)

    def _guild_context(
        self, guild: FakeGuild, channel: FakeChannel, member: FakeMember
    ) -> dict[str, Any]:
        """The fields of an interaction in a server channel: where, and who with what rights."""
        permissions = guild.permissions_for(member.user.id)
        return {
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            "guild_id": str(guild.id),
            "guild_locale": guild.preferred_locale,
            "channel": {**channel.payload(), "permissions": str(permissions)},
            "channel_id": str(channel.id),
            "member": {**member.payload(), "permissions": str(permissions)},
            "app_permissions": str(guild.permissions_for(self.bot_user.id)),
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }

    @staticmethod
    def _dm_context(channel: FakeChannel, user: FakeUser) -> dict[str, Any]:
        """The fields of an interaction in the bot's DM with ``user``: a user, no guild."""
        return {
            "user": user.payload(),
            "channel": channel.payload(),
            "channel_id": str(channel.id),
            "app_permissions": str(DEFAULT_EVERYONE_PERMISSIONS),
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
        }

    def _context_for(self, channel: FakeChannel, user: FakeUser) -> dict[str, Any]:
        """Where ``user`` acts in ``channel``: a DM, or a server channel they are a member of."""
        if channel.is_dm:
            return self._dm_context(channel, user)
        guild = self.guilds[int(channel.guild_id or 0)]
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        return self._guild_context(guild, channel, member)

    async def click(
        self,
        message: Mapping[str, Any],
        custom_id: str,
        *,
        user: FakeUser | None = None,
        check_visibility: bool = True,
        as_seen: bool = False,
    ) -> FakeInteraction:
        """A user presses the button ``custom_id`` on a message the bot sent.

        The message is read as it is now (an edit that removed the button makes it
        unclickable, as in Discord's client), unless ``as_seen``: then as given, the version
        a client still shows until the edit reaches it (a double click). With
        ``check_visibility``, only someone who can see the message may press it: the
        recipient of a DM, the user of an ephemeral reply; turn it off to deliver what
        Discord would not (a forged or replayed press).
        """
        channel = self.channels[int(message["channel_id"])]
        current = next((m for m in channel.messages if m["id"] == message["id"]), None)
        if current is None:
            raise LookupError(f"message {message['id']} is not in that channel any more")
        if as_seen:
            current = dict(message)
        button = next(
            (c for c in _walk_components(current["components"]) if c.get("custom_id") == custom_id),
            None,
        )
        if button is None or button.get("type") != COMPONENT_BUTTON:
            raise LookupError(f"the message has no button {custom_id!r}")
        if button.get("disabled"):
            raise PermissionError(f"the button {custom_id!r} is disabled")
        user = user or (channel.recipient if channel.is_dm else None) or self.member
        if check_visibility:
            if channel.is_dm and user is not channel.recipient:
                raise PermissionError(f"{user.username} cannot see another user's DM")
            metadata = current.get("interaction_metadata") or {}
            if current["flags"] & MESSAGE_FLAG_EPHEMERAL and metadata.get("user", {}).get(
                "id"
            ) != str(user.id):
                raise PermissionError(f"{user.username} cannot see someone else's ephemeral reply")
        context = {**self._context_for(channel, user), "message": current}
        data = {"custom_id": custom_id, "component_type": COMPONENT_BUTTON}
        return await self._dispatch_interaction(
            data, context, channel, user, None, kind=INTERACTION_COMPONENT, source=current["id"]
        )

    async def redeliver(self, interaction: FakeInteraction) -> None:
        """Send the same INTERACTION_CREATE again, as Discord may after a gateway hiccup."""
        session = self.gateway.current(
            int(interaction.payload["guild_id"]) if "guild_id" in interaction.payload else None
        )
        if session is None:
            raise RuntimeError("no client is connected to the fake gateway")
        await session.dispatch("INTERACTION_CREATE", interaction.payload)

    async def submit_modal(
        self,
        opened: FakeInteraction,
        values: Mapping[str, str] | None = None,
        *,
        enforce_limits: bool = True,
    ) -> FakeInteraction:
        """The user submits the modal the bot opened in answer to ``opened``.

        ``values`` maps text input custom ids to what was typed; an input left out keeps its
        pre-filled value. With ``enforce_limits`` the fake refuses what Discord's client
        would not submit (a required input left empty, text outside min/max length); turn it
        off to deliver a forged submission.
        """
        modal = opened.modal
        if modal is None:
            raise LookupError("the bot did not answer that interaction with a modal")
        inputs = {c["custom_id"]: c for c in _modal_inputs(modal.get("components") or [])}
        typed = dict(values or {})
        unknown = set(typed) - set(inputs)
        if unknown:
            raise ValueError(f"the modal has no input(s) {sorted(unknown)}")
        rows = []
        for custom_id, text_input in inputs.items():
            value = typed.get(custom_id, text_input.get("value") or "")
            if enforce_limits:
                _check_typed(custom_id, text_input, value)
            rows.append(
                {
                    "type": COMPONENT_ACTION_ROW,
                    "components": [
                        {"type": COMPONENT_TEXT_INPUT, "custom_id": custom_id, "value": value}
                    ],
                }
            )
        context = {k: v for k, v in opened.payload.items() if k in _CONTEXT_KEYS}
        source = None
        if opened.source_message_id is not None:
            current = next(
                (m for m in opened.channel.messages if m["id"] == opened.source_message_id), None
            )
            if current is not None:
                context["message"] = current
                source = current["id"]
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._dispatch_interaction(
            data,
            context,
            opened.channel,
            opened.user,
            None,
            kind=INTERACTION_MODAL_SUBMIT,
            source=source,
            trigger=opened,
        )

    async def autocomplete(
        self,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: FakeUser | None = None,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
    ) -> FakeInteraction:
        """The user is typing option ``focused`` of ``/command``; ``options`` holds what is
        typed so far in each option, as text (Discord sends partial values unchecked).

        Discord only asks about options registered with ``autocomplete: true``.
        """
        guild = guild or self.guild
        channel = channel or guild.channels[0]
        user = user or self.member
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        registered = self._find_command(command, guild)
        definitions = _leaf_options(registered, command)
        by_name = {d["name"]: d for d in definitions}
        if focused not in options or focused not in by_name:
            raise ValueError(f"/{command}: {focused!r} must be one of the typed options")
        if not by_name[focused].get("autocomplete"):
            raise PermissionError(f"/{command} {focused}: not registered with autocomplete")
        unknown = set(options) - set(by_name)
        if unknown:
            raise ValueError(f"/{command} has no option(s) {sorted(unknown)}")
        typed = []
        for name, value in options.items():
            entry: dict[str, Any] = {"name": name, "type": by_name[name]["type"], "value": value}
            if name == focused:
                entry["focused"] = True
            typed.append(entry)
        data = self._interaction_data(command, registered, typed, guild)
        return await self._dispatch_interaction(
            data,
            self._guild_context(guild, channel, member),
            channel,
            user,
            None,
            kind=INTERACTION_AUTOCOMPLETE,
        )

    async def send_dm_interaction(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for a global command used in the bot's DMs."""
        user = user or self.member
        registered = self._find_command(command, None)
        contexts = registered.get("contexts")
        if (contexts is not None and 1 not in contexts) or registered.get("dm_permission") is False:
            raise PermissionError(f"/{command} is not available in DMs")
        channel = self.dm_channel(user)
        data = self._interaction_data(command, registered, options, None)
        payload = self._dm_context(channel, user)
        return await self._dispatch_interaction(data, payload, channel, user, locale)

    async def _dispatch_interaction(
        self,
        data: dict[str, Any],
        context: dict[str, Any],
        channel: FakeChannel,
        user: FakeUser,
        locale: str | None,
        *,
        kind: int = INTERACTION_COMMAND,
        source: str | None = None,
        trigger: FakeInteraction | None = None,
    ) -> FakeInteraction:
        guild_id = context.get("guild_id")
        session = self.gateway.current(int(guild_id) if guild_id is not None else None)
        if session is None:
            raise RuntimeError("no client is connected to the fake gateway")
        interaction_id = self.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            **context,
            "token": token,
            "version": 1,
            "locale": locale or user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        interaction = FakeInteraction(
            id=interaction_id,
            token=token,
            payload=payload,
            channel=channel,
            user=user,
            dispatched_at=time.monotonic(),
            _world=self,
            source_message_id=source,
            trigger=trigger,
        )
        self.interactions[interaction_id] = interaction
        await session.dispatch("INTERACTION_CREATE", payload)
        interaction.dispatched_at = time.monotonic()
        return interaction

    def _find_command(self, name: str, guild: FakeGuild | None) -> dict[str, Any]:
        top = name.split()[0]
        candidates = (self.guild_commands.get(guild.id, []) if guild else []) + self.global_commands
        for command in candidates:
            if command["name"] == top and command.get("type", 1) == 1:
                return command
        where = f"globally or in {guild.name}" if guild else "globally"
        raise LookupError(f"/{top} is not registered {where}; sync the command tree first")

    def _interaction_data(
        self,
        name: str,
        registered: dict[str, Any],
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        guild: FakeGuild | None,
    ) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        path = name.split()
        definitions = registered.get("options") or []
        # Walk down groups/subcommands; the innermost holds the real options.
        chain: list[dict[str, Any]] = []
        for part in path[1:]:
            found = next(
                (
                    o
                    for o in definitions
                    if o["name"] == part
                    and o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
                ),
                None,
            )
            if found is None:
                raise LookupError(f"/{name}: no subcommand or group {part!r}")
            chain.append(found)
            definitions = found.get("options") or []
        if any(o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in definitions):
            raise LookupError(f"/{name} is a group; name a subcommand")
        if options is None or isinstance(options, Mapping):
            leaf = self._typed_options(name, definitions, dict(options or {}), guild, resolved)
        else:
            leaf = [dict(o) for o in options]
        for parent in reversed(chain):
            leaf = [{"type": parent["type"], "name": parent["name"], "options": leaf}]
        data: dict[str, Any] = {
            "id": registered["id"],
            "name": registered["name"],
            "type": 1,
        }
        if leaf:
            data["options"] = leaf
        if resolved:
            data["resolved"] = resolved
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        return data

    def _typed_options(
        self,
        command: str,
        definitions: Sequence[dict[str, Any]],
        values: dict[str, Any],
        guild: FakeGuild | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Encode option values the way the Discord client does, refusing what it would refuse."""
        unknown = set(values) - {d["name"] for d in definitions}
        if unknown:
            raise ValueError(f"/{command} has no option(s) {sorted(unknown)}")
        encoded = []
        for definition in definitions:
            name, otype = definition["name"], int(definition["type"])
            if name not in values:
                if definition.get("required"):
                    raise ValueError(f"/{command}: option {name!r} is required")
                continue
            value = values[name]
            encoded_value = self._encode_option(command, definition, value, guild, resolved)
            encoded.append({"name": name, "type": otype, "value": encoded_value})
        return encoded

    def _encode_option(
        self,
        command: str,
        definition: dict[str, Any],
        value: Any,
        guild: FakeGuild | None,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        name, otype = definition["name"], int(definition["type"])
        if otype == OPTION_STRING:
            if not isinstance(value, str):
                raise TypeError(f"/{command} {name}: expected a string")
            low, high = definition.get("min_length", 0), definition.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise ValueError(f"/{command} {name}: length must be {low}-{high}")
        elif otype in (OPTION_INTEGER, OPTION_NUMBER):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"/{command} {name}: expected a number")
            if otype == OPTION_INTEGER and value != int(value):
                raise TypeError(f"/{command} {name}: expected an integer")
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"/{command} {name}: must be within {low}..{high}")
        elif otype == OPTION_BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError(f"/{command} {name}: expected a bool")
        elif otype in (OPTION_USER, OPTION_MENTIONABLE) and isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            member = guild.members.get(value.id) if guild else None
            if member is not None and guild is not None:
                resolved.setdefault("members", {})[str(value.id)] = {
                    **member.payload(with_user=False),
                    "permissions": str(guild.permissions_for(value.id)),
                }
            return str(value.id)
        elif otype in (OPTION_ROLE, OPTION_MENTIONABLE) and isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        elif otype == OPTION_ATTACHMENT and isinstance(value, UploadedFile):
            attachment = self.add_attachment(value)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        elif otype == OPTION_CHANNEL and isinstance(value, FakeChannel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                "id": str(value.id),
                "name": value.name,
                "type": value.type,
                "permissions": str(ALL_PERMISSIONS),
                "flags": 0,
            }
            return str(value.id)
        else:
            raise TypeError(f"/{command} {name}: cannot encode {value!r} for option type {otype}")
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"/{command} {name}: {value!r} is not one of the choices")
        return value

    def add_attachment(self, upload: UploadedFile) -> dict[str, Any]:
        """A file the member attached to a command, as Discord holds it: the attachment object
        of ``resolved.attachments``, its bytes served at its ``url`` on this fake (CDN
        downloads take no token, as Discord's signed CDN links do not)."""
        attachment_id = str(self.ids.next())
        self.attachment_data[attachment_id] = upload.data
        url = f"{self.base_url}/attachments/{attachment_id}/{upload.filename}"
        attachment: dict[str, Any] = {
            "id": attachment_id,
            "filename": upload.filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "ephemeral": True,
        }
        if upload.content_type:
            attachment["content_type"] = upload.content_type
        return attachment

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        """A CDN download of an attachment; recorded in ``attachment_downloads``."""
        attachment_id = request.match_info["attachment_id"]
        self.attachment_downloads.append(attachment_id)
        data = self.attachment_data.get(attachment_id)
        if data is None or self.cdn_status != 200:
            return web.Response(status=404 if data is None else self.cdn_status, text="No file")
        return web.Response(body=data, content_type="application/octet-stream")

    # -- HTTP plumbing ------------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        table: list[tuple[str, str, _Handler, bool]] = [
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/users/@me", self._get_me, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/@me", self._get_application, True),
            ("GET", "/applications/{application_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self._put_commands, True),
            ("POST", "/applications/{application_id}/commands", self._post_command, True),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
                True,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
                True,
            ),
            (
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._post_command,
                True,
            ),
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._interaction_callback,
                False,
            ),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._execute_webhook, False),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
                False,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_webhook_message,
                False,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
                False,
            ),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self._get_messages, True),
            ("POST", "/channels/{channel_id}/messages", self._create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message, True),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members", self._get_members, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True),
        ]
        return [
            _Route(m, t, _template_regex(t), h, auth, self.route_limit) for m, t, h, auth in table
        ]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, uploads = await self._read_body(request)
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            received_at=time.monotonic(),
            files=list(uploads),
            uploads=uploads,
        )
        self.requests.append(record)
        try:
            response = await self._answer(record)
        finally:
            await self._notify()
        if self.answer_delay:
            # The request has had its effect; its answer is still on the way (network latency).
            await asyncio.sleep(self.answer_delay)
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, dict[str, UploadedFile]]:
        """JSON bodies, or multipart with ``payload_json`` (how discord.py sends files)."""
        if not request.can_read_body:
            return None, {}
        if request.content_type == "multipart/form-data":
            form = await request.post()
            files = {
                k: UploadedFile(v.filename, v.content_type, v.file.read())
                for k, v in form.items()
                if isinstance(v, web.FileField)
            }
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        if not text:
            return None, {}
        try:
            return json.loads(text), {}
        except ValueError:
            return text, {}

    async def _answer(self, record: RecordedRequest) -> web.Response:
        route, params = self._match(record.method, record.path)
        record.route = route.template if route else None
        for fault in self._faults:
            if fault.matches(record.method, record.path):
                fault.remaining -= 1
                fault.hits.append(record)
                return self._respond(record, route, fault.status, fault.body, fault.headers)
        if route is None:
            self.unknown_routes.append(record)
            return self._respond(record, None, 404, {"message": "404: Not Found", "code": 0})
        if route.auth and record.header("Authorization") != f"Bot {self.token}":
            return self._respond(record, route, 401, {"message": "401: Unauthorized", "code": 0})
        retry_after = self._over_limit(route, params)
        if retry_after is not None:
            return self._respond(record, route, 429, *_rate_limited(retry_after))
        invalid = self._validate(record)
        if invalid and self.reject_invalid:
            errors = _form_errors(invalid)
            return self._respond(
                record,
                route,
                400,
                {"message": "Invalid Form Body", "code": 50035, "errors": errors},
            )
        try:
            result = route.handler(_Call(record, params))
            if asyncio.iscoroutine(result):
                result = await result
        except _DiscordError as error:
            return self._respond(record, route, error.status, error.body)
        if result is None:
            return self._respond(record, route, 204, None)
        self._attach_uploads(record, result)
        return self._respond(record, route, 200, result)

    def _attach_uploads(self, record: RecordedRequest, result: Any) -> None:
        """Turn a multipart request's files into the attachments of the message it made.

        As Discord does: each ``attachments`` entry of the payload names its part
        (``files[<id>]``) and may carry a ``description`` (alt text); the content type comes
        from the file name (discord.py sends every part as octet-stream); PNGs get their
        width and height. The bytes are kept in ``attachment_data`` for tests to open.
        """
        if not record.uploads or not isinstance(result, dict):
            return
        message = result if "attachments" in result else result.get("resource", {}).get("message")
        if not isinstance(message, dict):
            return
        body = record.json if isinstance(record.json, dict) else {}
        payload = body.get("data") if isinstance(body.get("data"), dict) else body  # callbacks
        described = {
            str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)
        }
        attachments = []
        for part, upload in record.uploads.items():
            index = part.removeprefix("files[").removesuffix("]")
            attachment_id = str(self.ids.next())
            entry: dict[str, Any] = {
                "id": attachment_id,
                "filename": upload.filename,
                "size": len(upload.data),
                "content_type": mimetypes.guess_type(upload.filename)[0] or upload.content_type,
                "url": f"https://cdn.discordapp.com/attachments/{attachment_id}/{upload.filename}",
                "proxy_url": f"https://media.discordapp.net/attachments/{attachment_id}/x",
            }
            if described.get(index, {}).get("description"):
                entry["description"] = described[index]["description"]
            if upload.data[:8] == b"\x89PNG\r\n\x1a\n":
                entry["width"], entry["height"] = struct.unpack(">II", upload.data[16:24])
            self.attachment_data[attachment_id] = upload.data
            attachments.append(entry)
        message["attachments"] = attachments

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method == method:
                found = route.regex.fullmatch(path)
                if found:
                    return route, found.groupdict()
        return None, {}

    def _major(self, route: _Route, params: dict[str, str]) -> str:
        keys = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
        return "+".join(params[k] for k in keys if k in params)

    def _over_limit(self, route: _Route, params: dict[str, str]) -> float | None:
        """With ``enforce_rate_limits``, a fixed window per bucket and major parameter.

        Returns the seconds to wait if this request is one too many, else None.
        """
        if not self.enforce_rate_limits:
            return None
        key = (route.bucket, self._major(route, params))
        now = time.monotonic()
        window = self._windows.get(key)
        if window is None or now - window.started >= self.rate_limit_window:
            window = self._windows[key] = _Window(started=now)
        window.used += 1
        if window.used <= route.limit:
            return None
        return round(self.rate_limit_window - (now - window.started), 3)

    def _rate_limit_headers(self, route: _Route | None, params_key: str) -> dict[str, str]:
        if route is None:
            return {}
        limit = route.limit
        if self.enforce_rate_limits:
            window = self._windows.get((route.bucket, params_key))
            used = window.used if window else 0
            started = window.started if window else time.monotonic()
            remaining = max(0, limit - used)
            reset_after = max(0.0, self.rate_limit_window - (time.monotonic() - started))
        else:
            remaining, reset_after = limit - 1, self.rate_limit_window
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": route.bucket,
        }

    def _respond(
        self,
        record: RecordedRequest,
        route: _Route | None,
        status: int,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """Build a response the way Discord does: exactly ``application/json``, no charset.

        discord.py compares the Content-Type header to ``application/json`` for equality, so
        aiohttp's ``json_response`` (which appends ``; charset=utf-8``) would turn every body
        into a plain string and break login.
        """
        record.status = status
        record.response = body
        params = {}
        if route is not None:
            found = route.regex.fullmatch(record.path)
            params = found.groupdict() if found else {}
        headers = self._rate_limit_headers(route, self._major(route, params) if route else "")
        if status == 429:
            headers["X-RateLimit-Remaining"] = "0"
        headers.update(extra_headers or {})
        if body is None:
            return web.Response(status=status, headers=headers)
        headers["Content-Type"] = "application/json"
        data = json.dumps(body, separators=(",", ":")).encode()
        return web.Response(status=status, body=data, headers=headers)

    def _validate(self, record: RecordedRequest) -> list[SchemaViolation]:
        if self._spec is None or not isinstance(record.json, dict | list):
            return []
        found = self._spec.operation(record.method, record.path)
        if found is None:
            return []
        template, operation = found
        name = operation.get("operationId", f"{record.method} {template}")
        violations = []
        validator = self._spec.body_validator(record.method, template)
        if validator is not None:
            for error in validator.iter_errors(record.json):
                violations.append(
                    SchemaViolation(
                        record.method, record.path, name, _describe_error(error), error.json_path
                    )
                )
        body = record.json
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            body = body["data"]  # an interaction callback's message
        if isinstance(body, dict) and isinstance(body.get("components"), list):
            for problem in _component_rule_problems(body["components"]):
                violations.append(
                    SchemaViolation(
                        record.method,
                        record.path,
                        name,
                        problem,
                        problem.split(":")[0],
                        source="discord-rules",
                    )
                )
        if (
            template.endswith("/commands")
            and record.method == "PUT"
            and isinstance(record.json, list)
        ):
            for problem in _command_rule_problems(record.json):
                violations.append(
                    SchemaViolation(
                        record.method,
                        record.path,
                        name,
                        problem,
                        problem.split(":")[0],
                        source="discord-rules",
                    )
                )
        self.schema_errors.extend(violations)
        return violations

    # -- REST handlers: identity --------------------------------------------------------------

    def _get_gateway(self, call: _Call) -> dict[str, Any]:
        return {"url": self.gateway_url}

    def _get_gateway_bot(self, call: _Call) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    def _get_me(self, call: _Call) -> dict[str, Any]:
        return self.bot_user.private_payload()

    def _get_user(self, call: _Call) -> dict[str, Any]:
        user = self.users.get(int(call.params["user_id"]))
        if user is None:
            raise _DiscordError(404, 10013, "Unknown User")
        return user.payload()

    def _get_application(self, call: _Call) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "bot": self.bot_user.payload(),
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "flags": self.application_flags,
            "flags_new": str(self.application_flags),
            "hook": True,
            "storefront_available": False,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "owner": self.app_owner.payload(),
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "team": None,
            "install_params": {
                "scopes": ["applications.commands", "bot"],
                "permissions": str(DEFAULT_BOT_PERMISSIONS),
            },
            "integration_types_config": {
                "0": {
                    "oauth2_install_params": {
                        "scopes": ["applications.commands", "bot"],
                        "permissions": str(DEFAULT_BOT_PERMISSIONS),
                    }
                }
            },
            "eligible_oauth2_scopes": ["applications.commands", "bot"],
            "tags": [],
        }

    # -- REST handlers: application commands ------------------------------------------------

    def _command_scope(self, call: _Call) -> tuple[int | None, list[dict[str, Any]]]:
        if int(call.params["application_id"]) != self.application_id:
            raise _DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return None, self.global_commands
        guild_id = int(call.params["guild_id"])
        if guild_id not in self.guilds:
            raise _DiscordError(403, 50001, "Missing Access")
        return guild_id, self.guild_commands.setdefault(guild_id, [])

    def _get_commands(self, call: _Call) -> list[dict[str, Any]]:
        return list(self._command_scope(call)[1])

    def _stored_command(
        self, request: dict[str, Any], guild_id: int | None, existing: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """A command as Discord stores it: keeps its id if the name and type already existed."""
        ctype = int(request.get("type") or 1)
        previous = next(
            (c for c in existing if c["name"] == request.get("name") and c["type"] == ctype), None
        )
        permissions = request.get("default_member_permissions")
        stored: dict[str, Any] = {
            "id": previous["id"] if previous else str(self.ids.next()),
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "default_member_permissions": None if permissions is None else str(permissions),
            "type": ctype,
            "name": request.get("name", ""),
            "description": request.get("description") or "",
            "integration_types": request.get("integration_types") or [0],
            "nsfw": bool(request.get("nsfw", False)),
        }
        for key in ("name_localizations", "description_localizations", "contexts"):
            if request.get(key) is not None:
                stored[key] = request[key]
        if request.get("options"):
            stored["options"] = _without_nones(request["options"])
        if guild_id is None:
            stored["dm_permission"] = request.get("dm_permission") is not False
        else:
            stored["guild_id"] = str(guild_id)
        return stored

    def _put_commands(self, call: _Call) -> list[dict[str, Any]]:
        guild_id, existing = self._command_scope(call)
        if not isinstance(call.body, list):
            raise _DiscordError(400, 50035, "Invalid Form Body")
        stored = [self._stored_command(c, guild_id, existing) for c in call.body]
        existing[:] = stored
        return stored

    def _post_command(self, call: _Call) -> dict[str, Any]:
        guild_id, existing = self._command_scope(call)
        if not isinstance(call.body, dict):
            raise _DiscordError(400, 50035, "Invalid Form Body")
        stored = self._stored_command(call.body, guild_id, existing)
        existing[:] = [c for c in existing if c["id"] != stored["id"]] + [stored]
        return stored

    # -- REST handlers: interactions and their webhooks ---------------------------------------

    def _interaction_callback(self, call: _Call) -> dict[str, Any] | None:
        interaction = self.interactions.get(int(call.params["interaction_id"]))
        now = time.monotonic()
        if interaction is None or interaction.token != call.params["interaction_token"]:
            raise _DiscordError(404, 10062, "Unknown interaction")
        body = call.body if isinstance(call.body, dict) else {}
        ctype = int(body.get("type") or 0)
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        elapsed = now - interaction.dispatched_at
        message: dict[str, Any] | None = None
        error = self._callback_refusal(interaction, ctype, elapsed)
        if error is None:
            try:
                message = self._callback_message(interaction, ctype, data or {})
            except _DiscordError as refused:  # e.g. 50006, an empty message
                error = refused
        interaction.callbacks.append(
            InteractionCallback(
                type=ctype,
                data=data,
                body=body,
                received_at=now,
                elapsed=elapsed,
                status=200 if error is None else error.status,
            )
        )
        if error is not None:
            raise error
        interaction.original = message
        if not call.flag("with_response"):
            return None
        summary: dict[str, Any] = {"id": str(interaction.id), "type": interaction.payload["type"]}
        if message is not None:
            summary["response_message_id"] = message["id"]
            summary["response_message_loading"] = ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            summary["response_message_ephemeral"] = bool(message["flags"] & MESSAGE_FLAG_EPHEMERAL)
        answer: dict[str, Any] = {"interaction": summary}
        if ctype in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE) and message is not None:
            answer["resource"] = {"type": ctype, "message": message}
        return answer

    def _callback_refusal(
        self, interaction: FakeInteraction, ctype: int, elapsed: float
    ) -> _DiscordError | None:
        """Why Discord would refuse this initial response, if it would."""
        if elapsed > self.interaction_deadline:
            return _DiscordError(404, 10062, "Unknown interaction")
        if interaction.callback is not None:
            return _DiscordError(400, 40060, "Interaction has already been acknowledged.")
        allowed = ALLOWED_CALLBACKS.get(interaction.kind, frozenset())
        if ctype in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE) and (
            interaction.source_message_id is None
        ):
            allowed = frozenset()
        if ctype not in allowed:
            problem = {"code": "INTERACTION_CALLBACK_TYPE_INVALID", "message": "Invalid type"}
            return _DiscordError(400, 50035, "Invalid Form Body", {"type": {"_errors": [problem]}})
        return None

    def _callback_message(
        self, interaction: FakeInteraction, ctype: int, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The message an initial response creates: the reply, or a "thinking" placeholder."""
        if ctype == CALLBACK_CHANNEL_MESSAGE:
            return self._new_message(interaction.channel, data, interaction=interaction)
        if ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = MESSAGE_FLAG_LOADING | (int(data.get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)
            return self._new_message(
                interaction.channel, {"flags": flags}, interaction=interaction, allow_empty=True
            )
        if ctype in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            # The pressed message becomes the interaction's @original; 7 edits it at once.
            source = self._source_message(interaction)
            if ctype == CALLBACK_DEFERRED_UPDATE:
                return source
            return self._edited(source, data, interaction.channel)
        return None

    @staticmethod
    def _source_message(interaction: FakeInteraction) -> dict[str, Any]:
        """The current version of the message a component interaction came from."""
        for message in interaction.channel.messages:
            if message["id"] == interaction.source_message_id:
                return message
        raise _DiscordError(404, 10008, "Unknown Message")

    def _webhook_interaction(self, call: _Call) -> FakeInteraction:
        """The interaction behind an interaction webhook; Discord's checks on it."""
        if int(call.params["webhook_id"]) != self.application_id:
            raise _DiscordError(404, 10015, "Unknown Webhook")
        interaction = next(
            (i for i in self.interactions.values() if i.token == call.params["webhook_token"]), None
        )
        if interaction is None or interaction.callback is None:
            # Follow-ups only exist once the interaction has been acknowledged.
            raise _DiscordError(404, 10015, "Unknown Webhook")
        if time.monotonic() - interaction.dispatched_at > self.webhook_token_ttl:
            raise _DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _execute_webhook(self, call: _Call) -> dict[str, Any] | None:
        interaction = self._webhook_interaction(call)
        message = self._new_message(
            interaction.channel, call.body or {}, interaction=interaction, followup=True
        )
        interaction.followups.append(message)
        return message if call.flag("wait") else None

    def _webhook_message(self, call: _Call) -> tuple[FakeInteraction, dict[str, Any]]:
        interaction = self._webhook_interaction(call)
        message_id = call.params["message_id"]
        callback = interaction.callback
        if (
            message_id == "@original"
            and callback is not None
            and callback.type
            in (
                CALLBACK_DEFERRED_UPDATE,
                CALLBACK_UPDATE_MESSAGE,
            )
        ):
            # After a 6 or 7, @original is the message the button is on, as it is now.
            interaction.original = self._source_message(interaction)
        for message in interaction.messages:
            if message_id == "@original" and message is interaction.original:
                return interaction, message
            if message["id"] == message_id:
                return interaction, message
        raise _DiscordError(404, 10008, "Unknown Message")

    def _get_webhook_message(self, call: _Call) -> dict[str, Any]:
        return self._webhook_message(call)[1]

    def _edit_webhook_message(self, call: _Call) -> dict[str, Any]:
        interaction, message = self._webhook_message(call)
        updated = self._edited(message, call.body or {}, interaction.channel)
        if message is interaction.original:
            interaction.original = updated
        else:
            interaction.followups[interaction.followups.index(message)] = updated
        return updated

    def _delete_webhook_message(self, call: _Call) -> None:
        interaction, message = self._webhook_message(call)
        self._remove_message(interaction.channel, message)
        if message is interaction.original:
            interaction.original = None
        else:
            interaction.followups.remove(message)

    # -- REST handlers: channels and messages -------------------------------------------------

    def _channel(self, call: _Call) -> FakeChannel:
        channel = self.channels.get(int(call.params["channel_id"]))
        if channel is None:
            raise _DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _get_channel(self, call: _Call) -> dict[str, Any]:
        return self._channel(call).payload()

    def _get_messages(self, call: _Call) -> list[dict[str, Any]]:
        channel = self._channel(call)
        limit = int(call.record.query.get("limit", "50"))
        visible = [m for m in channel.messages if not m["flags"] & MESSAGE_FLAG_EPHEMERAL]
        return list(reversed(visible))[:limit]

    def _message(self, call: _Call) -> tuple[FakeChannel, dict[str, Any]]:
        channel = self._channel(call)
        for message in channel.messages:
            if message["id"] == call.params["message_id"]:
                return channel, message
        raise _DiscordError(404, 10008, "Unknown Message")

    def _get_message(self, call: _Call) -> dict[str, Any]:
        return self._message(call)[1]

    def _create_message(self, call: _Call) -> dict[str, Any]:
        channel = self._channel(call)
        if channel.is_dm:
            assert channel.recipient is not None
            if not channel.recipient.accepts_dms or channel.recipient.bot:
                raise _DiscordError(403, 50007, "Cannot send messages to this user")
        else:
            guild = self.guilds[int(channel.guild_id or 0)]
            needed = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
            if guild.permissions_for(self.bot_user.id) & needed != needed:
                raise _DiscordError(403, 50013, "Missing Permissions")
        body = call.body or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord: with enforce_nonce, a second message with the same nonce from the same
            # author within a few minutes returns the first message and creates nothing.
            earlier = self._nonces.get((channel.id, str(nonce)))
            if earlier is not None and time.monotonic() - earlier[0] < NONCE_MEMORY:
                return earlier[1]
            message = self._new_message(channel, body)
            self._nonces[(channel.id, str(nonce))] = (time.monotonic(), message)
            return message
        return self._new_message(channel, body)

    def _edit_message(self, call: _Call) -> dict[str, Any]:
        channel, message = self._message(call)
        if message["author"]["id"] != str(self.bot_user.id):
            raise _DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return self._edited(message, call.body or {}, channel)

    def _delete_message(self, call: _Call) -> None:
        channel, message = self._message(call)
        self._remove_message(channel, message)

    def _create_dm(self, call: _Call) -> dict[str, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        user = self.users.get(int(body.get("recipient_id") or 0))
        if user is None:
            raise _DiscordError(400, 50033, "Invalid Recipient(s)")
        return self.dm_channel(user).payload()

    # -- REST handlers: guilds ----------------------------------------------------------------

    def _guild(self, call: _Call) -> FakeGuild:
        guild = self.guilds.get(int(call.params["guild_id"]))
        if guild is None:
            raise _DiscordError(404, 10004, "Unknown Guild")
        return guild

    def _get_guild(self, call: _Call) -> dict[str, Any]:
        return self._guild(call).payload(with_counts=call.flag("with_counts"))

    def _get_guild_channels(self, call: _Call) -> list[dict[str, Any]]:
        return [c.payload() for c in self._guild(call).channels]

    def _get_guild_roles(self, call: _Call) -> list[dict[str, Any]]:
        return [r.payload() for r in self._guild(call).roles.values()]

    def _get_members(self, call: _Call) -> list[dict[str, Any]]:
        if not self.privileged_intents & INTENT_GUILD_MEMBERS:
            raise _DiscordError(403, 50001, "Missing Access")
        guild = self._guild(call)
        after = int(call.record.query.get("after", "0"))
        limit = int(call.record.query.get("limit", "1"))
        members = sorted(
            (m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id
        )
        return [m.payload() for m in members[:limit]]

    def _get_member(self, call: _Call) -> dict[str, Any]:
        member = self._guild(call).members.get(int(call.params["user_id"]))
        if member is None:
            raise _DiscordError(404, 10007, "Unknown Member")
        return member.payload()

    # -- messages -----------------------------------------------------------------------------

    def _mentions(
        self, channel: FakeChannel, content: str, allowed: Any
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Who a message actually pings, as Discord computes it from content and allowed_mentions.

        With no ``allowed_mentions`` Discord parses everything in the content; the bot then
        pings @everyone if it has MENTION_EVERYONE, which @everyone has in a default server.
        """
        if isinstance(allowed, dict):
            parse = set(allowed.get("parse") or [])
            users = {str(u) for u in allowed.get("users") or []}
            roles = {str(r) for r in allowed.get("roles") or []}
        else:
            parse, users, roles = {"users", "roles", "everyone"}, set(), set()
        guild = self.guilds.get(channel.guild_id or 0)
        bot_permissions = guild.permissions_for(self.bot_user.id) if guild else 0
        mentioned_users = []
        for user_id in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            user = self.users.get(int(user_id))
            if user is not None and ("users" in parse or user_id in users):
                mentioned_users.append(user.payload())
        mentioned_roles = []
        for role_id in dict.fromkeys(re.findall(r"<@&(\d+)>", content)):
            role = guild.roles.get(int(role_id)) if guild else None
            if role is None or not ("roles" in parse or role_id in roles):
                continue
            if role.mentionable or bot_permissions & Permission.MENTION_EVERYONE:
                mentioned_roles.append(role_id)
        everyone = (
            guild is not None
            and "everyone" in parse
            and ("@everyone" in content or "@here" in content)
            and bool(bot_permissions & Permission.MENTION_EVERYONE)
        )
        return mentioned_users, mentioned_roles, everyone

    def _render_message_fields(
        self, channel: FakeChannel, body: Mapping[str, Any], base: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The content-derived fields of a message (also recomputed on every edit)."""
        merged = {**(base or {}), **{k: v for k, v in body.items() if k != "allowed_mentions"}}
        content = merged.get("content") or ""
        users, roles, everyone = self._mentions(channel, content, body.get("allowed_mentions"))
        next_id = 1

        def with_ids(components: Any) -> Any:
            nonlocal next_id
            out = []
            for component in components or []:
                component = dict(component)
                component.setdefault("id", next_id)
                next_id += 1
                if "components" in component:
                    component["components"] = with_ids(component["components"])
                out.append(component)
            return out

        return {
            "content": content,
            "mentions": users,
            "mention_roles": roles,
            "mention_everyone": everyone,
            "embeds": [{"type": "rich", **_without_nones(e)} for e in merged.get("embeds") or []],
            "components": with_ids(merged.get("components")),
        }

    def _new_message(
        self,
        channel: FakeChannel,
        body: Mapping[str, Any],
        *,
        interaction: FakeInteraction | None = None,
        followup: bool = False,
        allow_empty: bool = False,
    ) -> dict[str, Any]:
        has_payload = any(
            body.get(k)
            for k in ("content", "embeds", "components", "poll", "sticker_ids", "attachments")
        )
        if not (has_payload or allow_empty):
            raise _DiscordError(400, 50006, "Cannot send an empty message")
        message_id = self.ids.next()
        flags = int(body.get("flags") or 0)
        message: dict[str, Any] = {
            "type": 0,
            "channel_id": str(channel.id),
            "id": str(message_id),
            "author": self.bot_user.payload(),
            "attachments": [],
            "timestamp": _snowflake_time_iso(message_id),
            "edited_timestamp": None,
            "flags": flags,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            **self._render_message_fields(channel, body),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id"):
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "channel_id": str(channel.id),
                "message_id": str(reference["message_id"]),
            }
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = _interaction_metadata(interaction)
            if not followup and interaction.kind == INTERACTION_COMMAND:
                message["type"] = 20  # CHAT_INPUT_COMMAND
        channel.messages.append(message)
        return message

    def _edited(
        self, message: dict[str, Any], body: Mapping[str, Any], channel: FakeChannel
    ) -> dict[str, Any]:
        updated = {**message, **self._render_message_fields(channel, body, base=message)}
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be toggled; ephemeral sticks.
            updated["flags"] = (message["flags"] & MESSAGE_FLAG_EPHEMERAL) | int(body["flags"])
        updated["flags"] &= ~MESSAGE_FLAG_LOADING  # a deferred reply stops "thinking"
        updated["edited_timestamp"] = _now_iso()
        index = next(i for i, m in enumerate(channel.messages) if m["id"] == message["id"])
        channel.messages[index] = updated
        self.edits.append(updated)
        return updated

    @staticmethod
    def _remove_message(channel: FakeChannel, message: dict[str, Any]) -> None:
        channel.messages[:] = [m for m in channel.messages if m is not message]


# --------------------------------------------------------------------------------------------
# Pointing discord.py at the fake.
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at ``fake``; restore them afterwards.

    ``Route.BASE`` is a plain ``str`` read whenever a Route is built (interaction callbacks
    and webhooks included); ``DEFAULT_GATEWAY`` is a ``yarl.URL`` to which discord.py adds
    ``?v=10&encoding=json&compress=zlib-stream``. A plain ``Client`` never calls
    ``GET /gateway/bot``, so nothing else needs redirecting.
    """
    saved_base = discord.http.Route.BASE
    saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = saved_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved_gateway


async def _settle_command_tasks(limit: float) -> None:
    """Let command callbacks still running finish (cancel stragglers) before the client closes.

    discord.py runs each app command in a task named ``CommandTree-invoker``; closing the
    client under one makes it fail with "Server disconnected" and muddles the test's log.
    """
    pending = [
        t
        for t in asyncio.all_tasks()
        if t.get_name() == "CommandTree-invoker" and t is not asyncio.current_task()
    ]
    if not pending:
        return
    _, late = await asyncio.wait(pending, timeout=limit)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, fake: FakeDiscord
) -> AsyncIterator[discord.Client]:
    """Run ``client`` against ``fake`` until it is ready; on exit let running commands finish,
    close the client and reap its task.

    Create the client with a small ``guild_ready_timeout`` (e.g. 0.05): discord.py waits that
    long after the last GUILD_CREATE before firing ``on_ready`` (2 s by default).
    """
    with point_discord_py_at(fake):
        task = asyncio.create_task(client.start(fake.token), name="fake-discord-client")
        try:
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {task, ready}, timeout=fake.wait_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()  # re-raise why the client stopped (e.g. LoginFailure)
                raise TimeoutError("discord.py did not become ready against the fake")
            yield client
        finally:
            await _settle_command_tasks(fake.wait_timeout)
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=fake.wait_timeout)
