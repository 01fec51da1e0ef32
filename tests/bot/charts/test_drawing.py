"""The weekly chart: it opens as a PNG of the promised size whatever the numbers or name."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.charts.draw import draw_png
from bot.charts.series import ALT_TEXT_LIMIT, HEIGHT, WIDTH, WeeklyChart, alt_text
from bot.weekly import WeekCount

MONDAY = date(2026, 1, 5)


def weeks(*counts: tuple[int, int]) -> tuple[WeekCount, ...]:
    return tuple(
        WeekCount(MONDAY + timedelta(weeks=n), emails, interviews)
        for n, (emails, interviews) in enumerate(counts)
    )


def opened(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


@pytest.mark.parametrize(
    ("title", "counts"),
    [
        ("Empty", ()),
        ("One week", ((4, 1),)),
        ("Eight weeks", ((12, 1), (15, 0), (0, 0), (22, 2), (18, 1), (9, 0), (25, 3), (31, 2))),
        ("A busy week", ((3, 0), (10_000, 40), (7, 1))),
        ("Nothing yet", ((0, 0),) * 8),
        ("A year", tuple((n % 9, n % 3) for n in range(53))),
        ("数学の博士課程 🚀 Кафедра физики — " * 4, ((5, 1),) * 8),
    ],
)
def test_every_chart_is_a_png_of_the_promised_size(
    title: str, counts: tuple[tuple[int, int], ...]
) -> None:
    picture = opened(draw_png(WeeklyChart(title, weeks(*counts), "chart.png")))
    assert picture.format == "PNG"
    assert picture.size == (WIDTH, HEIGHT)
    assert picture.mode == "P"  # a palette of opaque colours: the same on any theme
    assert "transparency" not in picture.info


def test_bars_are_drawn_in_the_two_colour_blind_safe_colours() -> None:
    drawn = opened(draw_png(WeeklyChart("Cohort", weeks((10, 2), (5, 1)), "chart.png")))
    picture = drawn.convert("RGB")
    colours = {colour for _count, colour in picture.getcolors(maxcolors=WIDTH * HEIGHT) or []}
    assert (0x00, 0x72, 0xB2) in colours  # Okabe-Ito blue: emails
    assert (0xD5, 0x5E, 0x00) in colours  # Okabe-Ito vermillion: interviews


def test_the_alt_text_says_every_weeks_numbers_and_the_totals() -> None:
    chart = WeeklyChart("PhD careers", weeks((12, 1), (15, 0), (0, 2)), "chart.png")
    text = alt_text(chart)
    assert text.startswith("Bar chart for PhD careers: emails and informational interviews")
    assert "3 weeks from 5 Jan to 25 Jan 2026" in text
    assert "Emails by week: 5 Jan 12, 12 Jan 15, 19 Jan 0." in text
    assert "Interviews by week: 5 Jan 1, 12 Jan 0, 19 Jan 2." in text
    assert "In all: 27 emails and 3 interviews." in text


def test_a_long_alt_text_becomes_a_summary_within_slacks_limit() -> None:
    counts = [(n * 7 % 40, n % 4) for n in range(53)]
    counts[10] = (10_000, 3)
    text = alt_text(WeeklyChart("A long term", weeks(*counts), "chart.png"))
    assert len(text) <= ALT_TEXT_LIMIT
    assert "Most emails in the week of 16 Mar (10,000)" in text
    assert "53 weeks from 5 Jan 2026 to 10 Jan 2027" in text


def test_totals_of_one_are_singular() -> None:
    assert "In all: 1 email and 1 interview." in alt_text(
        WeeklyChart("Cohort", weeks((1, 1)), "c.png")
    )


def test_an_empty_or_quiet_chart_says_so_in_words() -> None:
    assert alt_text(WeeklyChart("Cohort", (), "c.png")) == "Chart for Cohort: no weeks to show."
    quiet = alt_text(WeeklyChart("Cohort", weeks((0, 0), (0, 0)), "c.png"))
    assert quiet.endswith("Nothing was logged in these weeks.")
