"""CSV cells that spreadsheet apps open as text, never run as a formula."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Keep spreadsheet apps from running a cell that starts like a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
