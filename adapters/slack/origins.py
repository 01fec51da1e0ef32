"""Who is asking: Slack profiles (``users.info``), cached, turned into the core's ``Origin``.

A profile says whether the user is a workspace admin or owner (an organizer) and which time
zone their Slack profile is in. Lookups are cached for a few minutes and shared between
concurrent requests, so a burst of commands costs one ``users.info`` call per person.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.invocation import Origin
from bot.timezones import canonical_timezone

log = logging.getLogger(__name__)

PLATFORM = "slack"
PROFILE_TTL_SECONDS = 300.0


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction (``team`` is null for org-wide installs)."""
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")


@dataclass(frozen=True)
class Profile:
    """What reachout uses of a Slack user."""

    user_id: str
    display_name: str
    handle: str
    is_admin: bool
    timezone: str | None


def profile_from_api(user: dict[str, object]) -> Profile:
    """A ``Profile`` from the ``user`` object of ``users.info``."""
    raw_profile = user.get("profile")
    details = raw_profile if isinstance(raw_profile, dict) else {}
    handle = str(user.get("name") or user.get("id") or "")
    display = str(details.get("display_name") or user.get("real_name") or handle)
    zone = user.get("tz")
    return Profile(
        user_id=str(user.get("id") or ""),
        display_name=display,
        handle=handle,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        timezone=canonical_timezone(zone) if isinstance(zone, str) else None,
    )


class ProfileDirectory:
    """``users.info`` behind a short-lived cache, keyed by team so workspaces never mix."""

    def __init__(
        self,
        client: AsyncWebClient,
        ttl: float = PROFILE_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, Profile | None]] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Profile | None]] = {}

    async def get(self, team_id: str, user_id: str) -> Profile | None:
        """The user's profile, or None when Slack will not say (unknown user, API trouble)."""
        key = (team_id, user_id)
        entry = self._cache.get(key)
        if entry is not None and entry[0] >= self._monotonic():
            return entry[1]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(team_id, user_id))
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def _fetch(self, team_id: str, user_id: str) -> Profile | None:
        profile: Profile | None = None
        try:
            response = await self._client.users_info(user=user_id)
            user = response.get("user")
            if isinstance(user, dict):
                profile = profile_from_api(user)
        except SlackApiError as error:
            log.warning(
                "users.info failed for user %s in team %s: %s",
                user_id,
                team_id,
                error.response.get("error"),
            )
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning(
                "users.info unreachable for user %s in team %s: %r", user_id, team_id, error
            )
            return None  # not cached: the next request tries again
        self._cache[(team_id, user_id)] = (self._monotonic() + self._ttl, profile)
        return profile


class Origins:
    """Builds the core's ``Origin`` for a Slack request.

    Events carry no names, so the names seen in slash commands are remembered for users
    and workspaces that ``users.info`` and ``auth.test`` cannot describe.
    """

    def __init__(self, profiles: ProfileDirectory, home_team_id: str, home_team_name: str) -> None:
        self.profiles = profiles
        self._team_names = {home_team_id: home_team_name}
        self._user_names: dict[tuple[str, str], str] = {}

    def team_name(self, team_id: str, domain: str | None = None) -> str:
        """The workspace's name: from ``auth.test`` for ours, else the first domain seen."""
        if team_id not in self._team_names and domain:
            self._team_names[team_id] = domain
        return self._team_names.get(team_id, team_id)

    async def origin(
        self,
        team_id: str,
        user_id: str,
        *,
        user_name: str = "",
        channel_id: str | None = None,
        team_domain: str | None = None,
    ) -> Origin:
        profile = await self.profiles.get(team_id, user_id)
        if user_name:
            self._user_names[(team_id, user_id)] = user_name
        fallback_name = self._user_names.get((team_id, user_id), user_id)
        return Origin(
            platform=PLATFORM,
            workspace_id=team_id,
            workspace_name=self.team_name(team_id, team_domain),
            channel_id=channel_id,
            user_id=user_id,
            user_name=profile.display_name if profile else fallback_name,
            is_admin=profile.is_admin if profile else False,
            user_timezone=profile.timezone if profile else None,
        )
