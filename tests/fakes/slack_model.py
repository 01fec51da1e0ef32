"""The fake Slack's records: workspaces, users and channels it serves, and what it saw.

Kept apart from the server so tests can type against them without the aiohttp machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

BOT_SCOPES = "chat:write,commands,im:write,users:read,files:write,files:read"


@dataclass
class FakeUser:
    """A workspace user as `users.info` describes one."""

    id: str
    team_id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    tz: str = "UTC"
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    locale: str = "en-US"

    def to_api(self, now: float) -> dict[str, Any]:
        """The `user` object; `tz_offset` is computed for `now`, so DST is honoured."""
        local = datetime.fromtimestamp(now, ZoneInfo(self.tz))
        offset = local.utcoffset()
        real_name = self.real_name or self.name
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": self.display_name,
                "display_name_normalized": self.display_name,
                "avatar_hash": "g0000000000a",
                "team": self.team_id,
            },
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "locale": self.locale,
        }


@dataclass
class FakeChannel:
    """A conversation the bot can post to; `bot_is_member=False` gives `not_in_channel`."""

    id: str
    team_id: str
    name: str
    is_im: bool = False
    user: str | None = None  # the other party of a DM
    is_private: bool = False
    bot_is_member: bool = True


@dataclass
class FakeTeam:
    """A workspace with its bot installation, users and channels."""

    id: str
    name: str
    domain: str
    bot_user_id: str
    bot_id: str
    bot_tokens: set[str]
    scopes: str = BOT_SCOPES
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)


@dataclass
class ApiCall:
    """One Web API request as the fake received it, and what it answered."""

    method: str
    http_method: str
    params: dict[str, Any]  # query + form + JSON body merged; JSON-string params decoded
    headers: dict[str, str]
    token: str | None
    content_type: str
    at: float  # fake clock (epoch seconds)
    team_id: str | None = None
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


class CallLog(list[ApiCall]):
    """`fake.calls`: every Web API call in arrival order, with filters."""

    def named(self, method: str) -> list[ApiCall]:
        return [call for call in self if call.method == method]

    def methods(self) -> list[str]:
        return [call.method for call in self]

    def last(self, method: str | None = None) -> ApiCall:
        matching = self.named(method) if method is not None else list(self)
        if not matching:
            raise AssertionError(f"no call to {method or 'any method'}; calls: {self.methods()}")
        return matching[-1]


@dataclass
class ResponseUrl:
    """A `response_url` the fake issued: where, for whom, and how often it was used."""

    url: str
    team_id: str
    channel_id: str
    user_id: str
    issued_at: float
    used: int = 0
    message_ts: str | None = None  # the message a click came from, for `replace_original`


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a `response_url`, accepted or refused."""

    url: str
    body: Any
    at: float
    status: int
    error: str | None

    @property
    def accepted(self) -> bool:
        return self.error is None
