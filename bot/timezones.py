"""IANA time zone names: lookup that forgives case, validation with one wording, the zone a
member's dates are counted in, and the machine's own zone."""

from __future__ import annotations

import warnings
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import tzlocal

from bot.errors import UserError
from bot.models import Cohort, Member


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


@cache
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone name, sorted: what a time zone option suggests from."""
    return tuple(sorted(available_timezones()))


def canonical_timezone(name: str) -> str | None:
    """The IANA spelling of ``name`` (``europe/berlin`` -> ``Europe/Berlin``), or None."""
    cleaned = name.strip().replace(" ", "_")
    if not cleaned or len(cleaned) > 64:
        return None
    found = _zones_by_folded_name().get(cleaned.casefold())
    if found is None and cleaned.upper() in {"UTC", "GMT", "Z"}:
        found = "UTC"
    return found


class UnknownTimezone(UserError):
    """A time zone name that is not in the IANA database; the same words everywhere."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"I don't know the time zone “{name.strip()[:40]}”. Use an IANA name like "
            "`Europe/Berlin`, `America/New_York` or `Asia/Kolkata`."
        )


def require_timezone(name: str) -> str:
    """The IANA spelling of ``name``; raises ``UnknownTimezone`` if there is none."""
    canonical = canonical_timezone(name)
    if canonical is None:
        raise UnknownTimezone(name)
    return canonical


def member_timezone(member: Member, cohort: Cohort) -> str:
    """The zone a member's days are counted in: their own setting, else their platform
    profile's, else their cohort's."""
    return member.timezone or member.profile_timezone or cohort.timezone


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a name already validated by ``canonical_timezone``."""
    return ZoneInfo(name)


def system_timezone() -> str:
    """The machine's zone (TZ, the system's settings, Windows' registry), else UTC.

    tzlocal knows every platform's way of configuring it, Windows' zone names included.
    """
    with warnings.catch_warnings():
        # tzlocal warns about conflicting configuration; any zone it finds is checked below.
        warnings.simplefilter("ignore")
        try:
            found = tzlocal.get_localzone_name()
        except (LookupError, OSError, ValueError):
            found = None
    name = canonical_timezone(found) if found else None
    if name is None:
        return "UTC"
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return "UTC"
    return name
