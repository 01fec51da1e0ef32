"""Weeks, months and business days in real time zones, across both DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.periods import (
    add_business_days,
    is_business_day,
    local_to_utc,
    month_bounds,
    start_of_day,
    week_bounds,
)

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]

# Dates (local) on which each zone changes its clocks in 2026; Kolkata has no DST.
DST_CHANGES = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
    "Asia/Kolkata": [date(2026, 3, 8), date(2026, 11, 1)],
}


@pytest.mark.parametrize("zone_name", ZONES)
def test_weeks_across_dst_start_at_local_midnight_of_the_week_start(zone_name: str) -> None:
    tz = ZoneInfo(zone_name)
    for change in DST_CHANGES[zone_name]:
        for offset in range(-8, 9):
            instant = datetime.combine(change + timedelta(days=offset), time(12), tz)
            since, until = week_bounds(instant.astimezone(UTC), tz, 0)
            start_local = since.astimezone(tz)
            end_local = until.astimezone(tz)
            assert start_local.weekday() == 0
            assert start_local.time() == time(0, 0)
            assert end_local.time() == time(0, 0)
            assert (end_local.date() - start_local.date()).days == 7
            assert since <= instant < until


@pytest.mark.parametrize("zone_name", ZONES)
def test_a_week_containing_a_dst_change_is_an_hour_longer_or_shorter(zone_name: str) -> None:
    tz = ZoneInfo(zone_name)
    lengths = set()
    for change in DST_CHANGES[zone_name]:
        instant = datetime.combine(change, time(12), tz).astimezone(UTC)
        since, until = week_bounds(instant, tz, change.weekday())
        lengths.add(until - since)
    if zone_name == "Asia/Kolkata":
        assert lengths == {timedelta(days=7)}
    else:
        assert lengths == {timedelta(days=7, hours=-1), timedelta(days=7, hours=1)}


@pytest.mark.parametrize("week_start", range(7))
def test_week_bounds_respect_the_cohorts_first_day(week_start: int) -> None:
    tz = ZoneInfo("Europe/Berlin")
    since, _ = week_bounds(datetime(2026, 10, 25, 12, tzinfo=UTC), tz, week_start)
    assert since.astimezone(tz).weekday() == week_start


def test_month_bounds_follow_the_local_calendar() -> None:
    tz = ZoneInfo("Australia/Sydney")
    # 31 Oct 20:00 UTC is already 1 Nov 07:00 in Sydney.
    since, until = month_bounds(datetime(2026, 10, 31, 20, tzinfo=UTC), tz)
    assert since.astimezone(tz).date() == date(2026, 11, 1)
    assert until.astimezone(tz).date() == date(2026, 12, 1)


def test_a_wall_time_in_the_repeated_hour_resolves_to_its_first_occurrence() -> None:
    tz = ZoneInfo("America/New_York")
    instant = local_to_utc(date(2026, 11, 1), time(1, 30), tz)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


def test_a_wall_time_in_the_skipped_hour_resolves_to_the_moment_clocks_jump() -> None:
    tz = ZoneInfo("America/New_York")
    instant = local_to_utc(date(2026, 3, 8), time(2, 30), tz)
    assert instant == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    berlin = ZoneInfo("Europe/Berlin")
    assert local_to_utc(date(2026, 3, 29), time(2, 15), berlin) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_start_of_day_where_dst_jumps_at_midnight() -> None:
    tz = ZoneInfo("America/Santiago")  # clocks jump from 00:00 to 01:00 in September
    start = start_of_day(date(2026, 9, 6), tz)
    assert start.astimezone(tz).time() == time(1, 0)


def test_business_days_skip_weekends() -> None:
    friday = date(2026, 11, 27)
    assert add_business_days(friday, 1) == date(2026, 11, 30)
    assert add_business_days(friday, 3) == date(2026, 12, 2)
    assert add_business_days(date(2026, 11, 28), 3) == date(2026, 12, 2)  # from a Saturday
    assert add_business_days(friday, 0) == friday


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_adding_business_days_lands_on_a_business_day_that_far_away(
    start: date, count: int
) -> None:
    end = add_business_days(start, count)
    span = (end - start).days
    assert sum(1 for n in range(1, span + 1) if (start + timedelta(days=n)).weekday() < 5) == count
    if count:
        assert is_business_day(end)
        assert (end - start).days <= count + 2 * (count // 5 + 1) + 2


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.sampled_from(ZONES),
    st.integers(0, 6),
)
def test_every_instant_lies_in_exactly_the_week_its_bounds_say(
    naive: datetime, zone_name: str, week_start: int
) -> None:
    tz = ZoneInfo(zone_name)
    instant = naive.replace(tzinfo=UTC)
    since, until = week_bounds(instant, tz, week_start)
    assert since <= instant < until
    next_since, _ = week_bounds(until, tz, week_start)
    assert next_since == until


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    st.times(),
    st.sampled_from([*ZONES, "America/Santiago", "Europe/London"]),
)
def test_local_to_utc_gives_that_wall_time_or_the_first_valid_one_after(
    day: date, wall: time, zone_name: str
) -> None:
    tz = ZoneInfo(zone_name)
    instant = local_to_utc(day, wall.replace(tzinfo=None), tz)
    shown = instant.astimezone(tz).replace(tzinfo=None)
    wanted = datetime.combine(day, wall.replace(tzinfo=None))
    assert shown >= wanted - timedelta(seconds=1)
    assert shown - wanted < timedelta(hours=2)
