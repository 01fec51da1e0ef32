"""Short, practical prompts for the week, written for people leaving academia.

They rotate by week and by cohort, so a cohort sees each one before any repeats.
"""

from __future__ import annotations

from datetime import date

PROMPTS = (
    "People you already know count: a former labmate, a TA from undergrad, a friend of a "
    "friend who left academia. Write to one of them this week.",
    "Ask for insight, not a job: \u201cI'd love to hear how you went from a PhD to your "
    "role.\u201d People say yes to that.",
    "Keep the first email under 100 words: who you are, what you share, and one clear ask "
    "for 20 minutes.",
    "Lead with the connection: same department, same conference, same alumni network. It's "
    "why they'll open it.",
    "The 3B7 rhythm: no reply after 3 business days? Write to a second person there. Still "
    "nothing by day 7? One short follow-up.",
    "Follow up once, kindly, then let it go. Silence is about their inbox, not about you.",
    "Send your thank-you note the same day, and name one thing you'll act on.",
    "Before a conversation, prepare three questions: how they got there, what their week "
    "looks like, what they'd do in your place.",
    "End each conversation with \u201cIs there anyone else you think I should talk to?\u201d "
    "One conversation often opens two more.",
    "Your university's alumni directory is full of PhDs in jobs you haven't heard of. Pick "
    "one and write.",
    "Replies come back roughly a quarter to a third of the time. Writing a few every week "
    "is the whole trick.",
    "Block 30 minutes this week just for outreach and protect it like a lab meeting.",
    "Tell past contacts how their advice worked out. That's how contacts become a network.",
    "Nervous about writing to a stranger? Most people enjoy talking about their work, and "
    "email lets them answer when it suits them.",
)


def prompt_for(period: date, cohort_id: int, offset: int = 0) -> str:
    """The prompt for a cohort's week; ``offset`` picks a different one for the check-in."""
    week_number = period.toordinal() // 7
    return PROMPTS[(week_number + cohort_id + offset) % len(PROMPTS)]
