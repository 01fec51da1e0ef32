"""/cohort report: whole local weeks, refused ranges, small counts, and nobody hidden named."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.clock import ManualClock
from bot.commands.reports import render_report
from bot.errors import UserError
from bot.invocation import Invocation, Origin
from bot.models import ActionKind
from bot.reports.table import report_csv
from bot.reports.term import TermReport
from bot.runtime import Runtime

NEW_YORK = "America/New_York"


def origin(user: str) -> Origin:
    return Origin("console", "local", "Local", "general", user, user.title(), is_admin=True)


async def as_member(runtime: Runtime, user: str, *, hidden: bool = False) -> Invocation:
    inv = await runtime.engine.resolve(origin(user))
    if hidden:
        inv = await runtime.engine.update_settings(
            inv, replace(inv.member, show_on_leaderboard=False)
        )
    return inv


async def cohort(runtime: Runtime, timezone: str = NEW_YORK) -> None:
    inv = await runtime.engine.resolve(origin("alex"))
    await runtime.engine.setup_cohort(inv, "PhD careers", timezone, 0)


async def log_at(
    runtime: Runtime,
    clock: ManualClock,
    user: str,
    when: datetime,
    kind: ActionKind = ActionKind.EMAIL_SENT,
    count: int = 1,
) -> None:
    clock.set(when)
    await runtime.engine.record(await as_member(runtime, user), kind, count=count)


async def report_for(
    runtime: Runtime, clock: ManualClock, first: date | None, last: date | None, now: datetime
) -> TermReport:
    clock.set(now)
    found, _image = await runtime.engine.cohort_report(
        await as_member(runtime, "alex"), first, last
    )
    return found


def rows(report: TermReport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(report_csv(report))))


async def test_weeks_across_the_end_of_daylight_saving_are_whole_local_weeks(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    # New York leaves DST on Sunday 1 Nov 2026 at 02:00.
    await log_at(runtime, clock, "kim", datetime(2026, 11, 2, 4, 30, tzinfo=UTC))  # Sun 23:30
    await log_at(runtime, clock, "kim", datetime(2026, 11, 2, 5, 30, tzinfo=UTC))  # Mon 00:30
    await log_at(runtime, clock, "kim", datetime(2026, 10, 26, 3, 30, tzinfo=UTC))  # Sun 23:30 EDT
    found = await report_for(
        runtime, clock, date(2026, 10, 26), date(2026, 11, 8), datetime(2026, 11, 20, tzinfo=UTC)
    )
    assert [w.week.first_day for w in found.weeks] == [date(2026, 10, 26), date(2026, 11, 2)]
    emails = [w.week.totals.get(ActionKind.EMAIL_SENT, 0) for w in found.weeks]
    assert emails == [1, 1]  # the Sunday before each Monday, not the Monday after
    assert found.totals[ActionKind.EMAIL_SENT] == 2  # 25 Oct (before the range) left out


async def test_a_range_across_a_year_end_keeps_new_years_eve_in_its_week(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    await log_at(runtime, clock, "kim", datetime(2027, 1, 1, 4, 59, tzinfo=UTC))  # 31 Dec 23:59
    await log_at(runtime, clock, "kim", datetime(2027, 1, 1, 5, 1, tzinfo=UTC))  # 1 Jan 00:01
    found = await report_for(
        runtime, clock, date(2026, 12, 21), date(2027, 1, 10), datetime(2027, 1, 15, tzinfo=UTC)
    )
    assert [w.week.first_day for w in found.weeks] == [
        date(2026, 12, 21),
        date(2026, 12, 28),
        date(2027, 1, 4),
    ]
    assert [w.week.totals.get(ActionKind.EMAIL_SENT, 0) for w in found.weeks] == [0, 2, 0]
    reply = render_report(found)
    assert reply.title == "📋 PhD careers: Mon 21 Dec 2026 to Sun 10 Jan 2027"
    assert [r["week_start"] for r in rows(found)][:4] == [
        "2026-12-21",
        "2026-12-28",
        "2027-01-04",
        "total",
    ]


async def test_without_dates_the_report_is_the_last_twelve_weeks_up_to_today(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    found = await report_for(runtime, clock, None, None, datetime(2026, 11, 26, 15, tzinfo=UTC))
    assert len(found.weeks) == 12
    assert found.weeks[-1].week.first_day == date(2026, 11, 23)
    assert found.current_week == date(2026, 11, 23)
    assert "23 Nov (so far):" in render_report(found).plain_text()


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        (date(2026, 11, 20), date(2026, 11, 1), "`from` (2026-11-20) is after `to` (2026-11-01)"),
        (date(2026, 11, 1), date(2026, 12, 25), "`to` (2026-12-25) is in the future"),
        (date(2024, 1, 1), date(2026, 11, 1), "That is 148 weeks; a report covers at most 53"),
        (date(1900, 1, 1), None, "a report covers at most 53 (a year)"),
    ],
)
async def test_a_backwards_future_or_absurd_range_is_refused_in_one_sentence(
    runtime: Runtime, clock: ManualClock, first: date, last: date | None, says: str
) -> None:
    await cohort(runtime)
    with pytest.raises(UserError, match=re.escape(says)):
        await report_for(runtime, clock, first, last, datetime(2026, 11, 26, 15, tzinfo=UTC))


async def test_counts_of_fewer_than_five_members_are_never_shown_as_numbers(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    for user in ("kim", "lee", "sam"):
        await log_at(runtime, clock, user, datetime(2026, 11, 17, 15, tzinfo=UTC), count=3)
    found = await report_for(
        runtime, clock, date(2026, 11, 16), date(2026, 11, 22), datetime(2026, 11, 26, tzinfo=UTC)
    )
    text = render_report(found).plain_text()
    assert "16 Nov: fewer than 5 active, fewer than 5 at goal; 9 emails" in text
    assert "Members: fewer than 5, fewer than 5 active at least once" in text
    [week, total, *_] = rows(found)
    assert (week["members_active"], week["members_at_goal"]) == ("fewer than 5", "fewer than 5")
    assert total["members_active"] == "fewer than 5"
    assert week["outreach_emails"] == "9"


async def test_five_or_more_members_are_counted_and_nobody_logging_shows_as_zero(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    for user in ("kim", "lee", "sam", "ada", "bo", "cy"):
        await log_at(runtime, clock, user, datetime(2026, 11, 17, 15, tzinfo=UTC))
    found = await report_for(
        runtime, clock, date(2026, 11, 9), date(2026, 11, 22), datetime(2026, 11, 26, tzinfo=UTC)
    )
    quiet, busy, *_ = rows(found)
    assert (quiet["members_active"], busy["members_active"]) == ("0", "6")


async def test_the_csv_names_only_members_who_opted_in_and_no_one_else_in_any_form(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    hidden = ("quinn", "rory", "sasha", "tali", "uma")
    for user in hidden:
        await as_member(runtime, user, hidden=True)
    for user in ("kim", *hidden):
        await log_at(runtime, clock, user, datetime(2026, 11, 17, 15, tzinfo=UTC), count=2)
    found = await report_for(
        runtime, clock, date(2026, 11, 16), date(2026, 11, 22), datetime(2026, 11, 26, tzinfo=UTC)
    )
    table = rows(found)
    named = {r["member"] for r in table if r["scope"] == "member"}
    assert named == {"Kim"}
    assert [r["outreach_emails"] for r in table if r["scope"] == "cohort"] == ["12", "12"]
    assert all(r["member"] == "" for r in table if r["scope"] == "cohort")
    whole = report_csv(found).casefold()
    for user in hidden:
        assert user not in whole
    assert "member-" not in whole
    ids = {m.id for m in found.weeks[0].roster if not m.show_on_leaderboard}
    assert all(str(i) not in {r["member"] for r in table} for i in ids)


async def test_named_rows_are_withheld_when_so_few_are_hidden_that_totals_would_reveal_them(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    await as_member(runtime, "quinn", hidden=True)
    for user in ("kim", "quinn"):
        await log_at(runtime, clock, user, datetime(2026, 11, 17, 15, tzinfo=UTC), count=2)
    found = await report_for(
        runtime, clock, date(2026, 11, 16), date(2026, 11, 22), datetime(2026, 11, 26, tzinfo=UTC)
    )
    assert found.withheld
    assert {r["scope"] for r in rows(found)} == {"cohort"}
    assert "Kim" not in report_csv(found)
    assert "named rows would let their numbers be worked out" in render_report(found).plain_text()


async def test_the_report_has_its_funnel_and_its_chart(
    runtime: Runtime, clock: ManualClock
) -> None:
    await cohort(runtime)
    when = datetime(2026, 11, 17, 15, tzinfo=UTC)
    await log_at(runtime, clock, "kim", when, count=10)
    await log_at(runtime, clock, "kim", when, ActionKind.REPLY_RECEIVED, count=3)
    await log_at(runtime, clock, "kim", when, ActionKind.INTERVIEW_DONE)
    clock.set(datetime(2026, 11, 26, tzinfo=UTC))
    found, image = await runtime.engine.cohort_report(
        await as_member(runtime, "alex"), date(2026, 11, 16), None
    )
    text = render_report(found).plain_text()
    assert "Outreach emails: 10" in text
    assert "Replies: 3 (reply rate 30%)" in text
    assert "Interviews held: 1 (interview rate 10% of emails)" in text
    assert image is not None
    assert image.filename == "report-2026-11-16.png"
    assert "Emails by week: 16 Nov 10, 23 Nov 0." in image.alt_text
