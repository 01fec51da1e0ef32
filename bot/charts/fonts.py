"""Fonts for charts: DejaVu Sans where the system has it, else the font Pillow ships.

Characters a font has no glyph for (emoji, most CJK in DejaVu) are left out of drawn text
rather than drawn as empty boxes; the alt text always carries the full name.
"""

from __future__ import annotations

from functools import cache

from PIL import ImageFont

Font = ImageFont.FreeTypeFont
_REGULAR = ("DejaVuSans.ttf", "Arial.ttf", "LiberationSans-Regular.ttf")
_BOLD = ("DejaVuSans-Bold.ttf", "Arial Bold.ttf", "LiberationSans-Bold.ttf")
_NO_GLYPH = "\uffff"
"""A noncharacter: every font draws it as its "missing glyph" box."""


@cache
def font(size: int, *, bold: bool = False) -> Font:
    """The first of the usual sans-serif fonts found, at ``size`` pixels."""
    for name in _BOLD if bold else _REGULAR:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    default = ImageFont.load_default(size)
    assert isinstance(default, ImageFont.FreeTypeFont)  # Pillow is always built with FreeType
    return default


@cache
def _missing_mask(face: Font) -> bytes:
    return bytes(face.getmask(_NO_GLYPH))


def _has_glyph(face: Font, char: str) -> bool:
    return char.isspace() or bytes(face.getmask(char)) != _missing_mask(face)


def drawable(text: str, face: Font) -> str:
    """``text`` without the characters ``face`` cannot draw, spaces tidied."""
    kept = "".join(c for c in text if c.isprintable() and _has_glyph(face, c))
    return " ".join(kept.split())


def fit(text: str, face: Font, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"
