"""The outreach funnel: outreach emails, then replies, interviews, thank-you notes and the
referrals those conversations led to.

Rates are of outreach emails (``email_sent``): a follow-up goes to someone already written
to, so counting it would make every reply look rarer than it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.models import ActionKind


@dataclass(frozen=True)
class Funnel:
    """How far outreach got: each step's count."""

    emails: int
    replies: int
    interviews: int
    thank_yous: int
    referrals: int = 0

    @classmethod
    def of(cls, totals: Mapping[ActionKind, int]) -> Funnel:
        return cls(
            totals.get(ActionKind.EMAIL_SENT, 0),
            totals.get(ActionKind.REPLY_RECEIVED, 0),
            totals.get(ActionKind.INTERVIEW_DONE, 0),
            totals.get(ActionKind.THANK_YOU_SENT, 0),
            totals.get(ActionKind.REFERRAL_RECEIVED, 0),
        )

    @property
    def reply_rate(self) -> float | None:
        """Replies per outreach email; None before the first email."""
        return self.replies / self.emails if self.emails else None

    @property
    def interview_rate(self) -> float | None:
        """Interviews held per outreach email; None before the first email."""
        return self.interviews / self.emails if self.emails else None


def percent(rate: float | None) -> str:
    """``30%``; a dash when there is nothing to divide by."""
    return "–" if rate is None else f"{rate:.0%}"


def funnel_lines(funnel: Funnel) -> str:
    """The funnel in words, one step a line, each rate named (no arrows for screen readers
    to spell out)."""
    if not funnel.emails and not funnel.replies and not funnel.interviews:
        return "Nothing logged yet: the first outreach email starts it."
    lines = [f"Outreach emails: {funnel.emails:,}"]
    lines.append(f"Replies: {funnel.replies:,} (reply rate {percent(funnel.reply_rate)})")
    lines.append(
        f"Interviews held: {funnel.interviews:,} "
        f"(interview rate {percent(funnel.interview_rate)} of emails)"
    )
    lines.append(f"Thank-you notes: {funnel.thank_yous:,}")
    lines.append(f"Referrals to someone new: {funnel.referrals:,}")
    return "\n".join(lines)
