"""Public holiday calendars, so business days skip the days offices are closed.

A calendar is named by a code: an ISO country (``US``, ``GB``, ``IN``) with, optionally, a
subdivision (``CA-ON``, ``DE-BE``). A cohort's calendar is set by its organizers, else follows
its time zone where the zone belongs to one country (``Europe/Berlin`` is Germany; ``UTC``
is nobody's); a member may choose their own. ``none`` means weekends only.

The dates come from the ``holidays`` package, built one year at a time and kept. It is
imported when a calendar is first looked up, not when the bot starts: it costs about 5 MB
(and its countries' data 9 MB more), which a bot answering no follow-up never needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources

from bot.errors import UserError
from bot.models import Cohort, Member

NO_HOLIDAYS = "none"
"""The stored setting for weekends only."""
FROM_TIME_ZONE = "auto"
"""What organizers type to go back to the calendar of the cohort's time zone."""
MEMBER_DEFAULT = "default"
"""What a member types to go back to the cohort's calendar."""
_ALIASES = {"UK": "GB"}
_ENGLISH = ("en_US", "en_GB", "en_IN", "en_CA")


@dataclass(frozen=True)
class HolidayCalendar:
    """One country's (or one subdivision's) public holidays."""

    country: str
    subdivision: str | None = None

    @property
    def code(self) -> str:
        """``CA-ON``, or ``US``: what members type and what is stored."""
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def holiday(self, day: date) -> str | None:
        """The name of the public holiday on ``day``, or None if it is an ordinary day."""
        return _year(self.country, self.subdivision, day.year).get(day)


class UnknownHolidays(UserError):
    """A calendar code the holidays data does not know; the same words everywhere."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"I don't know public holidays for “{code.strip()[:20]}”. Use a country code "
            "like `US`, `GB`, `IN` or `DE`, with a region if you like (`CA-ON`, `DE-BE`), "
            "or `none` for weekends only."
        )


def parse_calendar(code: str) -> HolidayCalendar | None:
    """The calendar for a code typed by a user (``ca-on``, ``UK``); None for ``none``.

    Raises ``UnknownHolidays`` for a country or region the data does not have.
    """
    cleaned = code.strip().upper().replace("_", "-").replace("/", "-")
    if cleaned.casefold() == NO_HOLIDAYS:
        return None
    country, _, subdivision = cleaned.partition("-")
    country = _ALIASES.get(country, country)
    supported = _supported()
    if len(country) != 2 or country not in supported:
        raise UnknownHolidays(code)
    if subdivision and subdivision not in supported[country]:
        raise UnknownHolidays(code)
    return HolidayCalendar(country, subdivision or None)


def setting_from_text(raw: str, default_word: str) -> str | None:
    """What to store for a typed choice: a calendar's code, ``none``, or None for
    ``default_word`` (the cohort's calendar, or the time zone's)."""
    if raw.strip().casefold() == default_word:
        return None
    calendar = parse_calendar(raw)
    return calendar.code if calendar else NO_HOLIDAYS


def stored_calendar(code: str | None) -> HolidayCalendar | None:
    """The calendar of a code read back from storage; an unknown one counts as none."""
    if not code or code == NO_HOLIDAYS:
        return None
    try:
        return parse_calendar(code)
    except UnknownHolidays:
        return None


def zone_country(timezone: str) -> str | None:
    """The one country a time zone belongs to (``zone.tab``), or None (``UTC``, ``Etc/*``)."""
    return _zone_countries().get(timezone)


def cohort_calendar(cohort: Cohort) -> HolidayCalendar | None:
    """The cohort's calendar: its setting, else its time zone's country, else none."""
    return setting_or_zone_calendar(cohort.holiday_calendar, cohort.timezone)


def setting_or_zone_calendar(code: str | None, timezone: str) -> HolidayCalendar | None:
    """A stored calendar setting, else the country of ``timezone``, else none."""
    if code is not None:
        return stored_calendar(code)
    country = zone_country(timezone)
    return HolidayCalendar(country) if country and country in _supported() else None


def member_calendar(member: Member, cohort: Cohort) -> HolidayCalendar | None:
    """The calendar a member's business days skip: their own setting, else the cohort's."""
    if member.holiday_calendar is not None:
        return stored_calendar(member.holiday_calendar)
    return cohort_calendar(cohort)


def describe(calendar: HolidayCalendar | None) -> str:
    """``US public holidays`` or ``weekends only``, for settings replies."""
    return f"{calendar.code} public holidays" if calendar else "weekends only"


@cache
def _supported() -> dict[str, list[str]]:
    import holidays as holiday_data

    return {
        code: list(subdivisions)
        for code, subdivisions in holiday_data.list_supported_countries().items()
    }


@lru_cache(maxsize=256)
def _year(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """One year of a calendar, named in English where the data has English names."""
    import holidays as holiday_data

    probe = holiday_data.country_holidays(country)
    languages = probe.supported_languages or ()
    language = next((lang for lang in _ENGLISH if lang in languages), None)
    found = holiday_data.country_holidays(
        country, subdiv=subdivision, years=year, language=language
    )
    return {day: str(name) for day, name in found.items()}


@cache
def _zone_countries() -> dict[str, str]:
    """Each zone of ``zone.tab`` (one country per zone) with its country code."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    found = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            found[fields[2]] = fields[0]
    return found
