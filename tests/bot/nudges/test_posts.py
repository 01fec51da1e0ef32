"""What a kickoff says, from its read models alone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from bot.models import ActionKind, Cohort, Member
from bot.nudges.posts import kickoff_reply
from bot.summaries import CohortWeek, WeekActivity

JOINED = datetime(2026, 9, 1, tzinfo=UTC)
COHORT = Cohort(1, 1, "general", "Cohort", "UTC", 0, 3, None)


def member(member_id: int, name: str, *, visible: bool = True) -> Member:
    return Member(
        member_id, 1, f"u{member_id}", name, 1, None, None, None, visible, False, True, JOINED
    )


def test_shout_outs_list_most_interviews_first_and_ties_by_name() -> None:
    roster = [
        member(1, "Zoe"),
        member(2, "ann"),
        member(3, "Bob"),
        member(4, "Hidden", visible=False),
    ]
    counts = {1: 2, 2: 1, 3: 2, 4: 5}
    by_member = {m: Counter({ActionKind.INTERVIEW_DONE: n}) for m, n in counts.items()}
    week = CohortWeek(date(2026, 11, 23), 4, 4, 0, {ActionKind.INTERVIEW_DONE: 10})
    reply = kickoff_reply(COHORT, date(2026, 11, 30), WeekActivity(week, roster, by_member), {})
    assert "🎉 Informational interviews done: Bob, Zoe, ann. Well done!" in reply.text
    assert "Hidden" not in reply.plain_text()
