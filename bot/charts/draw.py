"""The weekly chart as a PNG, drawn with Pillow: two labelled panels of bars.

Emails and interviews differ by an order of magnitude, so each has its own panel and scale
rather than sharing an axis. Every bar carries its number, so the picture can be read
without gridlines, and colour is never the only cue: each panel is labelled in words. The
colours are from the Okabe-Ito palette (distinct for every common colour-vision deficiency)
and each has at least 3:1 contrast with the card. The card is opaque, so the chart reads the
same in a light or a dark theme.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.charts.fonts import Font, drawable, fit, font
from bot.charts.series import HEIGHT, WIDTH, WeeklyChart, day_label, span_label

BACKGROUND = "#FFFFFF"
BORDER = "#D0D7DE"
TEXT = "#1F2328"
MUTED = "#57606A"
BASELINE = "#8C959F"
EMAILS = "#0072B2"
"""Okabe-Ito blue: 5.2:1 against white."""
INTERVIEWS = "#D55E00"
"""Okabe-Ito vermillion: 3.9:1 against white."""

MARGIN = 28
PALETTE_COLOURS = 32
BAR_SHARE = 0.62
"""How much of each week's slot its bar fills."""


@dataclass(frozen=True)
class _Panel:
    label: str
    colour: str
    values: tuple[int, ...]
    top: int
    baseline: int


def draw_png(chart: WeeklyChart) -> bytes:
    """The chart as PNG bytes, ``WIDTH`` by ``HEIGHT`` pixels."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=BORDER)
    title_font = font(28, bold=True)
    title = fit(drawable(chart.title, title_font) or "Your cohort", title_font, WIDTH - 2 * MARGIN)
    pen.text((MARGIN, 18), title, font=title_font, fill=TEXT)
    pen.text(
        (MARGIN, 56),
        f"Emails and informational interviews per week, {span_label(chart)}",
        font=font(18),
        fill=MUTED,
    )
    if not chart.weeks:
        pen.text((MARGIN, 200), "No weeks to show yet.", font=font(22), fill=TEXT)
        return encode_png(image)
    emails = tuple(w.emails for w in chart.weeks)
    interviews = tuple(w.interviews for w in chart.weeks)
    panels = (
        _Panel("Emails", EMAILS, emails, 92, 242),
        _Panel("Informational interviews", INTERVIEWS, interviews, 253, 403),
    )
    slot = (WIDTH - 2 * MARGIN) / len(chart.weeks)
    for panel in panels:
        _draw_panel(pen, panel, slot)
    _draw_days(pen, chart, slot, panels[-1].baseline + 8)
    return encode_png(image)


def _draw_panel(pen: ImageDraw.ImageDraw, panel: _Panel, slot: float) -> None:
    label_font, value_font = font(18, bold=True), font(17)
    peak = max(panel.values)
    numbers = [f"{v:,}" for v in panel.values]
    labelled = max(value_font.getlength(n) for n in numbers) <= slot - 4
    pen.rectangle((MARGIN, panel.top + 4, MARGIN + 14, panel.top + 18), fill=panel.colour)
    label = panel.label if labelled else f"{panel.label} (busiest week: {peak:,})"
    pen.text((MARGIN + 22, panel.top), label, font=label_font, fill=TEXT)
    tallest = panel.baseline - (panel.top + 48)
    for index, value in enumerate(panel.values):
        centre = MARGIN + slot * (index + 0.5)
        half = max(1.0, slot * BAR_SHARE / 2)
        height = round(tallest * value / peak) if peak else 0
        top = panel.baseline - max(height, 2 if value else 0)
        if value:
            pen.rectangle((centre - half, top, centre + half, panel.baseline), fill=panel.colour)
        if labelled:
            pen.text((centre, top - 4), numbers[index], font=value_font, fill=TEXT, anchor="mb")
    pen.line((MARGIN, panel.baseline, WIDTH - MARGIN, panel.baseline), fill=BASELINE, width=1)


def _draw_days(pen: ImageDraw.ImageDraw, chart: WeeklyChart, slot: float, top: int) -> None:
    """Each week's first day under its bar, or every few weeks when they would collide."""
    day_font: Font = font(16)
    labels = [day_label(w.first_day) for w in chart.weeks]
    widest = max(day_font.getlength(label) for label in labels)
    every = max(1, math.ceil((widest + 8) / slot))
    for index in range(0, len(labels), every):
        centre = MARGIN + slot * (index + 0.5)
        pen.text((centre, top), labels[index], font=day_font, fill=MUTED, anchor="mt")


def encode_png(image: Image.Image) -> bytes:
    """A 32-colour palette PNG, fast to compress: encoding is most of a chart's cost, and
    the chart has two bar colours, its text and their anti-aliased edges (the exact bar
    colours survive the palette)."""
    out = io.BytesIO()
    palette = image.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    palette.save(out, "PNG", compress_level=1)
    return out.getvalue()
