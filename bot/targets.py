"""Target employers, the LAMP list of *The 2-Hour Job Search*, and how they are ranked.

A member lists the organisations they would like to work for, noting for each whether they
know an advocate (an alumnus, a friend) there, how much they want it (motivation 1 to 3) and
whether a relevant posting is open. Dalton ranks the list by motivation, then posting, then
advocate, and works the top five at a time: those are "active". Private to the member.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError

MAX_TARGETS = 200
"""Most organisations on one member's list; a list longer than this is no longer a plan."""
ACTIVE = 5
"""How many of the top of the list a member works at a time."""
EMPLOYER_LIMIT = 100
DEFAULT_MOTIVATION = 2
MAX_CSV = 40_000
"""Largest target list file read, in characters: 200 rows fit many times over."""
ERRORS_SHOWN = 10
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


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


class BadTargetList(UserError):
    """A target list with rows that cannot be read: every bad row, by line, and nothing
    imported."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:ERRORS_SHOWN]
        more = len(problems) - len(shown)
        lines = "\n".join(f"• {p}" for p in shown)
        extra = f"\n…and {more} more." if more else ""
        super().__init__(
            "Nothing was imported: fix these rows and try again (columns: employer, alumni, "
            f"motivation 1-3, posting).\n{lines}{extra}"
        )


def _flag(value: str) -> bool | None:
    folded = value.strip().casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def _employer(value: str) -> str | None:
    """The employer's name as typed, spacing tidied; None if empty, too long or with
    control characters. A leading ``=`` stays: it is text here and escaped on export."""
    name = " ".join(value.split())
    if name[:1] == "'" and name[1:2] in ("=", "+", "-", "@"):
        name = name[1:]  # our own export's guard against spreadsheet formulas
    if not name or len(name) > EMPLOYER_LIMIT:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        return None
    return name


def parse_target_csv(text: str) -> list[NewTarget]:
    """Read a target list: ``employer, alumni, motivation, posting`` with an optional header,
    at most ``MAX_TARGETS`` rows. Raises ``BadTargetList`` naming every bad row."""
    rows = list(csv.reader(text.splitlines()))
    if rows and rows[0] and rows[0][0].strip().casefold() in ("employer", "organisation", "org"):
        rows = [[], *rows[1:]]  # keep line numbers as the member sees them
    targets: list[NewTarget] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > 4:
            problems.append(f"line {line}: {len(row)} columns; a row has at most 4")
            continue
        cells = [*row, "", "", ""][:4]
        employer = _employer(cells[0])
        alumni, posting = _flag(cells[1]), _flag(cells[3])
        motivation = cells[2].strip() or str(DEFAULT_MOTIVATION)
        if employer is None:
            problems.append(f"line {line}: the employer is empty, too long or unreadable")
        elif employer_key(employer) in seen:
            problems.append(f"line {line}: {employer} is already on an earlier line")
        elif alumni is None:
            problems.append(f"line {line}: alumni should be yes or no")
        elif motivation not in ("1", "2", "3"):
            problems.append(f"line {line}: motivation should be 1, 2 or 3")
        elif posting is None:
            problems.append(f"line {line}: posting should be yes or no")
        else:
            seen.add(employer_key(employer))
            targets.append(NewTarget(employer, alumni, int(motivation), posting))
    if len(targets) + len(problems) > MAX_TARGETS:
        raise UserError(
            f"That list has {len(targets) + len(problems)} rows; a target list holds at most "
            f"{MAX_TARGETS}. Keep the ones you'd most like to work for."
        )
    if problems:
        raise BadTargetList(problems)
    if not targets:
        raise UserError(
            "That file has no rows to import. One employer a line, e.g. `Acme,yes,3,no`."
        )
    return targets
