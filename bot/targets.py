"""Target employers, the LAMP list of *The 2-Hour Job Search*, and how they are ranked.

A member lists the organisations they would like to work for, noting for each whether they
know an advocate (an alumnus, a friend) there, how much they want it (motivation 1 to 3) and
whether a relevant posting is open. Dalton ranks the list by motivation, then posting, then
advocate, and works the top five at a time: those are "active". Private to the member.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

MAX_TARGETS = 200
"""Most organisations on one member's list; a list longer than this is no longer a plan."""
ACTIVE = 5
"""How many of the top of the list a member works at a time."""
EMPLOYER_LIMIT = 100
DEFAULT_MOTIVATION = 2


def employer_key(name: str) -> str:
    """How employers are matched (to each other and to contacts' organisations): case and
    spacing do not matter."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class NewTarget:
    """An employer to add to (or update on) a member's list."""

    employer: str
    advocate: bool = False
    motivation: int = DEFAULT_MOTIVATION
    posting: bool = False


@dataclass(frozen=True)
class Target:
    """An employer on a member's list, as stored."""

    id: int
    member_id: int
    employer: str
    advocate: bool
    motivation: int
    posting: bool
    created_at: datetime


def rank_targets(targets: Sequence[Target]) -> list[Target]:
    """Dalton's order: motivation, then an open posting, then an advocate, then the order
    they were added (the first added first)."""
    return sorted(
        targets, key=lambda t: (-t.motivation, not t.posting, not t.advocate, t.created_at, t.id)
    )


def next_target(ranked: Sequence[Target], busy: Collection[str]) -> Target | None:
    """The best-ranked employer whose key is not in ``busy`` (an open follow-up clock)."""
    return next((t for t in ranked if employer_key(t.employer) not in busy), None)
