"""Competition ranking for the leaderboard: ties share a rank, the next rank skips."""

from __future__ import annotations

from bot.engine import rank_standings
from bot.models import Standing


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    totals = [5, 5, 4, 1, 1]
    standings = [Standing(n, f"u{n}", f"M{n}", True, t) for n, t in enumerate(totals, start=1)]
    assert [p.rank for p in rank_standings(standings)] == [1, 1, 3, 4, 4]


def test_an_empty_board_has_no_ranks() -> None:
    assert rank_standings([]) == []
