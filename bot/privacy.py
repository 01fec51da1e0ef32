"""Small-count protection for anything an organiser sees about more than one member.

A count of members below ``SMALL_COUNT`` is shown as words, never as its number: in a
cohort of six, "2 members logged" next to what the organiser already knows says who.
Zero is shown, because it names nobody.
"""

from __future__ import annotations

SMALL_COUNT = 5
FEWER = f"fewer than {SMALL_COUNT}"


def names_withheld(hidden: int) -> bool:
    """Whether rows naming members must be left out because ``hidden`` members (hidden from
    the leaderboard, or gone from the cohort) are too few to hide in the totals: totals minus
    the named rows would be their numbers."""
    return 0 < hidden < SMALL_COUNT


def member_count(count: int) -> str:
    """``count`` as it may be shown: ``0``, ``fewer than 5``, or the number."""
    return FEWER if 0 < count < SMALL_COUNT else f"{count:,}"
