"""Competition ranking for the leaderboard (DESIGN.md section 6)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine import rank_standings
from bot.models import Member, Standing


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    def member(n: int) -> Member:
        return Member(
            n, 1, f"u{n}", f"M{n}", 1, None, None, None, True, False, True, datetime.now(UTC)
        )

    ranks = rank_standings(
        [
            Standing(member(1), 5),
            Standing(member(2), 5),
            Standing(member(3), 4),
            Standing(member(4), 1),
            Standing(member(5), 1),
        ]
    )
    assert [p.rank for p in ranks] == [1, 1, 3, 4, 4]


def test_an_empty_board_has_no_ranks() -> None:
    assert rank_standings([]) == []
