"""The draft check: plain heuristics on an outreach email, the advice of *The 2-Hour Job
Search* made checkable. Short (under 100 words, better under 75); the connection first; an
ask for insight or advice, never for a job; a question at the end; more about them than
about the writer.

Each check gives a verdict and one line saying why, with a suggestion; there is no score.
The text is read and forgotten: nothing here stores or logs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_DRAFT = 2000
"""Longest draft checked, in characters; an outreach email is far shorter."""
SHORT = 75
LIMIT = 100

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b[^,.!:\n]{0,40}[,.!:]?",
    re.IGNORECASE,
)
_JOB_ASK = re.compile(
    r"\b(job|jobs|position|positions|opening|openings|vacanc\w*|hiring|hire me|employment|"
    r"internship|apply|applying|application|my (resume|résumé|cv)|resume attached|"
    r"cv attached|refer me|referral for|open roles?|roles? (on|in|at) your)\b",
    re.IGNORECASE,
)
_INSIGHT_ASK = re.compile(
    r"\b(advice|insight|insights|perspective|learn|learning|hear (about|how)|your experience|"
    r"your path|your journey|your thoughts|how you|chat|call|conversation|talk|"
    r"\d{1,2} minutes|few minutes)\b",
    re.IGNORECASE,
)
_CONNECTION = re.compile(
    r"\b(fellow|alum|alumna|alumnus|alumni|also (a|an|did|studied|went)|we met|met you|"
    r"referred|suggested (i|that i)|recommended|same (lab|program|programme|department|"
    r"university|school)|your (talk|article|paper|post|podcast|presentation|work on)|"
    r"i (saw|read|heard|attended|listened)|mutual|both)\b",
    re.IGNORECASE,
)
_YOU = frozenset({"you", "your", "yours", "yourself", "you're", "you’re", "you've", "you’ve"})
_ME = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d"})
_THANKS = re.compile(r"\bthank(s| you)\b", re.IGNORECASE)
"""Politeness, not attention to the reader: left out when counting "you" words."""
_SIGN_OFF_WORDS = 12
"""Words after the last question mark that can still be a sign-off (thanks, name)."""


class Verdict(StrEnum):
    """How one check came out: fine, worth a look, or the thing to fix first."""

    GOOD = "good"
    OKAY = "okay"
    FIX = "fix"


@dataclass(frozen=True)
class Check:
    """One heuristic's result: what it checked, how it came out, and the one-line why."""

    name: str
    verdict: Verdict
    explanation: str


@dataclass(frozen=True)
class DraftReview:
    """All the checks of one draft, in the order a reader would fix them."""

    words: int
    checks: tuple[Check, ...]

    def verdict(self, name: str) -> Verdict:
        return next(c.verdict for c in self.checks if c.name == name)


def review(text: str) -> DraftReview:
    """Check a draft; ``text`` is read here and kept nowhere."""
    words = _WORD.findall(text)
    return DraftReview(
        len(words),
        (
            _length(len(words)),
            _ask(text),
            _connection(text),
            _question(text),
            _focus(text),
        ),
    )


def _length(count: int) -> Check:
    if count < SHORT:
        return Check("length", Verdict.GOOD, f"{count} words: short enough to read on a phone.")
    if count < LIMIT:
        return Check(
            "length",
            Verdict.OKAY,
            f"{count} words: under {LIMIT}, good. Under {SHORT} makes a reply likelier still.",
        )
    return Check(
        "length",
        Verdict.FIX,
        f"{count} words: aim for under {LIMIT} (ideally {SHORT}). Keep the connection, one line "
        "about you, and the ask; cut the rest.",
    )


def _ask(text: str) -> Check:
    if _JOB_ASK.search(text):
        return Check(
            "ask",
            Verdict.FIX,
            'It asks about a job. Ask for their insight or advice instead ("could I learn how '
            'you got into X?"); jobs come up later, once they know you.',
        )
    if _INSIGHT_ASK.search(text):
        return Check("ask", Verdict.GOOD, "It asks for insight and advice, not a job. 👍")
    return Check(
        "ask",
        Verdict.FIX,
        "I can't find a clear ask. Say what you'd like: e.g. a 15-minute chat about their work.",
    )


def _opening(text: str) -> str:
    """The first sentence after any greeting ("Hi Jane,")."""
    body = _GREETING.sub("", text, count=1).strip()
    first = _SENTENCE.match(body)
    return first.group(0) if first else body


def _connection(text: str) -> Check:
    if _CONNECTION.search(_opening(text)):
        return Check("connection", Verdict.GOOD, "It opens with what connects you. Good start.")
    if _CONNECTION.search(text):
        return Check(
            "connection",
            Verdict.OKAY,
            "The connection is there but not first: move it to the opening sentence.",
        )
    return Check(
        "connection",
        Verdict.FIX,
        "No connection yet. Open with what you share: a school, a lab, a talk of theirs, "
        "who suggested you write.",
    )


def _question(text: str) -> Check:
    last = text.rfind("?")
    if last >= 0 and len(_WORD.findall(text[last + 1 :])) <= _SIGN_OFF_WORDS:
        return Check("question", Verdict.GOOD, "It ends with a question, easy to answer.")
    return Check(
        "question",
        Verdict.FIX,
        "End with a question that's easy to say yes to, e.g. \"Would you have 15 minutes "
        'next week?"',
    )


def _focus(text: str) -> Check:
    lowered = [w.casefold() for w in _WORD.findall(_THANKS.sub(" ", text))]
    about_them = sum(w in _YOU for w in lowered)
    about_me = sum(w in _ME for w in lowered)
    counts = f"“you” words: {about_them}, “I” words: {about_me}."
    if about_me >= max(3, 2 * about_them):
        return Check(
            "focus",
            Verdict.FIX,
            f"{counts} It's mostly about you, the writer; turn a sentence or two towards them "
            "and their work.",
        )
    if about_me > about_them:
        return Check(
            "focus",
            Verdict.OKAY,
            f"{counts} Nearly balanced; one more line about them tips it.",
        )
    return Check("focus", Verdict.GOOD, f"{counts} It's about them. 👍")
