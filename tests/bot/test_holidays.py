"""Holiday calendars: business days skip each place's public holidays, across year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.holidays import (
    HolidayCalendar,
    UnknownHolidays,
    cohort_calendar,
    member_calendar,
    parse_calendar,
    setting_from_text,
)
from bot.models import Cohort, Member
from bot.periods import add_business_days, holidays_between, is_business_day

US = HolidayCalendar("US")
ONTARIO = HolidayCalendar("CA", "ON")
BERLIN = HolidayCalendar("DE", "BE")
GERMANY = HolidayCalendar("DE")
UK = HolidayCalendar("GB")
INDIA = HolidayCalendar("IN")


def cohort(timezone: str, holidays: str | None = None) -> Cohort:
    return Cohort(1, 1, None, "C", timezone, 0, 3, None, holiday_calendar=holidays)


def member(holidays: str | None) -> Member:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return Member(1, 1, "u", "U", 1, None, None, None, True, False, True, at, None, holidays)


def test_an_email_on_tuesday_22_december_in_the_us_is_due_on_monday_28_not_christmas() -> None:
    assert add_business_days(date(2026, 12, 22), 3, US) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 22), 3) == date(2026, 12, 25)
    assert holidays_between(date(2026, 12, 22), date(2026, 12, 28), US) == ["Christmas Day"]


@pytest.mark.parametrize(
    ("calendar", "start", "count", "due"),
    [
        (US, date(2026, 12, 30), 3, date(2027, 1, 5)),  # New Year's Day
        (ONTARIO, date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas, Boxing Day observed
        (ONTARIO, date(2027, 2, 12), 1, date(2027, 2, 16)),  # Family Day, Ontario's own
        (BERLIN, date(2026, 12, 23), 2, date(2026, 12, 28)),  # Christmas Eve is a workday
        (BERLIN, date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day
        (BERLIN, date(2027, 3, 5), 1, date(2027, 3, 9)),  # Women's Day, Berlin only
        (GERMANY, date(2027, 3, 5), 1, date(2027, 3, 8)),
        (UK, date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas, Boxing Day observed
        (UK, date(2026, 12, 31), 1, date(2027, 1, 4)),
        (INDIA, date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas
        (INDIA, date(2027, 1, 25), 1, date(2027, 1, 27)),  # Republic Day
    ],
)
def test_business_days_skip_the_calendars_public_holidays(
    calendar: HolidayCalendar, start: date, count: int, due: date
) -> None:
    assert add_business_days(start, count, calendar) == due


def test_holidays_are_named_in_english_where_the_data_has_english_names() -> None:
    assert BERLIN.holiday(date(2026, 12, 26)) == "Second Day of Christmas"
    assert INDIA.holiday(date(2027, 1, 26)) == "Republic Day"
    assert US.holiday(date(2026, 12, 24)) is None


def test_codes_are_read_forgivingly_and_unknown_places_are_refused() -> None:
    assert parse_calendar("ca-on") == ONTARIO
    assert parse_calendar(" UK ") == UK
    assert parse_calendar("none") is None
    for bad in ("XX", "US-ZZ", "Narnia", "", "U"):
        with pytest.raises(UnknownHolidays, match="I don't know public holidays"):
            parse_calendar(bad)
    assert setting_from_text("default", "default") is None
    assert setting_from_text("none", "default") == "none"
    assert setting_from_text("de-be", "auto") == "DE-BE"


def test_a_cohort_follows_its_time_zone_where_the_zone_names_one_country() -> None:
    assert cohort_calendar(cohort("Europe/Berlin")) == GERMANY
    assert cohort_calendar(cohort("America/Toronto")) == HolidayCalendar("CA")
    assert cohort_calendar(cohort("Asia/Kolkata")) == INDIA
    assert cohort_calendar(cohort("UTC")) is None
    assert cohort_calendar(cohort("Europe/Berlin", "none")) is None
    assert cohort_calendar(cohort("UTC", "CA-ON")) == ONTARIO


def test_a_members_own_calendar_wins_over_the_cohorts() -> None:
    place = cohort("America/New_York")
    assert member_calendar(member(None), place) == US
    assert member_calendar(member("DE-BE"), place) == BERLIN
    assert member_calendar(member("none"), place) is None


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    count=st.integers(min_value=1, max_value=10),
    calendar=st.sampled_from([US, ONTARIO, BERLIN, UK, INDIA]),
)
def test_a_holiday_only_ever_makes_a_due_date_later_and_never_lands_on_one(
    start: date, count: int, calendar: HolidayCalendar
) -> None:
    due = add_business_days(start, count, calendar)
    assert due >= add_business_days(start, count)
    assert is_business_day(due, calendar)
    assert due - start <= timedelta(days=count * 7 // 5 + 14)
